"""The import checks (cpip_dashboard/imports/checks.py) rule by rule, without a file or a
database: each case is a small sheet as the reader gives it, a hand-made context (three areas,
four indicators, two actions, two criteria), and the records and problems worked out by hand,
in full (sheet, row, column as written, cell as text, sentence). The same rules are tested end
to end, from a file to the database, in test_import_rules.py and test_import_promises.py."""

from __future__ import annotations

import pytest

from cpip_dashboard.imports import checks
from cpip_dashboard.imports.checks import Records
from cpip_dashboard.imports.kinds import POPULATION_SOURCE
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.store.areas import SCOTLAND
from tests.imports.sheets import (
    ANGUS,
    FIFE,
    FIFE_CPC,
    TODAY,
    D,
    check,
    context,
    definition,
    table,
)


def accepted(records: Records) -> list[dict]:
    kept = records.accepted()
    return [kept.values(i) for i in range(len(kept))]


def errors(found: list, sheet: str) -> list[tuple]:
    """(row, column, cell, sentence) of each error (all on `sheet`)."""
    assert all(p[0] == "error" and p[1] == sheet for p in found), found
    return [p[2:] for p in found]


# --- actions ----------------------------------------------------------------------------------

ACTIONS = ["Action ID", "Workstream", "Action", "Lead", "Area", "Due date", "Indicators",
           "Source"]


@pytest.mark.parametrize("row,values,problems", [
    (["neg-3", "Neglect", "Train staff", "SG", "Fife; Angus, fife", "2026-06-30",
      "cp_register, IRD  CP_REGISTER", "Plan"],
     {"ref": "NEG-3", "workstream_code": "NEG", "title": "Train staff", "lead": "SG",
      "areas": f"{FIFE},{ANGUS}", "due_date": D(2026, 6, 30), "indicators": "CP_REGISTER,IRD",
      "source": "Plan"}, []),
    # blank area: Scotland; blank indicators: none; blank due date and source: none
    (["NEG-3", "NEG", "Train", "SG", "", "", "", ""],
     {"ref": "NEG-3", "workstream_code": "NEG", "title": "Train", "lead": "SG",
      "areas": SCOTLAND, "due_date": None, "indicators": "", "source": None}, []),
    (["3-NEG", "NEG", "Train", "SG", "", "", "", ""], None,
     [(2, "Action ID", "3-NEG", checks.ACTION_ID_RULE)]),
    (["N" * 21, "NEG", "Train", "SG", "", "", "", ""], None,
     [(2, "Action ID", "N" * 21, checks.ACTION_ID_RULE)]),
    (["", "Cookery", "", "", "Fyfe", "tomorrow", "CP_REGISTR", ""], None,
     [(2, "Action ID", None, "Action ID is required"),
      (2, "Workstream", "Cookery", "Cookery is not a known workstream: use one of NEG, WS2"),
      (2, "Action", None, "Action is required"),
      (2, "Lead", None, "Lead is required"),
      (2, "Area", "Fyfe", ("Fyfe is not a known council, CPC or Scotland; did you mean Fife or "
                          "Fife CPC?")),
      (2, "Due date", "tomorrow", ("tomorrow is not a date: write it as 2024-07-31, 31/07/2024 "
                                  "or 31 July 2024")),
      (2, "Indicators", "CP_REGISTR", ("CP_REGISTR is not a known indicator code; did you mean "
                                      "CP_REGISTER?"))]),
    (["NEG-4", "", "Train", "SG", "Nowhere at all, Fife", "", "XYZ", ""], None,
     [(2, "Workstream", None, "Workstream is required"),
      (2, "Area", "Nowhere at all, Fife", ("Nowhere at all is not a known council, CPC or "
                                          "Scotland")),
      (2, "Indicators", "XYZ", "XYZ is not a known indicator code")]),
    # every unknown area of a list is named, not only the first
    (["NEG-4", "NEG", "Train", "SG", "Nowhere, Fife, Fyfe", "", "", ""], None,
     [(2, "Area", "Nowhere, Fife, Fyfe", "Nowhere is not a known council, CPC or Scotland"),
      (2, "Area", "Nowhere, Fife, Fyfe", ("Fyfe is not a known council, CPC or Scotland; did "
                                         "you mean Fife or Fife CPC?"))]),
    # an area list of commas only is no area
    (["NEG-4", "NEG", "Train", "SG", " , ;", "", "", ""],
     {"ref": "NEG-4", "workstream_code": "NEG", "title": "Train", "lead": "SG", "areas": None,
      "due_date": None, "indicators": "", "source": None}, []),
])
def test_actions(row, values, problems):
    records, found = check("actions", [ACTIONS, row])
    assert errors(found, "Actions") == problems
    assert accepted(records) == ([values] if values else [])
    if values:
        assert records.keys == [(values["ref"],)]


# --- updates ----------------------------------------------------------------------------------

UPDATES = ["Action ID", "Reporting date", "RAG", "Progress %", "Commentary", "Next steps",
           "Revised due date"]


@pytest.mark.parametrize("row,values,problems", [
    ([" neg-1 ", "2026-01-31", "amber", 45, "Late", "Chase", "30/06/2026"],
     {"action_ref": "NEG-1", "reporting_date": D(2026, 1, 31), "rag": "Amber",
      "progress": 45.0, "commentary": "Late", "next_steps": "Chase",
      "revised_due_date": D(2026, 6, 30)}, []),
    (["NEG-2", "2026-01-31", "Green", "", "", "", ""],
     {"action_ref": "NEG-2", "reporting_date": D(2026, 1, 31), "rag": "Green",
      "progress": None, "commentary": None, "next_steps": None, "revised_due_date": None}, []),
    # an action defined earlier in the same file
    (["NEW-1", "2026-01-31", "Complete", "100%", "", "", ""],
     {"action_ref": "NEW-1", "reporting_date": D(2026, 1, 31), "rag": "Complete",
      "progress": 100.0, "commentary": None, "next_steps": None, "revised_due_date": None}, []),
    (["NEG-1", "2026-01-31", "Red", 10, "", "", ""], None,
     [(2, "Commentary", None, ("Commentary is required when RAG is Red: say what is wrong and "
                              "what is being done"))]),
    (["NEG-1", "2026-01-31", "Amber", 10, " ", "", ""], None,
     [(2, "Commentary", None, ("Commentary is required when RAG is Amber: say what is wrong "
                              "and what is being done"))]),
    (["NEG-11", "", "Very green", "", "", "", "soon"], None,
     [(2, "Action ID", "NEG-11", ("NEG-11 is not an action in the register or in this file; "
                                 "did you mean NEG-1 or NEW-1 or NEG-2?")),  # this file's too
      (2, "Reporting date", None, "Reporting date is required"),
      (2, "RAG", "Very green", "RAG must be one of Red, Amber, Green, Complete, Not started"),
      (2, "Revised due date", "soon", ("soon is not a date: write it as 2024-07-31, 31/07/2024 "
                                      "or 31 July 2024"))]),
    (["", "2026-01-31", "", "", "", "", ""], None,
     [(2, "Action ID", None, "Action ID is required"), (2, "RAG", None, "RAG is required")]),
])
def test_updates(row, values, problems):
    ctx = context()
    ctx.file_action_refs = {"NEW-1"}
    records, found = check("updates", [UPDATES, row], ctx)
    assert errors(found, "Updates") == problems
    assert accepted(records) == ([values] if values else [])
    assert len(records) == 1  # every row is kept until the schema has checked it too
    assert records.rejected == (set() if values else {0})


def test_a_five_point_label_is_named_as_one():
    _, found = check("updates", [UPDATES, ["NEG-1", "2026-01-31", "Amber/Red", 1, "x", "", ""]])
    message = found[0][-1]
    assert message.startswith("Amber/Red is a five-point delivery-confidence label: use one of ")
    assert message.endswith("Red, Amber, Green, Complete, Not started")


def test_progress_as_fractions_when_the_whole_column_is():
    rows = [UPDATES, ["NEG-1", "2026-01-31", "Green", 0.5, "", "", ""],
            ["NEG-2", "2026-01-31", "Green", 1, "", "", ""]]
    records, found = check("updates", rows)
    assert found == []
    assert records.columns["progress"] == [50.0, 100.0]


@pytest.mark.parametrize("cells,progress", [
    # a decimal comma, in a column of fractions and in percentages with and without `%`
    (["0,5", 1], [50.0, 100.0]),
    (["45,5", "12,5%"], [45.5, 12.5]),
])
def test_progress_with_a_decimal_comma(cells, progress):
    rows = [UPDATES, *([ref, "2026-01-31", "Green", cell, "", "", ""]
                       for ref, cell in zip(("NEG-1", "NEG-2"), cells, strict=True))]
    records, found = check("updates", rows, decimal_comma=True)
    assert found == []
    assert records.columns["progress"] == progress


# --- indicators -------------------------------------------------------------------------------

INDICATORS = ["Indicator", "Area", "Period", "Value", "Status", "Notes"]


@pytest.mark.parametrize("rows,columns,problems", [
    # by code or by name, any case; several indicators of one frequency
    ([["cp_register", "Fife", "2024", 10.0, "Final", "A note"],
      ["Register rate", "S12000041", 2023, "3,5", "", ""]],
     {"indicator_code": ["CP_REGISTER", "CP_RATE"], "area_code": [FIFE, ANGUS],
      "period": [D(2024, 7, 31), D(2023, 7, 31)], "value": [10.0, 3.5],
      "symbol": [None, None], "status": ["final", None], "notes": ["A note", None]}, []),
    # several frequencies: each period read by its own indicator's
    ([["CP_REGISTER", "Fife", "2024", 10.0, "", ""],
      ["IRD", "Fife", "2024 Q1", "*", "", ""]],
     {"indicator_code": ["CP_REGISTER", "IRD"], "period": [D(2024, 7, 31), D(2024, 3, 31)],
      "value": [10.0, None], "symbol": [None, "*"], "notes": [None, None]}, []),
])
def test_indicator_columns(rows, columns, problems):
    records, found = check("indicators", [INDICATORS, *rows], decimal_comma=True)
    assert found == problems
    assert (records.kind, records.positions) == ("indicators", list(range(len(rows))))
    for name, column in columns.items():
        assert records.columns[name] == column, name
    assert records.keys == list(zip(records.columns["indicator_code"],
                                    records.columns["area_code"], records.columns["period"],
                                    strict=True))


def test_indicator_problems_in_row_and_column_order():
    rows = [INDICATORS,
            ["CP_REGISTR", "Fife", "2024", 1.0, "", ""],
            ["", "Fyfe", "", "", "", ""],
            ["CP_REGISTER", "", "two thousand", "lots", "", ""],
            ["IRD", "Fife", "", "..", "", ""]]
    records, found = check("indicators", rows, first_row=5)
    assert errors(found, "Indicators") == [
        (5, "Indicator", "CP_REGISTR", ("CP_REGISTR is not a known indicator code or name; did "
                                       "you mean CP_REGISTER?")),
        (6, "Indicator", None, "Indicator is required"),
        (6, "Area", "Fyfe", ("Fyfe is not a known council, CPC or Scotland; did you mean Fife "
                            "or Fife CPC?")),
        (6, "Value", None, ("Value is required: a number, or a symbol such as * or .. when "
                           "there is no figure")),
        (7, "Area", None, "Area is required"),
        (7, "Period", "two thousand", found[5][-1]),
        (7, "Value", "lots", found[6][-1]),
        (8, "Period", None, "Period is required"),
    ]
    assert found[5][-1].startswith("two thousand is not a")
    assert found[6][-1].startswith("lots is not a number")
    assert records.rejected == {0, 1, 2, 3}
    assert records.columns["symbol"] == [None, None, None, ".."]
    assert records.accepted().positions == []


def test_indicator_problems_of_one_frequency():
    # every indicator annual: the periods are read as one column, and still located; an area
    # with no close match is named without a hint
    rows = [INDICATORS, ["CP_REGISTER", "Fife", "two thousand", 1.0, "", ""],
            ["CP_RATE", "Nowhere at all", "2024", 1.0, "", ""]]
    records, found = check("indicators", rows)
    assert errors(found, "Indicators") == [
        (2, "Period", "two thousand", found[0][-1]),
        (3, "Area", "Nowhere at all", "Nowhere at all is not a known council, CPC or Scotland")]
    assert found[0][-1].startswith("two thousand is not a")
    assert (records.kind, records.rejected) == ("indicators", {0, 1})


def test_one_frequency_the_period_of_an_unknown_indicator_is_not_judged():
    rows = [INDICATORS, ["NOPE", "Fife", "whenever", 1.0, "", ""]]
    _, found = check("indicators", rows)
    assert [p[3] for p in found] == ["Indicator"]


# --- review -----------------------------------------------------------------------------------

REVIEW = ["Area", "Criterion", "Rating", "Assessed on", "Evidence", "Finding", "Recommendation",
          "Owner", "Target date", "Progress", "Action ID"]


@pytest.mark.parametrize("row,values,problems", [
    (["Fife", " pr-01 ", "very GOOD", "2026-01-15", "E", "F", "R", "O", "2026-09-30",
      "in progress", "neg-1"],
     {"area_code": FIFE, "criterion_code": "PR-01", "assessed_on": D(2026, 1, 15),
      "rating": "Very good", "evidence": "E", "finding": "F", "recommendation": "R",
      "owner": "O", "target_date": D(2026, 9, 30), "progress": "In progress",
      "action_ref": "NEG-1"}, []),
    # no assessment date: today; no action
    (["Fife CPC", "PR-02", "Weak", "", "", "", "", "", "", "", ""],
     {"area_code": FIFE_CPC, "criterion_code": "PR-02", "assessed_on": TODAY,
      "rating": "Weak", "evidence": None, "finding": None, "recommendation": None,
      "owner": None, "target_date": None, "progress": None, "action_ref": None}, []),
    (["Scotland", "PR-09", "Fine", "", "", "", "", "", "", "Half", "NOPE-1"], None,
     [(2, "Area", "Scotland", "Review assessments are for a council or a CPC, not Scotland"),
      (2, "Criterion", "PR-09", "PR-09 is not a known criterion: use PR-01 to PR-02"),
      (2, "Rating", "Fine", ("Rating must be one of Excellent, Very good, Good, Adequate, Weak, "
                            "Unsatisfactory")),
      (2, "Progress", "Half", "Progress must be one of Not started, In progress, Done"),
      (2, "Action ID", "NOPE-1", ("NOPE-1 is not an action in the register or in this file; "
                                 "did you mean NEG-1?"))]),
    # one refused value refuses the row
    (["Fife", "PR-01", "Fine", "", "", "", "", "", "", "", ""], None,
     [(2, "Rating", "Fine", ("Rating must be one of Excellent, Very good, Good, Adequate, "
                             "Weak, Unsatisfactory"))]),
    (["", "", "", "", "", "", "", "", "", "", ""], None,
     [(2, "Area", None, "Area is required"), (2, "Criterion", None, "Criterion is required"),
      (2, "Rating", None, "Rating is required")]),
])
def test_review(row, values, problems):
    records, found = check("review", [REVIEW, row])
    assert errors(found, "Review") == problems
    assert accepted(records) == ([values] if values else [])
    if values:
        assert records.keys == [(values["area_code"], "PR-0" + values["criterion_code"][-1],
                                 values["assessed_on"])]


# --- meetings and populations -----------------------------------------------------------------


@pytest.mark.parametrize("row,values,problems", [
    (["2026-03-02", "Spring", "Chair A"],
     {"meeting_date": D(2026, 3, 2), "title": "Spring", "chair": "Chair A"}, []),
    (["2026-03-02", "Spring", ""], {"meeting_date": D(2026, 3, 2), "title": "Spring",
                                    "chair": None}, []),
    (["", "", "x"], None, [(2, "Date", None, "Date is required"),
                           (2, "Title", None, "Title is required")]),
    (["2026-03-02", "", "x"], None, [(2, "Title", None, "Title is required")]),
])
def test_meetings(row, values, problems):
    records, found = check("meetings", [["Date", "Title", "Chair"], row])
    assert errors(found, "Meetings") == problems
    assert accepted(records) == ([values] if values else [])


POPULATIONS = ["Area", "Year", "Children aged 0-17", "Source"]


@pytest.mark.parametrize("row,values,problems", [
    (["Fife", 2024, "61.234,0", "  NRS   2025  "],
     {"area_code": FIFE, "year": 2024, "children": 61234.0, "source": "NRS 2025"}, []),
    (["Fife", "2024", 100, ""],
     {"area_code": FIFE, "year": 2024, "children": 100.0, "source": POPULATION_SOURCE}, []),
    (["Fife", 1900, 1, ""], {"area_code": FIFE, "year": 1900, "children": 1.0,
                             "source": POPULATION_SOURCE}, []),
    (["Fife", 2200, 1, ""], {"area_code": FIFE, "year": 2200, "children": 1.0,
                             "source": POPULATION_SOURCE}, []),
    (["Fife", 1899, 1, ""], None, [(2, "Year", "1899", "1899 is not a year (e.g. 2023)")]),
    (["Fife", 2201, 1, ""], None, [(2, "Year", "2201", "2201 is not a year (e.g. 2023)")]),
    (["Fife", 2024.5, 1, ""], None, [(2, "Year", "2024.5", "2024.5 is not a year (e.g. 2023)")]),
    (["", "", "", ""], None, [(2, "Area", None, "Area is required"),
                              (2, "Year", None, "Year is required"),
                              (2, "Children aged 0-17", None,
                               "Children aged 0-17 is required")]),
    (["Fife", 2024, "", ""], None, [(2, "Children aged 0-17", None,
                                     "Children aged 0-17 is required")]),
    # Scotland has a population (a review assessment cannot be of Scotland)
    (["scotland", 2024, 1000, ""], {"area_code": SCOTLAND, "year": 2024, "children": 1000.0,
                                    "source": POPULATION_SOURCE}, []),
    (["Fyfe", 2024, 1, ""], None, [(2, "Area", "Fyfe", (
        "Fyfe is not a known council, CPC or Scotland; did you mean Fife or Fife CPC?"))]),
    (["Nowhere at all", 2024, 1, ""], None, [(2, "Area", "Nowhere at all", (
        "Nowhere at all is not a known council, CPC or Scotland"))]),
])
def test_populations(row, values, problems):
    records, found = check("populations", [POPULATIONS, row], decimal_comma=True)
    assert errors(found, "Populations") == problems
    assert accepted(records) == ([values] if values else [])
    if values:
        assert records.keys == [(values["area_code"], values["year"])]


# --- definitions and relations ----------------------------------------------------------------

DEFINITIONS = ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source",
               "Headline", "Series notes", "Relation"]


@pytest.mark.parametrize("row,problems", [
    (definition(relation="none"), []),
    (definition(relation="part of cp_register"), []),
    (definition(unit="percent", relation="Part of CP_REGISTER"), []),
    (definition(unit="rate per 1,000", relation="rate of CP_REGISTER"), []),
    (definition(relation="sum of CP_REGISTER over 4 periods"), []),
    (definition(relation="sum of CP_REGISTER, OTHER"), []),  # OTHER: defined below
    (definition(relation=""), [("Relation", None, checks.RELATION_REQUIRED)]),
    (definition(relation="half of it"), [("Relation", "half of it", None)]),
    (definition(relation="part of NEW"),
     [("Relation", "part of NEW", "part of NEW: an indicator cannot be related to itself")]),
    (definition(relation="part of CP_REGISTR"),
     [("Relation", "part of CP_REGISTR", ("part of CP_REGISTR: CP_REGISTR is not a known "
       "indicator code (define it in the database or in this file); did you mean "
       "CP_REGISTER?"))]),
    (definition(unit="percent", relation="rate of CP_REGISTER"),
     [("Relation", "rate of CP_REGISTER", ("rate of CP_REGISTER: `rate of` is for a rate per "
       "1,000 indicator, and this one is a percent"))]),
    (definition(unit="percent", relation="sum of CP_REGISTER, OTHER"),
     [("Relation", "sum of CP_REGISTER, OTHER", ("sum of CP_REGISTER, OTHER: `sum of` is for a "
       "count indicator, and this one is a percent"))]),
    (definition(unit="rate per 1,000", relation="part of CP_REGISTER"),
     [("Relation", "part of CP_REGISTER", ("part of CP_REGISTER: `part of` is for a count or a "
       "percentage indicator, and this one is a rate per 1,000"))]),
    (definition(relation="part of CP_RATE"),
     [("Relation", "part of CP_RATE", ("part of CP_RATE: `part of` names count indicators, and "
       "CP_RATE is a rate per 1,000"))]),
    (definition(relation="part of IRD"),
     [("Relation", "part of IRD", ("part of IRD: IRD is quarterly and this indicator is "
       "annual: a relation ties figures of the same frequency"))]),
    (definition(relation="sum of CP_REGISTER, LATER_Q"),
     [("Relation", "sum of CP_REGISTER, LATER_Q", ("sum of CP_REGISTER, LATER_Q: LATER_Q is "
       "quarterly and this indicator is annual: a relation ties figures of the same "
       "frequency"))]),
])
def test_relations(row, problems):
    rows = [DEFINITIONS, row, definition("OTHER"), definition("LATER_Q", frequency="Quarterly")]
    records, found = check("definitions", rows)
    mine = [p for p in found if p[2] == 2]
    assert [(p[3], p[4], p[5] if problem[2] else None)
            for p, problem in zip(mine, problems, strict=True)] == problems
    assert all(p[0] == "error" for p in mine)
    if mine and problems[0][1] == "half of it":
        assert mine[0][5].startswith("half of it is not a relation: use one of ")
    assert (0 in records.rejected) == bool(problems)


@pytest.mark.parametrize("row,relation", [
    # a known indicator left blank keeps the relation it has (or none recorded)
    (definition("CP_RATE", unit="rate per 1,000", relation=""), "rate of CP_REGISTER"),
    (definition("IRD_PCT", unit="percent", frequency="quarterly", relation=""), None),
    (definition("cp_register", relation=""), None),  # codes are compared as written
    (definition(relation="PART OF cp_register"), "part of CP_REGISTER"),
    (definition(relation="None"), "none"),
])
def test_the_relation_kept(row, relation):
    records, found = check("definitions", [DEFINITIONS, row])
    if row[0] == "cp_register":
        assert [p[3] for p in found] == ["Relation"]
        return
    assert found == []
    assert records.columns["relation"] == [relation]


@pytest.mark.parametrize("text,headline,problems", [
    ("yes", True, []), ("Y", True, []), ("TRUE", True, []), ("", False, []),
    ("no", False, []), ("n", False, []), ("False", False, []),
    ("maybe", False, [("Headline", "maybe", "Headline must be yes or no")]),
])
def test_headline(text, headline, problems):
    records, found = check("definitions", [DEFINITIONS, definition(headline=text)])
    assert [p[3:] for p in found] == problems
    assert records.columns["headline"] == [headline]


def test_a_definition_in_full_and_its_requirements():
    records, found = check("definitions", [
        DEFINITIONS,
        [" NEW ", "New one", "Count", " ANNUAL", "Defined", "neither", "SG", "yes", "Notes",
         "none"],
        ["", "", "", "", "", "", "", "", "", ""],
        ["X", "n", "litres", "weekly", "d", "up", "s", "", "", "none"]])
    assert accepted(records) == [{
        "code": "NEW", "name": "New one", "unit": "count", "frequency": "annual",
        "definition": "Defined", "polarity": "neither", "source": "SG", "headline": True,
        "series_notes": "Notes", "relation": "none"}]
    assert records.keys == [("NEW",), (None,), ("X",)]
    assert errors(found, "Definitions") == [
        (3, "Code", None, "Code is required"), (3, "Name", None, "Name is required"),
        (3, "Unit", None, "Unit is required"), (3, "Frequency", None, "Frequency is required"),
        (3, "Definition", None, "Definition is required"),
        (3, "Polarity", None, "Polarity is required"), (3, "Source", None, "Source is required"),
        (4, "Unit", "litres", "Unit must be one of count, rate per 1,000, percent"),
        (4, "Frequency", "weekly", "Frequency must be one of annual, monthly, quarterly"),
        (4, "Polarity", "up", ("Polarity must be one of higher is better, lower is better, "
                              "neither"))]
    assert records.rejected == {1, 2}


def test_sheet_definitions_the_first_of_a_code_as_written():
    rows = [DEFINITIONS, definition(" new ", unit=" Percent ", frequency="MONTHLY"),
            definition("NEW", unit="count"), definition("", unit="count"),
            definition("ODD", unit="litres", frequency="")]
    assert checks._sheet_definitions(table("definitions", rows)) == {
        "NEW": {"unit": "percent", "frequency": "monthly"},
        "ODD": {"unit": None, "frequency": None}}


# --- shared rules -----------------------------------------------------------------------------


def test_no_nul_names_each_cell():
    t = table("meetings", [["Date", "Title=Meeting title", "Chair"],
                           ["2026-03-02", "Spr\x00ing", "A"], ["2026-03-03", "Ok", "B\x00"],
                           ["2026-03-04"]], first_row=4)
    problems: list[Problem] = []
    checks.rule_no_nul(t, problems)
    assert [(p.level, p.sheet, p.row, p.column, p.value) for p in problems] == [
        ("error", "Meetings", 4, "Meeting title", "Spr\u2400ing"),
        ("error", "Meetings", 5, "Chair", "B\u2400")]
    assert problems[0].message == (
        "This cell holds a NUL character (an invisible control code that a damaged export "
        "leaves behind), which cannot be stored: delete the character, or retype the cell, and "
        "upload the file again")


@pytest.mark.parametrize("text,known,hint", [
    ("CP_REGISTR", ["CP_REGISTER", "IRD"], "; did you mean CP_REGISTER?"),
    # the three closest, closest first (IRD_X 0.89, IRD 0.86, then IRDZ and IRDY 0.75)
    ("IRDX", ["IRD", "IRD_X", "IRDY", "IRDZ"], "; did you mean IRD_X or IRD or IRDZ?"),
    ("QQQ", ["CP_REGISTER"], ""),
])
def test_did_you_mean(text, known, hint):
    assert checks.did_you_mean(text, known) == hint


def test_read_column_reads_each_distinct_cell_once():
    seen = []

    def read(cell):
        seen.append(cell)
        if cell == "bad":
            raise checks.ValueProblem("bad is bad")
        return cell.upper()

    typed, bad = checks.read_column(["a", "bad", "a", "b", "bad"], read)
    assert (typed, bad, seen) == (["A", None, "A", "B", None], {"bad": "bad is bad"},
                                  ["a", "bad", "b"])


# --- the same key twice -----------------------------------------------------------------------


def meeting_records(rows, sheet="Meetings", first_row=2):
    records, found = check("meetings", [["Date", "Title", "Chair"], *rows], sheet=sheet,
                           first_row=first_row)
    assert found == []
    return records


def test_the_same_key_twice():
    a = meeting_records([["2026-03-02", "Spring", "A"], ["2026-04-01", "April", ""],
                         ["2026-03-02", "Spring", "A"], ["2026-03-02", "Spring", "B"]])
    b = meeting_records([["2026-04-01", "April", ""], ["2026-05-01", "May", ""]],
                        sheet="More meetings", first_row=10)
    problems: list[Problem] = []
    kept = checks.rule_same_key_once([a, b], problems)
    assert [(p.level, p.sheet, p.row, p.column, p.value, p.message) for p in problems] == [
        ("warning", "Meetings", 4, None, None,
         "Row 4 repeats row 2 exactly (2026-03-02); it was loaded once"),
        ("error", "Meetings", 5, None, None,
         ("2026-03-02 appears twice with different values (rows 2 and 5 of Meetings): keep "
         "one")),
        ("warning", "More meetings", 10, None, None,
         "Row 10 repeats row 3 of Meetings exactly (2026-04-01); it was loaded once")]
    assert [r.positions for r in kept] == [[0, 1], [1]]
    assert [r.sheet for r in kept] == ["Meetings", "More meetings"]


def test_a_clean_sheet_is_compared_with_the_next_of_its_kind():
    # the first sheet has no key twice (nothing to compare yet), the second repeats its keys
    a = meeting_records([["2026-03-02", "Spring", "A"], ["2026-04-01", "April", ""]])
    b = meeting_records([["2026-04-01", "April", ""], ["2026-03-02", "Spring", "B"]],
                        sheet="More meetings", first_row=7)
    problems: list[Problem] = []
    kept = checks.rule_same_key_once([a, b], problems)
    assert [(p.level, p.sheet, p.row, p.message) for p in problems] == [
        ("warning", "More meetings", 7,
         "Row 7 repeats row 3 of Meetings exactly (2026-04-01); it was loaded once"),
        ("error", "More meetings", 8,
         ("2026-03-02 appears twice with different values (rows 2 and 8 of Meetings): keep "
          "one"))]
    assert kept[0] is a and [r.positions for r in kept] == [[0, 1], []]


def test_keys_of_several_parts_and_of_other_kinds_are_apart():
    rows = [REVIEW, ["Fife", "PR-01", "Good", "2026-01-15", "", "", "", "", "", "", ""],
            ["Fife", "PR-01", "Weak", "2026-01-15", "", "", "", "", "", "", ""]]
    review, _ = check("review", rows)
    meetings = meeting_records([["2026-01-15", "x", ""]])
    problems: list[Problem] = []
    kept = checks.rule_same_key_once([meetings, review], problems)
    assert [p.message for p in problems] == [
        (f"{FIFE} / PR-01 / 2026-01-15 appears twice with different values (rows 2 and 3 of "
        "Review): keep one")]
    assert [r.positions for r in kept] == [[0], [0]]


def test_records_subset_and_accepted():
    records = meeting_records([["2026-03-02", "a", ""], ["2026-03-03", "b", ""],
                               ["2026-03-04", "c", ""]])
    assert records.accepted() is records
    assert records.accepted({1}).columns["title"] == ["a", "c"]
    assert records.accepted({1}).keys == [(D(2026, 3, 2),), (D(2026, 3, 4),)]
    assert (records.accepted({1}).kind, records.accepted({1}).sheet) == ("meetings", "Meetings")
    assert records.tuples()[1] == (D(2026, 3, 3), "b", None)
    assert (records.row(2), records.cell(2, "Title")) == (4, checks.Cell("Title", "c"))
