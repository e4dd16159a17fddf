"""Planning-review rules on hand-built data: as-at, themes, areas needing support, overdue."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import update

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.batches.sample import _sheet
from cpip_dashboard.rules import review
from cpip_dashboard.store import queries
from cpip_dashboard.store.models import UploadBatch
from cpip_dashboard.store.reference import directory
from tests.conftest import behind_the_dashboard

D = dt.date
AREAS = directory()
CRITERIA = pd.DataFrame({"code": ["PR-01", "PR-02", "PR-03"],
                         "dimension": ["Plan", "Aims", "Report"],
                         "planning_process": ["CSP", "CSP", "CSP"]})


def assessments(*rows) -> pd.DataFrame:
    base = {"assessed_on": D(2018, 6, 1), "evidence": None, "finding": None,
            "recommendation": None, "owner": None, "target_date": None, "progress": None,
            "action_ref": None, "batch_id": 1, "committed_at": dt.datetime(2018, 6, 5, 10)}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    return frame.astype({c: object for c in frame.columns
                         if c not in ("batch_id", "committed_at")})


FIFE, CLACKS, STIRLING = "S12000047", "S12000005", "S12000030"

DATA = assessments(
    {"area_code": FIFE, "criterion_code": "PR-01", "rating": "Weak", "recommendation": "Fix A",
     "target_date": D(2019, 3, 31), "progress": "In progress"},
    {"area_code": FIFE, "criterion_code": "PR-02", "rating": "Unsatisfactory",
     "recommendation": "Fix B", "target_date": D(2019, 3, 31), "progress": "Done"},
    {"area_code": FIFE, "criterion_code": "PR-03", "rating": "Good"},
    {"area_code": CLACKS, "criterion_code": "PR-01", "rating": "Weak",
     "recommendation": "Fix C", "target_date": D(2020, 1, 1)},
    {"area_code": CLACKS, "criterion_code": "PR-02", "rating": "Good"},
    {"area_code": STIRLING, "criterion_code": "PR-01", "rating": "Adequate",
     "recommendation": "Fix D", "target_date": None},
    # a follow-up a year later: Clackmannanshire improved on PR-01
    {"area_code": CLACKS, "criterion_code": "PR-01", "rating": "Good",
     "assessed_on": D(2019, 8, 30), "progress": "Done", "recommendation": "Fix C",
     "batch_id": 2, "committed_at": dt.datetime(2019, 9, 2, 9)},
)


@pytest.mark.parametrize("day,expected", [
    (D(2018, 10, 2), "Weak"),
    (D(2019, 9, 17), "Good"),
    (None, "Good"),
    (D(2018, 5, 1), None),  # before any assessment
])
def test_rating_as_at(day, expected):
    current = review.as_at(DATA, day)
    row = current[(current["area_code"] == CLACKS) & (current["criterion_code"] == "PR-01")]
    assert (row.iloc[0]["rating"] if len(row) else None) == expected


def test_themes_count_weak_areas_per_criterion_most_often_weak_first():
    themes = review.themes(review.as_at(DATA, D(2018, 10, 2)), CRITERIA)
    assert list(themes["code"]) == ["PR-01", "PR-02", "PR-03"]
    assert list(themes["weak"]) == [2, 1, 0]
    assert list(themes["assessed"]) == [3, 2, 1]
    sentence = review.describe_themes(themes)
    assert sentence.startswith("PR-01 Plan is most often rated Weak or Unsatisfactory (2 of 3")


def test_areas_needing_support_have_two_or_more_weak_ratings():
    support = review.needing_support(review.as_at(DATA, D(2018, 10, 2)))
    assert set(support["area_code"]) == {FIFE}  # Clackmannanshire has one
    # its recommendations open or done: Fix B is done and still listed
    assert list(support["recommendation"]) == ["Fix A", "Fix B"]


def _ratings(*cells):
    """(criterion, rating, recommendation or None, progress or None) for one area."""
    return assessments(*[{"area_code": FIFE, "criterion_code": c, "rating": r,
                          "recommendation": rec, "progress": p} for c, r, rec, p in cells])


@pytest.mark.parametrize("cells,listed,recommendations", [
    # two weak ratings, one recommendation open and one done: both listed
    ([("PR-01", "Weak", "Fix A", "In progress"), ("PR-02", "Unsatisfactory", "Fix B", "Done")],
     True, {"Fix A", "Fix B"}),
    # every recommendation done: the area still meets the rule
    ([("PR-01", "Weak", "Fix A", "Done"), ("PR-02", "Weak", "Fix B", "Done")],
     True, {"Fix A", "Fix B"}),
    # two weak ratings and no recommendation at all
    ([("PR-01", "Weak", None, None), ("PR-02", "Unsatisfactory", None, None)], True, set()),
    # a recommendation on a criterion that is not weak is one of the area's too
    ([("PR-01", "Weak", None, None), ("PR-02", "Weak", None, None),
      ("PR-03", "Adequate", "Fix C", None)], True, {"Fix C"}),
    # one weak rating: not listed, whatever its recommendations
    ([("PR-01", "Weak", "Fix A", None), ("PR-02", "Good", "Fix B", None)], False, set()),
])
def test_every_area_meeting_the_rule_is_listed(cells, listed, recommendations):
    support = review.needing_support(review.as_at(_ratings(*cells), D(2018, 10, 2)))
    assert (FIFE in set(support["area_code"])) == listed
    assert set(support["recommendation"].dropna()) == recommendations
    table = review.support_table(support, AREAS)
    assert set(table["Area"]) == ({"Fife"} if listed else set())
    assert all(progress for progress, rec in zip(table["Progress"], table["Recommendation"],
                                                 strict=True) if rec)  # blank: Not started


T = dt.datetime


def _progress_versions(done_committed: dt.datetime) -> pd.DataFrame:
    """One assessment uploaded three times: Not started, then In progress, then Done."""
    row = {"area_code": FIFE, "criterion_code": "PR-01", "rating": "Weak",
           "recommendation": "Fix A"}
    return assessments({**row, "batch_id": 1, "committed_at": T(2018, 6, 5, 10)},
                       {**row, "batch_id": 2, "committed_at": T(2018, 9, 1, 10),
                        "progress": "In progress"},
                       {**row, "batch_id": 3, "committed_at": done_committed, "progress": "Done"})


@pytest.mark.parametrize("done_committed,day,progress", [
    # Done recorded after the meeting: the meeting saw In progress
    (T(2019, 3, 1, 10), D(2018, 10, 2), "In progress"),
    (T(2019, 3, 1, 10), D(2019, 6, 20), "Done"),
    (T(2019, 3, 1, 10), None, "Done"),  # today: the current row
    # nothing recorded by the end of the meeting day: the earliest row
    (T(2019, 3, 1, 10), D(2018, 6, 4), None),
    # summer (BST): 23:59 local on the meeting day is 22:59 UTC; 00:01 the next day 23:01 UTC
    (T(2019, 6, 20, 22, 59), D(2019, 6, 20), "Done"),
    (T(2019, 6, 20, 23, 1), D(2019, 6, 20), "In progress"),
    # winter (GMT): local time is UTC
    (T(2019, 1, 29, 23, 59), D(2019, 1, 29), "Done"),
    (T(2019, 1, 30, 0, 1), D(2019, 1, 29), "In progress"),
])
def test_progress_as_at_is_what_was_recorded_by_the_end_of_the_meeting_day(
        done_committed, day, progress):
    current = review.as_at(_progress_versions(done_committed), day)
    assert len(current) == 1
    recorded = current.iloc[0]["progress"]
    assert (recorded if isinstance(recorded, str) else None) == progress
    assert review.progress(current, D(2019, 1, 1))[progress or "Not started"] == 1


@pytest.mark.parametrize("day,counts", [
    (D(2018, 10, 2), {"Not started": 2, "In progress": 1, "Done": 1, "Overdue": 0}),
    (D(2019, 4, 1), {"Not started": 2, "In progress": 1, "Done": 1, "Overdue": 1}),
    (D(2020, 1, 2), {"Not started": 2, "In progress": 1, "Done": 1, "Overdue": 2}),
])
def test_progress_and_overdue(day, counts):
    assert review.progress(review.as_at(DATA, D(2018, 10, 2)), day) == counts


def test_joint_cpc_shows_both_councils():
    current = review.as_at(DATA, None)
    assert set(review.for_area(current, "CPC05", AREAS)["area_code"]) == {CLACKS, STIRLING}


def test_matrix_is_words_and_sorts_weakest_first():
    table = review.matrix(review.as_at(DATA, D(2018, 10, 2)), AREAS,
                          ["PR-01", "PR-02", "PR-03"], sort="weakest")
    assert list(table["Area"]) == ["Fife", "Clackmannanshire", "Stirling"]
    assert table.iloc[0]["PR-02"] == "Unsatisfactory"


def test_progress_as_at_a_meeting_through_the_database(engine):
    """Two uploads of one assessment; the second, Done, committed at 23:30 UTC on a summer
    meeting day (00:30 BST the next day): that meeting still saw In progress."""


    def upload(progress: str) -> int:
        sheet = _sheet("Review", [{"Area": FIFE, "Criterion": "PR-01", "Rating": "Weak",
                                   "Assessed on": D(2019, 1, 10), "Recommendation": "Fix A",
                                   "Progress": progress}])
        report = run_import(engine, f"review-{progress}.xlsx", sheets=[sheet], user="test")
        assert report.outcome == "committed", report.message
        return report.batch_id

    first, second = upload("In progress"), upload("Done")
    with behind_the_dashboard(engine) as conn:
        for batch, when in ((first, T(2019, 2, 1, 9)), (second, T(2019, 6, 20, 23, 30))):
            conn.execute(update(UploadBatch).where(UploadBatch.id == batch)
                         .values(committed_at=when))
    with engine.connect() as conn:
        rows = queries.review_assessments(conn)
    assert len(rows) == 2  # every upload, not only the current one
    seen = {day: review.as_at(rows, day).iloc[0]["progress"]
            for day in (D(2019, 6, 20), D(2019, 6, 21), None)}
    assert seen == {D(2019, 6, 20): "In progress", D(2019, 6, 21): "Done", None: "Done"}


@pytest.mark.parametrize("rows,expected", [
    # one area, one criterion not assessed anywhere: a blank cell, not a missing number
    ([{"area_code": FIFE, "criterion_code": "PR-01", "rating": "Weak"}],
     [["Fife", "Weak", "", ""]]),
    ([{"area_code": FIFE, "criterion_code": "PR-01", "rating": "Good"},
      {"area_code": CLACKS, "criterion_code": "PR-03", "rating": "Adequate"}],
     [["Clackmannanshire", "", "", "Adequate"], ["Fife", "Good", "", ""]]),
])
def test_matrix_download_leaves_criteria_not_assessed_blank(rows, expected):
    codes = ["PR-01", "PR-02", "PR-03"]
    table = review.matrix(review.as_at(assessments(*rows), None), AREAS, codes, sort="weakest")
    download = review.matrix_download(table, codes)
    assert list(download.columns) == ["Area", *codes]
    assert download.values.tolist() == expected


# --- exact outputs, worked by hand (issue 24: tests that kill mutants) -------------------------

AT_MEETING = D(2018, 10, 2)


def test_tables_for_people_are_exactly_the_rows_worked_by_hand():
    current = review.as_at(DATA, AT_MEETING)
    support = review.needing_support(current)
    assert list(support["weak_count"]) == [2, 2]
    assert review.support_table(support, AREAS).to_dict("records") == [
        {"Area": "Fife", "Weak or unsatisfactory": 2, "Criterion": "PR-01", "Rating": "Weak",
         "Recommendation": "Fix A", "Owner": "", "Progress": "In progress",
         "Target date": "2019-03-31"},
        {"Area": "Fife", "Weak or unsatisfactory": 2, "Criterion": "PR-02",
         "Rating": "Unsatisfactory", "Recommendation": "Fix B", "Owner": "", "Progress": "Done",
         "Target date": "2019-03-31"}]
    # 1 April 2019: Fix A (target 31 March, in progress) is overdue; Fix B is done
    recs = review.recommendations_table(current, D(2019, 4, 1), AREAS)
    assert recs.to_dict("records") == [
        {"Area": "Fife", "Criterion": "PR-01", "Rating": "Weak", "Recommendation": "Fix A",
         "Owner": "", "Target date": "2019-03-31", "Progress": "In progress", "Overdue": True,
         "Register action": ""},
        {"Area": "Fife", "Criterion": "PR-02", "Rating": "Unsatisfactory",
         "Recommendation": "Fix B", "Owner": "", "Target date": "2019-03-31", "Progress": "Done",
         "Overdue": False, "Register action": ""},
        {"Area": "Clackmannanshire", "Criterion": "PR-01", "Rating": "Weak",
         "Recommendation": "Fix C", "Owner": "", "Target date": "2020-01-01",
         "Progress": "Not started", "Overdue": False, "Register action": ""},
        {"Area": "Stirling", "Criterion": "PR-01", "Rating": "Adequate",
         "Recommendation": "Fix D", "Owner": "", "Target date": "", "Progress": "Not started",
         "Overdue": False, "Register action": ""}]
    findings = review.findings_table(current, CRITERIA.set_index("code", drop=False), AREAS)
    assert [tuple(r.values()) for r in findings.to_dict("records")] == [
        ("Fife", "PR-01", "Plan", "Weak", "", "Fix A", "In progress"),
        ("Fife", "PR-02", "Aims", "Unsatisfactory", "", "Fix B", "Done"),
        ("Fife", "PR-03", "Report", "Good", "", "", ""),
        ("Clackmannanshire", "PR-01", "Plan", "Weak", "", "Fix C", ""),
        ("Clackmannanshire", "PR-02", "Aims", "Good", "", "", ""),
        ("Stirling", "PR-01", "Plan", "Adequate", "", "Fix D", "")]
    assert list(findings.columns) == ["Area", "Criterion", "What is reviewed", "Rating",
                                      "Finding", "Recommendation", "Progress"]
    themes = review.themes_table(review.themes(current, CRITERIA))
    assert themes.to_dict("records") == [
        {"Criterion": "PR-01", "What is reviewed": "Plan", "Planning process": "CSP",
         "Areas assessed": 3, "Weak or unsatisfactory": 2},
        {"Criterion": "PR-02", "What is reviewed": "Aims", "Planning process": "CSP",
         "Areas assessed": 2, "Weak or unsatisfactory": 1},
        {"Criterion": "PR-03", "What is reviewed": "Report", "Planning process": "CSP",
         "Areas assessed": 1, "Weak or unsatisfactory": 0}]


def test_matrix_in_area_order_and_its_cells_abbreviated():
    codes = ["PR-01", "PR-02", "PR-03"]
    table = review.matrix(review.as_at(DATA, AT_MEETING), AREAS, codes)
    assert list(table["area_code"]) == [CLACKS, FIFE, STIRLING]  # the directory's order
    assert list(table["Weak or unsatisfactory"]) == [1, 2, 0]
    cells = review.matrix_cells(table, codes)
    assert cells.to_dict("index") == {
        CLACKS: {"Area": "Clackmannanshire", "PR-01": "Weak", "PR-02": "Good", "PR-03": "",
                 "Weak or unsatisfactory": 1},
        FIFE: {"Area": "Fife", "PR-01": "Weak", "PR-02": "Unsat", "PR-03": "Good",
               "Weak or unsatisfactory": 2},
        STIRLING: {"Area": "Stirling", "PR-01": "Adeq", "PR-02": "", "PR-03": "",
                   "Weak or unsatisfactory": 0}}
    empty = review.matrix(review.as_at(DATA, D(2018, 1, 1)), AREAS, codes)
    assert list(empty.columns) == ["Area", *codes] and empty.empty


@pytest.mark.parametrize("abbreviation,style", [
    ("Exc", "background-color: #08306b; color: #ffffff"),
    ("Adeq", "background-color: #d9d9d9; color: #000000"),
    ("Unsat", "background-color: #d94801; color: #ffffff"),
    ("", ""), ("Weakish", ""),
])
def test_cell_style_repeats_the_word_in_colour(abbreviation, style):
    assert review.cell_style(abbreviation) == style


def test_assessment_detail_lists_every_field_as_text():
    row = pd.Series({"rating": "Weak", "assessed_on": D(2018, 6, 1), "evidence": "E",
                     "finding": "F", "recommendation": "R", "owner": "O",
                     "target_date": D(2019, 3, 31), "progress": float("nan"),
                     "action_ref": "NEG-1"})
    detail = review.assessment_detail(row, pd.Series({"question": "Q?", "basis": "B"}))
    assert detail.to_dict("list") == {
        "Field": ["Question", "Basis", "Rating", "Assessed on", "Evidence", "Finding",
                  "Recommendation", "Owner", "Target date", "Progress", "Register action"],
        "Text": ["Q?", "B", "Weak", "2018-06-01", "E", "F", "R", "O", "2019-03-31", "",
                 "NEG-1"]}


@pytest.mark.parametrize("target,day,late", [
    (D(2019, 3, 31), D(2019, 3, 31), False),  # on its own target day: not yet overdue
    (D(2019, 3, 31), D(2019, 4, 1), True),  # the day after: overdue
    (None, D(2030, 1, 1), False),  # no target date: never overdue
])
@pytest.mark.parametrize("progress", [None, "In progress", "Done"])
def test_recommendation_overdue_only_after_its_target_day(target, day, late, progress):
    current = assessments({"area_code": FIFE, "criterion_code": "PR-01", "rating": "Weak",
                           "recommendation": "Fix A", "target_date": target,
                           "progress": progress})
    expected = late and progress != "Done"
    assert len(review.overdue(current, day)) == int(expected)
    assert review.progress(current, day)["Overdue"] == int(expected)


@pytest.mark.parametrize("rows,sentence", [
    # no assessment at all
    ([], "No assessments to summarise."),
    # assessed, none weak
    ([(3, 0), (2, 0)], "No criterion is rated Weak or Unsatisfactory in any area."),
    # one area weak on one criterion: 1 of 2 criteria have a weak rating
    ([(1, 1), (2, 0)], ("PR-01 Plan is most often rated Weak or Unsatisfactory (1 of 1 areas); "
                       "1 of 2 criteria have at least one such rating.")),
    # a tie of two
    ([(2, 1), (3, 1), (4, 0)], ("PR-01 Plan and PR-02 Aims are most often rated Weak or "
                               "Unsatisfactory (1 of 2 areas); 2 of 3 criteria have at least "
                               "one such rating.")),
    # a tie of three
    ([(5, 2), (4, 2), (3, 2)], ("PR-01 Plan, PR-02 Aims and PR-03 Report are most often rated "
                               "Weak or Unsatisfactory (2 of 5 areas); 3 of 3 criteria have at "
                               "least one such rating.")),
])
def test_describe_themes_sentences(rows, sentence):
    table = pd.DataFrame([{"code": f"PR-0{i + 1}", "criterion": ["Plan", "Aims", "Report"][i],
                           "planning_process": "CSP", "assessed": a, "weak": w}
                          for i, (a, w) in enumerate(rows)],
                         columns=["code", "criterion", "planning_process", "assessed", "weak"])
    assert review.describe_themes(table) == sentence


def test_as_at_keeps_one_row_per_key_and_the_boundaries():
    row = {"area_code": FIFE, "criterion_code": "PR-01", "recommendation": "Fix A"}
    data = assessments(
        {**row, "rating": "Weak", "assessed_on": D(2018, 6, 1), "batch_id": 1,
         "committed_at": T(2018, 6, 5, 10)},
        # the same assessment uploaded again: the later upload is current
        {**row, "rating": "Adequate", "assessed_on": D(2018, 6, 1), "batch_id": 2,
         "committed_at": T(2018, 10, 2, 23, 0), "progress": "In progress"},
        {**row, "rating": "Good", "assessed_on": D(2018, 10, 3), "batch_id": 3,
         "committed_at": T(2018, 10, 3, 9)})
    for day in (None, AT_MEETING, D(2018, 10, 3)):
        assert len(review.as_at(data, day)) == 1
    # assessed on the day itself counts
    assert review.as_at(data, D(2018, 10, 3)).iloc[0]["rating"] == "Good"
    at_meeting = review.as_at(data, AT_MEETING).iloc[0]
    assert at_meeting["rating"] == "Adequate"
    # committed at 23:00 UTC on 2 October = midnight BST: the end of the day, so not seen then
    assert not isinstance(at_meeting["progress"], str)
    assert review.as_at(data, D(2018, 10, 3)).iloc[0]["rating"] == "Good"
    assert list(review.as_at(data, None).index) == [0]


def test_for_area_scotland_sees_every_row_and_a_council_its_own():
    current = review.as_at(DATA, AT_MEETING)
    assert len(review.for_area(current, "S92000003", AREAS)) == len(current)
    assert set(review.for_area(current, FIFE, AREAS)["area_code"]) == {FIFE}
    assert review.for_area(current.iloc[0:0], FIFE, AREAS).empty


def test_needing_support_sorted_by_weak_count_then_area_then_criterion():
    data = assessments(*[
        {"area_code": area, "criterion_code": code, "rating": rating}
        for area, code, rating in [
            (STIRLING, "PR-02", "Weak"), (STIRLING, "PR-01", "Weak"),
            (FIFE, "PR-03", "Unsatisfactory"), (FIFE, "PR-01", "Weak"), (FIFE, "PR-02", "Weak"),
            (CLACKS, "PR-02", "Weak"), (CLACKS, "PR-01", "Weak")]])
    support = review.needing_support(review.as_at(data, None))
    assert [(r.area_code, r.criterion_code, r.weak_count) for r in support.itertuples()] == [
        (FIFE, "PR-01", 3), (FIFE, "PR-02", 3), (FIFE, "PR-03", 3),
        (CLACKS, "PR-01", 2), (CLACKS, "PR-02", 2),
        (STIRLING, "PR-01", 2), (STIRLING, "PR-02", 2)]
    assert list(review.needing_support(data.iloc[0:0]).columns)[-1] == "weak_count"


# --- found by the first mutation run --------------------------------------------------------


def test_shapes_of_the_frames_the_pages_read():
    codes = ["PR-01", "PR-02", "PR-03"]
    current = review.as_at(DATA, AT_MEETING)
    assert list(current.columns) == list(DATA.columns)  # no stray index column
    assert list(current.index) == list(range(len(current)))
    table = review.matrix(current, AREAS, codes)
    assert list(table.columns) == ["area_code", "Area", *codes, "Weak or unsatisfactory"]
    empty = review.needing_support(current.iloc[0:0])
    assert str(empty["weak_count"].dtype) == "int64"
    recs = review.recommendations_table(current, D(2019, 4, 1), AREAS)
    assert recs["Overdue"].dtype == bool
    themes = review.themes(current, CRITERIA.iloc[0:0])
    assert themes.empty and list(themes.columns) == ["code", "criterion", "planning_process",
                                                     "assessed", "weak"]


def test_themes_tied_on_weak_ratings_in_code_order():
    data = assessments(*[{"area_code": FIFE, "criterion_code": c, "rating": "Weak"}
                         for c in ("PR-03", "PR-01", "PR-02")])
    themes = review.themes(review.as_at(data, None), CRITERIA)
    assert list(themes["code"]) == ["PR-01", "PR-02", "PR-03"]


@pytest.mark.parametrize("rows,sentence", [
    # criteria listed but none assessed anywhere
    ([(0, 0), (0, 0)], "No assessments to summarise."),
    # one area assessed, nothing weak
    ([(1, 0), (0, 0)], "No criterion is rated Weak or Unsatisfactory in any area."),
])
def test_describe_themes_with_nothing_or_one_assessed(rows, sentence):
    table = pd.DataFrame([{"code": f"PR-0{i + 1}", "criterion": "x", "planning_process": "CSP",
                           "assessed": a, "weak": w} for i, (a, w) in enumerate(rows)])
    assert review.describe_themes(table) == sentence


def test_support_progress_only_beside_a_recommendation():
    support = review.needing_support(review.as_at(_ratings(
        ("PR-01", "Weak", None, None), ("PR-02", "Unsatisfactory", "Fix B", None)), None))
    table = review.support_table(support, AREAS)
    assert list(table["Progress"]) == ["", "Not started"]
