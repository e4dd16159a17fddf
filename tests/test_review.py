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
            "action_ref": None, "batch_id": 1}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    return frame.astype({c: object for c in frame.columns if c != "batch_id"})


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
     "assessed_on": D(2019, 8, 30), "progress": "Done", "recommendation": "Fix C"},
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
    # open recommendations only: Fix B is done
    assert list(support["recommendation"]) == ["Fix A"]


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
