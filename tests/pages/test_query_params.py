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
    assert at.sidebar.selectbox(key="frame-area-control").value == "S92000003"
    assert "Area 'S99999999' in the address is not known" in main_text(at)


@pytest.mark.parametrize("meeting", ["17/09/2024", "2024-13-45", "latest"])
@pytest.mark.parametrize("page", ["pages/briefing.py", "pages/actions.py"])
def test_malformed_meeting_falls_back_with_a_notice_in_the_main_area(make_app,
                                                                     sqlite_sample_url, page,
                                                                     meeting):
    at = arrive(make_app, sqlite_sample_url, page, {"meeting": meeting})
    assert_frame_ran(at)
    assert at.selectbox(key="frame-meeting-control").value == dt.date(2024, 9, 17)  # the latest
    assert f"Meeting date '{meeting}' in the address is not a date" in main_text(at)


def test_unknown_indicator_falls_back_with_a_notice_in_the_main_area(make_app,
                                                                     sqlite_sample_url):
    at = arrive(make_app, sqlite_sample_url, "pages/indicators.py", {"indicator": "NOPE"})
    assert_frame_ran(at)
    assert at.selectbox(key="frame-indicator-control").value == "CP_REGISTER"
    assert "Indicator 'NOPE' in the address is not known" in main_text(at)


def test_known_values_give_no_notice(make_app, sqlite_sample_url):
    at = arrive(make_app, sqlite_sample_url, "pages/indicators.py",
                {"area": "S12000047", "meeting": "2018-10-02", "indicator": "IRD"})
    assert_frame_ran(at)
    assert at.selectbox(key="frame-indicator-control").value == "IRD"
    assert "not known" not in main_text(at) and "not a date" not in main_text(at)


@pytest.mark.parametrize(("asked", "area", "notice"), [
    ("orkney", "S12000023", None),
    ("Orkney Islands", "S12000023", None),
    ("Lanarkshire", "S92000003", ("Area 'Lanarkshire' in the address could be North "
                                 "Lanarkshire, South Lanarkshire")),
])
def test_an_area_is_found_by_its_name(make_app, sqlite_sample_url, asked, area, notice):
    """Issue 22 §4: `?area=orkney` finds the area; an ambiguous name says which it could be;
    the phone's selector in the main area shows the same choice."""
    at = arrive(make_app, sqlite_sample_url, "pages/actions.py", {"area": asked})
    assert_frame_ran(at)
    assert at.sidebar.selectbox(key="frame-area-control").value == area
    assert at.main.selectbox(key="frame-area-phone-control").value == area
    if notice:
        assert notice in main_text(at)
    else:
        assert "in the address" not in main_text(at)


@pytest.mark.parametrize(("asked", "notice"), [
    ("2017-01-01", "No meeting on 1 January 2017: it is before the first meeting in the record"),
    ("2030-01-01", ("No meeting on 1 January 2030: it is after the latest meeting, so the "
                   "latest, 17 September 2024, is shown")),
    ("2018-12-01", "No meeting on 1 December 2018: it falls between the meetings of "),
])
def test_a_date_that_is_not_a_meeting_says_what_is_shown(make_app, sqlite_sample_url, asked,
                                                         notice):
    at = arrive(make_app, sqlite_sample_url, "pages/actions.py", {"meeting": asked})
    assert_frame_ran(at)
    assert notice in main_text(at)


def test_the_phone_area_selector_changes_the_area(make_app, sqlite_sample_url):
    at = arrive(make_app, sqlite_sample_url, "pages/actions.py", {})
    at.main.selectbox(key="frame-area-phone-control").set_value("S12000047").run()
    assert at.sidebar.selectbox(key="frame-area-control").value == "S12000047"
    assert at.query_params["area"] in ("S12000047", ["S12000047"])
