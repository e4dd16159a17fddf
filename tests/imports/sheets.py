"""Sheets as the reader gives them, and a hand-made context, for the unit tests of the import
stage (checks, schemas, diff): each case is a small sheet, checked without a file or a
database, with its records and problems worked out by hand."""

from __future__ import annotations

import datetime as dt

from cpip_dashboard.imports import checks
from cpip_dashboard.imports.checks import Context, Records
from cpip_dashboard.imports.kinds import KINDS
from cpip_dashboard.imports.layout import Table
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory, AreaInfo

D = dt.date
FIFE, ANGUS, FIFE_CPC = "S12000047", "S12000041", "CPC14"
TODAY = D(2026, 3, 2)


def context() -> Context:
    areas = AreaDirectory(
        [AreaInfo(SCOTLAND, "Scotland", "scotland", None, 0),
         AreaInfo(FIFE, "Fife", "council", SCOTLAND, 1),
         AreaInfo(ANGUS, "Angus", "council", SCOTLAND, 2),
         AreaInfo(FIFE_CPC, "Fife CPC", "cpc", SCOTLAND, 3)],
        {"scotland": SCOTLAND, "fife": FIFE, "angus": ANGUS, "fife cpc": FIFE_CPC})
    indicators = {
        "CP_REGISTER": {"name": "Children on the register", "unit": "count",
                        "frequency": "annual", "relation": "none"},
        "CP_RATE": {"name": "Register rate", "unit": "rate per 1,000", "frequency": "annual",
                    "relation": "rate of CP_REGISTER"},
        "IRD": {"name": "Inter-agency referral discussions", "unit": "count",
                "frequency": "quarterly", "relation": "none"},
        "IRD_PCT": {"name": "IRDs within target", "unit": "percent", "frequency": "quarterly",
                    "relation": None},
    }
    return Context(areas=areas, indicators=indicators,
                   workstreams={"neg": "NEG", "neglect": "NEG", "ws2": "WS2"},
                   criteria={"PR-01", "PR-02"}, action_refs={"NEG-1", "NEG-2"}, today=TODAY)


def table(kind: str, rows: list[list[object]], sheet: str | None = None,
          decimal_comma: bool = False, first_row: int = 2) -> Table:
    """A sheet of `kind` as the reader gives it: the header row (each header as written is a
    column's name, or `name=written`), then data rows numbered from `first_row`."""
    header, *data = rows
    columns = {}
    for i, text in enumerate(header):
        name, _, written = text.partition("=")
        columns[name] = (i, written or name)
    return Table(sheet or KINDS[kind].sheet, KINDS[kind], [list(r) for r in data],
                 list(range(first_row, first_row + len(data))), columns,
                 decimal_comma=decimal_comma)


def check(kind: str, rows, ctx: Context | None = None, **kwargs) -> tuple[Records, list]:
    problems: list[Problem] = []
    records = checks.CHECKS[kind](table(kind, rows, **kwargs), ctx or context(), problems)
    return records, [(p.level, p.sheet, p.row, p.column, p.value, p.message) for p in problems]


def definition(code="NEW", unit="count", frequency="annual", relation="none", headline=""):
    """A Definitions row (its columns in the template's order)."""
    return [code, "New one", unit, frequency, "Defined", "Lower is better", "SG", headline,
            "", relation]


def header(kind: str) -> list[str]:
    """The kind's columns as a template writes them, in order."""
    return [column.name for column in KINDS[kind].columns]
