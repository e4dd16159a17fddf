"""The Planning review page: a joint CPC shows both councils, choosing a cell shows that
assessment's text, and the as-at selector shows the earlier ratings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from cpip_dashboard.store.db import make_engine
from tests.apptest import assert_frame_ran, tables, texts


def test_joint_cpc_shows_both_councils_as_words(make_app, sample_url):
    at = make_app(sample_url, page="pages/planning_review.py", query={"area": "CPC10"})
    assert_frame_ran(at)
    matrix = at.dataframe[0].value
    data = matrix.data if hasattr(matrix, "data") else matrix
    assert list(data["Area"]) == ["East Lothian", "Midlothian"]
    cells = {v for c in data.columns if c.startswith("PR-") for v in data[c]}
    assert cells <= {"Exc", "VG", "Good", "Adeq", "Weak", "Unsat", ""}
    assert "Each cell shows the rating in words" in texts(at)


def test_choosing_a_cell_shows_that_assessment(make_app, sample_url):
    at = make_app(sample_url, page="pages/planning_review.py", query={"area": "CPC05"})
    at.selectbox(key="review-area").set_value("S12000030").run()
    at.selectbox(key="review-criterion").set_value("PR-07").run()
    engine = make_engine(sample_url)
    with engine.connect() as conn:
        evidence, rating = conn.execute(text(
            "SELECT evidence, rating FROM review_assessment WHERE area_code = 'S12000030' AND "
            "criterion_code = 'PR-07' ORDER BY assessed_on DESC")).first()
    engine.dispose()
    detail = tables(at)[1].set_index("Field")
    assert detail.loc["Evidence", "Text"] == evidence
    assert detail.loc["Rating", "Text"] == rating


def test_as_at_shows_the_earlier_ratings(make_app, sample_url):
    engine = make_engine(sample_url)
    with engine.connect() as conn:
        area, criterion, later = conn.execute(text(
            "SELECT area_code, criterion_code, rating FROM review_assessment "
            "WHERE assessed_on = '2019-08-30' ORDER BY area_code LIMIT 1")).first()
        earlier = conn.execute(text(
            "SELECT rating FROM review_assessment WHERE area_code = :a AND criterion_code = :c "
            "AND assessed_on = '2018-06-01'"), {"a": area, "c": criterion}).scalar_one()
    engine.dispose()
    at = make_app(sample_url, page="pages/planning_review.py", query={"area": area})
    at.selectbox(key="review-criterion").set_value(criterion).run()
    assert tables(at)[1].set_index("Field").loc["Rating", "Text"] == later
    at.selectbox(key="frame-meeting-control").set_value(dt.date(2018, 10, 2)).run()
    assert tables(at)[1].set_index("Field").loc[
        "Rating", "Text"] == earlier


def test_themes_support_and_progress_sections(make_app, sample_url):
    at = make_app(sample_url, page="pages/planning_review.py")
    headers = [h.value for h in at.header]
    assert headers == ["Ratings by area and criterion", "National themes",
                       "Areas needing support", "Progress on recommendations"]
    assert "most often rated Weak or Unsatisfactory" in texts(at)
    assert [m.label for m in at.metric] == ["Not started", "In progress", "Done", "Overdue"]
    matrix = at.dataframe[0].value
    data = matrix.data if hasattr(matrix, "data") else matrix
    assert len(data) == 32


def test_action_page_shows_recommendations_it_carries(make_app, sample_url):
    at = make_app(sample_url, page="pages/actions.py")
    at.selectbox(key="actions-history").set_value("REC-2").run()
    assert "Planning-review recommendations carried forward by REC-2" in texts(at)


# Clicking a matrix cell: tests/ui/test_browser_review.py clicks it in a real browser.
