"""The checks of CONTRACT.md, one small named function per rule, message beside it.

Each sheet's rows become `Record`s (typed values named as the database columns) and every
problem is collected with its sheet, Excel row, column as written and the cell as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from .. import rag
from ..areas import SCOTLAND, AreaDirectory
from ..values import (
    FREQUENCIES,
    VALUE_STATUSES,
    ValueProblem,
    as_text,
    fraction_column,
    is_blank,
    missing_symbol,
    parse_count_value,
    parse_date,
    parse_number,
    parse_percentage,
    parse_period,
)
from .kinds import POLARITIES, RATINGS, REVIEW_PROGRESS, UNITS, normalise_header
from .layout import Cell, DataRow, Table
from .problems import Problem


@dataclass
class Context:
    """What the checks need to know from the database."""

    areas: AreaDirectory
    indicators: dict[str, dict]  # code -> current definition (unit, frequency, name, ...)
    workstreams: dict[str, str]  # normalised code or name -> code
    criteria: set[str]
    action_refs: set[str]  # actions in the current register
    today: dt.date
    file_action_refs: set[str] = field(default_factory=set)

    def indicator_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for code, definition in self.indicators.items():
            names[normalise_header(code)] = code
            names[normalise_header(definition["name"])] = code
        return names


class Record:
    """A checked row: its key and typed values (named as the database columns)."""

    __slots__ = ("data", "key", "kind", "row", "sheet", "values")

    def __init__(self, kind: str, sheet: str, row: int, key: tuple, values: dict[str, object],
                 data: DataRow):
        self.kind, self.sheet, self.row, self.key, self.values = kind, sheet, row, key, values
        self.data = data

    @property
    def cells(self) -> dict[str, Cell]:
        return self.data.cells


class RowChecker:
    """Reads one row's cells, collecting problems instead of stopping at the first."""

    def __init__(self, table: Table, row: DataRow, problems: list[Problem]):
        self.table, self.row, self.problems = table, row, problems
        self.ok = True

    def cell(self, column: str) -> Cell:
        return self.row.cell(column)

    def text(self, column: str) -> str | None:
        return as_text(self.cell(column).value)

    def error(self, column: str, message: str) -> None:
        cell = self.cell(column)
        self.problems.append(Problem.error(
            self.table.sheet, self.row.number, cell.header, as_text(cell.value), message))
        self.ok = False

    def warning(self, column: str, message: str) -> None:
        cell = self.cell(column)
        self.problems.append(Problem.warning(
            self.table.sheet, self.row.number, cell.header, as_text(cell.value), message))

    def required(self, column: str) -> str | None:
        text = self.text(column)
        if text is None:
            self.error(column, f"{column} is required")
        return text

    def parsed(self, column: str, parser: Callable[[object], object], required: bool = False):
        value = self.cell(column).value
        if is_blank(value):
            if required:
                self.error(column, f"{column} is required")
            return None
        try:
            return parser(value)
        except ValueProblem as problem:
            self.error(column, str(problem))
            return None


# --- rules shared by kinds ------------------------------------------------------------------


def rule_known_area(check: RowChecker, column: str, ctx: Context, local_only: bool = False):
    """An unknown area is an error that names the closest known areas."""
    text = check.required(column)
    if text is None:
        return None
    code = ctx.areas.resolve(text)
    if code is None:
        near = ctx.areas.suggestions(text)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        check.error(column, f"{text} is not a known council, CPC or Scotland{hint}")
        return None
    if local_only and code == SCOTLAND:
        check.error(column, "Review assessments are for a council or a CPC, not Scotland")
        return None
    return code


def rule_area_list(check: RowChecker, column: str, ctx: Context) -> str | None:
    """One or more areas, comma-separated; blank means Scotland."""
    text = check.text(column)
    if text is None:
        return SCOTLAND
    codes = []
    for part in [p.strip() for p in re.split(r"[,;]", text) if p.strip()]:
        code = ctx.areas.resolve(part)
        if code is None:
            near = ctx.areas.suggestions(part)
            hint = f"; did you mean {' or '.join(near)}?" if near else ""
            check.error(column, f"{part} is not a known council, CPC or Scotland{hint}")
            continue
        if code not in codes:
            codes.append(code)
    return ",".join(codes) if codes else None


def rule_choice(check: RowChecker, column: str, choices: tuple[str, ...], required: bool):
    text = check.text(column)
    if text is None:
        if required:
            check.error(column, f"{column} is required")
        return None
    for choice in choices:
        if text.strip().lower() == choice.lower():
            return choice
    check.error(column, f"{column} must be one of {', '.join(choices)}")
    return None


# --- kinds ------------------------------------------------------------------------------------


def check_actions(table: Table, ctx: Context, problems: list[Problem]) -> list[Record]:
    records = []
    for row in table.rows:
        c = RowChecker(table, row, problems)
        ref = c.required("Action ID")
        ws_text = c.required("Workstream")
        workstream = None
        if ws_text is not None:
            workstream = ctx.workstreams.get(normalise_header(ws_text))
            if workstream is None:
                c.error("Workstream", f"{ws_text} is not a known workstream: use one of "
                        + ", ".join(sorted(set(ctx.workstreams.values()))))
        title = c.required("Action")
        lead = c.required("Lead")
        areas = rule_area_list(c, "Area", ctx)
        due = c.parsed("Due date", parse_date)
        indicators = rule_indicator_list(c, ctx)
        if c.ok and ref:
            values = dict(ref=ref.upper(), workstream_code=workstream, title=title, lead=lead,
                          areas=areas, due_date=due, indicators=indicators,
                          source=c.text("Source"))
            records.append(Record("actions", table.sheet, row.number, (ref.upper(),), values,
                                  row))
    return records


def rule_indicator_list(c: RowChecker, ctx: Context) -> str:
    """Comma-separated known indicator codes."""
    text = c.text("Indicators")
    if text is None:
        return ""
    codes = []
    for part in [p.strip().upper() for p in re.split(r"[,;\s]+", text) if p.strip()]:
        if part not in ctx.indicators:
            c.error("Indicators", f"{part} is not a known indicator code")
        elif part not in codes:
            codes.append(part)
    return ",".join(codes)


def check_updates(table: Table, ctx: Context, problems: list[Problem]) -> list[Record]:
    column_values = [r.value("Progress %") for r in table.rows]
    fractions = fraction_column(column_values, table.decimal_comma)
    records = []
    for row in table.rows:
        c = RowChecker(table, row, problems)
        ref = rule_known_action(c, "Action ID", ctx, required=True)
        when = c.parsed("Reporting date", parse_date, required=True)
        status = rule_rag(c)
        progress = c.parsed("Progress %", lambda v: parse_percentage(
            v, fractions, table.decimal_comma))
        commentary = c.text("Commentary")
        if status in rag.ATTENTION and commentary is None:
            c.error("Commentary", f"Commentary is required when RAG is {status}: say what is "
                    "wrong and what is being done")
        revised = c.parsed("Revised due date", parse_date)
        if c.ok and ref and when:
            values = dict(action_ref=ref, reporting_date=when, rag=status, progress=progress,
                          commentary=commentary, next_steps=c.text("Next steps"),
                          revised_due_date=revised)
            records.append(Record("updates", table.sheet, row.number, (ref, when), values,
                                  row))
    return records


def rule_known_action(c: RowChecker, column: str, ctx: Context, required: bool) -> str | None:
    """An action must exist in the register or in the same file."""
    text = c.required(column) if required else c.text(column)
    if text is None:
        return None
    ref = text.strip().upper()
    if ref not in ctx.action_refs and ref not in ctx.file_action_refs:
        c.error(column, f"{text} is not an action in the register or in this file")
        return None
    return ref


def rule_rag(c: RowChecker) -> str | None:
    """RAG: Red, Amber, Green, Complete, Not started; five-point labels are errors."""
    text = c.required("RAG")
    if text is None:
        return None
    level = rag.canonical(text)
    if level is None:
        if rag.is_five_point(text):
            c.error("RAG", f"{text} is a five-point delivery-confidence label: use one of "
                    "Red, Amber, Green, Complete, Not started")
        else:
            c.error("RAG", "RAG must be one of Red, Amber, Green, Complete, Not started")
    return level


_UNSET = object()


def _memo(cache: dict, key: object, compute: Callable[[], object]) -> tuple[object, str | None]:
    """(value, None) or (None, problem message), computed once per distinct cell value.
    Indicator sheets repeat the same few codes, areas and periods thousands of times."""
    found = cache.get(key, _UNSET)
    if found is _UNSET:
        try:
            found = (compute(), None)
        except ValueProblem as problem:
            found = (None, str(problem))
        cache[key] = found
    return found


def _area_code(raw: object, ctx: Context) -> str:
    """An area's code, or ValueProblem naming the closest known areas."""
    text = as_text(raw)
    if text is None:
        raise ValueProblem("Area is required")
    code = ctx.areas.resolve(text)
    if code is None:
        near = ctx.areas.suggestions(text)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise ValueProblem(f"{text} is not a known council, CPC or Scotland{hint}")
    return code


def check_indicators(table: Table, ctx: Context, problems: list[Problem]) -> list[Record]:
    names = ctx.indicator_names()

    def indicator_code(raw: object) -> str:
        text = as_text(raw)
        if text is None:
            raise ValueProblem("Indicator is required")
        code = names.get(normalise_header(text))
        if code is None:
            raise ValueProblem(f"{text} is not a known indicator code or name")
        return code

    codes: dict = {}
    areas: dict = {}
    periods: dict = {}
    statuses: dict = {}
    records = []
    append = records.append
    for row in table.rows:
        c = RowChecker(table, row, problems)
        raw = row.value("Indicator")
        code, problem = codes.get(raw) or _memo(codes, raw, partial(indicator_code, raw))
        if problem:
            c.error("Indicator", problem)
        raw = row.value("Area")
        area, problem = areas.get(raw) or _memo(areas, raw, partial(_area_code, raw, ctx))
        if problem:
            c.error("Area", problem)
        period = None
        if code is not None:
            raw = row.value("Period")
            frequency = ctx.indicators[code]["frequency"]
            key = (frequency, raw)
            period, problem = periods.get(key) or (
                (None, "Period is required") if is_blank(raw) else
                _memo(periods, key, partial(parse_period, raw, frequency)))
            if problem:
                c.error("Period", problem)
        raw = row.value("Value")
        if (type(raw) is float or type(raw) is int) and raw >= 0:  # the usual case from Excel
            value, symbol = float(raw), None
        else:
            value, symbol = rule_indicator_value(c, table.decimal_comma)
        status = None
        raw = row.value("Status")
        if raw != "" and raw is not None and not is_blank(raw):
            status, problem = statuses.get(raw) or _memo(statuses, raw, partial(_status, raw))
            if problem:
                c.error("Status", problem)
        if c.ok and code and area and period:
            notes = row.value("Notes")
            append(Record("indicators", table.sheet, row.number, (code, area, period), {
                "indicator_code": code, "area_code": area, "period": period, "value": value,
                "symbol": symbol, "status": status,
                "notes": None if notes == "" or notes is None else as_text(notes)}, row))
    return records


def _status(raw: object) -> str:
    text = (as_text(raw) or "").lower()
    if text not in VALUE_STATUSES:
        raise ValueProblem(f"Status must be one of {', '.join(VALUE_STATUSES)}")
    return text


def rule_indicator_value(c: RowChecker, decimal_comma: bool) -> tuple[float | None, str | None]:
    """A number >= 0, or a missing-value symbol kept as the symbol (never read as zero)."""
    cell = c.cell("Value")
    if is_blank(cell.value):
        c.error("Value", "Value is required: a number, or a symbol such as * or .. when there "
                "is no figure")
        return None, None
    symbol = missing_symbol(cell.value)
    if symbol is not None:
        return None, symbol
    try:
        return parse_count_value(cell.value, decimal_comma), None
    except ValueProblem as problem:
        c.error("Value", str(problem))
        return None, None


def check_review(table: Table, ctx: Context, problems: list[Problem]) -> list[Record]:
    records = []
    for row in table.rows:
        c = RowChecker(table, row, problems)
        area = rule_known_area(c, "Area", ctx, local_only=True)
        criterion = c.required("Criterion")
        if criterion is not None:
            criterion = criterion.strip().upper()
            if criterion not in ctx.criteria:
                c.error("Criterion", f"{criterion} is not a known criterion: use PR-01 to "
                        f"PR-{len(ctx.criteria):02d}")
        rating = rule_choice(c, "Rating", RATINGS, required=True)
        assessed = c.parsed("Assessed on", parse_date) or ctx.today
        target = c.parsed("Target date", parse_date)
        progress = rule_choice(c, "Progress", REVIEW_PROGRESS, required=False)
        action = rule_known_action(c, "Action ID", ctx, required=False)
        if c.ok and area and criterion:
            values = dict(area_code=area, criterion_code=criterion, assessed_on=assessed,
                          rating=rating, evidence=c.text("Evidence"), finding=c.text("Finding"),
                          recommendation=c.text("Recommendation"), owner=c.text("Owner"),
                          target_date=target, progress=progress, action_ref=action)
            records.append(Record("review", table.sheet, row.number,
                                  (area, criterion, assessed), values, row))
    return records


def check_meetings(table: Table, ctx: Context, problems: list[Problem]) -> list[Record]:
    records = []
    for row in table.rows:
        c = RowChecker(table, row, problems)
        when = c.parsed("Date", parse_date, required=True)
        title = c.required("Title")
        if c.ok and when:
            values = dict(meeting_date=when, title=title, chair=c.text("Chair"))
            records.append(Record("meetings", table.sheet, row.number, (when,), values,
                                  row))
    return records


def _year(value: object) -> int:
    number = parse_number(value)
    if not number.is_integer() or not 1900 <= number <= 2200:
        raise ValueProblem(f"{as_text(value)} is not a year (e.g. 2023)")
    return int(number)


def _whole_count(decimal_comma: bool) -> Callable[[object], float]:
    def parse(value: object) -> float:
        number = parse_count_value(value, decimal_comma)
        if not number.is_integer():
            raise ValueProblem(f"{as_text(value)} is not a whole number of children")
        return number
    return parse


def check_populations(table: Table, ctx: Context, problems: list[Problem]) -> list[Record]:
    records = []
    for row in table.rows:
        c = RowChecker(table, row, problems)
        area = rule_known_area(c, "Area", ctx)
        year = c.parsed("Year", _year, required=True)
        children = c.parsed("Children aged 0-17", _whole_count(table.decimal_comma),
                            required=True)
        if c.ok and area and year:
            values = dict(area_code=area, year=year, children=children)
            records.append(Record("populations", table.sheet, row.number, (area, year), values,
                                  row))
    return records


def check_definitions(table: Table, ctx: Context, problems: list[Problem]) -> list[Record]:
    records = []
    for row in table.rows:
        c = RowChecker(table, row, problems)
        code = c.required("Code")
        if code is not None and not re.fullmatch(r"[A-Z][A-Z0-9_]{1,63}", code.strip()):
            c.error("Code", "Code must be upper-case letters, digits and _ (e.g. CP_REGISTER)")
        name = c.required("Name")
        unit = rule_choice(c, "Unit", UNITS, required=True)
        frequency = rule_choice(c, "Frequency", FREQUENCIES, required=True)
        definition = c.required("Definition")
        polarity = rule_choice(c, "Polarity", POLARITIES, required=True)
        source = c.required("Source")
        headline_text = c.text("Headline")
        headline = False
        if headline_text is not None:
            if headline_text.lower() not in ("yes", "no", "y", "n", "true", "false"):
                c.error("Headline", "Headline must be yes or no")
            headline = headline_text.lower() in ("yes", "y", "true")
        if c.ok and code:
            code = code.strip()
            values = dict(code=code, name=name, unit=unit, frequency=frequency,
                          definition=definition, polarity=polarity, source=source,
                          headline=headline, series_notes=c.text("Series notes"))
            records.append(Record("definitions", table.sheet, row.number, (code,), values,
                                  row))
    return records


CHECKS: dict[str, Callable[[Table, Context, list[Problem]], list[Record]]] = {
    "definitions": check_definitions,
    "actions": check_actions,
    "meetings": check_meetings,
    "populations": check_populations,
    "updates": check_updates,
    "indicators": check_indicators,
    "review": check_review,
}
# Sheets are checked in this order so a file can define what its later sheets use.
ORDER = tuple(CHECKS)


def rule_same_key_once(records: list[Record], problems: list[Problem]) -> list[Record]:
    """The same key twice with different values is an error; exact duplicates load once."""
    first: dict[tuple, Record] = {}
    kept = []
    for record in records:
        key = (record.kind, *record.key)
        earlier = first.get(key)
        if earlier is None:
            first[key] = record
            kept.append(record)
            continue
        key_text = " / ".join(_key_text(k) for k in record.key)
        if earlier.values == record.values:
            problems.append(Problem.warning(
                record.sheet, record.row, None, None,
                f"Row {record.row} repeats row {earlier.row} exactly ({key_text}); it was "
                "loaded once"))
        else:
            problems.append(Problem.error(
                record.sheet, record.row, None, None,
                f"{key_text} appears twice with different values (rows {earlier.row} and "
                f"{record.row} of {earlier.sheet}): keep one"))
    return kept


def _key_text(part: object) -> str:
    return part.isoformat() if isinstance(part, dt.date) else str(part)
