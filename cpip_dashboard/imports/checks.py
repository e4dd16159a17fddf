"""The checks of CONTRACT.md, one small named function per rule, message beside it.

Each sheet's rows become `Records` (typed values named as the database columns, column-wise) and
every problem is collected with its sheet, Excel row, column as written and the cell as text.
The limits on typed values (a count is 0 or more, a status is one of a list) are pandera
schemas in `schemas`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from cpip_dashboard.imports.kinds import (
    POLARITIES,
    POPULATION_SOURCE,
    RATINGS,
    REVIEW_PROGRESS,
    UNITS,
    normalise_header,
)
from cpip_dashboard.imports.layout import Cell, DataRow, Table
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.rules import links, rag, relation_forms
from cpip_dashboard.rules.values import (
    FREQUENCIES,
    ValueProblem,
    as_text,
    fraction_column,
    is_blank,
    missing_symbol,
    parse_date,
    parse_number,
    parse_percentage,
    parse_period,
)
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory


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


class Records:
    """The checked rows of one sheet, column-wise: where each is in the table, its key, and its
    typed values as columns named as the database columns."""

    def __init__(self, kind: str, table: Table, fields: tuple[str, ...]):
        self.kind, self.table, self.sheet = kind, table, table.sheet
        self.fields = fields
        self.positions: list[int] = []  # index of each record's row in the table
        self.keys: list[tuple] = []
        self.columns: dict[str, list] = {f: [] for f in fields}
        # Rows a rule refused: kept until the schema has checked their other values too, so
        # that every problem of a row is reported, then dropped (`accepted`).
        self.rejected: set[int] = set()

    def __len__(self) -> int:
        return len(self.positions)

    def add(self, position: int, key: tuple, values: dict[str, object], ok: bool = True) -> None:
        if not ok:
            self.rejected.add(len(self.positions))
        self.positions.append(position)
        self.keys.append(key)
        for name, column in self.columns.items():
            column.append(values[name])

    def row(self, i: int) -> int:
        """The Excel row number of record `i`."""
        return self.table.numbers[self.positions[i]]

    def values(self, i: int) -> dict[str, object]:
        return {name: column[i] for name, column in self.columns.items()}

    def tuples(self) -> list[tuple]:
        """Every record's values in `fields` order."""
        return list(zip(*self.columns.values(), strict=True))

    def cell(self, i: int, column: str) -> Cell:
        return self.table.cell(self.positions[i], column)

    def accepted(self, failed: set[int] = frozenset()) -> Records:
        """The records neither a rule nor the schema refused."""
        refused = self.rejected | failed
        if not refused:
            return self
        return self.subset([i for i in range(len(self)) if i not in refused])

    def subset(self, keep: list[int]) -> Records:
        """Only the records at `keep` (in that order)."""
        kept = Records(self.kind, self.table, self.fields)
        kept.positions = [self.positions[i] for i in keep]
        kept.keys = [self.keys[i] for i in keep]
        kept.columns = {name: [column[i] for i in keep] for name, column in self.columns.items()}
        return kept


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


def did_you_mean(text: str, known: Iterable[str], limit: int = 3) -> str:
    """'; did you mean X or Y?' naming the closest known codes, or '' when none is close."""
    close = difflib.get_close_matches(text, sorted(known), n=limit, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


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


ACTION_ID = re.compile(r"[A-Za-z][A-Za-z0-9.-]{0,19}")  # CONTRACT.md: e.g. NEG-3
ACTION_ID_RULE = ("Action ID must be a letter, then up to 19 letters, digits, - or . "
                  "(for example NEG-3)")


def rule_action_id(c: RowChecker, ref: str | None) -> None:
    if ref is not None and not ACTION_ID.fullmatch(ref):
        c.error("Action ID", ACTION_ID_RULE)


def rule_no_nul(table: Table, problems: list[Problem]) -> None:
    """A NUL character in a cell that is loaded: the database cannot store it (PostgreSQL
    refuses it at commit), so it is an error at its cell."""
    for index, header in table.columns.values():
        for position, raw in enumerate(table.raw):
            value = raw[index] if index < len(raw) else None
            if isinstance(value, str) and "\x00" in value:
                problems.append(Problem.error(
                    table.sheet, table.numbers[position], header,
                    value.replace("\x00", "\u2400"),
                    "This cell holds a NUL character (an invisible control code that a damaged "
                    "export leaves behind), which cannot be stored: delete the character, or "
                    "retype the cell, and upload the file again"))


ACTION_FIELDS = ("ref", "workstream_code", "title", "lead", "areas", "due_date", "indicators",
                 "source")


def check_actions(table: Table, ctx: Context, problems: list[Problem]) -> Records:
    records = Records("actions", table, ACTION_FIELDS)
    for position, row in enumerate(table.rows):
        c = RowChecker(table, row, problems)
        ref = c.required("Action ID")
        rule_action_id(c, ref)
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
            records.add(position, (ref.upper(),), values)
    return records


def rule_indicator_list(c: RowChecker, ctx: Context) -> str:
    """Comma-separated known indicator codes, each optionally followed by `up` or `down`
    (`links`); stored canonical: `CP_REREGISTRATIONS down,CP_REGISTER`."""
    text = c.text("Indicators")
    if text is None:
        return ""
    try:
        parsed = links.parse(text)
    except links.LinkProblem as problem:
        c.error("Indicators", str(problem))
        return ""
    known = []
    for link in parsed:
        if link.code not in ctx.indicators:
            c.error("Indicators", f"{link.code} is not a known indicator code"
                    + did_you_mean(link.code, ctx.indicators))
        else:
            known.append(link)
    return links.text(known)


UPDATE_FIELDS = ("action_ref", "reporting_date", "rag", "progress", "commentary", "next_steps",
                 "revised_due_date")


def check_updates(table: Table, ctx: Context, problems: list[Problem]) -> Records:
    fractions = fraction_column(table.column("Progress %"), table.decimal_comma)
    records = Records("updates", table, UPDATE_FIELDS)
    for position, row in enumerate(table.rows):
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
        values = dict(action_ref=ref, reporting_date=when, rag=status, progress=progress,
                      commentary=commentary, next_steps=c.text("Next steps"),
                      revised_due_date=revised)
        records.add(position, (ref, when), values, ok=c.ok and bool(ref and when))
    return records


def rule_known_action(c: RowChecker, column: str, ctx: Context, required: bool) -> str | None:
    """An action must exist in the register or in the same file."""
    text = c.required(column) if required else c.text(column)
    if text is None:
        return None
    ref = text.strip().upper()
    if ref not in ctx.action_refs and ref not in ctx.file_action_refs:
        c.error(column, f"{text} is not an action in the register or in this file"
                + did_you_mean(ref, ctx.action_refs | ctx.file_action_refs))
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


def read_column(cells: list[object], read: Callable[[object], object]
                ) -> tuple[list[object], dict[object, str]]:
    """A column read once per distinct cell value (indicator sheets repeat the same few codes,
    areas and periods thousands of times): the typed column, None where a cell cannot be read,
    and the problem message of each distinct value that cannot."""
    typed: dict[object, object] = {}
    bad: dict[object, str] = {}
    for cell in dict.fromkeys(cells):
        try:
            typed[cell] = read(cell)
        except ValueProblem as problem:
            typed[cell] = None
            bad[cell] = str(problem)
    return list(map(typed.__getitem__, cells)), bad


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


def _status(raw: object) -> str | None:
    """A status as written, lower-cased (the schema says which are allowed)."""
    text = as_text(raw)
    return None if text is None else text.lower()


INDICATOR_FIELDS = ("indicator_code", "area_code", "period", "value", "symbol", "status",
                    "notes")
INDICATOR_COLUMNS = ("Indicator", "Area", "Period", "Value", "Status")
_SLOW = object()


def check_indicators(table: Table, ctx: Context, problems: list[Problem]) -> Records:
    """Column by column: each rule reads a whole column, problems keep their row and column."""
    names = ctx.indicator_names()

    def indicator_code(raw: object) -> str:
        text = as_text(raw)
        if text is None:
            raise ValueProblem("Indicator is required")
        code = names.get(normalise_header(text))
        if code is None:
            raise ValueProblem(f"{text} is not a known indicator code or name"
                               + did_you_mean(text.upper(), ctx.indicators))
        return code

    def period(frequency_and_cell: tuple[str | None, object]) -> dt.date | None:
        frequency, raw = frequency_and_cell
        if frequency is None:  # the indicator itself is unknown
            return None
        if is_blank(raw):
            raise ValueProblem("Period is required")
        return parse_period(raw, frequency)

    found: list[tuple[int, int, str]] = []  # (position, column number, message)
    raw = {column: table.column(column) for column in INDICATOR_COLUMNS}

    def located(column: str, cells: list[object], bad: dict[object, str]) -> None:
        if not bad:
            return
        number = INDICATOR_COLUMNS.index(column)
        found.extend((i, number, bad[cell]) for i, cell in enumerate(cells) if cell in bad)

    codes, bad = read_column(raw["Indicator"], indicator_code)
    located("Indicator", raw["Indicator"], bad)
    areas, bad = read_column(raw["Area"], partial(_area_code, ctx=ctx))
    located("Area", raw["Area"], bad)
    frequency = {code: d["frequency"] for code, d in ctx.indicators.items()}
    frequencies = {frequency.get(code) for code in dict.fromkeys(codes)}
    if len(frequencies) == 1:  # one indicator, or several of the same frequency
        only = frequencies.pop()
        periods, bad = read_column(raw["Period"], lambda cell: period((only, cell)))
        located("Period", raw["Period"], bad)
    else:
        keyed = list(zip(map(frequency.get, codes), raw["Period"], strict=True))
        periods, bad = read_column(keyed, period)
        located("Period", keyed, bad)
    values, symbols = rule_indicator_values(raw["Value"], table.decimal_comma, found)
    statuses, _ = read_column(raw["Status"], _status)
    notes = table.column("Notes")
    notes = [None] * len(notes) if notes.count("") == len(notes) else [
        None if cell == "" or cell is None else as_text(cell) for cell in notes]

    for position, number, message in sorted(found):
        column = INDICATOR_COLUMNS[number]
        cell = table.cell(position, column)
        problems.append(Problem.error(table.sheet, table.numbers[position], cell.header,
                                      as_text(cell.value), message))
    records = Records("indicators", table, INDICATOR_FIELDS)
    columns = (codes, areas, periods, values, symbols, statuses, notes)
    records.positions = list(range(len(table)))  # one record per row, in order
    records.keys = list(zip(*columns[:3], strict=True))
    records.columns = dict(zip(INDICATOR_FIELDS, columns, strict=True))
    records.rejected = {position for position, _, _ in found}
    return records


def rule_indicator_values(cells: list[object], decimal_comma: bool,
                          found: list[tuple[int, int, str]]) -> tuple[list, list]:
    """A number, or a missing-value symbol kept as the symbol (never read as zero); the schema
    says a number must be 0 or more."""
    values = [cell if type(cell) is float else _SLOW for cell in cells]  # the usual case
    symbols: list[str | None] = [None] * len(cells)
    number = INDICATOR_COLUMNS.index("Value")
    for i in [i for i, value in enumerate(values) if value is _SLOW]:
        cell, values[i] = cells[i], None
        if is_blank(cell):
            found.append((i, number, ("Value is required: a number, or a symbol such as * or .. "
                                     "when there is no figure")))
        elif (symbol := missing_symbol(cell)) is not None:
            symbols[i] = symbol
        else:
            try:
                values[i] = parse_number(cell, decimal_comma)
            except ValueProblem as problem:
                found.append((i, number, str(problem)))
    return values, symbols


REVIEW_FIELDS = ("area_code", "criterion_code", "assessed_on", "rating", "evidence", "finding",
                 "recommendation", "owner", "target_date", "progress", "action_ref")


def check_review(table: Table, ctx: Context, problems: list[Problem]) -> Records:
    records = Records("review", table, REVIEW_FIELDS)
    for position, row in enumerate(table.rows):
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
            records.add(position, (area, criterion, assessed), values)
    return records


def check_meetings(table: Table, ctx: Context, problems: list[Problem]) -> Records:
    records = Records("meetings", table, ("meeting_date", "title", "chair"))
    for position, row in enumerate(table.rows):
        c = RowChecker(table, row, problems)
        when = c.parsed("Date", parse_date, required=True)
        title = c.required("Title")
        if c.ok and when:
            values = dict(meeting_date=when, title=title, chair=c.text("Chair"))
            records.add(position, (when,), values)
    return records


def _year(value: object) -> int:
    number = parse_number(value)
    if not number.is_integer() or not 1900 <= number <= 2200:
        raise ValueProblem(f"{as_text(value)} is not a year (e.g. 2023)")
    return int(number)


def check_populations(table: Table, ctx: Context, problems: list[Problem]) -> Records:
    records = Records("populations", table, ("area_code", "year", "children", "source"))
    for position, row in enumerate(table.rows):
        c = RowChecker(table, row, problems)
        area = rule_known_area(c, "Area", ctx)
        year = c.parsed("Year", _year, required=True)
        children = c.parsed("Children aged 0-17",
                            partial(parse_number, decimal_comma=table.decimal_comma),
                            required=True)
        source = c.text("Source")  # blank: the default, kinds.POPULATION_SOURCE
        source = " ".join(source.split()) if source else POPULATION_SOURCE
        records.add(position, (area, year), dict(area_code=area, year=year, children=children,
                                                 source=source),
                    ok=c.ok and bool(area and year))
    return records


DEFINITION_FIELDS = ("code", "name", "unit", "frequency", "definition", "polarity", "source",
                     "headline", "series_notes", "relation")
RELATION_REQUIRED = ("Relation is required for a new indicator: say how it relates to the "
                     "others, or `none`")
# What each form relates, as (units this indicator may have, what that is in words).
RELATION_UNITS = {
    "part": (("count", "percent"), "a count or a percentage"),
    "rate": (("rate per 1,000",), "a rate per 1,000"),
    "over_periods": (("count",), "a count"),
    "sum": (("count",), "a count"),
}


def relation_problem(declared: relation_forms.Declared, code: str | None, unit: str | None,
                     frequency: str | None, definitions: dict[str, dict]) -> str | None:
    """Why a declared relation cannot hold for indicator `code` (of `unit` and `frequency`),
    given the other definitions (database, built-in and this file's, code -> unit and
    frequency); None when it can. Every CODE named is a count indicator of the same
    frequency: a relation ties counts of children, period by period."""
    text = declared.text()
    if declared.kind == "none":
        return None
    if code is not None and code in declared.codes:
        return f"{text}: an indicator cannot be related to itself"
    for named in declared.codes:
        if named not in definitions:
            return (f"{text}: {named} is not a known indicator code (define it in the "
                    f"database or in this file){did_you_mean(named, definitions)}")
    allowed, words = RELATION_UNITS[declared.kind]
    verb = {"part": "part of", "rate": "rate of"}.get(declared.kind, "sum of")
    if unit is not None and unit not in allowed:
        return f"{text}: `{verb}` is for {words} indicator, and this one is a {unit}"
    for named in declared.codes:
        other = definitions[named]
        if other.get("unit") != "count":
            return (f"{text}: `{verb}` names count indicators, and {named} is a "
                    f"{other.get('unit')}")
        if frequency is not None and other.get("frequency") != frequency:
            return (f"{text}: {named} is {other.get('frequency')} and this indicator is "
                    f"{frequency}: a relation ties figures of the same frequency")
    return None


def _sheet_definitions(table: Table) -> dict[str, dict]:
    """The unit and frequency of each code defined in this sheet, as written (a relation may
    name an indicator defined further down)."""
    found: dict[str, dict] = {}
    for row in table.rows:
        code = as_text(row.cell("Code").value)
        if code is None:
            continue
        unit, frequency = (as_text(row.cell(c).value) for c in ("Unit", "Frequency"))
        found.setdefault(code.strip().upper(), {
            "unit": next((u for u in UNITS if unit and unit.strip().lower() == u), None),
            "frequency": next((f for f in FREQUENCIES
                               if frequency and frequency.strip().lower() == f), None)})
    return found


def rule_relation(c: RowChecker, code: str | None, unit: str | None, frequency: str | None,
                  ctx: Context, in_sheet: dict[str, dict]) -> str | None:
    """The relation's canonical text: as declared, or for a known indicator left blank the
    one it has. Required for a new indicator (every unit is a count, rate or percentage)."""
    try:
        declared = relation_forms.parse(c.text("Relation"))
    except ValueError as problem:
        c.error("Relation", str(problem))
        return None
    known = ctx.indicators.get(code) if code else None
    if declared is None:
        if known is None:
            if code is not None:
                c.error("Relation", RELATION_REQUIRED)
            return None
        return known.get("relation")
    definitions = {**{k: {"unit": d.get("unit"), "frequency": d.get("frequency")}
                      for k, d in ctx.indicators.items()}, **in_sheet}
    problem = relation_problem(declared, code, unit, frequency, definitions)
    if problem:
        c.error("Relation", problem)
        return None
    return declared.text()


def check_definitions(table: Table, ctx: Context, problems: list[Problem]) -> Records:
    records = Records("definitions", table, DEFINITION_FIELDS)
    in_sheet = _sheet_definitions(table)
    for position, row in enumerate(table.rows):
        c = RowChecker(table, row, problems)
        code = c.required("Code")
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
        code = code.strip() if code else None
        relation = rule_relation(c, code, unit, frequency, ctx, in_sheet)
        values = dict(code=code, name=name, unit=unit, frequency=frequency,
                      definition=definition, polarity=polarity, source=source,
                      headline=headline, series_notes=c.text("Series notes"),
                      relation=relation)
        records.add(position, (code,), values, ok=c.ok and bool(code))
    return records


CHECKS: dict[str, Callable[[Table, Context, list[Problem]], Records]] = {
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


def rule_same_key_once(record_sets: list[Records], problems: list[Problem]) -> list[Records]:
    """The same key twice with different values is an error; exact duplicates load once."""
    earlier_sets: dict[str, list[Records]] = defaultdict(list)
    kept = []
    for records in record_sets:
        earlier = earlier_sets[records.kind]
        keys = records.keys
        if not earlier and len(set(keys)) == len(keys):  # the usual case: nothing to compare
            earlier.append(records)
            kept.append(records)
            continue
        seen = {key: (rs, i) for rs in reversed(earlier) for i, key in
                reversed(list(enumerate(rs.keys)))}
        keep = []
        for i, key in enumerate(keys):
            first = seen.get(key)
            if first is None:
                seen[key] = (records, i)
                keep.append(i)
                continue
            first_records, j = first
            key_text = " / ".join(_key_text(k) for k in key)
            if first_records.values(j) == records.values(i):
                where = "" if first_records.sheet == records.sheet else \
                    f" of {first_records.sheet}"
                problems.append(Problem.warning(
                    records.sheet, records.row(i), None, None,
                    f"Row {records.row(i)} repeats row {first_records.row(j)}{where} exactly "
                    f"({key_text}); it was loaded once"))
            else:
                problems.append(Problem.error(
                    records.sheet, records.row(i), None, None,
                    f"{key_text} appears twice with different values (rows "
                    f"{first_records.row(j)} and {records.row(i)} of {first_records.sheet}): "
                    "keep one"))
        records = records.subset(keep)
        earlier.append(records)
        kept.append(records)
    return kept


def _key_text(part: object) -> str:
    return part.isoformat() if isinstance(part, dt.date) else str(part)
