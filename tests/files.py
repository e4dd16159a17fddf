"""Small spreadsheets built by code for the import tests (never committed binaries)."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
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


def bomb_xlsx(expand_mib: int, lie: bool = False, method: int | None = None) -> bytes:
    """A real one-sheet workbook (Updates, one header row) whose sheet XML carries an XML
    comment of `expand_mib` MiB of spaces: a small file that unzips hugely (a decompression
    bomb), built a MiB at a time. With `lie`, the zip's local header and central directory
    declare the sheet part 1,000 bytes long. `method` re-zips every part with that method."""

    base = zipfile.ZipFile(io.BytesIO(xlsx({"Updates": [["Action ID"]]})))
    buffer = io.BytesIO()
    sheet = "xl/worksheets/sheet1.xml"
    method = zipfile.ZIP_DEFLATED if method is None else method
    with zipfile.ZipFile(buffer, "w", method, compresslevel=1) as out:
        for info in base.infolist():
            data = base.read(info)
            if info.filename != sheet or not expand_mib:
                out.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with out.open(sheet, "w", force_zip64=True) as part:
                part.write(head + b"<!--")
                block = b" " * (1024 * 1024)
                for _ in range(expand_mib):
                    part.write(block)
                part.write(b"--><sheetData>" + tail)
    data = bytearray(buffer.getvalue())
    if lie:
        info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(sheet)
        _declare_size(data, info, 1000, struct)
    return bytes(data)


def _declare_size(data: bytearray, info, size: int, struct) -> None:
    """Make the local header and the central directory declare `size` uncompressed bytes for
    the part `info` (in the zip64 extra field where the part has one)."""
    name = info.filename.encode()
    local_extra = info.header_offset + 30 + len(name)
    _patch_sizes(data, info.header_offset + 22, local_extra,
                 struct.unpack_from("<H", data, info.header_offset + 28)[0], size, struct)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length, extra_length = struct.unpack_from("<HH", data, at + 28)
        if bytes(data[at + 46:at + 46 + name_length]) == name:
            _patch_sizes(data, at + 24, at + 46 + name_length, extra_length, size, struct)
            return
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError("part not found in the central directory")


def _patch_sizes(data: bytearray, size_at: int, extra_at: int, extra_length: int, size: int,
                 struct) -> None:
    if struct.unpack_from("<I", data, size_at)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, size_at, size)
        return
    end = extra_at + extra_length
    while extra_at < end:  # the zip64 extra field: uncompressed size first
        tag, length = struct.unpack_from("<HH", data, extra_at)
        if tag == 0x0001:
            struct.pack_into("<Q", data, extra_at + 4, size)
            return
        extra_at += 4 + length


def far_cell_xlsx(dimension: str | None = "keep", cells: tuple[str, ...] = ("A1", "XFD1048576"),
                  prefix: str = "") -> bytes:
    """A workbook of a few KB whose one sheet (`Updates`) has a cell in A1 and one at
    XFD1048576 (the issue's crafted file). `dimension` rewrites the sheet's `<dimension ref>`
    (None removes it); `cells` replaces the two cells' references (to `A1` and something else:
    a range that lies); `prefix` writes every element with that namespace prefix."""

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Updates")
    sheet.write_string(0, 0, "Action ID")
    sheet.write_string(1048575, 16383, "x")
    book.close()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if dimension is None:
                    text = re.sub(r"<dimension [^>]*/>", "", text)
                elif dimension != "keep":
                    text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"',
                                  text)
                text = text.replace('r="XFD1048576"', f'r="{cells[1]}"')
                text = text.replace('<row r="1048576"', f'<row r="{cells[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"')
                if prefix:
                    text = text.replace('xmlns="http', f'xmlns:{prefix}="http', 1)
                    text = re.sub(r"<(/?)([a-zA-Z])", rf"<\1{prefix}:\2", text)
                data = text.encode()
            target.writestr(info, data)
    return out.getvalue()


def doctype_xlsx(kind: str) -> bytes:
    """An Updates workbook whose shared strings start with a DOCTYPE: `laughs` declares ten
    entities each ten times the one before (the "billion laughs": 10^9 characters once
    expanded) and uses the last in a cell; `external` declares an entity read from
    /etc/passwd (an external entity) and uses it."""

    if kind == "laughs":
        entities = '<!ENTITY l0 "lol">' + "".join(
            f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
        use = "&l9;"
    else:
        entities = '<!ENTITY l9 SYSTEM "file:///etc/passwd">'
        use = "&l9;"
    source = zipfile.ZipFile(io.BytesIO(xlsx({"Updates": [
        ["Action ID", "Reporting date", "RAG", "Commentary"],
        ["NEG-1", "2024-10-01", "Amber", "ENTITY-HERE"]]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/sharedStrings.xml":
                head, body = data.split(b"?>", 1)
                data = (head + b"?>" + f"<!DOCTYPE sst [{entities}]>".encode()
                        + body.replace(b"ENTITY-HERE", use.encode()))
            target.writestr(info, data)
    return out.getvalue()
