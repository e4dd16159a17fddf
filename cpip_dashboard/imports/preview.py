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
    changed = [c for c in report.changes if c.change == "changed"][:MAX_CHANGED]
    return pd.DataFrame([{
        "Sheet": c.record.sheet, "Row": c.record.row,
        "Key": " / ".join(str(k) for k in c.record.key), "Field": field,
        "Old": _text(c.old.get(field)), "New": _text(c.record.values[field])}
        for c in changed for field in c.fields_changed()],
        columns=["Sheet", "Row", "Key", "Field", "Old", "New"])


def added_table(report: ImportReport) -> pd.DataFrame:
    added = [c for c in report.changes if c.change == "added"][:MAX_ADDED]
    return pd.DataFrame([{"Sheet": c.record.sheet, "Row": c.record.row,
                          **{k: _text(v) for k, v in c.record.values.items()}} for c in added])


def counts(report: ImportReport) -> tuple[int, int]:
    """(changed rows, added rows)."""
    changed = sum(1 for c in report.changes if c.change == "changed")
    return changed, len(report.changes) - changed
