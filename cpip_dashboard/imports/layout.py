"""Which kind each sheet is, where its header row is, and its data rows as cells by column.

A sheet's kind comes from its name first, else from its headers (the required headers of
exactly one kind), else from the published-table layout (areas down, periods across).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

from cpip_dashboard.imports.kinds import (
    CONTEXT_COLUMNS,
    KINDS,
    NEWS_COLUMNS,
    PUBLISHED_FIRST_HEADERS,
    Kind,
    header_lookup,
    is_skipped_sheet,
    kind_for_sheet_name,
    normalise_header,
)
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.imports.reading import RawSheet
from cpip_dashboard.rules.values import as_text, is_blank, parse_period

HEADER_SCAN_ROWS = 30


@dataclass(frozen=True)
class Cell:
    header: str  # the column header as written in the file
    value: object


class DataRow:
    """One data row: its Excel number, its raw cells, and the (shared) column map."""

    __slots__ = ("columns", "number", "raw")

    def __init__(self, number: int, raw: list[object], columns: dict[str, tuple[int, str]]):
        self.number = number  # Excel row number
        self.raw = raw
        self.columns = columns  # canonical column -> (index in raw, header as written)

    def value(self, column: str) -> object:
        where = self.columns.get(column)
        if where is None or where[0] >= len(self.raw):
            return ""
        return self.raw[where[0]]

    def cell(self, column: str) -> Cell:
        where = self.columns.get(column)
        return Cell(where[1] if where else column, self.value(column))


class Table:
    """One sheet's data rows as read, with where each column of its kind is.

    Rows stay as the reader gave them (`raw`, with their Excel `numbers`); checks read them
    column by column (`column`) or row by row (`rows`). In a published table the period
    columns become rows, so the Period and Value headers differ by row (`row_headers`)."""

    def __init__(self, sheet: str, kind: Kind, raw: list[list[object]], numbers: list[int],
                 columns: dict[str, tuple[int, str]], decimal_comma: bool = False,
                 published: bool = False, missing: list[str] | None = None,
                 row_headers: list[str] | None = None):
        self.sheet, self.kind, self.raw, self.numbers = sheet, kind, raw, numbers
        self.columns = columns  # canonical column -> (index in raw, header as written)
        self.decimal_comma, self.published = decimal_comma, published
        self.missing = missing or []  # required columns not found
        self.row_headers = row_headers
        self._rows: list[DataRow] | None = None

    def __len__(self) -> int:
        return len(self.raw)

    def column(self, name: str) -> list[object]:
        """Every data row's cell in one column ('' where the row has none)."""
        where = self.columns.get(name)
        if where is None:
            return [""] * len(self.raw)
        index = where[0]
        try:
            return list(map(itemgetter(index), self.raw))
        except IndexError:  # a ragged CSV row
            return [row[index] if index < len(row) else "" for row in self.raw]

    def header(self, position: int, column: str) -> str:
        """The column as written in the file, for the data row at `position`."""
        if self.row_headers is not None and column in ("Period", "Value"):
            return self.row_headers[position]
        where = self.columns.get(column)
        return where[1] if where else column

    def cell(self, position: int, column: str) -> Cell:
        where = self.columns.get(column)
        row = self.raw[position]
        value = row[where[0]] if where is not None and where[0] < len(row) else ""
        return Cell(self.header(position, column), value)

    @property
    def rows(self) -> list[DataRow]:
        """The data rows one by one (for the kinds checked row by row)."""
        if self._rows is None:
            if self.row_headers is None:
                self._rows = [DataRow(n, r, self.columns)
                              for n, r in zip(self.numbers, self.raw, strict=True)]
            else:
                maps: dict[str, dict[str, tuple[int, str]]] = {}
                self._rows = [DataRow(n, r, maps.setdefault(h, dict(
                    self.columns, Period=(self.columns["Period"][0], h),
                    Value=(self.columns["Value"][0], h))))
                    for n, r, h in zip(self.numbers, self.raw, self.row_headers, strict=True)]
        return self._rows


def _row_blank(row: list[object]) -> bool:
    for cell in row:
        if cell == "" or cell is None:
            continue
        if not is_blank(cell):
            return False
    return True


def _matches(row: list[object], lookup: dict[str, str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(row):
        text = as_text(cell)
        if text is None:
            continue
        canonical = lookup.get(normalise_header(text))
        if canonical and canonical not in found:
            found[canonical] = (index, text)
    return found


def detect(
    sheet: RawSheet,
    forced_kind: str | None,
    indicator_code: str | None,
    indicator_names: dict[str, str],
    problems: list[Problem],
) -> Table | None:
    """The sheet as a table of one kind, or None (skipped; any warning is in `problems`)."""
    rows = sheet.rows
    if _row_blank_sheet(rows):
        return None
    name_kind = forced_kind or kind_for_sheet_name(sheet.name)
    scan = rows[:HEADER_SCAN_ROWS]
    lookups = {k: header_lookup(KINDS[k]) for k in KINDS}
    if is_skipped_sheet(sheet.name) and (name_kind is None or not any(
            all(c in _matches(row, lookups[name_kind]) for c in KINDS[name_kind].required)
            for row in scan)):
        # the dashboard's own sheets (Problems, Notes, Lists) and guidance: silently, whatever
        # kind was chosen for the file, unless the sheet really holds that kind
        return None

    if name_kind:
        kind = KINDS[name_kind]
        for index, row in enumerate(scan):
            found = _matches(row, lookups[name_kind])
            if all(c in found for c in kind.required):
                return _long_table(sheet, kind, index, found, problems)
        if name_kind == "indicators":
            published = _published(sheet, indicator_code, indicator_names, problems)
            if published is not None:
                return published
        best = max(range(len(scan)), key=lambda i: len(_matches(scan[i], lookups[name_kind])))
        found = _matches(scan[best], lookups[name_kind])
        if not found:
            problems.append(Problem.error(
                sheet.name, None, None, None,
                f"Sheet {sheet.name!r} has no header row for {name_kind}: expected the columns "
                + ", ".join(kind.required)))
            return None
        return _long_table(sheet, kind, best, found, problems)

    for index, row in enumerate(scan):
        full = []
        for kind_name, lookup in lookups.items():
            found = _matches(row, lookup)
            if all(c in found for c in KINDS[kind_name].required):
                full.append((len(found), kind_name, found))
        if full:
            full.sort(reverse=True)
            if len(full) > 1 and full[0][0] == full[1][0]:
                problems.append(Problem.warning(
                    sheet.name, index + 1, None, None,
                    f"Sheet {sheet.name!r} was skipped: its headers fit more than one kind "
                    f"({full[0][1]}, {full[1][1]}); rename the sheet to the kind it holds"))
                return None
            _, kind_name, found = full[0]
            return _long_table(sheet, KINDS[kind_name], index, found, problems)

    published = _published(sheet, indicator_code, indicator_names, problems)
    if published is not None:
        return published
    problems.append(Problem.warning(
        sheet.name, None, None, None,
        f"Sheet {sheet.name!r} was skipped: it is not one of the kinds this dashboard reads "
        "(Actions, Updates, Indicators, Review, Meetings, Populations, Definitions)"))
    return None


def _row_blank_sheet(rows: list[list[object]]) -> bool:
    return all(_row_blank(row) for row in rows)


def _long_table(sheet: RawSheet, kind: Kind, header_index: int,
                found: dict[str, tuple[int, str]], problems: list[Problem]) -> Table:
    header = sheet.rows[header_index]
    used = {index for index, _ in found.values()}
    context = {normalise_header(c) for c in CONTEXT_COLUMNS.get(kind.name, ())}
    prefilled = False
    for index, cell in enumerate(header):
        text = as_text(cell)
        if text is not None and index not in used and normalise_header(text) in context:
            prefilled = True  # a pre-filled template's context column: read by people only
            continue
        if text is not None and index not in used:
            problems.append(Problem.warning(
                sheet.name, header_index + 1, text, text,
                f"Column {text!r} is not one this sheet kind uses; it was ignored"))
    missing = [c for c in kind.required if c not in found]
    for column in missing:
        problems.append(Problem.error(
            sheet.name, header_index + 1, column, None,
            f"Required column {column!r} is missing from the header row"))
    used_indexes = sorted(index for index, _ in found.values())
    first = used_indexes[0] if used_indexes else 0
    news = [found[c][0] for c in NEWS_COLUMNS.get(kind.name, ()) if c in found] \
        if prefilled else []
    raw: list[list[object]] = []
    numbers: list[int] = []
    for number, row in enumerate(sheet.rows[header_index + 1:], start=header_index + 2):
        quick = row[first] if first < len(row) else ""
        if (quick == "" or quick is None or (isinstance(quick, str) and not quick.strip())) and \
                _row_blank([row[i] for i in used_indexes if i < len(row)]):
            continue  # blank, or blank in every column this kind reads
        if news and _row_blank([row[i] for i in news if i < len(row)]):
            continue  # a pre-filled template's action left without news
        raw.append(row)
        numbers.append(number)
    return Table(sheet.name, kind, raw, numbers, found, sheet.decimal_comma, missing=missing)


def _period_like(value: object) -> bool:
    for frequency in ("annual", "monthly", "quarterly"):
        try:
            parse_period(value, frequency)
            return True
        except ValueError:
            continue
    return False


def _published(sheet: RawSheet, indicator_code: str | None, indicator_names: dict[str, str],
               problems: list[Problem]) -> Table | None:
    """Areas down, periods across: a header row starting `Local authority` / `Council` / `Area`."""
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        first_col = next((i for i, c in enumerate(row) if not is_blank(c)), None)
        if first_col is None:
            continue
        if normalise_header(row[first_col]) not in PUBLISHED_FIRST_HEADERS:
            continue
        periods = [(i, as_text(c)) for i, c in enumerate(row)
                   if i > first_col and not is_blank(c) and _period_like(c)]
        if not periods:
            continue
        code = indicator_code or _indicator_named(sheet, index, indicator_names)
        if code is None:
            problems.append(Problem.error(
                sheet.name, index + 1, None, None,
                f"Sheet {sheet.name!r} looks like a published table but does not say which "
                "indicator it holds: name the indicator in the sheet name or title, or choose it "
                "when uploading (--indicator CODE)"))
            return None
        area_header = as_text(row[first_col]) or "Area"
        columns = {"Indicator": (0, "(indicator of the sheet)"), "Area": (1, area_header),
                   "Period": (2, "Period"), "Value": (3, "Value")}
        raw: list[list[object]] = []
        numbers: list[int] = []
        headers: list[str] = []
        for number, cells in enumerate(sheet.rows[index + 1:], start=index + 2):
            if _row_blank(cells):
                if raw:
                    break  # footnotes follow the first blank row
                continue
            area = cells[first_col] if first_col < len(cells) else ""
            for col, header in periods:
                value = cells[col] if col < len(cells) else ""
                raw.append([code, area, header, value])
                numbers.append(number)
                headers.append(header)
        return Table(sheet.name, KINDS["indicators"], raw, numbers, columns, sheet.decimal_comma,
                     published=True, row_headers=headers)
    return None


def _indicator_named(sheet: RawSheet, header_index: int, names: dict[str, str]) -> str | None:
    """An indicator named by the sheet name or a title row above the header."""
    texts = [sheet.name] + [
        as_text(cell) or "" for row in sheet.rows[:header_index] for cell in row]
    for text in texts:
        key = normalise_header(text)
        if not key:
            continue
        if key in names:
            return names[key]
        for name, code in sorted(names.items(), key=lambda kv: -len(kv[0])):
            if len(name) > 6 and name in key:
                return code
    return None
