"""Issue 23 on the pages, over the sample data (its cases built on purpose: data/README.md):
the Briefing's "Register and figures" and "New since the last meeting", an action's history,
the Area profile's marks, the Indicators page's last release, the About page's rules."""

from __future__ import annotations

import datetime as dt

import pytest

from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.queries import indicator_values
from tests.apptest import assert_frame_ran, shown, tables, texts
from tests.files import xlsx

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("insight_pages")


@pytest.fixture(scope="module")
def url(databases) -> str:
    return databases.fresh("sqlite", sample=True)


def frame_with(at, column: str):
    found = [frame for frame in tables(at) if column in frame.columns]
    assert found, f"no table with a {column} column"
    return found[0]


def test_briefing_lists_the_disagreements_and_what_is_new(make_app, url):
    at = make_app(url)
    assert_frame_ran(at)
    body = texts(at)
    assert "Register and figures" in body and "New since the last meeting" in body
    assert "2 actions are rated against what the published figures show" in body
    lines = [shown(m.value) for m in at.markdown if m.value.startswith("- **")]
    assert [line.split("**")[1] for line in lines] == ["CH-3", "REC-11"]
    assert "(✔ Complete): Rated Complete, but" in lines[0] and "rising in Glasgow City" in lines[0]
    assert "(■ Red): Rated Red, but" in lines[1] and "may be stale" in lines[1]
    # the sample was loaded in one go, after every meeting
    assert "Published after the meeting of" in body and "up to now." in body
    assert "(the database was loaded then)" in body


def test_briefing_for_an_area_keeps_its_own_actions(make_app, url):
    at = make_app(url, query={"area": "S12000042"})  # Dundee: neither flagged action is its own
    assert_frame_ran(at)
    lines = [shown(m.value) for m in at.markdown if m.value.startswith("- **")]
    # REC-11 is national, so it shows for every area; CH-3 is Glasgow City's
    assert [line.split("**")[1] for line in lines] == ["REC-11"]


def test_an_actions_history_says_why_it_is_flagged_and_which_way(make_app, url):
    at = make_app(url, page="pages/actions.py")
    at.selectbox(key="actions-history").set_value("CH-3").run()
    assert_frame_ran(at)
    assert ("Register and figures disagree: Rated Complete, but Re-registrations during the year "
            "to 31 July is rising in Glasgow City") in texts(at)
    ways = frame_with(at, "Way")
    assert list(ways["Way"]) == ["down (as linked)"]

    at.selectbox(key="actions-history").set_value("NEG-1").run()  # neither, no direction
    assert "Register and figures disagree" not in texts(at)
    assert list(frame_with(at, "Way")["Way"]) == ["no direction (polarity neither)"]


def test_the_area_profile_marks_the_figures_to_doubt(make_app, url):
    at = make_app(url, page="pages/area_profile.py", query={"area": "S12000047"})  # Fife
    assert_frame_ran(at)
    profile = frame_with(at, "Figures to doubt").set_index("Indicator")
    marked = profile[profile["Figures to doubt"] != ""]
    name = "Children on the register with parental mental health recorded as a concern"
    assert list(marked.index) == [name]
    assert marked.loc[name, "Figures to doubt"] == "Implausible jump"
    lines = [shown(m.value) for m in at.markdown if m.value.startswith("- ")]
    assert lines == [(f"- {name} - Implausible jump: count up from 44 to 93 between 2022-23 and "
                     "2023-24: outside the 99.8% limits of chance variation")]

    at = make_app(url, page="pages/area_profile.py", query={"area": "S12000020"})  # Moray
    profile = frame_with(at, "Figures to doubt").set_index("Indicator")
    marks = profile.loc["Initial and pre-birth child protection planning meetings",
                        "Figures to doubt"]
    assert marks == "Late"
    assert "Late: no figure for 2023-24, which 31 of 32 councils have; its latest is 2022-23" \
        in texts(at)


def test_the_indicators_page_says_what_the_last_release_changed(make_app, url):
    at = make_app(url, page="pages/indicators.py", query={"indicator": "CP_REGISTER"})
    assert_frame_ran(at)
    assert "What changed in the last release" in [e.label for e in at.expander]
    assert "The last release to change these figures was on" in texts(at)
    assert "periods first published, 2011-12 to 2023-24" in texts(at)


def test_the_about_page_says_how_each_is_decided(make_app, url):
    at = make_app(url, page="pages/about.py")
    assert_frame_ran(at)
    rules = {line.split("**")[1]: line for line in (shown(m.value) for m in at.markdown)
             if line.startswith("- **")}
    assert {"Rated on track, figures moving the wrong way", "Rated Red, figures improving",
            "Late", "Revised", "Implausible jump", "New since the last meeting"} <= set(rules)
    assert "two-sided 99.8% limits" in rules["Implausible jump"]


def test_the_upload_preview_shows_the_continuity_report_before_commit(make_app, url):
    engine = make_engine(url)
    with engine.connect() as conn:
        neglect = indicator_values(conn, "CONCERN_NEGLECT")
    engine.dispose()
    latest = neglect[neglect["period"] == dt.date(2024, 7, 31)].set_index("area_code")["value"]
    glasgow, angus = latest["S12000049"], latest["S12000041"]
    book = xlsx({"Indicators": [["Indicator", "Area", "Period", "Value"],
                                ["CONCERN_NEGLECT", "Glasgow City", "2023-24", glasgow - 2],
                                ["CONCERN_NEGLECT", "Angus", "2023-24", angus * 3]]})
    at = make_app(url, page="pages/upload.py")
    at.get("file_uploader")[0].upload("neglect.xlsx", book, XLSX).run()
    assert_frame_ran(at)
    assert "3 figures are worth checking before you confirm" in texts(at)
    doubts = frame_with(at, "Doubt")
    assert set(zip(doubts["Area"], doubts["Doubt"], strict=True)) == {
        ("Glasgow City", "Revised"), ("Angus", "Revised"), ("Angus", "Implausible jump")}
    why = doubts.set_index(["Area", "Doubt"])["Why"]
    assert why[("Glasgow City", "Revised")] == f"from {glasgow:,g} to {glasgow - 2:,g}"
    # nothing was written: the figures are as they were
    engine = make_engine(url)
    with engine.connect() as conn:
        again = indicator_values(conn, "CONCERN_NEGLECT")
    engine.dispose()
    assert again["value"].tolist() == neglect["value"].tolist()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
