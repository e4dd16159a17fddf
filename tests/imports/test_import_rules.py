"""Every rule of CONTRACT.md "Spreadsheets", each with a small generated file (xlsx and csv),
on SQLite and PostgreSQL. For every rejected file the database is proved unchanged, table by
table."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from sqlalchemy import select

from cpip_dashboard.batches.pipeline import gc_paused, run_import
from cpip_dashboard.store.models import ActionUpdate, IndicatorValue
from tests.conftest import fresh_engine
from tests.files import build, csv, xlsx
from tests.snapshots import snapshot

D = dt.date
FORMATS = ["xlsx", "csv"]
UPDATES = ["Action ID", "Reporting date", "RAG", "Progress %", "Commentary"]
INDICATORS = ["Indicator", "Area", "Period", "Value"]
POPULATIONS = ["Area", "Year", "Children aged 0-17"]
DEFINITIONS = ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source",
               "Relation"]


def load(engine, fmt, sheet, rows, **kwargs):
    name, data = build(fmt, sheet, rows)
    return run_import(engine, name, data, user="tester", **kwargs)


def only_error(report, fmt):
    assert report.outcome == "rejected", report.as_json()
    return report.errors


# --- errors: nothing is written ---------------------------------------------------------------

ERROR_CASES = {
    "missing required column": ("Updates", [["Action ID", "Reporting date", "Commentary"],
                                            ["NEG-1", "2024-10-01", "x"]],
                                (1, "RAG", "Required column 'RAG' is missing")),
    "unknown area": ("Indicators", [INDICATORS, ["CP_REGISTER", "Fyfe", "2024", 10]],
                     (2, "Area", "did you mean Fife")),
    "unknown indicator": ("Indicators", [INDICATORS, ["CP_NOPE", "Fife", "2024", 10]],
                          (2, "Indicator", "not a known indicator")),
    "misspelt indicator": ("Indicators", [INDICATORS, ["CP_REGISTR", "Fife", "2024", 10]],
                           (2, "Indicator", "did you mean CP_REGISTER")),
    "misspelt action": ("Updates", [UPDATES, ["NEG-11", "2024-10-01", "Green", 10, "x"]],
                        (2, "Action ID", "did you mean NEG-1")),
    "misspelt linked indicator": ("Actions", [
        ["Action ID", "Workstream", "Action", "Lead", "Indicators"],
        ["NEW-1", "NEG", "One", "SG", "CP_REGISTER, IRDD"]], (2, "Indicators", "did you mean IRD")),
    "direction with no linked indicator": ("Actions", [
        ["Action ID", "Workstream", "Action", "Lead", "Indicators"],
        ["NEW-1", "NEG", "One", "SG", "down, CP_REGISTER"]],
        (2, "Indicators", "down must follow an indicator code")),
    "unknown action": ("Updates", [UPDATES, ["NEG-99", "2024-10-01", "Green", 10, "x"]],
                       (2, "Action ID", "not an action in the register")),
    "unknown criterion": ("Review", [["Area", "Criterion", "Rating"], ["Fife", "PR-99", "Good"]],
                          (2, "Criterion", "not a known criterion")),
    "unknown workstream": ("Actions", [["Action ID", "Workstream", "Action", "Lead"],
                                       ["NEW-1", "Cookery", "Bake", "SG"]],
                           (2, "Workstream", "not a known workstream")),
    "invalid RAG": ("Updates", [UPDATES, ["NEG-1", "2024-10-01", "Amberish", 10, "x"]],
                    (2, "RAG", "RAG must be one of Red, Amber, Green, Complete, Not started")),
    "five-point RAG": ("Updates", [UPDATES, ["NEG-1", "2024-10-01", "Amber/Green", 10, "x"]],
                       (2, "RAG", "five-point delivery-confidence label")),
    "invalid rating": ("Review", [["Area", "Criterion", "Rating"], ["Fife", "PR-01", "Fair"]],
                       (2, "Rating", "Rating must be one of Excellent")),
    "impossible date": ("Updates", [UPDATES, ["NEG-1", "31/02/2024", "Green", 10, "x"]],
                        (2, "Reporting date", "not a real date")),
    "month-first date": ("Updates", [UPDATES, ["NEG-1", "07/31/2024", "Green", 10, "x"]],
                         (2, "Reporting date", "not a real date")),
    "annual period not 31 July": ("Indicators", [INDICATORS,
                                                 ["CP_REGISTER", "Fife", "30/06/2024", 10]],
                                  (2, "Period", "annual periods end on 31 July")),
    "not a number": ("Indicators", [INDICATORS, ["CP_REGISTER", "Fife", "2024", "12a"]],
                     (2, "Value", "is not a number")),
    "negative count": ("Indicators", [INDICATORS, ["CP_REGISTER", "Fife", "2024", -3]],
                       (2, "Value", "negative")),
    "unknown value status": ("Indicators", [[*INDICATORS, "Status"],
                                            ["CP_REGISTER", "Fife", "2024", 10, "final"]],
                             (2, "Status", "Status must be one of provisional, revised")),
    "negative population": ("Populations", [POPULATIONS, ["Fife", 2024, -5]],
                            (2, "Children aged 0-17", "-5 is negative")),
    "part of a child": ("Populations", [POPULATIONS, ["Fife", 2024, "70,000.5"]],
                        (2, "Children aged 0-17", "70,000.5 is not a whole number of children")),
    "badly formed indicator code": ("Definitions", [DEFINITIONS, [
        "cp register", "Register", "count", "annual", "Children on the register", "neither",
        "SG", "none"]], (2, "Code", "Code must be upper-case letters")),
    "percentage out of range": ("Updates", [UPDATES, ["NEG-1", "2024-10-01", "Green", 150, "x"]],
                                (2, "Progress %", "not a percentage between 0 and 100")),
    "same key twice, different values": ("Indicators", [
        INDICATORS, ["CP_REGISTER", "Fife", "2024", 10], ["CP_REGISTER", "Fife", "2023-24", 11]],
        (3, None, "appears twice with different values")),
    "Red without commentary": ("Updates", [UPDATES, ["NEG-1", "2024-10-01", "Red", 10, None]],
                               (2, "Commentary", "Commentary is required when RAG is Red")),
    "Amber without commentary": ("Updates", [UPDATES, ["NEG-1", "2024-10-01", "A", 10, None]],
                                 (2, "Commentary", "Commentary is required when RAG is Amber")),
    "duplicate Action ID in the sheet": ("Actions", [
        ["Action ID", "Workstream", "Action", "Lead"], ["NEW-1", "NEG", "One", "SG"],
        ["NEW-1", "NEG", "Two", "SG"]], (3, None, "appears twice")),
    "empty required cell": ("Actions", [["Action ID", "Workstream", "Action", "Lead"],
                                        ["NEW-1", "NEG", "One", None]],
                            (2, "Lead", "Lead is required")),
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_sample_engine(request, databases):
    """One sample database per database kind for the rejected files of this module: a
    rejection is decided before anything is written, which
    `test_no_rejected_file_writes_anything` proves for all of them at once."""
    with fresh_engine(databases, request.param, sample=True) as engine:
        yield engine


def _assert_located(report, fmt: str, case: str) -> None:
    sheet, _rows, (row, column, fragment) = ERROR_CASES[case]
    errors = only_error(report, fmt)
    assert any(e.row == row and (column is None or e.column == column)
               and fragment in e.message and e.sheet.lower() == sheet.lower()
               for e in errors), [e.as_json() for e in errors]
    assert report.batch_id is None and report.exit_code == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_located(shared_sample_engine, fmt, case):
    sheet, rows, _ = ERROR_CASES[case]
    _assert_located(load(shared_sample_engine, fmt, sheet, rows), fmt, case)


def test_no_rejected_file_writes_anything(sample_engine):
    """Every rejected file of this module, one after another on one database: every table is
    exactly as before (rows, batches, stored figures, audit trail)."""
    before = snapshot(sample_engine)
    for case, (sheet, rows, _) in ERROR_CASES.items():
        for fmt in FORMATS:
            _assert_located(load(sample_engine, fmt, sheet, rows), fmt, case)
    for name, data, _ in UNREADABLE:
        assert run_import(sample_engine, name, data, user="tester").outcome == "unreadable"
    assert snapshot(sample_engine) == before


def test_every_problem_is_reported_not_the_first(sample_engine):
    rows = [UPDATES, ["NEG-99", "2024-10-01", "Amberish", 10, "x"],
            ["NEG-1", "31/02/2024", "Red", 150, None]]
    report = load(sample_engine, "xlsx", "Updates", rows)
    found = {(e.row, e.column) for e in report.errors}
    assert {(2, "Action ID"), (2, "RAG"), (3, "Reporting date"), (3, "Progress %"),
            (3, "Commentary")} <= found


def test_schema_and_rule_problems_are_reported_together_in_row_order(sample_engine):
    """The typed-frame checks (pandera) and the named rules both report; nothing loads."""
    rows = [[*INDICATORS, "Status"], ["CP_REGISTER", "Fife", "2024", -3, ""],
            ["CP_REGISTER", "Fyfe", "2024", -2, ""], ["CP_REGISTER", "Angus", "2024", 7, "odd"],
            ["CP_REGISTER", "Moray", "2024", 12, "revised"]]
    report = load(sample_engine, "xlsx", "Indicators", rows)
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (2, "Value", "-3"), (3, "Area", "Fyfe"), (3, "Value", "-2"), (4, "Status", "odd")]
    assert report.errors[0].message == "-3 is negative: values must be 0 or more"
    assert report.outcome == "rejected"


def test_title_rows_count_in_row_numbers(sample_engine):
    rows = [["Round 5 updates"], [], UPDATES, ["NEG-1", "2024-10-01", "Amberish", 10, "x"]]
    report = load(sample_engine, "xlsx", "Updates", rows)
    assert [(e.row, e.column, e.value) for e in report.errors] == [(4, "RAG", "Amberish")]


def test_column_is_named_as_written(sample_engine):
    rows = [["Ref", "As at", "RAG status", "Comment"], ["NEG-1", "2024-10-01", "Bad", "x"]]
    report = load(sample_engine, "csv", "Updates", rows)
    assert [(e.column, e.value) for e in report.errors] == [("RAG status", "Bad")]


# --- files refused as a whole -------------------------------------------------------------


UNREADABLE = [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Excel 97-2003"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
    ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "could not be opened"),
    ("empty.csv", b"", "is empty"),
    ("notes.txt", b"hello", "not a spreadsheet"),
    ("binary.csv", b"\x00\x01\x02\x03", "not a text CSV"),
]


@pytest.mark.parametrize("name,data,fragment", UNREADABLE)
def test_unreadable_files_get_one_sentence(shared_sample_engine, name, data, fragment):
    report = run_import(shared_sample_engine, name, data, user="tester")
    assert report.outcome == "unreadable" and report.exit_code == 2
    assert fragment in report.message and report.message.endswith(".")


def test_oversized_file_is_refused(sample_engine):
    report = run_import(sample_engine, "big.csv", b"a,b\n" + b"1,2\n" * 300_000,
                        user="tester", max_mb=1)
    assert report.outcome == "unreadable" and "1 MB limit" in report.message


def test_file_with_no_sheet_of_any_kind_is_rejected(sample_engine):
    data = xlsx({"Sheet1": [["Colour", "Shape"], ["red", "round"]],
                 "Notes": [["anything"]]})
    report = run_import(sample_engine, "other.xlsx", data, user="tester")
    assert report.outcome == "rejected"
    assert any("No sheet in this file" in e.message for e in report.errors)
    assert any("Sheet1" in w.message and "skipped" in w.message for w in report.warnings)


# --- accepted, with warnings ----------------------------------------------------------------


def test_headers_match_ignoring_case_punctuation_and_synonyms(engine):
    rows = [["  DATE ", "title.", "Chair"], ["2025-01-20", "Extra meeting", "Minister"]]
    report = load(engine, "csv", "Meetings", rows)
    assert report.outcome == "committed", report.as_json()


@pytest.mark.parametrize("fmt", FORMATS)
def test_extra_columns_and_sheets_are_ignored_with_a_warning(engine, fmt):
    rows = [["Date", "Title", "Room"], ["2025-01-20", "Extra meeting", "B1"]]
    report = load(engine, fmt, "Meetings", rows)
    assert report.outcome == "committed"
    assert any(w.column == "Room" and "ignored" in w.message for w in report.warnings)


@pytest.mark.parametrize("fmt", FORMATS)
def test_exact_duplicate_rows_load_once(engine, fmt):
    rows = [["Date", "Title"], ["2025-01-20", "Extra"], ["2025-01-20", "Extra"]]
    report = load(engine, fmt, "Meetings", rows)
    assert report.outcome == "committed"
    assert report.totals()["added"] == 1
    assert any("loaded once" in w.message and w.row == 3 for w in report.warnings)


SPELLINGS = [D(2024, 7, 31), "2024-07-31", "31/07/2024", "31 July 2024", "31-Jul-2024", 45504,
             "2024", "2023-24", "2023/24"]
SPELLING_AREAS = ["Fife", "Angus", "Moray", "Falkirk", "Highland", "Inverclyde", "Stirling",
                  "Midlothian", "Renfrewshire"]


@pytest.mark.one_database(
    "a spelling is read before the database sees it; every other import test commits "
    "on both")
def test_every_period_spelling_means_the_same_year(sample_engine):
    """Each spelling in a row of its own (one area each), in one file: one import, whose
    publication is the cost, instead of one per spelling."""
    rows = [INDICATORS] + [["CP_REGISTER", area, cell, 99]
                           for area, cell in zip(SPELLING_AREAS, SPELLINGS, strict=True)]
    report = load(sample_engine, "xlsx", "Indicators", rows)
    assert report.outcome == "committed", report.as_json()
    with sample_engine.connect() as conn:
        periods = dict(conn.execute(select(IndicatorValue.area_code, IndicatorValue.period)
                                    .where(IndicatorValue.batch_id == report.batch_id)).all())
    assert len(periods) == len(SPELLINGS)
    assert set(periods.values()) == {D(2024, 7, 31)}, periods


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_value_symbols_are_stored_as_no_value(sample_engine, fmt):
    symbols = ["*", "c", "[c]", "x", "[x]", "z", "[z]", "..", "-", ":"]
    areas = ["Fife", "Angus", "Moray", "Falkirk", "Highland", "Inverclyde", "Stirling",
             "Midlothian", "Renfrewshire", "Orkney Islands"]
    rows = [INDICATORS] + [["IRD", a, "2023-24", s] for a, s in zip(areas, symbols,
                                                                     strict=True)]
    report = load(sample_engine, fmt, "Indicators", rows)
    assert report.outcome == "committed", report.as_json()
    with sample_engine.connect() as conn:
        stored = conn.execute(select(IndicatorValue.value, IndicatorValue.symbol).where(
            IndicatorValue.batch_id == report.batch_id)).all()
    assert sorted(s for _, s in stored) == sorted(symbols)
    assert all(v is None for v, _ in stored)


@pytest.mark.one_database(
    "a number format is read before the database sees it; every other import test "
    "commits on both")
@pytest.mark.parametrize("data,delimiter,expected", [
    ('Indicator,Area,Period,Value\nCP_REGISTER,Fife,2024,"2,129"\n', ",", 2129.0),
    ("Indicator;Area;Period;Value\nCP_REGISTER_RATE;Fife;2024;8,6\n", ";", 8.6),
    ("Indicator,Area,Period,Value\nCP_REGISTER,Fife,2024,2129.0\n", ",", 2129.0),
])
def test_number_formats(sample_engine, data, delimiter, expected):
    report = run_import(sample_engine, "indicators.csv", data.encode(), user="tester")
    assert report.outcome == "committed", report.as_json()
    with sample_engine.connect() as conn:
        value = conn.execute(select(IndicatorValue.value).where(
            IndicatorValue.batch_id == report.batch_id)).scalar_one()
    assert value == expected


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_csv_encodings(sample_engine, encoding, bom):
    rows = [UPDATES, ["NEG-1", "2024-10-01", "Amber", 40, "Costs up: £12k; café closed"]]
    report = run_import(sample_engine, "updates.csv", csv(rows, encoding=encoding, bom=bom),
                        user="tester")
    assert report.outcome == "committed", report.as_json()
    with sample_engine.connect() as conn:
        text = conn.execute(select(ActionUpdate.commentary).where(
            ActionUpdate.batch_id == report.batch_id)).scalar_one()
    assert text == "Costs up: £12k; café closed"


def test_progress_percentages(sample_engine):
    rows = [UPDATES, ["NEG-1", "2024-10-01", "Green", 0.45, "x"],
            ["NEG-2", "2024-10-01", "Green", 0.5, "x"]]
    report = run_import(sample_engine, "u.xlsx", xlsx({"Updates": rows}), user="t")
    assert report.outcome == "committed"
    with sample_engine.connect() as conn:
        values = sorted(conn.execute(select(ActionUpdate.progress).where(
            ActionUpdate.batch_id == report.batch_id)).scalars())
    assert values == [45.0, 50.0]


def test_warnings_from_the_comparison(sample_engine):
    """Revised figure; RAG two steps; RAG changed without commentary; due date moved; a value
    far from the previous period's."""

    with sample_engine.connect() as conn:
        fife = conn.execute(select(IndicatorValue.value).where(
            IndicatorValue.indicator_code == "CP_REGISTER",
            IndicatorValue.area_code == "S12000047",
            IndicatorValue.period == D(2024, 7, 31))).scalar_one()
    book = xlsx({
        "Indicators": [INDICATORS, ["CP_REGISTER", "Fife", "2023-24", fife + 1],
                       ["CP_REGISTER", "Fife", "2024-25", (fife + 1) * 3]],
        "Updates": [UPDATES, ["DATA-3", "2024-10-01", "Green", 50, None],
                    ["NET-7", "2024-10-01", "Complete", 100, None]],
        "Actions": [["Action ID", "Workstream", "Action", "Lead", "Due date"],
                    ["NEG-1", "NEG", "Align policy to tackle neglect", "SG", "2030-03-31"]],
    })
    report = run_import(sample_engine, "round.xlsx", book, user="tester", dry_run=True)
    assert report.outcome == "would_commit", report.as_json()
    messages = "\n".join(w.message for w in report.warnings)
    assert f"the current figure {fife:,.0f} is replaced by {fife + 1:,.0f}" in messages
    assert "CP_REGISTER for Fife: " in messages
    assert "more than 50% away from the previous period's" in messages
    assert "DATA-3 moved from Red to Green since 2024-09-10" in messages
    assert "DATA-3: RAG changed from Red to Green without commentary" in messages
    assert "NEG-1: due date moved" in messages


# --- every kind loads -----------------------------------------------------------------------


def test_all_seven_kinds_load_in_one_workbook(engine):
    book = xlsx({
        "Definitions": [["Code", "Name", "Unit", "Frequency", "Definition", "Polarity",
                         "Source", "Headline", "Relation"],
                        ["CP_CALLS", "Calls to the helpline", "count", "monthly",
                         "Calls received", "neither", "Helpline", "no", "none"]],
        "Meetings": [["Date", "Title", "Chair"], [D(2025, 1, 20), "Meeting", "Minister"]],
        "Populations": [["Area", "Year", "Children aged 0-17"], ["Fife", 2024, 70000]],
        "Actions": [["Action ID", "Workstream", "Action", "Lead", "Area", "Due date",
                     "Indicators"],
                    ["NEW-1", "Neglect", "New action", "SG", "Fife, CPC05", "31/03/2026",
                     "CP_CALLS"]],
        "Updates": [UPDATES, ["NEW-1", D(2025, 1, 13), "Green", "10%", None]],
        "Indicators": [INDICATORS, ["CP_CALLS", "Fife", "Mar 2025", 12],
                       ["Calls to the helpline", "S12000047", "2025-04", 14]],
        "Review": [["Area", "Criterion", "Rating", "Assessed on", "Action ID"],
                   ["Fife", "PR-01", "Good", "01/06/2025", "NEW-1"]],
        "Notes": [["This sheet is skipped silently"]],
    })
    report = run_import(engine, "everything.xlsx", book, user="tester")
    assert report.outcome == "committed", report.as_json()
    kinds = {s["kind"]: s["changes"]["added"] for s in report.sheets}
    assert kinds == {"definitions": 1, "meetings": 1, "populations": 1, "actions": 1,
                     "updates": 1, "indicators": 2, "review": 1}
    assert report.warnings == []


@pytest.mark.one_database(
    "a published table's layout is read before the database sees it (its dry run protects "
    "the changed figures: every other publication test runs on both)")
def test_published_table_layout(sample_engine):
    book = xlsx({"Table 1.1": [
        ["Children on the child protection register at 31 July, by local authority"],
        ["Source: Children's Social Work Statistics"],
        [],
        ["Local authority", "2022", "2023", "2024"],
        ["Scotland", 2019, 2077, 2129],
        ["Fife¹", 150, 160, "*"],
        ["Orkney Islands", "*", "c", 5],
        ["Edinburgh, City of", 120, "2,100", ".."],
        [],
        ["1. Figures for Fife are provisional."],
    ]})
    report = run_import(sample_engine, "table.xlsx", book, user="tester", dry_run=True)
    assert report.outcome == "would_commit", report.as_json()
    assert report.sheets[0]["kind"] == "indicators" and report.sheets[0]["rows"] == 12
    bad = xlsx({"Table": [["Local authority", "2024"], ["Fife", "lots"]]})
    report = run_import(sample_engine, "t.xlsx", bad, user="tester", indicator="CP_REGISTER")
    assert [(e.row, e.column) for e in report.errors] == [(2, "2024")]


def test_published_table_without_an_indicator_asks_for_one(sample_engine):
    book = xlsx({"Table": [["Local authority", "2024"], ["Fife", 10]]})
    report = run_import(sample_engine, "t.xlsx", book, user="tester")
    assert report.outcome == "rejected"
    assert "--indicator CODE" in report.errors[0].message


# --- batches --------------------------------------------------------------------------------


def test_same_file_twice_names_the_batch_that_holds_it(engine):
    # the same bytes twice (two builds of a workbook differ in their creation time)
    name, data = build("xlsx", "Meetings", [["Date", "Title"], ["2025-01-20", "Extra"]])
    first = run_import(engine, name, data, user="tester")
    again = run_import(engine, name, data, user="tester")
    assert first.outcome == "committed"
    assert again.outcome == "no_change" and again.batch_id is None
    assert f"already loaded as batch {first.batch_id}" in again.message


def test_unchanged_rows_are_counted_not_stored(engine):
    first = load(engine, "csv", "Meetings", [["Date", "Title"], ["2025-01-20", "A"]])
    second = load(engine, "csv", "Meetings", [["Date", "Title", "Chair"],
                                              ["2025-01-20", "A", None],
                                              ["2025-02-20", "B", None]])
    assert first.outcome == second.outcome == "committed"
    assert second.totals() == {"added": 1, "changed": 0, "unchanged": 1}


def test_an_empty_template_says_it_has_no_rows(engine):
    report = load(engine, "csv", "Meetings", [["Date", "Title"]])
    assert report.outcome == "no_change"
    assert report.message.startswith("Nothing to load: the file has headers but no data rows.")


def test_indicators_of_different_frequencies_in_one_sheet(engine):
    """Each row's period is read by its own indicator's frequency, and a period that does not
    fit its indicator is located."""

    definitions = [DEFINITIONS, ["CP_CALLS", "Calls to the helpline", "count", "monthly",
                                 "Calls received", "neither", "Helpline", "none"]]
    good = xlsx({"Definitions": definitions,
                 "Indicators": [INDICATORS, ["CP_CALLS", "Fife", "Mar 2025", 12],
                                ["CP_REGISTER", "Fife", "2023-24", 150],
                                ["CP_CALLS", "Fife", "2025-04", 14]]})
    report = run_import(engine, "mixed.xlsx", good, user="tester")
    assert report.outcome == "committed", report.as_json()
    with engine.connect() as conn:
        periods = set(conn.execute(select(IndicatorValue.indicator_code, IndicatorValue.period)
                                   .where(IndicatorValue.batch_id == report.batch_id)).all())
    assert periods == {("CP_CALLS", D(2025, 3, 31)), ("CP_REGISTER", D(2024, 7, 31)),
                       ("CP_CALLS", D(2025, 4, 30))}
    bad = xlsx({"Indicators": [INDICATORS, ["CP_CALLS", "Fife", "2025-05", 12],
                               ["CP_REGISTER", "Fife", "2025-05", 150]]})
    report = run_import(engine, "mixed-bad.xlsx", bad, user="tester")
    assert [(e.row, e.column) for e in report.errors] == [(3, "Period")]


@pytest.mark.parametrize("second,level,fragment", [
    (10, "warning", "Row 2 repeats row 2 of Indicators exactly"),
    (11, "error", "appears twice with different values (rows 2 and 2 of Indicators)"),
])
def test_same_key_on_two_sheets(engine, second, level, fragment):
    """A key on two sheets of one kind: once if identical, otherwise an error naming both."""

    book = xlsx({"Indicators": [INDICATORS, ["CP_REGISTER", "Fife", "2024", 10]],
                 "More figures": [INDICATORS, ["CP_REGISTER", "Fife", "2023-24", second],
                                  ["CP_REGISTER", "Angus", "2024", 5]]})
    report = run_import(engine, "two.xlsx", book, user="tester", dry_run=True)
    found = [p for p in report.errors + report.warnings if fragment in p.message]
    assert [(p.level, p.sheet, p.row) for p in found] == [(level, "More figures", 2)]
    if level == "warning":
        assert report.outcome == "would_commit"
        assert [s["changes"]["added"] for s in report.sheets] == [1, 1]
    else:
        assert report.outcome == "rejected"


@pytest.mark.parametrize("enabled_before", [True, False])
def test_collector_pause_is_counted_and_restored(enabled_before):
    (gc.enable if enabled_before else gc.disable)()
    try:
        with gc_paused():
            with gc_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the outer import is still running
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
