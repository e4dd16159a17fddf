"""Query parameters (CONTRACT.md "Pages and shareable addresses"): an unknown `area`, `meeting`
or `indicator` falls back to the default with a short notice in the page's main area."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.apptest import assert_frame_ran, shown


def arrive(make_app, url: str, page: str, query: dict):
    """The page opened at an address holding `query` (AppTest's first run is always the
    default page, so the page is opened first and the address then changed)."""
    at = make_app(url, page=page)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def main_text(at) -> str:
    """What the page's main area (not the sidebar) says."""
    parts = []
    for kind in ("markdown", "caption", "text", "info", "warning", "error"):
        parts += [shown(str(e.value)) for e in at.main.get(kind)]
    return "\n".join(parts)


@pytest.mark.parametrize("page", ["pages/briefing.py", "pages/actions.py", "pages/about.py"])
def test_unknown_area_falls_back_with_a_notice_in_the_main_area(make_app, sqlite_sample_url,
                                                                 page):
    at = arrive(make_app, sqlite_sample_url, page, {"area": "S99999999"})
    assert_frame_ran(at)
    assert at.sidebar.selectbox(key="_area_widget").value == "S92000003"
    assert "Area 'S99999999' in the address is not known" in main_text(at)


@pytest.mark.parametrize("meeting", ["17/09/2024", "2024-13-45", "latest"])
@pytest.mark.parametrize("page", ["pages/briefing.py", "pages/actions.py"])
def test_malformed_meeting_falls_back_with_a_notice_in_the_main_area(make_app,
                                                                     sqlite_sample_url, page,
                                                                     meeting):
    at = arrive(make_app, sqlite_sample_url, page, {"meeting": meeting})
    assert_frame_ran(at)
    assert at.selectbox(key="_meeting_widget").value == dt.date(2024, 9, 17)  # the latest
    assert f"Meeting date '{meeting}' in the address is not a date" in main_text(at)


def test_unknown_indicator_falls_back_with_a_notice_in_the_main_area(make_app,
                                                                     sqlite_sample_url):
    at = arrive(make_app, sqlite_sample_url, "pages/indicators.py", {"indicator": "NOPE"})
    assert_frame_ran(at)
    assert at.selectbox(key="_indicator_widget").value == "CP_REGISTER"
    assert "Indicator 'NOPE' in the address is not known" in main_text(at)


def test_known_values_give_no_notice(make_app, sqlite_sample_url):
    at = arrive(make_app, sqlite_sample_url, "pages/indicators.py",
                {"area": "S12000047", "meeting": "2018-10-02", "indicator": "IRD"})
    assert_frame_ran(at)
    assert at.selectbox(key="_indicator_widget").value == "IRD"
    assert "not known" not in main_text(at) and "not a date" not in main_text(at)
