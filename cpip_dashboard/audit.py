"""The audit trail: who did what, when. Uploads, approvals, rejections and rollbacks are
written by the pipeline, `approval` and `rollback` inside their own transaction (`write`);
packs by `pack`; downloads and sign-ins here (`record`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, insert

from .db import utcnow
from .models import AuditEvent

EVENTS = ("upload", "approve", "reject", "withdraw", "rollback", "pack", "download", "sign-in")


def write(conn: Connection, user: str, event: str, detail: str = "",
          batch_id: int | None = None, at: dt.datetime | None = None) -> None:
    """One event, in the caller's transaction (it stands or falls with what it records)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    conn.execute(insert(AuditEvent).values(at=at or utcnow(), user=user, event=event,
                                           batch_id=batch_id, detail=detail[:1000]))


def record(engine: Engine, user: str, event: str, detail: str = "") -> None:
    """One event in a transaction of its own."""
    with engine.begin() as conn:
        write(conn, user, event, detail)
