"""The audit trail: who did what, when (uploads and rollbacks are recorded by the pipeline and
rollback themselves; packs by `pack`; downloads and sign-ins here)."""

from __future__ import annotations

from sqlalchemy import Engine, insert

from .db import utcnow
from .models import AuditEvent

EVENTS = ("upload", "rollback", "pack", "download", "sign-in")


def record(engine: Engine, user: str, event: str, detail: str = "") -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    with engine.begin() as conn:
        conn.execute(insert(AuditEvent).values(at=utcnow(), user=user, event=event,
                                               detail=detail[:1000]))
