"""The Upload page's view (secretariat only): the approval settings, the batches awaiting
approval, the templates, the check of an uploaded file with its preview, the batch history and
rollback. Plain Python over the pipeline: every write goes through `batches.pipeline`,
`batches.approval` or `batches.rollback` as one batch, and each of those checks who acts; a
database failure comes back as a sentence with nothing changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from cpip_dashboard import auth, config
from cpip_dashboard.batches import approval, rollback
from cpip_dashboard.batches.pipeline import ImportReport, Outcome, run_import
from cpip_dashboard.imports import preview
from cpip_dashboard.imports.kinds import KINDS
from cpip_dashboard.imports.reading import ReadError
from cpip_dashboard.imports.worker import read_file
from cpip_dashboard.render import templates
from cpip_dashboard.render.marking import marked_workbook
from cpip_dashboard.rules.values import long_date, long_moment
from cpip_dashboard.store.models import BatchState
from cpip_dashboard.store.queries import (  # noqa: F401 (the page reads the first and last)
    STATE_LABELS,
    action_updates,
    audit_events,
    batch_table,
    indicator_catalogue,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_TYPES = ["xlsx", "xlsm", "csv", "xls"]
KIND_CHOICES = tuple(KINDS)
FIRST_TEMPLATE = "updates"  # the chooser starts on Updates, the most common upload
Decision = approval.Decision
same_person = approval.same_person
problems_table = preview.problems_table
snapshot = preview.snapshot


@dataclass(frozen=True)
class Settings:
    mode: str | None  # "two-person" or "single"; None when the settings are wrong
    error: str | None  # what is wrong with the settings, as a sentence
    warnings: tuple[str, ...]  # what stops approval or roles working as configured

    @property
    def two_person(self) -> bool:
        return self.mode == "two-person"

    @property
    def intro(self) -> str:
        return ("Load an updated spreadsheet: it is checked, you see exactly what will change, "
                "and nothing is written until you confirm"
                + (" and a second secretariat member approves it." if self.two_person else ".")
                + " Any batch can be rolled back.")


def settings(secrets: Mapping[str, Any]) -> Settings:
    """The approval mode the secrets and environment give, or the sentence saying what to fix."""
    try:
        mode = approval.mode(auth.auth_configured(secrets))
    except ValueError as exc:
        return Settings(None, f"The dashboard's settings need correcting: {exc}", ())
    return Settings(mode, None, tuple(approval.settings_warnings(secrets)))


def batches(engine: Engine) -> dict:
    """What the page shows about batches, read now rather than from the page caches (a pending
    batch, a rejection or a withdrawal publishes nothing): the batches awaiting approval, the
    batch history and the audit trail."""
    with engine.connect() as conn:
        return {"pending": approval.pending_batches(conn), "history": batch_table(conn),
                "audit": audit_events(conn, 200)}


def decide(decision: Callable[..., approval.Decision], engine: Engine, *args
           ) -> approval.Decision:
    """Approve, reject or withdraw (the function checks who acts); a database failure is a
    sentence, and nothing changed (the transaction rolled back)."""
    try:
        return decision(engine, *args)
    except SQLAlchemyError as exc:
        return approval.Decision(False, "The database could not record this decision "
                                        f"({type(exc).__name__}); nothing changed. Try again "
                                        "in a minute.")


approve, reject, withdraw = approval.approve, approval.reject, approval.withdraw


def rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class Preview:
    """What an upload would change, in sentences and tables (the uploader's and the approver's
    preview are the same: it is stored with the batch)."""
    sheets: pd.DataFrame
    rag_sentence: str | None
    rag_movements: pd.DataFrame
    changed_sentence: str | None
    changed: pd.DataFrame
    added_sentence: str | None
    added: pd.DataFrame
    warnings_sentence: str | None
    warnings: pd.DataFrame

    def sections(self) -> list[tuple[str, pd.DataFrame, str]]:
        """(sentence, table, key suffix) of each part that has something to show, in order."""
        return [(sentence, table, suffix) for sentence, table, suffix in (
            (self.rag_sentence, self.rag_movements, "rag"),
            (self.changed_sentence, self.changed, "changed"),
            (self.added_sentence, self.added, "added"),
            (self.warnings_sentence, self.warnings, "warnings")) if sentence]


def preview_of(snap: dict) -> Preview:
    tables = preview.frames(snap)
    moves = tables["rag_movements"]
    rag_sentence = None
    if not moves.empty:
        worse = int(moves["Movement"].str.startswith("Worsened").sum())
        rag_sentence = (f"Status of {len(moves):,} action update{'' if len(moves) == 1 else 's'}"
                        ": the RAG before this file beside the new one"
                        + (f" ({worse} worsened)." if worse else "."))
    changed, added = snap["changed_rows"], snap["added_rows"]
    changed_sentence = added_sentence = warnings_sentence = None
    if changed:
        changed_sentence = (f"{rows(changed)} changed (old and new values side by side"
                            + (f", the first {preview.MAX_CHANGED:,} values shown):"
                               if len(snap["changed"]) >= preview.MAX_CHANGED else "):"))
    if added:
        added_sentence = rows(added) + " added" + (
            f" (the first {preview.MAX_ADDED} shown):" if added > preview.MAX_ADDED else ":")
    if snap["warnings"]:
        count = len(snap["warnings"])
        warnings_sentence = (f"{count:,} warning{'' if count == 1 else 's'} (these rows will "
                             f"load; check {'it' if count == 1 else 'them'}):")
    return Preview(tables["sheets"], rag_sentence, moves, changed_sentence, tables["changed"],
                   added_sentence, tables["added"], warnings_sentence, tables["warnings"])


def where_shown(snap: dict, meetings: list[dt.date]) -> str | None:
    """Which view will show each action update the file writes: as at the first meeting on or
    after its reporting date, or, dated after the latest meeting, under Now (CONTRACT.md,
    `meeting=now`). None when the file writes no update."""
    dates = sorted(meetings)
    counted: dict[str, int] = {}
    for row in snap.get("rag_movements", []):
        day = dt.date.fromisoformat(str(row["Reporting date"])[:10])
        later = [m for m in dates if m >= day]
        place = (f"as at the meeting of {long_date(later[0])}" if later else
                 "under Now (dated after the latest meeting"
                 + (f", {long_date(dates[-1])})" if dates else ")"))
        counted[place] = counted.get(place, 0) + 1
    if not counted:
        return None
    return ("Where these updates will show on the Briefing and the Action register: "
            + "; ".join(f"{n:,} {place}" for place, n in counted.items()) + ".")


def template_bytes(kind: str, codes: list[str]) -> bytes:
    return templates.template_bytes(kind, codes)


def prefilled_updates(conn: Connection, codes: tuple[str, ...]) -> bytes:
    """The Updates template with every current action filled in: about 15 ms, so the page builds
    it once per data version (cached) and offers plain bytes. A callable built on the click
    (Streamlit's deferred download) was a new function on every run, and a click that landed
    during a redraw was lost (the browser journey saw it twice in five runs)."""
    return templates.template_bytes("updates", list(codes), templates.current_actions(conn))


def max_upload_mb() -> int:
    return config.max_upload_mb()


def check(engine: Engine, name: str, data: bytes, who, kind: str | None,
          indicator: str | None, dry_run: bool, max_mb: int, mode: str | None) -> ImportReport:
    """The shared pipeline (a dry run checks; otherwise commits or stores for approval); a
    database failure is a sentence (the transaction rolled back)."""
    try:
        return run_import(engine, name, data, user=who, kind=kind, indicator=indicator,
                          dry_run=dry_run, max_mb=max_mb, approval=mode)
    except SQLAlchemyError as exc:
        return ImportReport(Outcome.UNREADABLE, name, "", dry_run,
                            "The database could not complete this upload "
                            f"({type(exc).__name__}); nothing was loaded. Try again in a "
                            "minute; if it happens again, tell whoever runs the dashboard.")


def marked_copy(name: str, data: bytes, max_mb: int, report: ImportReport) -> bytes | None:
    """The uploaded workbook with its problem cells marked, or None when it cannot be read."""
    try:
        return marked_workbook(read_file(name, data, max_mb), report.errors + report.warnings)
    except ReadError:
        return None


ID_HEADERS = {"action id", "ref", "reference", "id"}  # the Action ID column and its synonyms


def problems_with_ids(name: str, data: bytes, max_mb: int,
                      problems: list) -> pd.DataFrame:
    """The problems table with the row's Action ID beside its row number (the file read
    again: a rejected file's rows were never stored); blank where the sheet has no Action ID
    column or the file cannot be read."""
    table = problems_table(problems)
    try:
        sheets = {sheet.name: sheet.rows for sheet in read_file(name, data, max_mb)}
    except ReadError:
        sheets = {}
    ids = []
    for p in problems:
        rows = sheets.get(p.sheet) if p.sheet is not None and p.row is not None else None
        found = ""
        if rows:
            header = next(((r, c) for r, row in enumerate(rows[:30]) if r < p.row - 1
                           for c, cell in enumerate(row)
                           if str(cell).strip().lower() in ID_HEADERS), None)
            if header is not None and p.row - 1 < len(rows):
                row = rows[p.row - 1]
                found = str(row[header[1]]).strip() if header[1] < len(row) else ""
        ids.append(found)
    table.insert(table.columns.get_loc("Row") + 1, "Action ID", ids)
    return table


def current_batches(history: pd.DataFrame) -> pd.DataFrame:
    """The batches that can be rolled back: those whose rows are current."""
    return history[history["State"] == STATE_LABELS[BatchState.COMMITTED]]


def all_rolled_back(history: pd.DataFrame) -> bool:
    return bool((history["State"] == STATE_LABELS[BatchState.ROLLED_BACK]).all())


def rollback_question(current: pd.DataFrame, batch_id: int) -> str:
    """The rollback confirmation: what the batch holds (its file, kinds, who loaded it and
    when, the rows it added and changed), then what rolling it back does."""
    row = current.set_index("Batch").loc[batch_id]
    when = row["Loaded at (UTC)"]
    try:
        when_text = long_moment(when if isinstance(when, dt.datetime) else
                                dt.datetime.fromisoformat(str(when).rstrip("Z")))
    except ValueError:
        when_text = str(when)
    return (f"Roll back batch {batch_id}? It holds {row['File']} ({row['Kinds']}), loaded by "
            f"{row['Loaded by']} on {when_text}; rows: {row['Added']:,} added, "
            f"{row['Changed']:,} changed, {row['Unchanged']:,} unchanged. Its rows leave every "
            "page at once; history keeps them. To restore it, upload the same file again.")


def rollback_label(current: pd.DataFrame, batch_id: int) -> str:
    row = current.set_index("Batch").loc[batch_id]
    return f"Batch {batch_id}: {row['File']} ({row['Loaded by']})"


def roll_back(engine: Engine, batch_id: int, who) -> Any:
    return rollback.rollback(engine, batch_id, who)
