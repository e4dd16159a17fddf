"""A copy of an uploaded workbook with every problem cell marked, and a Problems sheet.

The secretariat downloads it from the Upload page, fixes the marked cells and uploads again.
"""

from __future__ import annotations

import io

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ..downloads import guard
from ..values import as_text
from .problems import Problem
from .reading import RawSheet

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")


def _column_index(rows: list[list[object]], header: str | None, row_number: int) -> int | None:
    """The column whose header (in a row above the problem) reads `header`."""
    if header is None:
        return None
    for row in rows[: max(row_number - 1, 0)][:30]:
        for index, cell in enumerate(row):
            if as_text(cell) == header:
                return index
    return None


def marked_workbook(sheets: list[RawSheet], problems: list[Problem]) -> bytes:
    """Rebuild the sheets as values (formulas and macros never carried over) with marks."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31] or "Sheet")
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value not in ("", None):
                    ws.cell(r, c, guard(value) if isinstance(value, str) else value)
        for problem in problems:
            if problem.sheet != sheet.name or problem.row is None:
                continue
            col = _column_index(sheet.rows, problem.column, problem.row)
            cell = ws.cell(problem.row, (col or 0) + 1)
            cell.fill = ERROR_FILL if problem.level == "error" else WARNING_FILL
            text = f"{problem.level.capitalize()}: {problem.message}"
            cell.comment = Comment(text if cell.comment is None else
                                   cell.comment.text + "\n" + text, "CPIP dashboard")
    summary = book.create_sheet("Problems", 0)
    summary.append(["Level", "Sheet", "Row", "Column", "Value", "Message"])
    for p in problems:
        summary.append([p.level, p.sheet, p.row, guard(p.column) if p.column else None,
                        guard(p.value) if p.value else None, guard(p.message)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
