"""What an import would change, as tables for the secretariat to read before confirming.

`snapshot(report)` is the whole preview as plain JSON-able data; the uploader sees it before
confirming, and under two-person approval it is stored with the pending batch so that the
second secretariat member sees exactly the same (`frames(snapshot)` gives its tables).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from cpip_dashboard.imports.kinds import KINDS
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.rules import rag
from cpip_dashboard.rules.register import movement_text
from cpip_dashboard.rules.values import as_text
from cpip_dashboard.store.current import KIND_TABLES

if TYPE_CHECKING:
    from cpip_dashboard.batches.pipeline import ImportReport

MAX_CHANGED, MAX_ADDED = 2000, 500


# Each database field under the column name its sheet kind uses, so the preview speaks the
# template's words.
LABELS: dict[str, dict[str, str]] = {
    "actions": {"ref": "Action ID", "workstream_code": "Workstream", "title": "Action",
                "lead": "Lead", "areas": "Area", "due_date": "Due date",
                "indicators": "Indicators", "source": "Source"},
    "updates": {"action_ref": "Action ID", "reporting_date": "Reporting date", "rag": "RAG",
                "progress": "Progress %", "commentary": "Commentary",
                "next_steps": "Next steps", "revised_due_date": "Revised due date"},
    "indicators": {"indicator_code": "Indicator", "area_code": "Area", "period": "Period",
                   "value": "Value", "symbol": "Symbol", "status": "Status", "notes": "Notes"},
    "review": {"area_code": "Area", "criterion_code": "Criterion", "assessed_on": "Assessed on",
               "rating": "Rating", "evidence": "Evidence", "finding": "Finding",
               "recommendation": "Recommendation", "owner": "Owner",
               "target_date": "Target date", "progress": "Progress", "action_ref": "Action ID"},
    "meetings": {"meeting_date": "Date", "title": "Title", "chair": "Chair"},
    "populations": {"area_code": "Area", "year": "Year", "children": "Children aged 0-17",
                    "source": "Source"},
    "definitions": {"code": "Code", "name": "Name", "unit": "Unit", "frequency": "Frequency",
                    "definition": "Definition", "polarity": "Polarity", "source": "Source",
                    "headline": "Headline", "series_notes": "Series notes",
                    "relation": "Relation"},
}
AREA_FIELDS = ("area_code", "areas")


def _text(value: object, field: str = "", area_name: Callable[[str], str] | None = None) -> str:
    """A value as the secretariat wrote it: 112 not 112.0, dates as 2024-07-31, areas by name."""
    if value is None:
        return ""
    if area_name is not None and field in AREA_FIELDS and isinstance(value, str):
        return ", ".join(area_name(code) for code in value.split(",") if code)
    if value is True or value is False:
        return "yes" if value else "no"
    return as_text(value) or ""


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """Errors (which stop the file loading) and warnings (which would not), located."""
    return pd.DataFrame([{"Level": p.level.capitalize(), "Sheet": p.sheet or "",
                          "Row": "" if p.row is None else str(p.row), "Column": p.column or "",
                          "Value": p.value or "", "Problem": p.message} for p in problems],
                        columns=["Level", "Sheet", "Row", "Column", "Value", "Problem"])


def _sheets_frame(sheets: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Sheet": s["sheet"], "Kind": KINDS[s["kind"]].sheet, "Rows": s["rows"],
        "Added": s["changes"]["added"], "Changed": s["changes"]["changed"],
        "Unchanged": s["changes"]["unchanged"]} for s in sheets],
        columns=["Sheet", "Kind", "Rows", "Added", "Changed", "Unchanged"])


CHANGED_COLUMNS = ["Sheet", "Row", "Key", "Column", "Old", "New"]


def _changed_rows(report: ImportReport, area_name: Callable[[str], str] | None) -> list[dict]:
    rows = []
    for changes in report.changes:
        r = changes.records
        labels = LABELS.get(r.kind, {})
        key_fields = KIND_TABLES[r.kind][1]
        for i in changes.changed[:max(0, MAX_CHANGED - len(rows))]:
            key = " / ".join(_text(k, f, area_name) for k, f in zip(r.keys[i], key_fields,
                                                                     strict=True))
            rows.extend({
                "Sheet": r.sheet, "Row": r.row(i), "Key": key, "Column": labels.get(name, name),
                "Old": _text(changes.old[i].get(name), name, area_name),
                "New": _text(r.columns[name][i], name, area_name)}
                for name in changes.fields_changed(i))
    return rows


def _added_rows(report: ImportReport, area_name: Callable[[str], str] | None) -> list[dict]:
    rows = []
    for changes in report.changes:
        r = changes.records
        labels = LABELS.get(r.kind, {})
        rows.extend({"Sheet": r.sheet, "Row": r.row(i),
                     **{labels.get(k, k): _text(v, k, area_name)
                        for k, v in r.values(i).items()}}
                    for i in changes.added[:max(0, MAX_ADDED - len(rows))])
    return rows


def counts(report: ImportReport) -> tuple[int, int]:
    """(changed rows, added rows)."""
    return (sum(len(c.changed) for c in report.changes),
            sum(len(c.added) for c in report.changes))


RAG_MOVEMENT_COLUMNS = ["Sheet", "Row", "Action ID", "Reporting date", "Previous RAG",
                        "Previous reporting date", "New RAG", "Movement"]


def rag_movements(report: ImportReport, updates: pd.DataFrame) -> pd.DataFrame:
    """For each Updates row the upload would write (added or changed): the action's previous
    RAG and the movement the row makes (Amber -> Red: "Worsened"), before anyone confirms.

    `updates` is the current updates (`queries.action_updates(conn)`). The previous RAG is the
    action's status just before this row's reporting date: the current update of that same
    date when the row changes one, else the latest update dated before it, from the current
    data or an earlier row of this file. None before is "New"."""
    timeline: dict[str, dict] = {}
    for ref, day, status in zip(updates["action_ref"], updates["reporting_date"],
                                updates["rag"], strict=True):
        timeline.setdefault(ref, {})[day] = status
    current = {ref: dict(days) for ref, days in timeline.items()}
    written = [(changes.records, i) for changes in report.changes
               if changes.records.kind == "updates" for i in changes.written()]
    for r, i in written:  # this file's rows join the timeline (they may follow one another)
        timeline.setdefault(r.columns["action_ref"][i], {})[
            r.columns["reporting_date"][i]] = r.columns["rag"][i]
    rows = []
    for r, i in written:
        ref, day, status = (r.columns[f][i] for f in ("action_ref", "reporting_date", "rag"))
        if day in current.get(ref, {}):
            before_day, before = day, current[ref][day]
        else:
            earlier = [d for d in timeline.get(ref, {}) if d < day]
            before_day = max(earlier) if earlier else None
            before = timeline[ref][before_day] if before_day is not None else None
        rows.append({"Sheet": r.sheet, "Row": r.row(i), "Action ID": ref,
                     "Reporting date": day.isoformat(),
                     "Previous RAG": "" if before is None else rag.label(before),
                     "Previous reporting date": "" if before_day is None
                     else before_day.isoformat(),
                     "New RAG": rag.label(status), "Movement": movement_text(before, status)})
    return pd.DataFrame(rows, columns=RAG_MOVEMENT_COLUMNS)


def snapshot(report: ImportReport, area_name: Callable[[str], str] | None = None,
             updates: pd.DataFrame | None = None) -> dict:
    """The whole preview of a report that passed its checks, as plain data (JSON-able):
    the sheets and their counts, each action's previous RAG beside the new one and the
    movement (given the current `updates`), the changed values old beside new (the first
    `MAX_CHANGED`), the added rows (the first `MAX_ADDED`) and the warnings."""
    changed, added = counts(report)
    movements = [] if updates is None else \
        rag_movements(report, updates).head(MAX_ADDED).to_dict("records")
    return {"sheets": report.sheets, "totals": report.totals(), "changed_rows": changed,
            "added_rows": added, "changed": _changed_rows(report, area_name),
            "added": _added_rows(report, area_name), "rag_movements": movements,
            "warnings": [p.as_json() for p in report.warnings]}


def frames(snap: dict) -> dict[str, pd.DataFrame]:
    """A snapshot's tables, as the Upload page shows them: `sheets`, `changed`, `added`,
    `warnings`."""
    return {"sheets": _sheets_frame(snap["sheets"]),
            "rag_movements": pd.DataFrame(snap.get("rag_movements", []),
                                          columns=RAG_MOVEMENT_COLUMNS),
            "changed": pd.DataFrame(snap["changed"], columns=CHANGED_COLUMNS),
            "added": pd.DataFrame(snap["added"]),
            "warnings": problems_table([Problem("warning", **w) for w in snap["warnings"]])}
