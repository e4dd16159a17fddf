"""The limits on typed values (cpip_dashboard/imports/schemas.py) rule by rule, without a file or
a database: each case is a small sheet checked by `checks` (tests/imports/sheets.py), then
validated; the problems are worked out by hand, in full (sheet, Excel row, column as written,
cell as written, sentence), with the records kept. End to end, the same limits are reached
through a file in test_import_rules.py."""

from __future__ import annotations

import pandera.pandas as pa
import pytest
from pandera.errors import SchemaErrors

from cpip_dashboard.imports import schemas
from cpip_dashboard.imports.checks import Records
from cpip_dashboard.imports.problems import Problem
from tests.imports.sheets import check, definition, header

NEGATIVE = "is negative: values must be 0 or more"
SYMBOLS = "* c [c] x [x] z [z] .. - :"
STATUS = "Status must be one of provisional, revised"
CODE = "Code must be upper-case letters, digits and _ (e.g. CP_REGISTER)"


def validate(records: Records) -> tuple[list[int], list[tuple]]:
    """The kept records' row positions, and each problem in full."""
    problems: list[Problem] = []
    kept = schemas.validate(records, problems)
    return kept.positions, [(p.level, p.sheet, p.row, p.column, p.value, p.message)
                            for p in problems]


# --- indicators: value, symbol, status ------------------------------------------------------

# Written headers differ from the canonical ones: a problem names the column as written.
INDICATORS = ["Indicator", "Area", "Period", "Value=Figure", "Status=Flag", "Notes"]


@pytest.mark.parametrize("value,status,problems", [
    (0.0, "", []),  # the boundary: 0 is allowed
    (12.5, "Provisional", []),
    ("1.234,5", "REVISED", []),  # statuses in any case; decimal comma
    (-1.0, "", [("Figure", "-1", f"-1 {NEGATIVE}")]),
    (-0.001, "", [("Figure", "-0.001", f"-0.001 {NEGATIVE}")]),
    ("-0,5", "", [("Figure", "-0,5", f"-0,5 {NEGATIVE}")]),  # the cell as written
    (3.0, "final", [("Flag", "final", STATUS)]),
    (3.0, " Final ", [("Flag", "Final", STATUS)]),
    # both of a row's problems, in the schema's column order
    (-2.0, "draft", [("Figure", "-2", f"-2 {NEGATIVE}"), ("Flag", "draft", STATUS)]),
])
def test_indicator_values(value, status, problems):
    records, found = check("indicators", [INDICATORS, ["CP_REGISTER", "Fife", "2024", value,
                                                         status, ""]], decimal_comma=True)
    assert found == []
    kept, schema = validate(records)
    assert schema == [("error", "Indicators", 2, *p) for p in problems]
    assert kept == ([] if problems else [0])


@pytest.mark.parametrize("cell", ["*", "c", "[C]", "x", "[x]", "Z", "[z]", "..", "-", ":"])
def test_every_missing_value_symbol_passes(cell):
    records, found = check("indicators", [INDICATORS, ["IRD", "Fife", "2024 Q1", cell, "",
                                                         ""]])
    assert found == []
    assert records.columns["symbol"] == [cell.lower()]
    assert validate(records) == ([0], [])


def test_a_symbol_the_reader_let_through_is_refused():
    """The reader keeps only known symbols; the schema is the guard if it ever did not."""
    records, _ = check("indicators", [INDICATORS, ["IRD", "Fife", "2024 Q1", "*", "", ""],
                                        ["IRD", "Fife", "2024 Q2", "n/a", "", ""]])
    records.columns["symbol"] = ["*", "n/a"]
    records.columns["value"] = [None, None]
    records.rejected = set()
    assert validate(records) == ([0], [
        ("error", "Indicators", 3, "Figure", "n/a",
         f"n/a is not a missing-value symbol: use one of {SYMBOLS}")])


def test_rows_a_rule_refused_are_still_checked_and_problems_come_in_row_order():
    records, found = check("indicators", [
        INDICATORS,
        ["CP_REGISTER", "Fife", "2024", 1.0, "final", ""],
        ["CP_REGISTER", "Fyfe", "2023", -3.0, "", ""],  # an unknown area, and negative
        ["CP_REGISTER", "Angus", "2023", 4.0, "revised", ""],
        ["CP_REGISTER", "Angus", "2022", -4.0, "", ""]], first_row=7)
    assert [(p[2], p[3]) for p in found] == [(8, "Area")]
    kept, schema = validate(records)
    assert schema == [
        ("error", "Indicators", 7, "Flag", "final", STATUS),
        ("error", "Indicators", 8, "Figure", "-3", f"-3 {NEGATIVE}"),
        ("error", "Indicators", 10, "Figure", "-4", f"-4 {NEGATIVE}")]
    assert kept == [2]


# --- updates: progress ----------------------------------------------------------------------


def test_progress_between_0_and_100():
    cells = [0, 100, "100%", "", 45.5, 100.5, -1, "101%", "-0.5%"]
    rows = [header("updates")] + [
        ["NEG-1", f"2026-01-{day:02d}", "Green", cell, "", "", ""]
        for day, cell in enumerate(cells, start=1)]
    records, found = check("updates", rows)
    assert found == []
    assert records.columns["progress"] == [0.0, 100.0, 100.0, None, 45.5, 100.5, -1.0, 101.0,
                                           -0.5]
    kept, schema = validate(records)
    assert schema == [
        ("error", "Updates", row, "Progress %", text,
         f"{text} is not a percentage between 0 and 100")
        for row, text in [(7, "100.5"), (8, "-1"), (9, "101%"), (10, "-0.5%")]]
    assert kept == [0, 1, 2, 3, 4]


# --- populations: children ------------------------------------------------------------------

POPULATIONS = ["Area", "Year", "Children aged 0-17=Children", "Source"]


@pytest.mark.parametrize("cell,problems", [
    (0, []),
    ("61.234", []),  # decimal comma sheet: a thousands point
    (-1, [f"-1 {NEGATIVE}"]),
    ("2,5", ["2,5 is not a whole number of children"]),
    (0.001, ["0.001 is not a whole number of children"]),
    (-2.5, [f"-2.5 {NEGATIVE}", "-2.5 is not a whole number of children"]),
])
def test_children(cell, problems):
    records, found = check("populations", [POPULATIONS, ["Fife", 2024, cell, ""]],
                             decimal_comma=True)
    assert found == []
    kept, schema = validate(records)
    text = str(cell)
    assert schema == [("error", "Populations", 2, "Children", text, p) for p in problems]
    assert kept == ([] if problems else [0])


def test_a_blank_count_of_children_is_one_problem():
    """The check says it is required; the schema adds nothing (it once added `not_nullable`)."""
    records, found = check("populations", [POPULATIONS, ["Fife", 2024, "", ""],
                                             ["Angus", 2024, 5, ""]])
    assert found == [("error", "Populations", 2, "Children", None,
                      "Children aged 0-17 is required")]
    assert validate(records) == ([1], [])


# --- definitions: code ----------------------------------------------------------------------


@pytest.mark.parametrize("code,ok", [
    ("AB", True),  # two characters: the shortest
    ("A" + "B" * 63, True),  # 64: the longest
    ("A1_", True),
    (" NEW ", True),  # stripped by the check
    ("A", False),
    ("A" + "B" * 64, False),
    ("1AB", False),
    ("_AB", False),
    ("new", False),  # codes are not upper-cased
    ("NEW-1", False),
    ("NEW 1", False),
])
def test_definition_codes(code, ok):
    records, found = check("definitions", [header("definitions"), definition(code)])
    assert found == []
    kept, schema = validate(records)
    assert schema == ([] if ok else [("error", "Definitions", 2, "Code", code.strip(), CODE)])
    assert kept == ([0] if ok else [])


def test_a_blank_code_is_one_problem():
    records, found = check("definitions", [header("definitions"), definition(""),
                                             definition("NEW")])
    assert [p[2:] for p in found] == [(2, "Code", None, "Code is required")]
    assert validate(records) == ([1], [])


# --- kinds without a schema, and no records -------------------------------------------------


def test_kinds_without_a_schema_keep_what_the_rules_accepted():
    records, found = check("meetings", [["Date", "Title", "Chair"], ["2026-03-02", "A", ""],
                                          ["2026-03-03", "", ""], ["2026-03-04", "C", ""]])
    assert len(found) == 1
    assert validate(records) == ([0, 2], [])


def test_no_records():
    records, _ = check("populations", [POPULATIONS])
    problems: list[Problem] = []
    assert schemas.validate(records, problems) is records
    assert problems == []


def test_a_failure_that_names_no_cell_is_raised_not_reported(monkeypatch):
    """A failure of the frame itself (here a check over the whole frame) is a bug in the
    schema, not a problem in a cell: it is raised, not reported against a row."""
    schema = schemas.SCHEMAS["populations"]
    monkeypatch.setitem(schemas.SCHEMAS, "populations", pa.DataFrameSchema(
        schema.columns, checks=[pa.Check(lambda frame: False, error="the frame")]))
    records, _ = check("populations", [POPULATIONS, ["Fife", 2024, -1, ""]])
    with pytest.raises(SchemaErrors):
        schemas.validate(records, [])
