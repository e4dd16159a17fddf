"""Promises of CONTRACT.md "Spreadsheets" that the rule table does not cover: formula cells
read as their cached values, blank rows skipped, sheet kinds by name (singular or plural, any
case), guidance sheets and empty sheets skipped silently, the review's "Assessed on" defaulting
to the upload date, and a published table's indicator taken from its sheet name."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.store.models import IndicatorValue, Meeting, ReviewAssessment
from tests.files import Formula, build, xlsx

D = dt.date
MEETINGS = ["Date", "Title"]


def stored(engine, *columns):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*columns)).all())


def test_formula_cells_are_read_as_their_cached_values(engine):
    book = xlsx({"Indicators": [
        ["Indicator", "Area", "Period", "Value"],
        # what Excel shows, not the formula text: CP_REGISTER, Fife, 2023-24, 10
        [Formula('=UPPER("cp_register")', "CP_REGISTER"), Formula('="Fi"&"fe"', "Fife"),
         Formula('="2023-"&"24"', "2023-24"), Formula("=2*5", 10)],
        ["CP_REGISTER", "Angus", "2023-24", Formula("=SUM(7,5)", 12)],
    ]})
    report = run_import(engine, "formulas.xlsx", book, user="t")
    assert report.outcome == "committed", report.as_json()
    assert stored(engine, IndicatorValue.indicator_code, IndicatorValue.area_code,
                  IndicatorValue.period, IndicatorValue.value) == [
        ("CP_REGISTER", "S12000041", D(2024, 7, 31), 12.0),
        ("CP_REGISTER", "S12000047", D(2024, 7, 31), 10.0)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_blank_rows_are_skipped(engine, fmt):
    rows = [MEETINGS, [D(2025, 1, 20), "First"], [None, None], [None, None],
            [D(2025, 3, 3), "Second"], [None, None]]
    report = run_import(engine, *build(fmt, "Meetings", rows), user="t")
    assert report.outcome == "committed", report.as_json()
    assert report.totals() == {"added": 2, "changed": 0, "unchanged": 0}
    assert report.errors == [] and report.warnings == []
    assert stored(engine, Meeting.meeting_date, Meeting.title) == [
        (D(2025, 1, 20), "First"), (D(2025, 3, 3), "Second")]
    # a problem after the blank rows keeps the row number Excel shows
    rows[4] = ["31/02/2025", "Second"]
    report = run_import(engine, *build(fmt, "Meetings", rows), user="t")
    assert [(e.row, e.column) for e in report.errors] == [(5, "Date")]


@pytest.mark.parametrize("name", ["UPDATE", "updates", "Update", "uPdAtEs"])
def test_a_sheet_is_its_kind_by_name_singular_or_plural_any_case(sample_engine, name):
    """Headers that are not the required headers of any kind: only the name makes the sheet
    an updates sheet, so the missing RAG column is reported on it."""
    rows = [["Action ID", "Reporting date", "Commentary"], ["NEG-1", "2024-10-01", "Fine"]]
    report = run_import(sample_engine, "named.xlsx", xlsx({name: rows}), user="t")
    assert report.outcome == "rejected"
    assert [(e.sheet, e.column) for e in report.errors] == [(name, "RAG")]
    assert report.errors[0].message.startswith("Required column 'RAG' is missing")


def test_a_sheet_not_named_for_a_kind_with_those_headers_is_no_kind(sample_engine):
    rows = [["Action ID", "Reporting date", "Commentary"], ["NEG-1", "2024-10-01", "Fine"]]
    report = run_import(sample_engine, "named.xlsx", xlsx({"Round 5": rows}), user="t")
    assert report.outcome == "rejected"
    assert any("No sheet in this file" in e.message for e in report.errors)


def test_guidance_and_empty_sheets_are_skipped_silently(engine):
    prose = [["How to fill in this workbook"], ["Use one row per meeting."], ["Date", "Title"]]
    book = xlsx({"Read me": prose, "Guidance": prose, "Notes": prose,
                 "Lists": [["rag"], ["Red"], ["Amber"]],
                 "Problems": [["Level", "Sheet", "Row", "Column", "Value", "Message"],
                              ["error", "Meetings", 2, "Date", "x", "not a date"]],
                 "Sheet5": [],
                 "Meetings": [MEETINGS, [D(2025, 1, 20), "Extra meeting"]]})
    report = run_import(engine, "with-guidance.xlsx", book, user="t")
    assert report.outcome == "committed", report.as_json()
    assert report.warnings == [] and report.errors == []
    assert [s["sheet"] for s in report.sheets] == ["Meetings"]


def test_another_sheet_that_is_no_kind_is_skipped_with_a_warning(engine):
    book = xlsx({"Scratch": [["Colour"], ["red"]],
                 "Meetings": [MEETINGS, [D(2025, 1, 20), "Extra meeting"]]})
    report = run_import(engine, "scratch.xlsx", book, user="t")
    assert report.outcome == "committed"
    assert [w.sheet for w in report.warnings] == ["Scratch"]


def test_review_assessed_on_defaults_to_the_upload_date(sample_engine):
    rows = [["Area", "Criterion", "Rating", "Evidence"], ["Fife", "PR-03", "Weak", "New look"]]
    upload_day = dt.date(2024, 2, 29)  # passed in, so the test cannot straddle midnight
    report = run_import(sample_engine, "review.xlsx", xlsx({"Review": rows}), user="t",
                        today=upload_day)
    assert report.outcome == "committed", report.as_json()
    with sample_engine.connect() as conn:
        assessed = conn.execute(select(ReviewAssessment.assessed_on).where(
            ReviewAssessment.batch_id == report.batch_id)).scalars().all()
    assert assessed == [upload_day]


@pytest.mark.parametrize("sheet,code", [("CP_REGISTRATIONS", "CP_REGISTRATIONS"),
                                        ("IRD", "IRD")])
def test_published_table_indicator_from_its_sheet_name(engine, sheet, code):
    book = xlsx({sheet: [["Some statistics, by local authority"], [],
                         ["Local authority", "2023-24"], ["Fife", 300], ["Angus", 120]]})
    report = run_import(engine, "table.xlsx", book, user="t")
    assert report.outcome == "committed", report.as_json()
    assert stored(engine, IndicatorValue.indicator_code, IndicatorValue.area_code,
                  IndicatorValue.value) == [(code, "S12000041", 120.0),
                                            (code, "S12000047", 300.0)]
