"""Planning-review rules on hand-built data: as-at, themes, areas needing support, overdue."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cpip_dashboard import review
from cpip_dashboard.reference import directory

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
    from sqlalchemy import update

    from cpip_dashboard import queries
    from cpip_dashboard.imports.pipeline import run_import
    from cpip_dashboard.models import UploadBatch
    from cpip_dashboard.sample import _sheet

    def upload(progress: str) -> int:
        sheet = _sheet("Review", [{"Area": FIFE, "Criterion": "PR-01", "Rating": "Weak",
                                   "Assessed on": D(2019, 1, 10), "Recommendation": "Fix A",
                                   "Progress": progress}])
        report = run_import(engine, f"review-{progress}.xlsx", sheets=[sheet], user="test")
        assert report.outcome == "committed", report.message
        return report.batch_id

    first, second = upload("In progress"), upload("Done")
    with engine.begin() as conn:
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
