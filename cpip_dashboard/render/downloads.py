"""CSV and Excel downloads that no spreadsheet will run as formulas.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return (`formula_like`; the
bare symbol `-` excepted) is never run as a formula, in every file the dashboard writes: in a
CSV it is written with a leading `'` (`guard`); in an `.xlsx` it keeps its text and gets
Excel's quote-prefix format (`XlsxText`, used by the downloads, the templates and the marked
copy of a rejected upload), so it reads back the same when the file is uploaded again.
Missing-value symbols stay symbols.

In Excel, numbers are numbers: a numeric column, and a text cell that is exactly a number as
shown on screen (`2,129`, `0.5`, `-3.1`), are written as number cells, formatted with the
decimal places and thousands separator they were shown with; anything else (`12.0 p`, `[c]`,
`2023-24`, a code) stays text, formula-guarded.

Given a `provenance.Provenance`, every file says what its figures are inside it: the columns
`Status` (official / illustrative), `Source` and `Data version` after the columns shown, and in
Excel a Notes sheet (the statement, sources with links, suppression rule, data version, when it
was produced). Every download the pages offer passes one (a view's `Download`, drawn by
`ui.widgets.prepared_downloads`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re

import pandas as pd

from cpip_dashboard.rules import provenance as prov

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a number as the pages show it: optional minus, thousands grouped by commas (or none), no
# leading zero but for "0", optional decimals
_SHOWN_NUMBER = re.compile(r"^-?(?:[1-9]\d{0,2}(?:,\d{3})+|0|[1-9]\d*)(?:\.(\d+))?$")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula (the bare `-` is a symbol)."""
    return text.startswith(FORMULA_START) and text != "-"


def guard(value: object) -> object:
    """A CSV cell: formula-like text with a leading `'`; anything else as it is."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


class XlsxText:
    """Text cells for one xlsxwriter workbook, guarded: formula-like text is written as it is
    with Excel's quote-prefix format added to the cell's own format (`props`, xlsxwriter's
    format properties). Formats are made once per set of properties."""

    def __init__(self, book):
        self.book = book
        self._formats: dict[tuple, object] = {}

    def format(self, props: dict | None = None):
        if not props:
            return None
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(dict(props))
        return self._formats[key]

    def write(self, sheet, row: int, col: int, text: object, props: dict | None = None) -> str:
        """Write `text` as a text cell (never a formula, number or link); returns the text."""
        text = str(text)
        if formula_like(text):
            props = {**(props or {}), "quote_prefix": True}
        sheet.write_string(row, col, text, self.format(props))
        return text


def guarded(frame: pd.DataFrame) -> pd.DataFrame:
    result = frame.copy()
    for column in result.columns:
        if result[column].dtype == object or pd.api.types.is_string_dtype(result[column]):
            result[column] = result[column].map(guard)
    result.columns = [guard(str(c)) for c in result.columns]
    return result


def _with_provenance(frame: pd.DataFrame, provenance: prov.Provenance | None) -> pd.DataFrame:
    return frame if provenance is None else prov.attach(frame, provenance)


def to_csv(frame: pd.DataFrame, provenance: prov.Provenance | None = None) -> bytes:
    """UTF-8 with BOM, so Excel opens accented names correctly."""
    return guarded(_with_provenance(frame, provenance)).to_csv(index=False).encode("utf-8-sig")


def shown_number(value: object) -> tuple[float, str] | None:
    """(the number, its Excel number format) for text that is exactly a number as shown
    ('2,129' -> (2129, '#,##0'), '0.5' -> (0.5, '0.0')); None for any other value."""
    if not isinstance(value, str):
        return None
    match = _SHOWN_NUMBER.match(value)
    if match is None:
        return None
    places = len(match.group(1) or "")
    grouped = "," in value
    number_format = ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")
    return float(value.replace(",", "")), number_format


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _write_sheet(book, name: str, frame: pd.DataFrame, numbers: bool = True) -> None:
    """One sheet: a bold header row, then every cell as its kind: numbers as numbers (with the
    format they were shown in), dates as dates, text formula-guarded. `numbers=False` (the
    Notes sheet: prose) keeps text that looks like a number as text."""
    sheet = book.add_worksheet(name[:31])
    texts = XlsxText(book)

    def fmt(number_format: str):
        return texts.format({"num_format": number_format})

    header = {"bold": True, "text_wrap": True, "valign": "top"}
    widths = []
    for c, column in enumerate(frame.columns):
        title = texts.write(sheet, 0, c, column, header)
        widths.append(len(title))
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for c, value in enumerate(values):
            if hasattr(value, "item") and not isinstance(value, str):
                value = value.item()  # a numpy scalar
            if _is_missing(value):
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
                text = str(value)
            elif isinstance(value, int | float):
                if isinstance(value, float) and math.isinf(value):
                    sheet.write_string(r, c, str(value))
                else:
                    sheet.write_number(r, c, value)
                text = f"{value:,}"
            elif isinstance(value, dt.datetime | dt.date):
                sheet.write_datetime(r, c, value, fmt(
                    "yyyy-mm-dd hh:mm" if isinstance(value, dt.datetime) else "yyyy-mm-dd"))
                text = "0000-00-00 00:00"
            elif numbers and (number := shown_number(value)) is not None:
                sheet.write_number(r, c, number[0], fmt(number[1]))
                text = value
            else:
                text = texts.write(sheet, r, c, value)
            widths[c] = max(widths[c], len(text))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(max(width, 6), 60) + 2)
    sheet.freeze_panes(1, 0)


def to_excel(frame: pd.DataFrame, sheet: str = "Data", notes: list[str] | None = None,
             provenance: prov.Provenance | None = None,
             produced: dt.datetime | None = None) -> bytes:
    """The frame (with its provenance columns) and a Notes sheet: the provenance notes, then
    any further `notes` lines."""
    import xlsxwriter  # noqa: PLC0415 (only Excel downloads load it)

    rows = [] if provenance is None else prov.notes(provenance, produced)
    rows += [("Note", n) for n in notes or []]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False, "in_memory": True})
    _write_sheet(book, sheet, _with_provenance(frame, provenance))
    if rows:
        _write_sheet(book, "Notes", pd.DataFrame({"Item": [i for i, _ in rows],
                                                  "Detail": [d for _, d in rows]}),
                     numbers=False)
    book.close()
    return buffer.getvalue()
