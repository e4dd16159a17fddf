"""Issue 23 over real releases: the pack's section, and what a second release makes of the
sample (revised, a late figure arriving, new since the last meeting, the last release)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, update

from cpip_dashboard import config
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.protection.series import indicator_series, series_of_release
from cpip_dashboard.rules import indicators
from cpip_dashboard.store import releases as releases_store
from cpip_dashboard.store.models import Publication
from cpip_dashboard.store.queries import area_directory, current_indicators, indicator_values
from cpip_dashboard.views import insight
from cpip_dashboard.views.common import memo
from cpip_dashboard.views.pack import build
from tests.conftest import behind_the_dashboard, fresh_engine
from tests.files import xlsx
from tests.pdf import pdf_text

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("insight")

GLASGOW, MORAY, SCOTLAND = "S12000049", "S12000020", "S92000003"
ABERDEEN = "S12000033"
Y2024 = dt.date(2024, 7, 31)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request, databases):
    with fresh_engine(databases, request.param, sample=True) as made:
        yield made


def test_the_pack_lists_the_flags_and_one_line_per_area(engine):
    with engine.connect() as conn:
        _, pdf = build(conn, None, SCOTLAND)
    text = " ".join(pdf_text(pdf).split())
    assert "Register and figures" in text
    assert "CH-3: Rated Complete, but Re-registrations during the year to 31 July is rising in " \
           "Glasgow City" in text
    assert "REC-11: Rated Red, but every linked figure moved significantly" in text
    assert "Moray: Initial and pre-birth child protection planning meetings late." in text
    assert ("Fife: Children on the register with parental mental health recorded as a concern "
            "implausible jump.") in text


def marks_from_every_doubt(conn, every, area: str) -> dict[str, tuple[str, ...]]:
    """An area's profile marks as first built: from every area's doubts, keeping the area's
    late ones and those about the latest period of its profile line."""
    definitions = current_indicators(conn)
    marks: dict[str, list[str]] = {}
    for doubt in every:
        if doubt.area != area:
            continue
        definition = definitions[doubt.code]
        own = indicator_series(conn, doubt.code,
                               indicators.headline_measure(definition, area),
                               config.suppress_below())
        mine = own[own["area_code"] == area]
        if doubt.kind != "Late" and (mine.empty or doubt.period != max(mine["period"])):
            continue
        marks.setdefault(definition["name"], []).append(f"{doubt.kind}: {doubt.sentence}")
    return {name: tuple(items) for name, items in marks.items()}


def each_area_has_its_own_doubts(conn) -> list[str]:
    """`area_doubts` (an area's own figures) gives, for every area, exactly the doubts of
    `all_doubts` (every area's figures) about it, in the same order, and the profile's marks
    are those every doubt gives; the kinds seen."""
    every = insight.all_doubts(conn)
    marked = 0
    for area in memo(conn, area_directory).areas:
        assert insight.area_doubts(conn, area) == tuple(d for d in every if d.area == area), area
        marks = insight.area_marks(conn, area)
        assert marks == marks_from_every_doubt(conn, every, area), area
        marked += len(marks)
    assert marked  # some area has a mark, so the comparison can fail
    return sorted({d.kind for d in every})


def test_an_areas_doubts_are_all_doubts_about_it(engine):
    with engine.connect() as conn:
        assert each_area_has_its_own_doubts(conn) == ["Implausible jump", "Late"]


def test_a_pack_for_an_area_lists_only_its_own(engine):
    with engine.connect() as conn:
        found = insight.pack_summary(conn, None, GLASGOW)
    assert [line.split(":")[0] for line in found.flags] == ["CH-3", "REC-11"]
    assert found.doubts == ()  # nothing to doubt in Glasgow City's own figures


@pytest.fixture(scope="module")
def second_release(engine):
    """The sample's release moved back to 10 January 2024 (before the meeting of 19 March
    2024), then a second release today: Glasgow's, Aberdeen City's (doubled) and Scotland's
    neglect figures for 2023-24 revised, and Moray's late planning meetings for 2023-24
    arriving (Scotland's total with them)."""
    with behind_the_dashboard(engine) as conn:  # the dashboard never moves a release
        conn.execute(update(Publication).values(at=dt.datetime(2024, 1, 10, 9)))
    with engine.connect() as conn:
        neglect = indicator_values(conn, "CONCERN_NEGLECT")
        cppm = indicator_values(conn, "CPPM_INITIAL")

    def value(frame, area):
        return float(frame[(frame["area_code"] == area) & (frame["period"] == Y2024)]
                     ["value"].iloc[0])

    aberdeen = value(neglect, ABERDEEN)
    rows = [["Indicator", "Area", "Period", "Value"],
            ["CONCERN_NEGLECT", GLASGOW, "2023-24", value(neglect, GLASGOW) - 11],
            ["CONCERN_NEGLECT", ABERDEEN, "2023-24", 2 * aberdeen],
            ["CONCERN_NEGLECT", SCOTLAND, "2023-24", value(neglect, SCOTLAND) - 11 + aberdeen],
            ["CPPM_INITIAL", MORAY, "2023-24", 40],
            ["CPPM_INITIAL", SCOTLAND, "2023-24", value(cppm, SCOTLAND) + 40]]
    report = run_import(engine, "revision.xlsx", xlsx({"Indicators": rows}), user="t")
    assert report.outcome == "committed", report.errors
    return value(neglect, GLASGOW)


def test_a_revision_is_a_doubt_with_old_new_and_when(engine, second_release):
    old = second_release
    with engine.connect() as conn:
        doubts = insight.all_doubts(conn)
        marks = insight.area_marks(conn, GLASGOW)
        last = insight.last_release(conn, "CONCERN_NEGLECT", "count")
    revised = [d for d in doubts if d.kind == "Revised" and d.code == "CONCERN_NEGLECT"
               and d.area == GLASGOW]
    assert [(d.old, d.new) for d in revised] == [(old, old - 11)]
    assert revised[0].when.date() == dt.datetime.now(dt.UTC).date()
    assert marks["Children on the register with neglect recorded as a concern"][0].startswith(
        f"Revised: from {old:,.0f} to {old - 11:,.0f} on ")
    with engine.connect() as conn:
        assert "Revised" in each_area_has_its_own_doubts(conn)
    # Moray's figure arrived: it is late no more
    assert not [d for d in doubts if d.kind == "Late" and d.area == MORAY]
    changes = last.changes.set_index("Area")
    assert changes.loc["Glasgow City", "Old"] == f"{old:,.0f}"
    assert changes.loc["Glasgow City", "New"] == f"{old - 11:,.0f}"
    assert "2023-24 revised (" in last.sentence


def test_each_release_is_read_as_it_was_published(engine, second_release):
    """`series_of_release` (the Briefing and the pack as at a meeting): the first release still
    gives Glasgow City's neglect figure as first published, though the second replaced it, and
    the second its revised value; Angus's, never revised, is the same in both."""
    old = second_release
    with engine.connect() as conn:
        first, second = sorted(conn.execute(select(Publication.id)).scalars())
        releases = [series_of_release(conn, "CONCERN_NEGLECT", "count", r)
                    for r in (first, second)]

    def shown(frame, area) -> float:
        [value] = frame[(frame["area_code"] == area) & (frame["period"] == Y2024)]["value"]
        return float(value)

    assert [shown(f, GLASGOW) for f in releases] == [old, old - 11]
    assert shown(releases[0], "S12000041") == shown(releases[1], "S12000041")
    assert len(releases[0]) == len(releases[1])


def test_an_areas_history_of_some_periods_is_its_history_in_those_periods(engine,
                                                                          second_release):
    """`figure_history(periods=...)` (an area profile's revisions, read for its latest
    periods only) gives exactly the rows of the whole history in those periods: Glasgow
    City's first and revised neglect figures for 2023-24, and nothing of other years."""
    pairs = [("CONCERN_NEGLECT", "count"), ("CPPM_INITIAL", "count")]
    with engine.connect() as conn:
        whole = releases_store.figure_history(conn, pairs, (GLASGOW,))
        some = releases_store.figure_history(conn, pairs, (GLASGOW,), {Y2024})
        none = releases_store.figure_history(conn, pairs, (GLASGOW,), set())
    expected = whole[whole["period"] == Y2024].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    assert len(whole) > len(some) > 0 and none.empty
    neglect = some[some["indicator_code"] == "CONCERN_NEGLECT"]
    assert list(neglect["value"]) == [second_release, second_release - 11]


def test_new_since_the_last_meeting_names_the_second_release(engine, second_release):
    with engine.connect() as conn:
        window, lines = insight.new_since_meeting(conn, dt.date(2024, 9, 17),
                                                  dt.date(2024, 3, 19), latest=True)
        earlier = insight.new_since_meeting(conn, dt.date(2024, 3, 19),
                                            dt.date(2023, 9, 26), latest=False)
    assert window == "Published after the meeting of 19 March 2024 up to now."
    assert any(line.startswith("Children on the register with neglect recorded as a concern: "
                               "2023-24 revised (") for line in lines), lines
    # Moray and its committee added, Scotland's total revised
    assert ("Initial and pre-birth child protection planning meetings: 2023-24 figures added "
            "(2 areas); 2023-24 revised (1 figure).") in lines
    assert not any(line.startswith("Inter-agency") for line in lines)  # IRD did not change
    # the meeting before: only the first release, loaded in January 2024
    assert earlier[1] == (("Every figure: the figures were first published on 10 January 2024, "
                          "after that meeting (the database was loaded then)."),)


def test_an_area_that_became_significantly_worse_than_scotland_flags_a_green_action(
        engine, second_release):
    """Aberdeen City's neglect rate was similar to Scotland's at the first release; doubled in
    the second it is significantly higher: a Green action covering it that means to bring
    neglect down is flagged on the comparison, its recent trend not rising."""
    action = {"ref": "X-1", "title": "Reduce neglect", "rag": "Green", "areas": ABERDEEN,
              "indicators": "CONCERN_NEGLECT down"}
    with engine.connect() as conn:
        moved = insight._movement(conn, "CONCERN_NEGLECT", ABERDEEN, "down")
        found = insight.register_flags(conn, pd.DataFrame([action]))
        neither = insight.register_flags(conn, pd.DataFrame([{**action,
                                                             "indicators": "CONCERN_NEGLECT"}]))
    assert (moved.against_before, moved.against_now) == ("Similar", "Significantly higher")
    assert [f.sentence for f in found] == [
        ("Rated Green, but Children on the register with neglect recorded as a concern in "
        "Aberdeen City became significantly higher than Scotland in 2023-24 (similar at the "
        "previous release), against the action's aim to bring it down.")]
    assert neither == []  # polarity neither and no direction: never a flag
