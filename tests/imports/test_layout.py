"""`imports.layout.detect`: which kind a sheet is and where its header row is, from its name,
else its headers, else the published-table layout (areas down, periods across). Table-driven
over sheets written as people write them."""

from __future__ import annotations

import pytest

from cpip_dashboard.imports.layout import HEADER_SCAN_ROWS, detect
from cpip_dashboard.imports.reading import RawSheet

UPDATES_HEADER = ["Action ID", "Reporting date", "RAG", "Commentary"]
UPDATE_ROW = ["NEG-3", "2024-09-01", "Amber", "Consultation delayed."]
INDICATOR_HEADER = ["Indicator", "Area", "Period", "Value"]
INDICATOR_ROW = ["CP_REGISTER", "Fife", "2023-24", 120]


def _detect(sheet: RawSheet, forced: str | None = None, indicator: str | None = None):
    problems: list = []
    table = detect(sheet, forced, indicator, {"Children on the register": "CP_REGISTER"},
                   problems)
    return table, problems


@pytest.mark.parametrize(("name", "rows", "kind", "first_row"), [
    # the sheet's name says the kind
    ("Updates", [UPDATES_HEADER, UPDATE_ROW], "updates", 2),
    ("updates ", [UPDATES_HEADER, UPDATE_ROW], "updates", 2),
    # an unknown name: the headers say it, synonyms included ("Ref", "Status")
    ("Sheet1", [["Ref", "Date", "Status", "Comment"], UPDATE_ROW], "updates", 2),
    ("Sheet1", [INDICATOR_HEADER, INDICATOR_ROW], "indicators", 2),
    # a title and a blank row above the header: the header is found, rows counted from Excel 1
    ("Data", [["Child protection figures"], [], INDICATOR_HEADER, INDICATOR_ROW],
     "indicators", 4),
])
def test_a_sheet_is_read_as_its_kind(name, rows, kind, first_row):
    table, problems = _detect(RawSheet(name, rows))
    assert table is not None, problems
    assert table.kind.name == kind
    assert table.numbers[0] == first_row  # the first data row's Excel number
    assert len(table) == 1
    assert not table.missing


@pytest.mark.parametrize(("name", "rows"), [
    ("Updates", []),  # empty
    ("Updates", [[""], ["", ""]]),  # blank cells only
    ("Notes", [["What each column means"], ["Action ID", "An action in the register."]]),
    ("Lists", [["RAG"], ["Red"], ["Amber"]]),
])
def test_blank_sheets_and_the_templates_own_sheets_are_skipped(name, rows):
    table, _ = _detect(RawSheet(name, rows))
    assert table is None


def test_a_sheet_named_for_a_kind_reports_the_headers_it_lacks():
    table, problems = _detect(RawSheet("Updates", [["Action ID", "Commentary"],
                                                   ["NEG-3", "Late."]]))
    assert table.missing == ["Reporting date", "RAG"]
    assert [(p.column, p.message) for p in problems] == [
        (c, f"Required column '{c}' is missing from the header row")
        for c in ("Reporting date", "RAG")]


def test_the_header_is_looked_for_in_the_first_rows_only():
    late = [[f"note {i}"] for i in range(HEADER_SCAN_ROWS)] + [INDICATOR_HEADER, INDICATOR_ROW]
    table, problems = _detect(RawSheet("Sheet1", late))
    assert table is None
    assert [p.message.split(":")[0] for p in problems] == [
        "Sheet 'Sheet1' was skipped"]  # named, with the kinds it could have been


def test_a_published_table_turns_periods_across_into_rows():
    rows = [["Children on the register"], [],
            ["Local authority", "2021-22", "2022-23", "2023-24"],
            ["Fife", 110, 115, 120],
            ["Moray", 30, "c", 28]]
    table, problems = _detect(RawSheet("Table 1", rows), indicator="CP_REGISTER")
    assert table is not None, problems
    assert table.kind.name == "indicators" and table.published
    assert len(table) == 6  # two areas x three periods
    assert sorted(set(table.column("Period"))) == ["2021-22", "2022-23", "2023-24"]
