"""The audit trail: who did what, when. Uploads, approvals, rejections and rollbacks are
written by the pipeline, `approval` and `rollback` inside their own transaction (`write`);
packs by `pack`; downloads and sign-ins here (`record`).

Append-only and tamper-evident: every row carries the SHA-256 of its own content and of the
row before it (`canonical`, docs/decisions.md), so a row changed, removed or moved breaks the
chain from that row on, and `verify` (`python -m cpip_dashboard verify-audit`) names the first
row that does not chain. Rows are added one at a time: on PostgreSQL under a transaction-scoped
advisory lock (`AUDIT_LOCK_KEY`; `SELECT ... FOR UPDATE` would need UPDATE on the table, which
the app role does not have, and would not see a row committed while it waited), on SQLite under
the database's single write lock (the callers' `BEGIN IMMEDIATE`, or a write already made in
the transaction). On PostgreSQL migration 0008 also adds a trigger refusing UPDATE, DELETE and
TRUNCATE (README "Deployment": an app role that may only INSERT and SELECT here).

The chain has no secret: someone able to rewrite the table could recompute every hash after
the row they changed. `verify` prints the last row's hash so it can be noted elsewhere (a later
check that no longer reaches that hash shows the history was rewritten).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select

from cpip_dashboard.store.db import is_sqlite, utcnow, write_transaction
from cpip_dashboard.store.models import AuditEvent

EVENTS = ("upload", "approve", "reject", "withdraw", "rollback", "pack", "download", "sign-in")
AUDIT_LOCK_KEY = 720_419  # PostgreSQL advisory lock id for "CPIP audit trail append"
GENESIS = "0" * 64  # the "row before" the first row


def _moment(at: dt.datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical(prev: str, at: dt.datetime, user: str, user_id: str | None, event: str,
              detail: str, batch_id: int | None) -> bytes:
    """The bytes a row's hash is taken over: a JSON object of the row's content and the row
    before's hash, keys sorted, no spaces, UTF-8 (not ASCII-escaped), `at` as naive UTC
    `YYYY-MM-DDTHH:MM:SS.ffffff`."""
    return json.dumps({"prev": prev, "at": _moment(at), "user": user, "user_id": user_id,
                       "event": event, "detail": detail, "batch_id": batch_id},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(prev: str, at: dt.datetime, user: str, user_id: str | None, event: str,
             detail: str, batch_id: int | None) -> str:
    return hashlib.sha256(canonical(prev, at, user, user_id, event, detail, batch_id)).hexdigest()


def _last_hash(conn: Connection) -> str:
    last = conn.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return GENESIS if last is None else (last.hash or "")


def write(conn: Connection, user: str, event: str, detail: str = "",
          batch_id: int | None = None, at: dt.datetime | None = None) -> None:
    """One event, in the caller's transaction (it stands or falls with what it records).
    `user` is a name, or an `auth.Who` (the name for display, with the person's identity)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    name = str(user)[:200]
    user_id = (getattr(user, "id", None) or name)[:512]
    detail = (detail or "")[:1000]
    at = at or utcnow()
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")
    prev = _last_hash(conn)
    conn.execute(insert(AuditEvent).values(
        at=at, user=name, user_id=user_id, event=event, batch_id=batch_id, detail=detail,
        prev_hash=prev, hash=row_hash(prev, at, name, user_id, event, detail, batch_id)))


def record(engine: Engine, user: str, event: str, detail: str = "") -> None:
    """One event in a transaction of its own (on SQLite taking the write lock at its start, so
    the row before cannot change between reading it and writing this one)."""
    if is_sqlite(engine):
        with write_transaction(engine) as conn:
            write(conn, user, event, detail)
        return
    with engine.begin() as conn:
        write(conn, user, event, detail)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rows: int
    broken_id: int | None
    message: str


def verify(conn: Connection) -> Verdict:
    """Walk the trail in order: each row's `prev_hash` must be the row before's hash, and its
    hash the hash of its content and that; the first row that fails is named."""
    prev = GENESIS
    count = 0
    rows = conn.execution_options(yield_per=2000).execute(
        select(AuditEvent).order_by(AuditEvent.id))
    for row in rows:
        count += 1
        what = f"row {row.id} ({row.event} by {row.user} at {_moment(row.at)[:19]}Z)"
        if not row.hash:
            why = "has no hash: it was not written by the dashboard"
        elif row.prev_hash != prev:
            why = ("does not follow the row before it: a row before it was removed, added or "
                   "changed, or the rows were reordered")
        elif row.hash != row_hash(prev, row.at, row.user, row.user_id, row.event,
                                  row.detail or "", row.batch_id):
            why = "does not match its hash: its content was changed"
        else:
            prev = row.hash
            continue
        rows.close()
        return Verdict(False, count, row.id, f"The audit trail is broken at {what}: it {why}.")
    last = f"; the last row's hash is {prev}" if count else ""
    return Verdict(True, count, None,
                   f"The audit trail is whole: {count} row{'s' if count != 1 else ''}{last}.")


# What the dashboard's own role (the one in the running app's `DATABASE_URL`) may do, table by
# table (README "Deployment", deploy/app_role.sql): read everything; add rows to the history and
# the trail; change only the columns that record a batch's decision and the publication a
# figure stops at. The reference tables are init-db's, run as the owner. Nothing is deleted or
# truncated. Every table the schema has is named here (tests/store/test_app_role.py).
APP_ROLE_PRIVILEGES: dict[str, str] = {
    "alembic_version": "SELECT",
    "area": "SELECT",
    "area_alias": "SELECT",
    "workstream": "SELECT",
    "review_criterion": "SELECT",
    "audit_event": "SELECT, INSERT",
    "upload_batch": ("SELECT, INSERT, UPDATE (state, approved_by, approved_by_id, approved_at, "
                     "rejected_by, rejected_by_id, rejected_at, rejected_reason, rolled_back_by, "
                     "rolled_back_by_id, rolled_back_at)"),
    "batch_preview": "SELECT, INSERT",
    "indicator": "SELECT, INSERT",
    "action": "SELECT, INSERT",
    "action_update": "SELECT, INSERT",
    "meeting": "SELECT, INSERT",
    "population": "SELECT, INSERT",
    "indicator_value": "SELECT, INSERT",
    "review_assessment": "SELECT, INSERT",
    "meeting_pack": "SELECT, INSERT",
    "publication": "SELECT, INSERT, UPDATE (figures_from, summary_json)",
    "published_figure": "SELECT, INSERT, UPDATE (valid_to)",
}


def app_role_grants(role: str) -> list[str]:
    """PostgreSQL: the statements the owner role runs after `init-db` (and again after an
    upgrade) to give the app role `role` exactly `APP_ROLE_PRIVILEGES`: whatever it held
    before is revoked first, so running them again leaves the same grants. `role` is an SQL
    identifier written by the administrator, quoted here."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        *(f'GRANT {privileges} ON "{table}" TO {quoted}'
          for table, privileges in APP_ROLE_PRIVILEGES.items()),
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
    ]
