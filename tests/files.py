"""Small spreadsheets built by code for the import tests (never committed binaries)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import xlsxwriter


@dataclass(frozen=True)
class Formula:
    """A formula cell with the value Excel cached when it last calculated."""

    formula: str
    cached: object


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook; dates become real Excel date cells, `Formula` a formula cell with its cached
    value, None an empty cell."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Formula):
                    sheet.write_formula(r, c, value.formula, None, value.cached)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def csv(rows: list[list[object]], delimiter: str = ",", encoding: str = "utf-8",
        bom: bool = False) -> bytes:
    def cell(value: object) -> str:
        if value is None:
            return ""
        text = value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)
        if delimiter in text or '"' in text or "\n" in text:
            text = '"' + text.replace('"', '""') + '"'
        return text

    body = "\r\n".join(delimiter.join(cell(v) for v in row) for row in rows) + "\r\n"
    data = body.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def build(fmt: str, sheet: str, rows: list[list[object]]) -> tuple[str, bytes]:
    """(file name, bytes) in the given format: a one-sheet workbook or a csv named for it."""
    if fmt == "xlsx":
        return f"{sheet.lower()}.xlsx", xlsx({sheet: rows})
    return f"{sheet.lower()}.csv", csv(rows)
