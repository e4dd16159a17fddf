"""A copy of an uploaded workbook with every problem cell marked, and a Problems sheet.

The secretariat downloads it from the Upload page, fixes the marked cells and uploads again.

The sheets are rebuilt as values (formulas and macros never carried over), every text cell
formula-guarded with Excel's quote-prefix format (`downloads.XlsxText`), so the copy reads back
as the upload did. Marking is linear: the problems are gathered into a map of cells first (a
header is found among the first 30 rows through an index built once per sheet), then each row
is written once. Sheet names Excel refuses (`round[5]` from `round[5].csv`, a name too long or
used twice) are changed to names it takes, and characters an `.xlsx` cannot hold (control
characters) are shown as their visible Unicode symbols.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re

import xlsxwriter

from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.imports.reading import RawSheet
from cpip_dashboard.render.downloads import XlsxText
from cpip_dashboard.rules.values import as_text

ERROR_FILL = "#FFC7CE"
WARNING_FILL = "#FFEB9C"
HEADER_ROWS = 30  # a problem's column header is looked for in the first 30 rows above it
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
MAX_TEXT = 32_767  # the most characters an Excel cell holds


def visible(text: str) -> str:
    """Control characters as their Unicode control pictures (U+2400 onwards), at most the
    32,767 characters a cell holds."""
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: chr(0x2400 + ord(m[0])) if m[0] != "\x7f" else "\u2421",
                            text)
    return text[:MAX_TEXT]


def sheet_titles(names: list[str]) -> list[str]:
    """Names Excel accepts, distinct ignoring case, in the order given; `Problems` is kept
    for the summary sheet."""
    taken = {"problems"}
    titles = []
    for name in names:
        base = _NOT_IN_SHEET_NAME.sub("_", name).strip("'")[:31] or "Sheet"
        if base.lower() == "history":  # reserved by Excel
            base = "History_"
        title, n = base, 1
        while title.lower() in taken:
            n += 1
            title = f"{base[:31 - len(str(n)) - 1]}_{n}"
        taken.add(title.lower())
        titles.append(title)
    return titles


class _Headers:
    """Where each header text first appears among a sheet's first HEADER_ROWS rows, in row
    order: built once, looked up per problem."""

    def __init__(self, rows: list[list[object]]):
        self.at: dict[str, list[tuple[int, int]]] = {}
        for r, row in enumerate(rows[:HEADER_ROWS]):
            for c, cell in enumerate(row):
                if cell not in ("", None):
                    self.at.setdefault(as_text(cell), []).append((r, c))

    def column(self, header: str | None, row_number: int) -> int | None:
        """The column whose header (in a row above the problem's) reads `header`."""
        if header is None:
            return None
        for r, c in self.at.get(header, ()):
            if r < row_number - 1:
                return c
            break
        return None


def _marks(sheet: RawSheet, problems: list[Problem]) -> dict[tuple[int, int], list]:
    """(row, column) from 0 -> [error?, comment lines] for one sheet's problems."""
    headers = _Headers(sheet.rows)
    marks: dict[tuple[int, int], list] = {}
    for problem in problems:
        col = headers.column(problem.column, problem.row)
        mark = marks.setdefault((problem.row - 1, col or 0), [False, []])
        mark[0] = mark[0] or problem.level == "error"
        mark[1].append(f"{problem.level.capitalize()}: {problem.message}")
    return marks


def _write_value(texts: XlsxText, ws, r: int, c: int, value: object, props: dict | None,
                 formats: dict) -> None:
    if isinstance(value, str):
        texts.write(ws, r, c, visible(value), props)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, texts.format(props))
    elif isinstance(value, int | float) and math.isfinite(value):
        ws.write_number(r, c, value, texts.format(props))
    elif isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        number_format = formats.get(type(value), "yyyy-mm-dd hh:mm")
        ws.write_datetime(r, c, value, texts.format({**(props or {}),
                                                     "num_format": number_format}))
    else:
        texts.write(ws, r, c, visible(as_text(value)), props)


FORMATS = {dt.datetime: "yyyy-mm-dd hh:mm", dt.date: "yyyy-mm-dd", dt.time: "hh:mm:ss",
           dt.timedelta: "[h]:mm:ss"}


def marked_workbook(sheets: list[RawSheet], problems: list[Problem]) -> bytes:
    """Rebuild the sheets as values with the problem cells filled and commented."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    texts = XlsxText(book)
    summary = book.add_worksheet("Problems")  # first
    by_sheet: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.sheet is not None and problem.row is not None:
            by_sheet.setdefault(problem.sheet, []).append(problem)
    for sheet, title in zip(sheets, sheet_titles([s.name for s in sheets]), strict=True):
        ws = book.add_worksheet(title)
        marks = _marks(sheet, by_sheet.get(sheet.name, []))
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                mark = marks.get((r, c))
                props = None if mark is None else {
                    "bg_color": ERROR_FILL if mark[0] else WARNING_FILL}
                if value not in ("", None):
                    _write_value(texts, ws, r, c, value, props, FORMATS)
                elif props:
                    ws.write_blank(r, c, None, texts.format(props))
        for (r, c), (is_error, lines) in marks.items():
            if r >= len(sheet.rows) or c >= len(sheet.rows[r]):
                ws.write_blank(r, c, None, texts.format(
                    {"bg_color": ERROR_FILL if is_error else WARNING_FILL}))
            ws.write_comment(r, c, visible("\n".join(lines)), {"author": "CPIP dashboard",
                                                               "x_scale": 3, "y_scale": 2})
    bold = {"bold": True}
    for c, header in enumerate(("Level", "Sheet", "Row", "Column", "Value", "Message")):
        texts.write(summary, 0, c, header, bold)
    for r, p in enumerate(problems, start=1):
        texts.write(summary, r, 0, p.level)
        for c, text in ((1, p.sheet), (3, p.column), (4, p.value), (5, p.message)):
            if text:
                texts.write(summary, r, c, visible(str(text)))
        if p.row is not None:
            summary.write_number(r, 2, p.row)
    summary.set_column(1, 1, 16)
    summary.set_column(5, 5, 90)
    book.close()
    return buffer.getvalue()
