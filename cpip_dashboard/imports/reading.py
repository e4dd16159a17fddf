"""Read an uploaded file into raw sheets (cells as Excel shows them, rows numbered from 1).

`.xlsx` / `.xlsm` through python-calamine (values only: macros never run; formula cells give
their cached values); `.csv` in UTF-8 (with or without BOM) or Windows-1252, comma- or
semicolon-separated. Anything else gets one plain sentence in `ReadError`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import python_calamine

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and encrypted .xlsx containers
ZIP_MAGIC = b"PK\x03\x04"


class ReadError(Exception):
    """The file cannot be read at all; the message says what to do."""


@dataclass
class RawSheet:
    name: str
    rows: list[list[object]]  # rows[0] is Excel row 1; cells are '' when empty
    decimal_comma: bool = False  # semicolon-separated CSV: the comma is the decimal mark


def read_file(name: str, data: bytes, max_mb: int) -> list[RawSheet]:
    size_mb = len(data) / (1024 * 1024)
    if not data:
        raise ReadError(f"{name} is empty: choose the completed spreadsheet and upload it again.")
    if size_mb > max_mb:
        raise ReadError(
            f"{name} is {size_mb:.1f} MB, more than the {max_mb} MB limit: split it into "
            "smaller files (for example one sheet kind per file) and upload each.")
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xls" or (data.startswith(OLE_MAGIC) and suffix not in (".xlsx", ".xlsm")):
        raise ReadError(
            f"{name} is an old-style Excel 97-2003 (.xls) workbook, which is not accepted: open "
            "it in Excel, save it as an Excel Workbook (.xlsx) and upload that.")
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(name, data)
    if suffix == ".csv":
        return [_read_csv(name, data)]
    raise ReadError(
        f"{name} is not a spreadsheet this dashboard reads: upload an Excel workbook (.xlsx or "
        ".xlsm) or a comma-separated file (.csv).")


def _read_workbook(name: str, data: bytes) -> list[RawSheet]:
    if data.startswith(OLE_MAGIC):
        raise ReadError(
            f"{name} is password-protected (encrypted), so it cannot be read: remove the "
            "password in Excel (File > Info > Protect Workbook), save, and upload it again.")
    if not data.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReadError(
            f"{name} could not be opened as an Excel workbook: it may be damaged or not really "
            "a workbook. Open it in Excel, save it again as .xlsx, and upload that copy.")
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet":
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            sheets.append(RawSheet(meta.name, sheet.to_python(skip_empty_area=False)))
    except Exception as exc:  # calamine raises several error types for damaged files
        raise ReadError(
            f"{name} could not be read as an Excel workbook ({_short(exc)}): open it in Excel, "
            "save it again as .xlsx, and upload that copy.") from exc
    if not sheets or all(_empty(s.rows) for s in sheets):
        raise ReadError(f"{name} has no data in any sheet: fill in a template and upload it again.")
    return sheets


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(name: str, data: bytes) -> RawSheet:
    if b"\x00" in data[:4096]:
        raise ReadError(
            f"{name} is not a text CSV file (it looks binary): save the sheet from Excel as "
            "'CSV UTF-8 (Comma delimited)' and upload that.")
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    if _empty(rows):
        raise ReadError(f"{name} has no data: fill in a template and upload it again.")
    stem = PurePath(name).stem
    return RawSheet(stem, rows, decimal_comma=delimiter == ";")


def _empty(rows: list[list[object]]) -> bool:
    return all(all(cell in ("", None) for cell in row) for row in rows)
