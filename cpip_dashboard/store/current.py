"""The current view of append-only tables: for each key, the row from the latest committed,
not rolled-back batch (optionally: committed by a given moment). A batch pending approval or
rejected is never current. Only `select()` with bound parameters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, func, select

from cpip_dashboard.store.models import (
    Action,
    ActionUpdate,
    BatchState,
    Indicator,
    IndicatorValue,
    Meeting,
    Population,
    ReviewAssessment,
    UploadBatch,
)

# Sheet kind -> (model, key columns): CONTRACT.md "Time, keys and versions".
KIND_TABLES = {
    "actions": (Action, ("ref",)),
    "updates": (ActionUpdate, ("action_ref", "reporting_date")),
    "indicators": (IndicatorValue, ("indicator_code", "area_code", "period")),
    "review": (ReviewAssessment, ("area_code", "criterion_code", "assessed_on")),
    "meetings": (Meeting, ("meeting_date",)),
    "populations": (Population, ("area_code", "year")),
    "definitions": (Indicator, ("code",)),
}


# A batch's commit time (CONTRACT.md): when it became current - its commit, or under two-person
# approval its approval. Every "as at" rule compares this, never the upload time.
BECAME_CURRENT = func.coalesce(UploadBatch.approved_at, UploadBatch.committed_at)


def committed_batches(committed_by: dt.datetime | None = None) -> Select:
    stmt = select(UploadBatch.id).where(UploadBatch.state == BatchState.COMMITTED)
    if committed_by is not None:
        stmt = stmt.where(BECAME_CURRENT <= committed_by)
    return stmt


def current(model, keys: tuple[str, ...], *where, committed_by: dt.datetime | None = None) -> Select:
    """`select(model)` of the current row per key, filtered by `where` before picking."""
    key_cols = [getattr(model, k) for k in keys]
    latest = (
        select(*key_cols, func.max(model.batch_id).label("latest_batch"))
        .where(model.batch_id.in_(committed_batches(committed_by)), *where)
        .group_by(*key_cols)
        .subquery()
    )
    on = and_(*[getattr(model, k) == latest.c[k] for k in keys],
              model.batch_id == latest.c.latest_batch)
    return select(model).join(latest, on)


def current_kind(kind: str, *where, committed_by: dt.datetime | None = None) -> Select:
    model, keys = KIND_TABLES[kind]
    return current(model, keys, *where, committed_by=committed_by)
