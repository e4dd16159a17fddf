"""What an import would change, as tables for the secretariat to read before confirming."""

from __future__ import annotations

import pandas as pd

from .pipeline import ImportReport
from .problems import Problem

MAX_CHANGED, MAX_ADDED = 2000, 500


def _text(value: object) -> str:
    return "" if value is None else str(value)


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([{"Sheet": p.sheet or "", "Row": "" if p.row is None else str(p.row),
                          "Column": p.column or "", "Value": p.value or "",
                          "Problem": p.message} for p in problems],
                        columns=["Sheet", "Row", "Column", "Value", "Problem"])


def sheets_table(report: ImportReport) -> pd.DataFrame:
    return pd.DataFrame([{
        "Sheet": s["sheet"], "Kind": s["kind"], "Rows": s["rows"],
        "Added": s["changes"]["added"], "Changed": s["changes"]["changed"],
        "Unchanged": s["changes"]["unchanged"]} for s in report.sheets],
        columns=["Sheet", "Kind", "Rows", "Added", "Changed", "Unchanged"])


def changed_table(report: ImportReport) -> pd.DataFrame:
    """Each changed field of each changed row: old and new side by side."""
    rows = []
    for changes in report.changes:
        r = changes.records
        for i in changes.changed[:max(0, MAX_CHANGED - len(rows))]:
            rows.extend({
                "Sheet": r.sheet, "Row": r.row(i), "Key": " / ".join(str(k) for k in r.keys[i]),
                "Field": name, "Old": _text(changes.old[i].get(name)),
                "New": _text(r.columns[name][i])} for name in changes.fields_changed(i))
    return pd.DataFrame(rows, columns=["Sheet", "Row", "Key", "Field", "Old", "New"])


def added_table(report: ImportReport) -> pd.DataFrame:
    rows = []
    for changes in report.changes:
        r = changes.records
        rows.extend({"Sheet": r.sheet, "Row": r.row(i),
                     **{k: _text(v) for k, v in r.values(i).items()}}
                    for i in changes.added[:max(0, MAX_ADDED - len(rows))])
    return pd.DataFrame(rows)


def counts(report: ImportReport) -> tuple[int, int]:
    """(changed rows, added rows)."""
    return (sum(len(c.changed) for c in report.changes),
            sum(len(c.added) for c in report.changes))
