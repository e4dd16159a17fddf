"""Read an uploaded file into raw sheets (cells as Excel shows them, rows numbered from 1).

`.xlsx` / `.xlsm` through python-calamine (values only: macros never run; formula cells give
their cached values); `.csv` in UTF-8 (with or without BOM) or Windows-1252, comma- or
semicolon-separated. Anything else gets one plain sentence in `ReadError`.

A workbook is a zip: before calamine sees it, the sizes its directory declares are added up,
and then, since a directory can lie, every part is stream-decompressed and its bytes counted,
a block at a time, stopping as soon as the total passes ten times the upload limit
(`expanded_size`). So a small file that unzips to gigabytes (a decompression bomb) is refused
in about the time it takes to inflate the limit, with a few MiB of memory.

Then, still before calamine, each worksheet's used range is measured (`used_range`): the range
its `<dimension ref>` declares, read from the first block of its XML, and the range its cells
really span, from their references, a block at a time. A sheet over 200,000 rows or 2,000,000
cells, declared or real, is refused: calamine allocates a sheet's whole range at once (one cell
at XFD1048576 beside A1 asks for 549 GB and aborts the process). The rows as read (a CSV too)
are held to the same limits.

`worker.read_file` reads in a worker process within `CPIP_PARSE_MEMORY_MB` and `CPIP_PARSE_SECONDS`
(`cpip_dashboard.imports.worker`); `read_here` is the same reading in this process (the worker
calls it).
"""

from __future__ import annotations

import bz2
import csv
import html
import io
import lzma
import re
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
MAX_ROWS = 200_000  # CONTRACT.md: a sheet's used range, declared or as read
MAX_CELLS = 2_000_000


class ReadError(Exception):
    """The file cannot be read at all; the message says what to do."""


@dataclass
class RawSheet:
    name: str
    rows: list[list[object]]  # rows[0] is Excel row 1; cells are '' when empty
    decimal_comma: bool = False  # semicolon-separated CSV: the comma is the decimal mark


def precheck(name: str, data: bytes, max_mb: int) -> None:
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
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise ReadError(
            f"{name} is not a spreadsheet this dashboard reads: upload an Excel workbook (.xlsx "
            "or .xlsm) or a comma-separated file (.csv).")


def read_here(name: str, data: bytes, max_mb: int) -> list[RawSheet]:
    """`read_file` in this process, without the worker's bounds (the worker calls it)."""
    precheck(name, data, max_mb)
    if PurePath(name).suffix.lower() == ".csv":
        return [_read_csv(name, data)]
    return _read_workbook(name, data, max_mb)


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
    _refuse_large_ranges(name, data)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet":
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            _refuse_range(name, meta.name, sheet.end[0] + 1 if sheet.end else 0,
                          sheet.end[1] + 1 if sheet.end else 0, "uses")
            sheets.append(RawSheet(meta.name, sheet.to_python(skip_empty_area=False)))
    except ReadError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # calamine raises several error types for damaged files
        raise ReadError(
            f"{name} could not be read as an Excel workbook ({_short(exc)}): open it in Excel, "
            "save it again as .xlsx, and upload that copy.") from exc
    if not sheets or all(_empty(s.rows) for s in sheets):
        raise ReadError(f"{name} has no data in any sheet: fill in a template and upload it again.")
    return sheets


def _refuse_range(name: str, sheet: str | None, rows: int, columns: int, how: str) -> None:
    """`ReadError` when a sheet's range (from A1) is over MAX_ROWS rows or MAX_CELLS cells."""
    if rows <= MAX_ROWS and rows * columns <= MAX_CELLS:
        return
    which = f"its sheet {sheet}" if sheet else "one of its sheets"
    raise ReadError(
        f"{name} is oversized: {which} {how} {rows:,} rows and {columns:,} columns "
        f"({rows * columns:,} cells), more than the {MAX_ROWS:,} rows or {MAX_CELLS:,} cells a "
        "sheet may have, so it was not opened; delete the unused rows and columns (select them, "
        "right-click, Delete) or split the data into smaller files, save, and upload it again.")


_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_DIMENSION = re.compile(_PREFIX + rb"dimension\b[^>]*?\sref\s*=\s*[\"']([^\"']{0,64})[\"']")
_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
# the general forms (any namespace prefix, attributes in any order, either quote) ...
_ROW_R = re.compile(_PREFIX + rb"row\s[^>]*?(?<=\s)r\s*=\s*[\"'](\d{1,9})")
_ROW_ANY = re.compile(_PREFIX + rb"row[\s/>]")
_CELL_COLUMN = re.compile(_PREFIX + rb"c\s[^>]*?(?<=\s)r\s*=\s*[\"']\$?([A-Za-z]{1,4})")
_CELL_ROW = re.compile(_PREFIX + rb"c\s[^>]*?(?<=\s)r\s*=\s*[\"']\$?[A-Za-z]{1,4}\$?(\d{1,9})")
_CELL_ANY = re.compile(_PREFIX + rb"c[\s/>]")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row>")
# ... and the form every spreadsheet program writes, scanned several times faster: each row
# tag and cell with its reference first, no namespace prefix (found by one search for the
# colon, rare in a sheet's XML) and no tag without attributes
_FAST_ROW = b'<row r="'
_FAST_ROW_R = re.compile(rb'<row r="(\d{1,9})')
_FAST_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,4})')
_FAST_CELL = b'<c r="'
_PREFIXED = re.compile(rb":(?:c|row)[ >/]")
_OTHER_ROW = re.compile(rb'<row(?:[>/]| (?!r="\d))')  # no attributes, or not r= first
_OTHER_CELL = re.compile(rb'<c(?:[>/]| (?!r="[A-Z]))')
_NUMBER = re.compile(rb"0*(\d{1,12})")
_LETTERS = re.compile(rb"[A-Z]{1,4}")
_SEARCHES = 16  # greater rows or columns looked for one by one, before counting them all


def _greater_than(number: int) -> bytes:
    """A pattern for the whole numbers greater than `number` (no leading zeros)."""
    digits = str(number)
    options = [rb"[1-9]\d{%d,}" % len(digits)]  # more digits
    for i, digit in enumerate(digits):
        if digit != "9":
            options.append(digits[:i].encode() + b"[%d-9]" % (int(digit) + 1)
                           + (rb"\d{%d}" % (len(digits) - i - 1)))
    return b"(?:" + b"|".join(options) + b")"


def _above(number: int) -> bytes:
    """A pattern for the row numbers greater than `number`, leading zeros allowed."""
    return b"0*" + _greater_than(number)


def _columns_above(number: int) -> bytes:
    """A pattern for the column letters after column `number` (`A` is 1): more letters, or
    as many and later in the alphabet."""
    letters = b""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = bytes([65 + rest]) + letters
    options = [rb"[A-Z]{%d}" % (len(letters) + 1)]
    for i, letter in enumerate(letters):
        if letter != ord("Z"):
            options.append(letters[:i] + b"[%c-Z]" % (letter + 1)
                           + rb"[A-Z]" * (len(letters) - i - 1))
    return b"(?:" + b"|".join(options) + b")"


def _number_at(text: bytes, position: int) -> bytes:
    return _NUMBER.match(text, position)[1]


def _letters_at(text: bytes, position: int) -> bytes:
    return _LETTERS.match(text, position)[0]


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _extent(ref: bytes) -> tuple[int, int] | None:
    """(rows, columns) from A1 to the end of a reference such as `A1:XFD1048576`."""
    match = _REF.match(ref.split(b":")[-1].strip())
    if not match:
        return None
    return int(match[2]), _column_number(match[1])


class _RangeScan:
    """The range a worksheet's XML declares and the range its cells span, fed a block at a
    time (a tag cut by a block boundary is carried into the next block). Rows and cells
    without a reference follow the one before (as calamine places them); those are counted
    so that the range found is never smaller than calamine's."""

    def __init__(self):
        self.declared: tuple[int, int] | None = None
        self.rows = self.columns = 0
        self._first = True
        self._carry = b""
        self._rows_unnumbered = 0
        self._cells_unnumbered = 0

    def feed(self, block: bytes) -> None:
        text = self._carry + block
        cut = text.rfind(b"<")
        if cut > 0 and text.find(b">", cut) < 0 and len(text) - cut < 65536:
            text, self._carry = text[:cut], text[cut:]
        else:
            self._carry = b""
        if self._first:
            self._first = False
            found = _DIMENSION.search(text)
            if found:
                self.declared = _extent(found[1])
        if not self._feed_fast(text):
            self._feed_general(text)

    def _feed_fast(self, text: bytes) -> bool:
        """When every row and cell is unprefixed, with its reference first (as spreadsheet
        programs write them): the last row, then any row greater than the greatest so far
        (none, in a sheet a program wrote, whose rows come in order), then only cells below
        the last row are looked for (none, in a sheet a program wrote), and the columns from
        any cell's letters greater than the widest so far. False (nothing counted) for any
        other form."""
        if _PREFIXED.search(text) or _OTHER_ROW.search(text) or _OTHER_CELL.search(text):
            return False
        last = text.rfind(_FAST_ROW)
        if last >= 0:
            self.rows = max(self.rows, int(_number_at(text, last + len(_FAST_ROW))))
            self.rows = self._greatest(text, _FAST_ROW, self.rows, _above, _number_at, int,
                                       lambda: map(int, _FAST_ROW_R.findall(text)))
        if _FAST_CELL not in text or not re.compile(
                re.escape(_FAST_CELL) + b"(?:" + _columns_above(self.columns)
                + rb"|[A-Z]{1,4}0*" + _greater_than(self.rows) + b")").search(text):
            return True  # no cell below the last row or right of the widest column
        below = re.compile(rb'<c r="[A-Z]{1,4}(%s)"' % _greater_than(self.rows))
        if below.search(text):
            self.rows = max(self.rows, max(map(int, set(below.findall(text)))))
        self.columns = self._greatest(
            text, _FAST_CELL, self.columns, _columns_above, _letters_at, _column_number,
            lambda: map(_column_number, _FAST_CELL_COLUMN.findall(text)))
        return True

    @staticmethod
    def _greatest(text: bytes, tag: bytes, found: int, above, at, value, every) -> int:
        """The greatest of `found` and every row number (or column) after `tag` in `text`:
        each one greater than the greatest so far is searched for from where the last was
        found (in a sheet a program wrote, one search that finds nothing); after
        `_SEARCHES` of them, all of them are counted at once (`every`)."""
        start = 0
        for _ in range(_SEARCHES):
            match = re.compile(re.escape(tag) + above(found)).search(text, start)
            if match is None:
                return found
            found = max(found, value(at(text, match.start() + len(tag))))
            start = match.start() + 1
        return max(found, max(every(), default=0))

    def _feed_general(self, text: bytes) -> None:
        numbered_rows = _ROW_R.findall(text)
        if numbered_rows:
            self.rows = max(self.rows, max(map(int, set(numbered_rows))))
        self._rows_unnumbered += len(_ROW_ANY.findall(text)) - len(numbered_rows)
        columns = _CELL_COLUMN.findall(text)
        if columns:
            self.columns = max(self.columns, max(map(_column_number, set(columns))))
            self.rows = max(self.rows, max(map(int, set(_CELL_ROW.findall(text))), default=0))
        if len(_CELL_ANY.findall(text)) > len(columns):
            # the widest run of cells without a reference within one row
            self._cells_unnumbered = max(self._cells_unnumbered, max(
                len(_CELL_ANY.findall(part)) - len(_CELL_COLUMN.findall(part))
                for part in _ROW_END.split(text)))

    @property
    def spanned(self) -> tuple[int, int]:
        return (self.rows + self._rows_unnumbered, self.columns + self._cells_unnumbered)


def used_range(stream, block: int = MIB, name: str = "", sheet: str | None = None
               ) -> _RangeScan:
    """Scan a worksheet part's XML from a binary stream; `ReadError` (via `_refuse_range`) as
    soon as the declared or spanned range passes the limits, so a huge sheet is never read
    to its end."""
    scan = _RangeScan()
    while chunk := stream.read(block):
        scan.feed(chunk)
        if scan.declared:
            _refuse_range(name, sheet, *scan.declared, "is declared to use")
        _refuse_range(name, sheet, *scan.spanned, "has cells spanning")
    return scan


_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s[^>]*>")
_ATTRIBUTE = re.compile(rb"(?<=\s)([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s[^>]*>")


def _attributes(tag: bytes) -> dict[str, str]:
    return {m[1].decode("utf-8", "replace").split(":")[-1]:
            html.unescape((m[2] if m[2] is not None else m[3]).decode("utf-8", "replace"))
            for m in _ATTRIBUTE.finditer(tag)}


def _worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str | None]:
    """Worksheet part name -> sheet name, from the workbook and its relationships; any other
    part under xl/worksheets/ too (name unknown), since a reader may find it."""
    names = set(archive.namelist())
    parts: dict[str, str | None] = {}
    try:
        sheets = {a.get("id"): a.get("name") for tag in _SHEET.findall(
            archive.read("xl/workbook.xml")) for a in [_attributes(tag)]}
        for tag in _RELATIONSHIP.findall(archive.read("xl/_rels/workbook.xml.rels")):
            rel = _attributes(tag)
            target = rel.get("Target", "")
            if not rel.get("Type", "").endswith("/worksheet"):
                continue
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            path = str(PurePath(path)).replace("\\", "/")
            if path in names:
                parts[path] = sheets.get(rel.get("Id"))
    except KeyError:  # no workbook part: calamine refuses the file below
        pass
    for part in names:
        if part.startswith("xl/worksheets/") and part.endswith(".xml") and part not in parts:
            parts[part] = None
    return parts


def _refuse_large_ranges(name: str, data: bytes) -> None:
    """Every worksheet's declared and spanned range within the limits, before calamine."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part, sheet in _worksheet_parts(archive).items():
            with archive.open(part) as stream:
                used_range(stream, name=name, sheet=sheet)


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
    stem = PurePath(name).stem
    rows: list[list[object]] = []
    cells = width = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            width = max(width, len(row))
            cells += len(row)
            if len(rows) > MAX_ROWS or cells > MAX_CELLS:
                _refuse_range(name, stem, len(rows), width, "has at least")
    except csv.Error as exc:
        limit = csv.field_size_limit()
        what = (f"a field longer than {limit:,} characters (a cell holds at most 32,767)"
                if "field larger than field limit" in str(exc) else _short(exc))
        raise ReadError(
            f"{name} could not be read as a CSV file: row {len(rows) + 1} has {what}. Check "
            "that the file is a spreadsheet saved as CSV (a quote left open runs on to the "
            "end), correct it and upload it again.") from None
    _refuse_range(name, stem, len(rows), width, "uses")
    if _empty(rows):
        raise ReadError(f"{name} has no data: fill in a template and upload it again.")
    return RawSheet(stem, rows, decimal_comma=delimiter == ";")


def _empty(rows: list[list[object]]) -> bool:
    return all(all(cell in ("", None) for cell in row) for row in rows)
