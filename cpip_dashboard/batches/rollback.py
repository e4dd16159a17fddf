"""Rolling a batch back: its rows leave every current view (history keeps them).

Refused, with the batches to roll back first, while a later committed batch holds a row for a
key the batch also holds, or refers to something only this batch created (an update for an
action it added, values for an indicator it defined), and while a batch pending approval builds
on it in the same way. A rolled-back batch stays rolled back; to restore it, upload its file
again. A pending or rejected batch was never current: it is withdrawn or rejected, not rolled
back. Only the secretariat (or the command line) rolls back (`approval.writer_refusal`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.orm import aliased

from cpip_dashboard.batches.approval import Actor, who, writer_refusal
from cpip_dashboard.protection.publication import Unpublishable, publish, refusal_text
from cpip_dashboard.store import audit
from cpip_dashboard.store.current import KIND_TABLES
from cpip_dashboard.store.db import utcnow, write_transaction
from cpip_dashboard.store.models import (
    Action,
    ActionUpdate,
    BatchState,
    Indicator,
    IndicatorValue,
    ReviewAssessment,
    UploadBatch,
)


@dataclass(frozen=True)
class RollbackResult:
    ok: bool
    message: str
    blocking: tuple[int, ...] = ()


def _committed_after(batch_id: int):
    return select(UploadBatch.id).where(UploadBatch.state == BatchState.COMMITTED,
                                         UploadBatch.id > batch_id)


def _pending():
    return select(UploadBatch.id).where(UploadBatch.state == BatchState.PENDING)


def dependants(conn: Connection, batch_id: int, pending: bool = False) -> set[int]:
    """Later committed batches (or, with `pending`, batches awaiting approval) that hold a key
    this batch holds or use what only it created."""
    later = _pending() if pending else _committed_after(batch_id)
    found: set[int] = set()
    for model, keys in KIND_TABLES.values():
        mine, theirs = aliased(model), aliased(model)
        on = and_(*[getattr(mine, k) == getattr(theirs, k) for k in keys])
        stmt = (select(theirs.batch_id).join(mine, on)
                .where(mine.batch_id == batch_id, theirs.batch_id.in_(later)).distinct())
        found |= set(conn.execute(stmt).scalars())
    # Actions only this batch created, and the later updates / review rows that refer to them.
    earlier_or_other = select(UploadBatch.id).where(UploadBatch.state == BatchState.COMMITTED,
                                                   UploadBatch.id != batch_id)
    created = set(conn.execute(select(Action.ref).where(Action.batch_id == batch_id)).scalars())
    created -= set(conn.execute(select(Action.ref).where(
        Action.batch_id.in_(earlier_or_other), Action.ref.in_(created))).scalars())
    if created:
        for model in (ActionUpdate, ReviewAssessment):
            found |= set(conn.execute(select(model.batch_id).where(
                model.action_ref.in_(created), model.batch_id.in_(later)).distinct()).scalars())
    defined = set(conn.execute(select(Indicator.code).where(Indicator.batch_id == batch_id))
                  .scalars())
    defined -= set(conn.execute(select(Indicator.code).where(
        Indicator.code.in_(defined),
        (Indicator.batch_id.is_(None)) | Indicator.batch_id.in_(earlier_or_other))).scalars())
    if defined:
        found |= set(conn.execute(select(IndicatorValue.batch_id).where(
            IndicatorValue.indicator_code.in_(defined),
            IndicatorValue.batch_id.in_(later)).distinct()).scalars())
    found.discard(batch_id)
    return found


def rollback(engine: Engine, batch_id: int, user: Actor) -> RollbackResult:
    refusal = writer_refusal(user, "roll back batches")
    if refusal:
        return RollbackResult(False, refusal)
    person = who(user)
    with write_transaction(engine) as conn:
        batch = conn.execute(select(UploadBatch).where(UploadBatch.id == batch_id)).first()
        if batch is None:
            return RollbackResult(False, f"Batch {batch_id} does not exist.")
        if batch.state == BatchState.PENDING:
            return RollbackResult(
                False, f"Batch {batch_id} is awaiting approval, so it was never current: "
                "another secretariat member can reject it, or its uploader withdraw it.")
        if batch.state == BatchState.REJECTED:
            return RollbackResult(False, f"Batch {batch_id} was rejected, so it was never "
                                         "current: there is nothing to roll back.")
        if batch.state == BatchState.ROLLED_BACK:
            return RollbackResult(
                False, f"Batch {batch_id} is already rolled back (by {batch.rolled_back_by} at "
                f"{batch.rolled_back_at:%Y-%m-%d %H:%M} UTC). To restore it, upload its file "
                "again.")
        blocking = tuple(sorted(dependants(conn, batch_id), reverse=True))
        if blocking:
            listed = ", ".join(str(b) for b in blocking)
            return RollbackResult(
                False, f"Batch {batch_id} cannot be rolled back while later batches depend on "
                f"it: roll back batch{'es' if len(blocking) > 1 else ''} {listed} first.",
                blocking)
        waiting = tuple(sorted(dependants(conn, batch_id, pending=True)))
        if waiting:
            listed = ", ".join(str(b) for b in waiting)
            return RollbackResult(
                False, f"Batch {batch_id} cannot be rolled back while batch"
                f"{'es' if len(waiting) > 1 else ''} {listed}, awaiting approval, build"
                f"{'' if len(waiting) > 1 else 's'} on it: approve, reject or withdraw "
                f"{'them' if len(waiting) > 1 else 'it'} first.", waiting)
        now = utcnow()
        try:
            with conn.begin_nested():
                conn.execute(UploadBatch.__table__.update().where(
                    UploadBatch.id == batch_id).values(
                    state=BatchState.ROLLED_BACK, rolled_back_by=str(person),
                    rolled_back_by_id=person.id, rolled_back_at=now))
                publish(conn, "rollback", batch_id, set(batch.kinds.split(",")))
        except Unpublishable as exc:
            return RollbackResult(False, f"Batch {batch_id} cannot be rolled back: "
                                  + refusal_text(exc))
        audit.write(conn, person, "rollback", f"Rolled back batch {batch_id} ({batch.file_name})",
                    batch_id, at=now)
    return RollbackResult(True, f"Batch {batch_id} ({batch.file_name}) is rolled back: its rows "
                                "no longer show anywhere; history keeps them.")
