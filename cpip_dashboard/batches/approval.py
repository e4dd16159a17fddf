"""Two-person approval of uploads (CONTRACT.md "Configuration", "Command line").

Under `CPIP_APPROVAL=two-person` (the default when sign-in is configured) an upload that passes
its checks is stored as a **pending** batch: its rows are written, but the batch is not
committed, so no current view, page, download, pack or published figure sees it (they read
committed batches only, `current.committed_batches`), and nothing is published. Another
secretariat member then

- `approve`s it: it becomes current as of the approval time (the batch's commit time for every
  "as at" rule, `current.BECAME_CURRENT`) and is published, so every page shows it at once; or
- `reject`s it with a reason: it stays in the history, never current.

Its uploader may `withdraw` it (a rejection by the uploader). Each step is in the audit trail.

While a batch is pending, another upload that touches anything it touches (an action, an
indicator series for an area, a review area, a meeting, a population area, a definition) is
refused, naming the pending batch (`conflicts`); `rollback` refuses to take out a batch a
pending one builds on. So a pending batch's preview stays true until it is decided, and the
latest batch of a key by id is also the latest to become current.

Who may do it is checked here, by the write functions themselves, not only by the page: the
actor is an `auth.Identity` (a signed-in person, who must hold the secretariat role) or a plain
name (someone with a shell on the server - the command line, the sample loader - trusted as an
administrator); nobody approves a batch they uploaded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from cpip_dashboard import auth, config
from cpip_dashboard.auth import Identity, Who, who
from cpip_dashboard.imports.diff import Diff
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.protection.publication import Unpublishable, publish, refusal_text
from cpip_dashboard.store import audit
from cpip_dashboard.store.db import utcnow, write_transaction
from cpip_dashboard.store.models import BatchPreview, BatchState, UploadBatch
from cpip_dashboard.store.queries import batch_details

MODES = ("two-person", "single")
Actor = Identity | str
__all__ = ["Who", "who"]  # re-exported: the pipeline records uploaders through them


# --- the setting -----------------------------------------------------------------------------


def mode(auth_configured: bool, environ: Mapping[str, str] | None = None) -> str:
    """`CPIP_APPROVAL`: `two-person` or `single`; by default two-person when sign-in (`[auth]`)
    is configured, else single (local mode has one user)."""
    environ = os.environ if environ is None else environ
    raw = environ.get("CPIP_APPROVAL", "").strip().lower()
    if not raw:
        return "two-person" if auth_configured else "single"
    if raw not in MODES:
        raise ValueError(f"CPIP_APPROVAL must be two-person or single, not {raw!r}.")
    return raw


def configured_mode(environ: Mapping[str, str] | None = None) -> str:
    """The mode for the command line: the environment and the project's secrets file."""

    return mode(auth.auth_configured(config.load_secrets_file()), environ)


def settings_warnings(secrets: Mapping[str, Any], environ: Mapping[str, str] | None = None
                      ) -> list[str]:
    """What stops approval or roles working as configured, in sentences (logged at start and
    shown on the Upload page): two-person approval with fewer than two secretariat members,
    and the problems of `[cpip.roles]` (`auth.settings_warnings`)."""
    found = []
    try:
        chosen = mode(auth.auth_configured(secrets), environ)
    except ValueError as exc:
        return [str(exc)]
    if chosen == "two-person":
        roles = dict(secrets.get("cpip", {}) or {}).get("roles", {}) or {}
        members = {auth.normalise_email(e) for e in roles.get("secretariat", []) or []}
        groups = dict(roles.get("groups", {}) or {})
        groups.pop("claim", None)
        by_group = any(auth.parse_target(t) == ("secretariat", None) for t in groups.values())
        if len(members) < 2 and not by_group:
            found.append(
                f"Two-person approval cannot work with fewer than two secretariat members: "
                f"[cpip.roles] lists {len(members)}. Uploads will wait for an approval nobody "
                "else can give; add a second secretariat member (or a secretariat group), or "
                "set CPIP_APPROVAL=single.")
    return found + auth.settings_warnings(secrets)


# --- who may do what -------------------------------------------------------------------------


def actor_id(actor: Actor) -> str:
    """The identity recorded in the audit trail and compared for self-approval."""
    return who(actor).id


def same_person(actor: Actor, stored_id: str | None, stored_name: str | None) -> bool:
    """Whether `actor` is the person a batch records (its uploader): the same identity; or, for a
    record made by name (before identities were kept, when the web recorded the email; or on the
    command line), that name equal, normalised, to the actor's email (or command-line name). A
    signed-in person's email counts here whether verified or not: refusing is the safe side."""
    me = who(actor)
    if stored_id and (stored_id == me.id or (
            me.id == str(me) and auth.normalise_email(stored_id) == auth.normalise_email(me.id))):
        return True
    if stored_id and stored_id != stored_name:
        return False  # a signed-in person's identity: only the identity counts
    name = auth.normalise_email(stored_name)
    return bool(name) and name in me.aliases


def writer_refusal(actor: Actor, what: str) -> str | None:
    """Why `actor` may not `what` (a sentence), else None. A signed-in person must hold the
    secretariat role; a plain name (the command line, the sample loader) is trusted."""
    if isinstance(actor, Identity):
        if actor.signed_in and actor.role == "secretariat":
            return None
        held = auth.ROLE_LABELS.get(actor.role or "", "")
        return (f"Only the secretariat can {what}: {actor.label} "
                + (f"has the {held} role." if held else "has no role on this dashboard."))
    if not str(actor).strip():
        return f"Say who you are to {what} (--user)."
    return None


# --- decisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    ok: bool
    message: str


def _pending_batch(conn: Connection, batch_id: int) -> tuple[Any, str | None]:
    batch = conn.execute(select(UploadBatch).where(UploadBatch.id == batch_id)).first()
    if batch is None:
        return None, f"Batch {batch_id} does not exist."
    if batch.state != BatchState.PENDING:
        withdrawn = auth.same_record(batch.rejected_by_id, batch.rejected_by, batch.uploaded_by_id,
                                batch.uploaded_by)
        what = {BatchState.COMMITTED: "already current", BatchState.ROLLED_BACK: "rolled back",
                BatchState.REJECTED: "withdrawn" if withdrawn else "rejected"}.get(batch.state,
                                                                         batch.state)
        return batch, f"Batch {batch_id} is not awaiting approval: it is {what}."
    return batch, None


def approve(engine: Engine, batch_id: int, actor: Actor) -> Decision:
    """Make a pending batch current as of now and publish it; never by its uploader."""
    refusal = writer_refusal(actor, "approve uploads")
    if refusal:
        return Decision(False, refusal)
    person = who(actor)
    with write_transaction(engine) as conn:
        batch, problem = _pending_batch(conn, batch_id)
        if problem:
            return Decision(False, problem)
        if same_person(person, batch.uploaded_by_id, batch.uploaded_by):
            return Decision(False, f"Batch {batch_id} was uploaded by {batch.uploaded_by}: "
                                   "another secretariat member must approve it (two-person "
                                   "approval).")
        now = utcnow()

        try:
            with conn.begin_nested():
                conn.execute(UploadBatch.__table__.update().where(
                    UploadBatch.id == batch_id).values(state=BatchState.COMMITTED, approved_by=str(person),
                                                       approved_by_id=person.id,
                                                       approved_at=now))
                # the figures are protected again, in this transaction
                publish(conn, "approve", batch_id, set(batch.kinds.split(",")))
        except Unpublishable as exc:
            return Decision(False, f"Batch {batch_id} cannot be approved: "
                                   + refusal_text(exc))
        audit.write(conn, person, "approve", f"Approved batch {batch_id} ({batch.file_name}) "
                    f"uploaded by {batch.uploaded_by}", batch_id, at=now)
    return Decision(True, f"Batch {batch_id} ({batch.file_name}) is approved and current: every "
                          "page shows it now.")


def reject(engine: Engine, batch_id: int, actor: Actor, reason: str) -> Decision:
    """Refuse a pending batch for good, with a reason; it stays in the history, never current.
    Its uploader rejecting it withdraws it."""
    reason = (reason or "").strip()
    if not reason:
        return Decision(False, f"Give a reason for rejecting batch {batch_id}: its uploader "
                               "reads it.")
    refusal = writer_refusal(actor, "reject uploads")
    if refusal:
        return Decision(False, refusal)
    return _refuse(engine, batch_id, who(actor), reason, uploader_only=False)


def withdraw(engine: Engine, batch_id: int, actor: Actor, reason: str = "") -> Decision:
    """The uploader takes back their own pending batch (kept in the history, never current)."""
    refusal = writer_refusal(actor, "withdraw uploads")
    if refusal:
        return Decision(False, refusal)
    return _refuse(engine, batch_id, who(actor), (reason or "").strip(), uploader_only=True)


def _refuse(engine: Engine, batch_id: int, person: Who, reason: str,
            uploader_only: bool) -> Decision:
    with write_transaction(engine) as conn:
        batch, problem = _pending_batch(conn, batch_id)
        if problem:
            return Decision(False, problem)
        withdrawn = same_person(person, batch.uploaded_by_id, batch.uploaded_by)
        if uploader_only and not withdrawn:
            return Decision(False, f"Only {batch.uploaded_by}, who uploaded batch {batch_id}, "
                                   "can withdraw it; another secretariat member can reject it "
                                   "with a reason.")
        now = utcnow()
        conn.execute(UploadBatch.__table__.update().where(UploadBatch.id == batch_id).values(
            state=BatchState.REJECTED, rejected_by=str(person), rejected_by_id=person.id, rejected_at=now,
            rejected_reason=reason or None))
        event = "withdraw" if withdrawn else "reject"
        audit.write(conn, person, event, f"{'Withdrew' if withdrawn else 'Rejected'} batch "
                    f"{batch_id} ({batch.file_name})" + (f": {reason}" if reason else ""),
                    batch_id, at=now)
    return Decision(True, f"Batch {batch_id} ({batch.file_name}) is "
                          f"{'withdrawn' if withdrawn else 'rejected'}: it stays in the history "
                          "and never shows on any page.")


# --- what a batch touches ----------------------------------------------------------------------

# Sheet kind -> (the thing a row touches, its fields). Coarser than the keys, as CONTRACT.md
# lists them: an action (its definition and its updates), an indicator series for an area, a
# review area, a meeting, a population area, a definition.
TOUCHES: dict[str, tuple[str, tuple[str, ...]]] = {
    "actions": ("action", ("ref",)),
    "updates": ("action", ("action_ref",)),
    "indicators": ("series", ("indicator_code", "area_code")),
    "review": ("review", ("area_code",)),
    "meetings": ("meeting", ("meeting_date",)),
    "populations": ("population", ("area_code",)),
    "definitions": ("definition", ("code",)),
}
# ...and what a row depends on without touching it: values rest on their indicator's definition.
USES: dict[str, tuple[str, tuple[str, ...]]] = {"indicators": ("definition", ("indicator_code",))}


def touches(diff: Diff) -> tuple[set[tuple], set[tuple]]:
    """(touched, used) by the rows an upload would write (added or changed)."""
    touched: set[tuple] = set()
    used: set[tuple] = set()
    for changes in diff.sheets:
        kind, columns = changes.kind, changes.records.columns
        written = changes.written()
        for table, found in ((TOUCHES, touched), (USES, used)):
            if kind not in table:
                continue
            thing, fields = table[kind]
            values = [[str(columns[f][i]) for i in written] for f in fields]
            found.update((thing, *key) for key in zip(*values, strict=True))
    return touched, used


def _describe(thing: tuple, area_name: Callable[[str], str]) -> str:
    kind, *key = thing
    if kind == "series":
        return f"the {key[0]} series for {area_name(key[1])}"
    if kind in ("review", "population"):
        return f"the {'review' if kind == 'review' else 'population'} of {area_name(key[0])}"
    return f"{kind} {key[0]}"


def conflicts(conn: Connection, diff: Diff, area_name: Callable[[str], str] = str
              ) -> list[Problem]:
    """One file-level error per pending batch that touches something this upload would touch
    (or a definition its values rest on, or values resting on a definition it changes)."""
    pending = conn.execute(
        select(UploadBatch.id, UploadBatch.file_name, UploadBatch.uploaded_by,
               BatchPreview.preview_json)
        .join(BatchPreview, BatchPreview.batch_id == UploadBatch.id, isouter=True)
        .where(UploadBatch.state == BatchState.PENDING).order_by(UploadBatch.id)).all()
    if not pending:
        return []
    mine, my_uses = touches(diff)
    problems = []
    for batch_id, file_name, uploader, preview_json in pending:
        stored = json.loads(preview_json or "{}")
        theirs = {tuple(t) for t in stored.get("touches", [])}
        their_uses = {tuple(t) for t in stored.get("uses", [])}
        common = sorted((mine & theirs) | (mine & their_uses) | (my_uses & theirs))
        if not common:
            continue
        named = ", ".join(_describe(t, area_name) for t in common[:3])
        more = f" and {len(common) - 3} more" if len(common) > 3 else ""
        problems.append(Problem.error(
            None, None, None, None,
            f"Batch {batch_id} ({file_name}, uploaded by {uploader}) is awaiting approval and "
            f"changes {named}{more} too: this file can be loaded once that batch is approved, "
            "rejected or withdrawn"))
    return problems


def store_preview(conn: Connection, batch_id: int, snapshot: dict, diff: Diff) -> None:
    """Keep a pending batch's preview (as its uploader saw it) and what it touches."""
    touched, used = touches(diff)
    body = dict(snapshot, touches=sorted(touched), uses=sorted(used))
    conn.execute(BatchPreview.__table__.insert().values(
        batch_id=batch_id, preview_json=json.dumps(body, default=str)))


# --- reading -----------------------------------------------------------------------------------


def pending_count(conn: Connection) -> int:
    return conn.execute(select(func.count(UploadBatch.id)).where(
        UploadBatch.state == BatchState.PENDING)).scalar_one()


def pending_notice(engine: Engine) -> str | None:
    """The secretariat's notice on every page while uploads await approval (read now: a
    pending batch publishes nothing, so the page caches do not move)."""
    with engine.connect() as conn:
        count = pending_count(conn)
    if not count:
        return None
    return (f"{count} upload{' awaits' if count == 1 else 's await'} approval by a second "
            "secretariat member: see the Upload page.")


def frame_notices(engine: Engine, who: Identity, secrets: Mapping[str, Any]) -> list[str]:
    """What the frame tells this visitor on every page: uploads awaiting approval (the
    secretariat), and their own mapping problem (two committees). The settings' problems are
    logged once per process (`settings_warnings`)."""
    auth.log_settings_warnings(settings_warnings(secrets))
    notices = list(who.notes)
    if who.signed_in and who.role == "secretariat":
        notice = pending_notice(engine)
        if notice:
            notices.insert(0, notice)
    return notices


def pending_batches(conn: Connection) -> list[dict]:
    """Batches awaiting approval, oldest first, each with its stored preview (`preview`: the
    snapshot of `imports.preview`, or None)."""

    rows = conn.execute(
        select(UploadBatch, BatchPreview.preview_json)
        .join(BatchPreview, BatchPreview.batch_id == UploadBatch.id, isouter=True)
        .where(UploadBatch.state == BatchState.PENDING).order_by(UploadBatch.id)).all()
    result = []
    for row in rows:
        summary = batch_details(row)
        summary["preview"] = json.loads(row.preview_json) if row.preview_json else None
        result.append(summary)
    return result
