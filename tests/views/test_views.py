"""Every page's view, called directly on the sample database without Streamlit (issue 21):
table-driven over (meeting, area), checking what the views must agree on with each other and
with the register's rules, not how a page draws it."""

from __future__ import annotations

import datetime as dt

import pytest

from cpip_dashboard.rules import rag, register
from cpip_dashboard.rules.values import long_date
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.queries import area_directory, criteria, meetings
from cpip_dashboard.views import about, actions, area_profile, briefing, common, frame, review

SCOTLAND, FIFE, ORKNEY, FIFE_CPC = "S92000003", "S12000047", "S12000023", "CPC14"

# (the meeting asked for, the meeting shown): the latest by default, a meeting's own date, a
# day between two meetings (the one before it), a day before the first (the first)
MEETINGS = [
    (None, dt.date(2024, 9, 17)),
    (dt.date(2017, 6, 20), dt.date(2017, 6, 20)),
    (dt.date(2018, 1, 1), dt.date(2017, 12, 12)),
    (dt.date(2021, 6, 1), None),  # whichever meeting was the last before it
]
AREAS = [SCOTLAND, FIFE, ORKNEY, FIFE_CPC]


@pytest.fixture(scope="module")
def engine(databases):
    url = databases.fresh("sqlite", sample=True)
    eng = make_engine(url)
    yield eng
    eng.dispose()
    databases.drop(url)


def _shown(conn, asked: dt.date | None, expected: dt.date | None) -> dt.date:
    if expected is not None:
        return expected
    return max(d for d in meetings(conn)["date"] if d <= asked)


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize(("asked", "expected"), MEETINGS)
def test_briefing_and_register_agree_as_at_a_meeting(engine, asked, expected, area):
    with engine.connect() as conn:
        shown = _shown(conn, asked, expected)
        b = briefing.view(conn, asked, area)
        a = actions.view(conn, asked, area)
        data = common.register_as_at(conn, asked)
        in_area = register.for_area(data["now"], area, area_directory(conn))
    assert b.meeting == a.meeting == data["meeting"] == shown
    assert b.previous == data["previous"] and (b.previous is None or b.previous < shown)
    assert b.title == f"Programme status at {long_date(shown)}"
    # the counts are the register's, level by level, in the scale's order
    assert tuple(c.name for c in b.counts) == rag.NAMES
    counted = register.counts(in_area)
    assert {c.name: c.value for c in b.counts} == {n: counted[n] for n in rag.NAMES}
    assert sum(c.value for c in b.counts) == a.total == len(in_area) > 0
    assert all(c.label == rag.label(c.name) for c in b.counts)


@pytest.mark.parametrize(("asked", "expected"), MEETINGS)
def test_an_area_sees_the_national_actions_and_its_own(engine, asked, expected):
    with engine.connect() as conn:
        totals = {area: actions.view(conn, asked, area).total for area in AREAS}
    # every area sees the national actions; Scotland's register is every action
    assert all(0 < totals[area] <= totals[SCOTLAND] for area in AREAS)
    # Fife the council and Fife's committee cover the same place
    assert totals[FIFE] == totals[FIFE_CPC]


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize(("asked", "expected"), MEETINGS)
def test_the_review_shows_the_areas_councils_only(engine, asked, expected, area):
    with engine.connect() as conn:
        v = review.view(conn, asked, area)
        directory = area_directory(conn)
        count = len(criteria(conn))
    assert len(v.criteria) == count == 17
    kind = directory.areas[area].kind
    councils = ({c.code for c in directory.councils()} if kind == "scotland"
                else set(directory.members(area)) if kind == "cpc" else {area})
    if v.empty_sentence is None:
        assert set(v.matrix_by_name.index) <= councils
        # a theme is a criterion rated weak somewhere in the area: never more than its councils
        assert set(v.themes_table["Criterion"]) <= {c.code for c in v.criteria}
        assert (v.themes_table["Weak or unsatisfactory"] <= len(councils)).all()
        if area == SCOTLAND:
            assert len(v.themes_table) == count
    else:
        assert v.matrix_by_name.empty


@pytest.mark.parametrize("area", AREAS)
def test_an_area_profile_names_its_area(engine, area):
    with engine.connect() as conn:
        v = area_profile.view(conn, area)
        name = area_directory(conn).name(area)
    assert v.area == area and v.name == name
    assert name in v.title
    assert len(v.profile) <= 17


def test_the_about_and_frame_views_describe_what_is_loaded(engine):
    with engine.connect() as conn:
        a = about.view(conn)
        f = frame.view(conn)
        directory = area_directory(conn)
    assert len(a.catalogue) == 17
    assert list(a.rag_table["Status"]) == [rag.label(n) for n in rag.NAMES]
    assert a.rag_order == "Red, Amber, Green, Complete"
    assert a.last_update is not None and "UTC" in a.last_update
    assert set(f.options) == set(directory.areas)
    assert f.illustrative_batches  # the sample is marked illustrative
