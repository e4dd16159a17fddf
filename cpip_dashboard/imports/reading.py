"""Read an uploaded file into raw sheets (cells as Excel shows them, rows numbered from 1).

`.xlsx` / `.xlsm` through python-calamine (values only: macros never run; formula cells give
their cached values); `.csv` in UTF-8 (with or without BOM) or Windows-1252, comma- or
semicolon-separated. Anything else gets one plain sentence in `ReadError`.

A workbook is a zip: before calamine sees it, the sizes its directory declares are added up,
and then, since a directory can lie, every part is stream-decompressed and its bytes counted,
a block at a time, stopping as soon as the total passes ten times the upload limit
(`expanded_size`). So a small file that unzips to gigabytes (a decompression bomb) is refused
in about the time it takes to inflate the limit, with a few MiB of memory.
"""

from __future__ import annotations

import bz2
import csv
import io
import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath

import python_calamine

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and encrypted .xlsx containers
ZIP_MAGIC = b"PK\x03\x04"
EXPANSION_FACTOR = 10  # CONTRACT.md: parts adding up to more than 10 x CPIP_MAX_UPLOAD_MB
MIB = 1024 * 1024


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
        return _read_workbook(name, data, max_mb)
    if suffix == ".csv":
        return [_read_csv(name, data)]
    raise ReadError(
        f"{name} is not a spreadsheet this dashboard reads: upload an Excel workbook (.xlsx or "
        ".xlsm) or a comma-separated file (.csv).")


def _read_workbook(name: str, data: bytes, max_mb: int = 20) -> list[RawSheet]:
    if data.startswith(OLE_MAGIC):
        raise ReadError(
            f"{name} is password-protected (encrypted), so it cannot be read: remove the "
            "password in Excel (File > Info > Protect Workbook), save, and upload it again.")
    if not data.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReadError(
            f"{name} could not be opened as an Excel workbook: it may be damaged or not really "
            "a workbook. Open it in Excel, save it again as .xlsx, and upload that copy.")
    limit = EXPANSION_FACTOR * max_mb * MIB
    try:
        expanded_size(data, limit)
    except Oversized as exc:
        raise ReadError(
            f"{name} is oversized: its parts {exc.how} more than "
            f"{EXPANSION_FACTOR * max_mb} MB when unzipped ({EXPANSION_FACTOR} times the "
            f"{max_mb} MB upload limit), so it was not opened; split it into smaller files, or "
            "save it again from Excel if it should be small.") from None
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, ValueError,
            struct.error) as exc:
        raise ReadError(
            f"{name} could not be read as an Excel workbook ({_short(exc)}): open it in Excel, "
            "save it again as .xlsx, and upload that copy.") from None
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


class Oversized(Exception):
    """A workbook whose parts expand past the limit; `how` says how it was found out."""

    def __init__(self, how: str, counted: int):
        super().__init__(how)
        self.how, self.counted = how, counted


CHUNK = 256 * 1024  # compressed bytes fed to the decompressor at a time
OUT_CHUNK = MIB  # most bytes one decompress call may return (memory stays at a few MiB)


def expanded_size(data: bytes, limit: int) -> int:
    """The bytes a workbook's parts unzip to, added up; `Oversized` as soon as it passes
    `limit`. First the sizes the zip directory declares, then the real bytes: each part's
    compressed stream (from its local header, to the end of its stream, whatever the directory
    says its sizes are) is decompressed a block at a time and counted, never kept."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    declared = sum(info.file_size for info in infos)
    if declared > limit:
        raise Oversized("are declared to add up to", declared)
    total = 0
    for info in infos:
        total = _count_part(data, info, total, limit)
    return total


def _count_part(data: bytes, info: zipfile.ZipInfo, total: int, limit: int) -> int:
    """`total` plus the bytes one part really expands to (Oversized past `limit`)."""
    if info.flag_bits & 0x1:
        raise zipfile.BadZipFile("an encrypted part")
    offset = info.header_offset
    if data[offset:offset + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("a bad local header")
    name_length, extra_length = struct.unpack("<HH", data[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    if info.compress_type == zipfile.ZIP_STORED:
        # stored bytes cannot be more than the file holds
        total += min(info.compress_size, max(0, len(data) - start))
        if total > limit:
            raise Oversized("add up to", total)
        return total
    decompressor = _decompressor(info.compress_type)
    position = start
    while position < len(data) and not decompressor.eof:
        block = data[position:position + CHUNK]
        position += len(block)
        out = decompressor.decompress(block, OUT_CHUNK)
        total += len(out)
        while total <= limit and _more(decompressor):
            out = decompressor.decompress(b"", OUT_CHUNK)
            if not out:
                break
            total += len(out)
        if total > limit:
            raise Oversized("really add up to", total)
    return total


def _more(decompressor) -> bool:
    """Whether a decompressor still holds input it has not expanded (it stopped at the output
    limit rather than for want of input)."""
    if decompressor.eof:
        return False
    tail = getattr(decompressor, "unconsumed_tail", None)
    return bool(tail) if tail is not None else not decompressor.needs_input


class _Deflate:
    """zlib's raw deflate stream with the `eof` / `decompress(data, max_length)` interface of
    the bz2 and lzma decompressors (input left over is kept in `unconsumed_tail`)."""

    def __init__(self):
        self._z = zlib.decompressobj(-15)
        self.unconsumed_tail = b""

    @property
    def eof(self) -> bool:
        return self._z.eof

    def decompress(self, block: bytes, max_length: int) -> bytes:
        out = self._z.decompress(self.unconsumed_tail + block, max_length)
        self.unconsumed_tail = self._z.unconsumed_tail
        return out


def _decompressor(method: int):
    if method == zipfile.ZIP_DEFLATED:
        return _Deflate()
    if method == zipfile.ZIP_BZIP2:
        return bz2.BZ2Decompressor()
    if method == zipfile.ZIP_LZMA:
        return _Lzma()
    raise zipfile.BadZipFile(f"compression method {method}, which Excel does not write")


class _Lzma:
    """A zip part in LZMA: a 4-byte version, a 2-byte properties length, the properties, then a
    raw LZMA1 stream (as zipfile reads it)."""

    def __init__(self):
        self._header = b""
        self._d = None

    @property
    def eof(self) -> bool:
        return self._d is not None and self._d.eof

    @property
    def needs_input(self) -> bool:
        return self._d is None or self._d.needs_input

    def decompress(self, block: bytes, max_length: int) -> bytes:
        if self._d is None:
            self._header += block
            if len(self._header) < 4:
                return b""
            size = struct.unpack("<H", self._header[2:4])[0]
            if len(self._header) < 4 + size:
                return b""
            props = self._header[4:4 + size]
            self._d = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[
                lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)])
            block, self._header = self._header[4 + size:], b""
        return self._d.decompress(block, max_length)


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
