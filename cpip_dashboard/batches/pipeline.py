"""The import pipeline shared by the Upload page, the CLI and the sample data:

read -> detect kinds -> check -> compare with current (preview) -> commit as one batch.

Nothing is written unless every check passes; the commit re-checks and re-compares inside the
database-wide write transaction, so two imports never interleave and each lands whole or not
at all. Under two-person approval the batch is stored pending instead of committed, with its
preview, and becomes current only when another secretariat member approves it
(`cpip_dashboard.batches.approval`); an upload touching what a pending batch touches is refused.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Connection, Engine, func, select

from cpip_dashboard.auth import Identity
from cpip_dashboard.batches import approval as approvals
from cpip_dashboard.imports.checks import (
    CHECKS,
    ORDER,
    Context,
    Records,
    rule_no_nul,
    rule_same_key_once,
)
from cpip_dashboard.imports.diff import Diff, SheetChanges, compute
from cpip_dashboard.imports.kinds import KINDS, normalise_header
from cpip_dashboard.imports.layout import Table, detect
from cpip_dashboard.imports.preview import snapshot
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.imports.reading import RawSheet, ReadError
from cpip_dashboard.imports.schemas import validate
from cpip_dashboard.imports.worker import read_file
from cpip_dashboard.protection.figures import Held
from cpip_dashboard.protection.publication import (
    FIGURE_KINDS,
    Unpublishable,
    publish,  # the figures are protected again in this transaction
)
from cpip_dashboard.rules import relation_forms
from cpip_dashboard.store import audit
from cpip_dashboard.store.current import KIND_TABLES
from cpip_dashboard.store.db import insert_rows, utcnow, write_transaction
from cpip_dashboard.store.models import BatchState, ReviewCriterion, UploadBatch, Workstream
from cpip_dashboard.store.queries import (
    action_updates,
    area_directory,
    current_action_refs,
    current_indicators,
)


class Outcome(StrEnum):
    """What an import came to (CONTRACT.md: the `outcome` of `import --json`, and its exit code)."""
    COMMITTED = "committed"
    PENDING = "pending"  # stored, awaiting a second secretariat member's approval
    WOULD_COMMIT = "would_commit"  # a dry run that would commit
    NO_CHANGE = "no_change"
    REJECTED = "rejected"
    UNREADABLE = "unreadable"


EXIT_CODES = {Outcome.COMMITTED: 0, Outcome.PENDING: 0, Outcome.WOULD_COMMIT: 0,
              Outcome.NO_CHANGE: 0, Outcome.REJECTED: 1, Outcome.UNREADABLE: 2}


@dataclass
class ImportReport:
    outcome: Outcome
    file: str
    sha256: str
    dry_run: bool
    message: str
    batch_id: int | None = None
    sheets: list[dict] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    changes: list[SheetChanges] = field(default_factory=list)  # for the preview; not in JSON

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.COMMITTED, Outcome.PENDING, Outcome.WOULD_COMMIT,
                                Outcome.NO_CHANGE)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def totals(self) -> dict[str, int]:
        totals = Counter()
        for sheet in self.sheets:
            totals.update(sheet["changes"])
        return {k: totals.get(k, 0) for k in ("added", "changed", "unchanged")}

    def as_json(self) -> dict:
        return {
            "ok": self.ok, "outcome": self.outcome, "file": self.file, "sha256": self.sha256,
            "dry_run": self.dry_run, "batch_id": self.batch_id, "message": self.message,
            "sheets": self.sheets,
            "errors": [p.as_json() for p in self.errors],
            "warnings": [p.as_json() for p in self.warnings],
        }


def load_context(conn: Connection, today: dt.date | None = None) -> Context:
    workstreams: dict[str, str] = {}
    for ws in conn.execute(select(Workstream)):
        workstreams[normalise_header(ws.code)] = ws.code
        workstreams[normalise_header(ws.name)] = ws.code
    criteria = set(conn.execute(select(ReviewCriterion.code)).scalars())
    return Context(
        areas=area_directory(conn),
        indicators=current_indicators(conn),
        workstreams=workstreams,
        criteria=criteria,
        action_refs=current_action_refs(conn),
        today=today or dt.date.today(),
    )


def check_sheets(sheets: list[RawSheet], ctx: Context, kind: str | None,
                 indicator: str | None) -> tuple[list[Table], list[Records], list[Problem]]:
    problems: list[Problem] = []
    names = ctx.indicator_names()
    tables = [t for s in sheets if (t := detect(s, kind, indicator, names, problems)) is not None]
    for table in tables:
        rule_no_nul(table, problems)
    if not tables and not any(p.level == "error" for p in problems):
        problems.append(Problem.error(
            None, None, None, None,
            "No sheet in this file is one of the kinds this dashboard reads (Actions, Updates, "
            "Indicators, Review, Meetings, Populations, Definitions): use a template"))
    record_sets: list[Records] = []
    for kind_name in ORDER:
        for table in (t for t in tables if t.kind.name == kind_name):
            if table.missing:
                continue
            start = len(problems)
            checked = validate(CHECKS[kind_name](table, ctx, problems), problems)
            problems[start:] = sorted(problems[start:], key=lambda p: p.row or 0)  # row order
            record_sets.append(checked)
            if kind_name == "definitions":
                for i in range(len(checked)):
                    values = checked.values(i)
                    ctx.indicators[values["code"]] = dict(
                        ctx.indicators.get(values["code"], {}), **values)
            if kind_name == "actions":
                ctx.file_action_refs |= set(checked.columns["ref"])
    record_sets = rule_same_key_once(record_sets, problems)
    return tables, record_sets, problems


def _sheet_summaries(tables: list[Table], diff: Diff | None) -> list[dict]:
    result = []
    for table in tables:
        counts = (diff.counts(table.sheet, table.kind.name) if diff else None) or {}
        result.append({
            "sheet": table.sheet, "kind": table.kind.name, "rows": len(table),
            "changes": {k: counts.get(k, 0) for k in ("added", "changed", "unchanged")},
        })
    return result


def run_import(
    engine: Engine,
    file_name: str,
    data: bytes | None = None,
    *,
    user: str | Identity,
    kind: str | None = None,
    indicator: str | None = None,
    dry_run: bool = False,
    max_mb: int = 20,
    sheets: list[RawSheet] | None = None,
    illustrative: bool = False,
    today: dt.date | None = None,
    approval: str | None = None,
) -> ImportReport:
    """Run the whole pipeline on a file's bytes (or on sheets already read, for sample data).

    `user` is who acts: a signed-in `Identity` (refused unless secretariat, when writing) or a
    plain name (the command line, the sample loader: trusted, see `approval`). `approval` is
    `two-person` (store the batch pending) or `single` (commit it); None reads the setting
    (`CPIP_APPROVAL`, else two-person when the secrets file configures sign-in)."""
    with gc_paused():
        return _run_import(engine, file_name, data, user=user, kind=kind, indicator=indicator,
                           dry_run=dry_run, max_mb=max_mb, sheets=sheets,
                           illustrative=illustrative, today=today, approval=approval)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import builds its objects.

    A 100,000-row sheet is over a million small lists, tuples and values, none of them in
    reference cycles, so collections triggered by their sheer number only cost time (a fifth
    of the import, measured by benchmarks/import_100k.py). Memory is still freed as usual by
    reference counting. The switch is process-wide, so pauses are counted and the last import
    to finish turns collection back on."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _run_import(engine: Engine, file_name: str, data: bytes | None, *, user: str | Identity,
                kind: str | None, indicator: str | None, dry_run: bool, max_mb: int,
                sheets: list[RawSheet] | None, illustrative: bool, today: dt.date | None,
                approval: str | None) -> ImportReport:
    file_name = file_name.replace("\x00", "\u2400")  # a name is stored and shown: no NUL
    sha = hashlib.sha256(data if data is not None else _sheets_bytes(sheets or [])).hexdigest()
    report = ImportReport(Outcome.UNREADABLE, file_name, sha, dry_run, "")
    if kind is not None and kind not in KINDS:
        report.message = f"--kind must be one of {', '.join(KINDS)}, not {kind!r}."
        return report
    refusal = None if dry_run else approvals.writer_refusal(user, "load data")
    if refusal:  # the write function checks who acts itself, whatever the page did
        report.outcome, report.message = Outcome.REJECTED, refusal
        report.errors.append(Problem.error(None, None, None, None, refusal))
        return report
    try:
        mode = approval or approvals.configured_mode()
        if mode not in approvals.MODES:
            raise ValueError(f"CPIP_APPROVAL must be two-person or single, not {mode!r}.")
    except ValueError as exc:
        report.message = str(exc)
        return report
    try:
        if sheets is None:
            sheets = read_file(file_name, data or b"", max_mb)
    except ReadError as exc:
        report.message = str(exc)
        report.errors.append(Problem.error(None, None, None, None, str(exc)))
        return report

    if dry_run:
        with engine.connect() as conn:
            return _check_and_compare(conn, report, sheets, kind, indicator, today, commit=None)
    with write_transaction(engine) as conn:
        return _check_and_compare(
            conn, report, sheets, kind, indicator, today,
            commit=dict(user=approvals.who(user), illustrative=illustrative,
                        pending=mode == "two-person"))


def _check_and_compare(conn: Connection, report: ImportReport, sheets: list[RawSheet],
                       kind: str | None, indicator: str | None, today: dt.date | None,
                       commit: dict | None) -> ImportReport:
    ctx = load_context(conn, today)
    if indicator is not None:
        code = ctx.indicator_names().get(normalise_header(indicator))
        if code is None:
            report.message = f"--indicator {indicator} is not a known indicator code."
            return report
        indicator = code
    tables, records, problems = check_sheets(sheets, ctx, kind, indicator)
    diff = compute(conn, records, ctx.areas.name) if records else Diff()
    problems.extend(diff.problems)
    problems.extend(approvals.conflicts(conn, diff, ctx.areas.name))
    errors = [p for p in problems if p.level == "error"]
    report.errors = listed(errors)
    report.warnings = listed([p for p in problems if p.level == "warning"])
    report.sheets = _sheet_summaries(tables, diff)
    report.changes = diff.sheets
    if errors:
        count = len(errors)
        report.outcome = Outcome.REJECTED
        report.message = (f"{count:,} problem{'s' if count != 1 else ''}: nothing was loaded. "
                          "Correct the file and upload it again.")
        return report
    totals = report.totals()
    if not totals["added"] and not totals["changed"]:
        report.outcome = Outcome.NO_CHANGE
        same = conn.execute(
            select(UploadBatch).where(UploadBatch.sha256 == report.sha256,
                                      UploadBatch.state == BatchState.COMMITTED)
            .order_by(UploadBatch.id.desc())).first()
        report.message = (
            f"Nothing to change: this file is already loaded as batch {same.id} "
            f"({same.file_name}, {same.committed_at:%d %b %Y %H:%M} UTC)." if same else
            f"Nothing to change: all {totals['unchanged']} rows equal the current data."
            if totals["unchanged"] else
            "Nothing to load: the file has headers but no data rows. Fill in the rows below "
            "the header and upload it again.")
        return report
    summary = f"{totals['added']} added, {totals['changed']} changed, {totals['unchanged']} unchanged"

    figures_move = bool({t.kind.name for t in tables} & FIGURE_KINDS)
    if commit is None:
        # a dry run says what the commit would say, publication included
        refused = _publication_check(conn, report, tables, diff, ctx.areas.name) \
            if figures_move else None
        if refused is not None:
            return _unpublishable(report, refused)
        report.outcome = Outcome.WOULD_COMMIT
        report.message = f"Checks passed; nothing written yet (dry run): {summary}."
        return report
    try:
        with conn.begin_nested():
            report.batch_id = _write(conn, report, tables, diff, area_name=ctx.areas.name,
                                     **commit)
            if commit["pending"] and figures_move:
                # protected and audited now, so a pending batch is known to be publishable;
                # again at approval
                refused = _publication_check(conn, report, tables, diff, ctx.areas.name,
                                             pending=report.batch_id)
                if refused is not None:
                    raise refused
    except Unpublishable as exc:
        return _unpublishable(report, exc)
    if commit["pending"]:
        report.outcome = Outcome.PENDING
        report.message = (f"Stored as batch {report.batch_id}, awaiting approval: {summary}. "
                          "It shows nowhere until another secretariat member approves it.")
    else:
        report.outcome = Outcome.COMMITTED
        report.message = f"Loaded as batch {report.batch_id}: {summary}."
    return report


def _publication_check(conn: Connection, report: ImportReport, tables: list[Table],
                       diff: Diff, area_name, pending: int | None = None) -> Exception | None:
    """Publish the batch (the `pending` one written already, made current; or this one,
    written as if committed) inside a savepoint that is then rolled back: the
    `Unpublishable` refusal if its figures cannot be protected, else None (what the
    protection noted joins the warnings)."""

    savepoint = conn.begin_nested()
    try:
        if pending is None:
            _write(conn, report, tables, diff, user=approvals.who("(publication check)"),
                   illustrative=False, area_name=area_name, check_only=True)
        else:
            conn.execute(UploadBatch.__table__.update().where(UploadBatch.id == pending)
                         .values(state=BatchState.COMMITTED))
            _publish(conn, "check", pending, {t.kind.name for t in tables}, check_only=True)
    except Unpublishable as exc:
        return exc
    finally:
        savepoint.rollback()
    return None


def _publish(conn: Connection, event: str, batch_id: int, kinds: set[str],
             check_only: bool, held: Held | None = None) -> None:
    publish(conn, event, batch_id, kinds, check_only=check_only, held=held)


def _unpublishable(report: ImportReport, refused) -> ImportReport:
    """The outcome of a change whose figures could not be protected: rejected, one
    file-level error per cell, nothing written."""
    report.batch_id = None
    report.errors = listed([Problem.error(None, None, None, None, sentence)
                            for sentence in refused.sentences()])
    report.outcome = Outcome.REJECTED
    count = len(report.errors)
    report.message = (f"{count} figure{'s' if count != 1 else ''} could not be protected from "
                      "disclosure: nothing was loaded.")
    return report


MAX_LISTED = 1000  # CONTRACT.md: errors listed up to 1,000, then one counting the rest


def listed(problems: list[Problem]) -> list[Problem]:
    """The first MAX_LISTED problems, then (when there are more) one file-level problem of
    the same level saying how many more there are."""
    if len(problems) <= MAX_LISTED:
        return problems
    more = len(problems) - MAX_LISTED
    level = problems[0].level
    return [*problems[:MAX_LISTED], Problem(
        level, None, None, None, None,
        f"{more:,} more {level}{'s' if more != 1 else ''} not listed: correct the {MAX_LISTED:,} "
        "listed and upload the file again to see the rest")]


def _write(conn: Connection, report: ImportReport, tables: list[Table], diff: Diff,
           user: approvals.Who, illustrative: bool, pending: bool = False,
           area_name=None, check_only: bool = False) -> int:
    """Store the batch and its rows; commit and publish it, or keep it pending (no
    publication: nothing anyone sees changes) with its preview for the approver."""
    kinds = sorted({t.kind.name for t in tables})
    changes_json = json.dumps({"sheets": report.sheets, "totals": report.totals()})
    values = dict(file_name=report.file, sha256=report.sha256, kinds=",".join(kinds),
                  uploaded_by=user, uploaded_by_id=user.id, committed_at=utcnow(),
                  changes_json=changes_json, illustrative=illustrative,
                  state=BatchState.PENDING if pending else BatchState.COMMITTED)
    if check_only:  # an id of its own, so that PostgreSQL's sequence is not moved on
        values["id"] = (conn.execute(select(func.max(UploadBatch.id))).scalar() or 0) + 1
    batch_id = conn.execute(UploadBatch.__table__.insert().values(**values)
                            ).inserted_primary_key[0]
    pause = _no_step if check_only else commit_step
    pause("batch", batch_id)
    indicators = None
    held = Held(batch_id, {name: [] for name in HELD_COLUMNS})  # the values written
    for changes in diff.sheets:
        records, written = changes.records, changes.written()
        if not written:
            continue
        columns = list(records.columns.values())
        if len(written) != len(records):
            columns = [[column[i] for i in written] for column in columns]
        if records.kind == "indicators":
            for name in HELD_COLUMNS:
                held.columns[name] += columns[records.fields.index(name)]
        names = [*records.fields, "batch_id"]
        columns.append([batch_id] * len(written))
        if records.kind == "definitions":
            indicators = indicators or current_indicators(conn)
            names, columns = _definition_columns(names, columns, indicators)
        insert_rows(conn, KIND_TABLES[records.kind][0].__table__, dict(zip(names, columns,
                                                                               strict=True)))
    pause("values", batch_id)
    if pending:
        # the approver sees what the uploader saw, previous RAG beside the new one included
        approvals.store_preview(conn, batch_id, snapshot(report, area_name,
                                                         action_updates(conn)), diff)
    else:
        _publish(conn, "commit", batch_id, set(kinds), check_only, held)
    pause("published", batch_id)
    totals = report.totals()
    audit.write(conn, user, "upload", f"{report.file} ({', '.join(kinds)}): {totals['added']} "
                f"added, {totals['changed']} changed, {totals['unchanged']} unchanged"
                + (", awaiting approval" if pending else ""), batch_id)
    pause("audited", batch_id)
    return batch_id


# the indicator values' columns a publication takes from the import (`figures.Held`)
HELD_COLUMNS = ("indicator_code", "area_code", "period", "value", "symbol", "status")

PAUSE_POINTS = ("batch", "values", "published", "audited")


def _no_step(point: str, batch_id: int) -> None:
    """Nothing: the commit goes straight on."""


# Called at each step of a commit's write transaction (`PAUSE_POINTS`: after the batch row,
# after the rows, after the figures are published, after the audit event, the last step before
# the commit). Nothing in the dashboard sets it; tests/imports/commit_pause.py sets it in a child
# process to stop the commit at one step and kill it there.
commit_step: Callable[[str, int], None] = _no_step


def _definition_columns(names: list[str], columns: list[list], indicators: dict[str, dict]
                        ) -> tuple[list[str], list[list]]:
    """An uploaded definition keeps the source link, numerator and denominator it had; a
    declared `rate of CODE` makes CODE its numerator, and a percentage's `part of CODE` makes
    CODE its denominator (its base), which is how the figures are built from them."""
    codes, units = columns[names.index("code")], columns[names.index("unit")]
    relations = columns[names.index("relation")]
    known = [indicators.get(code, {}) for code in codes]
    numerators, denominators = [], []
    for unit, relation, k in zip(units, relations, known, strict=True):
        declared = relation_forms.parse(relation)
        kind = declared.kind if declared else None
        numerators.append(declared.codes[0] if kind == "rate" else k.get("numerator"))
        denominators.append(
            "children aged 0-17" if unit.startswith("rate") else
            declared.codes[0] if kind == "part" and unit == "percent" else k.get("denominator"))
    return [*names, "source_url", "numerator", "denominator"], [
        *columns, [k.get("source_url") for k in known], numerators, denominators]


def _sheets_bytes(sheets: list[RawSheet]) -> bytes:
    """A stable serialisation of sheets already read (sample data), for its sha256."""
    return json.dumps([[s.name, s.rows] for s in sheets], default=str).encode()
