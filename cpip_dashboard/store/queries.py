"""Read queries for the pages. Plain functions of a connection, returning plain Python or
pandas frames; only `select()` with bound parameters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection

import pandas as pd
from sqlalchemy import Connection, func, select

from cpip_dashboard import auth
from cpip_dashboard.store.areas import AreaDirectory, AreaInfo
from cpip_dashboard.store.current import BECAME_CURRENT, current, current_kind
from cpip_dashboard.store.models import (
    Action,
    ActionUpdate,
    Area,
    AreaAlias,
    AuditEvent,
    BatchState,
    Indicator,
    IndicatorValue,
    Meeting,
    Population,
    ReviewAssessment,
    ReviewCriterion,
    UploadBatch,
    Workstream,
)
from cpip_dashboard.store.reference import POPULATION_SOURCE

INDICATOR_FIELDS = ("code", "name", "unit", "frequency", "definition", "polarity", "source",
                    "source_url", "headline", "numerator", "denominator", "series_notes",
                    "relation", "batch_id")


def current_indicators(conn: Connection) -> dict[str, dict]:
    """Indicator definitions: the latest uploaded version, else the built-in one."""
    result: dict[str, dict] = {}
    builtin = conn.execute(select(Indicator).where(Indicator.batch_id.is_(None))
                           .order_by(Indicator.id))
    for row in builtin:
        result[row.code] = {f: getattr(row, f) for f in INDICATOR_FIELDS}
    for row in conn.execute(current(Indicator, ("code",))):
        result[row.code] = {f: getattr(row, f) for f in INDICATOR_FIELDS}
    return result


def population_sources(conn: Connection) -> str | None:
    """Where the current child populations come from, as the Populations sheets said (their
    `Source` column; blank was the default), most rows first, "; "-joined; None when no
    population is loaded."""
    current_ids = current_kind("populations").with_only_columns(Population.id)
    rows = conn.execute(select(Population.source, func.count()).where(
        Population.id.in_(current_ids)).group_by(Population.source)).all()
    counts: dict[str, int] = {}
    for source, count in rows:
        counts[source or POPULATION_SOURCE] = counts.get(source or POPULATION_SOURCE, 0) + count
    return "; ".join(sorted(counts, key=lambda s: (-counts[s], s))) or None


def current_action_refs(conn: Connection) -> set[str]:
    return set(conn.execute(select(Action.ref).where(
        Action.id.in_(current(Action, ("ref",)).with_only_columns(Action.id)))).scalars())


def area_directory(conn: Connection) -> AreaDirectory:
    areas = [AreaInfo(a.code, a.name, a.kind, a.parent_code, a.sort_order)
             for a in conn.execute(select(Area).order_by(Area.sort_order))]
    aliases = {a.alias: a.area_code for a in conn.execute(select(AreaAlias))}
    return AreaDirectory(areas, aliases)


def workstreams(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(select(Workstream).order_by(Workstream.sort_order))
    return pd.DataFrame([{"code": w.code, "name": w.name} for w in rows])


def criteria(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(select(ReviewCriterion).order_by(ReviewCriterion.sort_order))
    return pd.DataFrame([{"code": c.code, "planning_process": c.planning_process,
                          "dimension": c.dimension, "question": c.question, "basis": c.basis,
                          "source_url": c.source_url} for c in rows])


def meetings(conn: Connection) -> pd.DataFrame:
    """The Leadership Group's meetings (current), oldest first."""
    rows = conn.execute(current_kind("meetings").order_by(Meeting.meeting_date))
    return pd.DataFrame(
        [{"date": m.meeting_date, "title": m.title, "chair": m.chair, "batch_id": m.batch_id}
         for m in rows], columns=["date", "title", "chair", "batch_id"])


def batches(conn: Connection, details: bool = False) -> list[dict]:
    """Upload batches, newest first, shaped as `batches --json` (with `details`, also who
    rejected or withdrew each and why: `batch_details`)."""
    rows = conn.execute(select(UploadBatch).order_by(UploadBatch.id.desc()))
    return [batch_details(b) if details else batch_summary(b) for b in rows]


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def batch_summary(b: UploadBatch) -> dict:
    changes = json.loads(b.changes_json or "{}").get("totals", {})
    return {
        "batch_id": b.id, "file": b.file_name, "sha256": b.sha256,
        "kinds": [k for k in b.kinds.split(",") if k], "user": b.uploaded_by,
        "committed_at": _iso(b.committed_at),
        "state": b.state,  # pending / committed / rejected / rolled_back
        "approved_by": b.approved_by, "approved_at": _iso(b.approved_at),
        "rolled_back_by": b.rolled_back_by, "rolled_back_at": _iso(b.rolled_back_at),
        "illustrative": bool(b.illustrative),
        "changes": {k: changes.get(k, 0) for k in ("added", "changed", "unchanged")},
    }


def batch_details(b: UploadBatch) -> dict:
    """`batch_summary` and, for people, who rejected the batch, when and why, and whether its
    uploader did (withdrew it); `user_id`: the uploader's identity (None before identities were
    kept), for two-person approval."""
    return batch_summary(b) | {
        "user_id": b.uploaded_by_id,
        "rejected_by": b.rejected_by, "rejected_at": _iso(b.rejected_at),
        "reason": b.rejected_reason,
        "withdrawn": b.state == BatchState.REJECTED and b.rejected_by is not None
        and auth.same_record(b.rejected_by_id, b.rejected_by, b.uploaded_by_id, b.uploaded_by),
    }


def data_status(conn: Connection) -> dict:
    """What the About page and the banners say about the data loaded."""
    committed = select(UploadBatch, BECAME_CURRENT.label("current_from")).where(
        UploadBatch.state == BatchState.COMMITTED)
    rows = conn.execute(committed.order_by(BECAME_CURRENT, UploadBatch.id)).all()
    return {
        "batches": len(rows),
        "illustrative_batches": [b.id for b in rows if b.illustrative],
        "official_batches": [b.id for b in rows if not b.illustrative],
        "last_committed_at": rows[-1].current_from if rows else None,
        "last_file": rows[-1].file_name if rows else None,
    }



def audit_events(conn: Connection, limit: int = 200) -> pd.DataFrame:
    rows = conn.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
    return pd.DataFrame([{"when": e.at, "who": e.user, "what": e.event, "detail": e.detail,
                          "batch": e.batch_id} for e in rows],
                        columns=["when", "who", "what", "detail", "batch"])


def batch_count(conn: Connection) -> int:
    return conn.execute(select(func.count(UploadBatch.id))).scalar_one()


def indicator_catalogue(conn: Connection) -> pd.DataFrame:
    """Every indicator's current definition, for the About and Indicators pages."""
    rows = current_indicators(conn).values()
    frame = pd.DataFrame(list(rows), columns=list(INDICATOR_FIELDS))
    frame["version"] = frame["batch_id"].map(
        lambda b: "built-in" if pd.isna(b) else f"uploaded in batch {int(b)}")
    return frame


def batch_table(conn: Connection) -> pd.DataFrame:
    """Batches as a table for people: newest first."""
    rows = batches(conn, details=True)
    return pd.DataFrame([{
        "Batch": b["batch_id"], "File": b["file"], "Kinds": ", ".join(b["kinds"]),
        "Loaded by": b["user"], "Loaded at (UTC)": b["committed_at"],
        "State": batch_state_label(b),
        "Approved or refused by": b["approved_by"] or b["rejected_by"] or "",
        "Data status": "Illustrative" if b["illustrative"] else "Official (uploaded)",
        "Added": b["changes"]["added"], "Changed": b["changes"]["changed"],
        "Unchanged": b["changes"]["unchanged"],
    } for b in rows], columns=["Batch", "File", "Kinds", "Loaded by", "Loaded at (UTC)", "State",
                               "Approved or refused by", "Data status", "Added", "Changed",
                               "Unchanged"])


STATE_LABELS = {BatchState.COMMITTED: "Current", BatchState.ROLLED_BACK: "Rolled back",
                BatchState.PENDING: "Awaiting approval"}  # a rejected batch says why, below


def batch_state_label(batch: dict) -> str:
    """A batch's state for people (`batch` as `batches --json` gives it)."""
    if batch["state"] == BatchState.REJECTED:
        reason = f": {batch['reason']}" if batch.get("reason") else ""
        return ("Withdrawn" if batch.get("withdrawn") else "Rejected") + reason
    return STATE_LABELS.get(batch["state"], batch["state"])


def action_versions(conn: Connection) -> pd.DataFrame:
    """Every version of every action in committed batches, with its commit time (under
    two-person approval, its approval time)."""
    stmt = (select(Action, BECAME_CURRENT.label("committed_at"))
            .join(UploadBatch, UploadBatch.id == Action.batch_id)
            .where(UploadBatch.state == BatchState.COMMITTED).order_by(Action.batch_id))
    columns = ["ref", "workstream_code", "title", "lead", "areas", "due_date", "indicators",
               "source", "batch_id", "committed_at"]
    return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in conn.execute(stmt)],
                        columns=columns)


def action_updates(conn: Connection) -> pd.DataFrame:
    """The current update per action and reporting date (the whole history)."""
    columns = ["action_ref", "reporting_date", "rag", "progress", "commentary", "next_steps",
               "revised_due_date", "batch_id"]
    stmt = current_kind("updates").with_only_columns(
        *[getattr(ActionUpdate, c) for c in columns], maintain_column_froms=True)
    rows = conn.execute(stmt.order_by(ActionUpdate.action_ref, ActionUpdate.reporting_date))
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    return frame.astype({"commentary": object, "next_steps": object,
                         "revised_due_date": object, "progress": "float64"})




VALUE_COLUMNS = ["indicator_code", "area_code", "period", "value", "symbol", "status",
                 "batch_id"]


def indicator_values(conn: Connection, code: str | None = None,
                     codes: Collection[str] | None = None) -> pd.DataFrame:
    """The current uploaded value per indicator, area and period (one indicator's, those of
    `codes`, or all), each marked illustrative when its batch is."""
    where = () if code is None else (IndicatorValue.indicator_code == code,)
    if codes is not None:
        where = (*where, IndicatorValue.indicator_code.in_(sorted(codes)))
    rows = conn.execute(current_kind("indicators", *where))
    frame = pd.DataFrame([{c: getattr(r, c) for c in VALUE_COLUMNS} for r in rows],
                         columns=VALUE_COLUMNS)
    frame["illustrative"] = frame["batch_id"].isin(illustrative_batches(conn)).astype(bool)
    return frame.astype({"value": "float64", "symbol": object, "status": object})


def illustrative_batches(conn: Connection) -> set[int]:
    """Batches marked illustrative (generated figures, not official statistics)."""
    return set(conn.execute(select(UploadBatch.id).where(UploadBatch.illustrative)).scalars())


def populations(conn: Connection) -> pd.DataFrame:
    """Current children aged 0-17 per area and year, each marked illustrative when its batch
    is (a rate over an illustrative population is illustrative)."""
    illustrative = illustrative_batches(conn)
    rows = conn.execute(current_kind("populations"))
    return pd.DataFrame([{"area_code": r.area_code, "year": r.year, "children": r.children,
                          "illustrative": r.batch_id in illustrative} for r in rows],
                        columns=["area_code", "year", "children", "illustrative"])






REVIEW_COLUMNS = ["area_code", "criterion_code", "assessed_on", "rating", "evidence", "finding",
                  "recommendation", "owner", "target_date", "progress", "action_ref", "batch_id"]


def review_assessments(conn: Connection) -> pd.DataFrame:
    """Every upload of every assessment in committed batches, with its commit time (its
    approval time under two-person approval; the
    review's whole history: `review.as_at` picks the current one per key, and the progress
    recorded by a meeting's day)."""
    stmt = (select(ReviewAssessment, BECAME_CURRENT.label("committed_at"))
            .join(UploadBatch, UploadBatch.id == ReviewAssessment.batch_id)
            .where(UploadBatch.state == BatchState.COMMITTED).order_by(ReviewAssessment.batch_id))
    columns = [*REVIEW_COLUMNS, "committed_at"]
    frame = pd.DataFrame([{c: getattr(r, c) for c in columns} for r in conn.execute(stmt)],
                         columns=columns)
    return frame.astype({c: object for c in REVIEW_COLUMNS if c not in ("batch_id",)})

