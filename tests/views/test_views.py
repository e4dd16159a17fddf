"""Every page's view, called directly on the sample database without Streamlit (issue 21):
table-driven over (meeting, area), checking what the views must agree on with each other and
with the register's rules, not how a page draws it."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from cpip_dashboard import config
from cpip_dashboard.rules import rag, register
from cpip_dashboard.rules.values import long_date
from cpip_dashboard.store.current import current_kind
from cpip_dashboard.store.queries import area_directory, criteria, meetings
from cpip_dashboard.views import (
    about,
    actions,
    area_profile,
    briefing,
    common,
    frame,
    indicators,
    review,
    upload,
)

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("views")

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


def _shown(conn, asked: dt.date | None, expected: dt.date | None) -> dt.date:
    if expected is not None:
        return expected
    return max(d for d in meetings(conn)["date"] if d <= asked)


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize(("asked", "expected"), MEETINGS)
def test_briefing_and_register_agree_as_at_a_meeting(shared_sample, asked, expected, area):
    with shared_sample.connect() as conn:
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
def test_an_area_sees_the_national_actions_and_its_own(shared_sample, asked, expected):
    with shared_sample.connect() as conn:
        totals = {area: actions.view(conn, asked, area).total for area in AREAS}
    # every area sees the national actions; Scotland's register is every action
    assert all(0 < totals[area] <= totals[SCOTLAND] for area in AREAS)
    # Fife the council and Fife's committee cover the same place
    assert totals[FIFE] == totals[FIFE_CPC]


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize(("asked", "expected"), MEETINGS)
def test_the_review_shows_the_areas_councils_only(shared_sample, asked, expected, area):
    with shared_sample.connect() as conn:
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
def test_an_area_profile_names_its_area(shared_sample, area):
    with shared_sample.connect() as conn:
        v = area_profile.view(conn, area)
        name = area_directory(conn).name(area)
    assert v.area == area and v.name == name
    assert name in v.title
    assert len(v.profile) <= 17


def test_the_about_and_frame_views_describe_what_is_loaded(shared_sample):
    with shared_sample.connect() as conn:
        a = about.view(conn)
        f = frame.view(conn)
        directory = area_directory(conn)
    assert len(a.catalogue) == 17
    assert list(a.rag_table["Status"]) == [rag.label(n) for n in rag.NAMES]
    assert a.rag_order == "Red, Amber, Green, Complete"
    assert a.last_update is not None and "UTC" in a.last_update
    assert set(f.options) == set(directory.areas)
    assert f.illustrative_batches  # the sample is marked illustrative


# --- the Indicators page's views ----------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_a_series_draws_the_area_then_scotland_and_never_a_small_count(shared_sample, area):
    """Every indicator's count series for the area: the columns are the area then Scotland,
    each period once, and no shown count of 1 to 4 (suppressed or primary-protected)."""
    threshold = config.suppress_below()
    with shared_sample.connect() as conn:
        cat = indicators.catalogue(conn)
        name = area_directory(conn).name(area)
        counted = [code for code in cat.codes if "count" in cat.measures[code]]
        assert len(counted) == 16  # every indicator but the published rate
        for code in counted:
            v = indicators.series(conn, code, "count", (area,))
            drawn = (() if area == SCOTLAND else (area,)) + (SCOTLAND,)
            assert v.areas == drawn
            names = [name] if area != SCOTLAND else []
            assert list(v.table.columns) == ["Period", *names, "Scotland", "Status"], code
            assert v.table["Period"].is_unique
            assert v.has_figures == (v.chart is not None) == bool(v.periods)
            assert list(v.periods) == sorted(v.periods)
            for column in names:
                shown = [int(c.replace(",", "")) for c in v.table[column]
                         if isinstance(c, str) and c.replace(",", "").isdigit()]
                assert not [n for n in shown if 0 < n < threshold], (code, area)


@pytest.mark.parametrize("level,kind,count", [("councils", "council", 32), ("cpcs", "cpc", 30)])
@pytest.mark.parametrize("highlight", [FIFE, FIFE_CPC])
def test_a_comparison_ranks_one_level_against_scotland(shared_sample, level, kind, count,
                                                       highlight):
    with shared_sample.connect() as conn:
        directory = area_directory(conn)
        latest = indicators.series(conn, "CP_REGISTER", "rate", (FIFE,)).periods[-1]
        v = indicators.comparison(conn, "CP_REGISTER", "count", latest, level, highlight)
    names = {directory.name(a) for a, info in directory.areas.items() if info.kind == kind}
    assert len(v.table) == count and {a.removesuffix(" (chosen)") for a in v.table["Area"]} \
        <= names
    assert set(v.table["Compared with Scotland"]) <= {
        "Significantly higher", "Similar", "Significantly lower"}
    assert v.period_text == "2023-24" and v.sentence.startswith("In 2023-24, compared with")
    chosen = directory.areas[highlight].kind == kind
    assert v.sentence.endswith(f"{directory.name(highlight)} is outlined and labelled "
                               "(chosen).") == chosen
    assert b"Area,Rate per 1,000" in v.table_download.csv.replace(b'"', b"")


# --- the Upload page's view ---------------------------------------------------------------


def test_the_upload_view_lists_the_sample_batch_and_what_rolling_it_back_does(shared_sample):
    shown = upload.batches(shared_sample)
    assert len(shown["pending"]) == 0
    history = shown["history"]
    current = upload.current_batches(history)
    assert list(current["Batch"]) == [1] and not upload.all_rolled_back(history)
    assert upload.rollback_label(current, 1).startswith("Batch 1: ")
    question = upload.rollback_question(current, 1)
    assert question.startswith("Roll back batch 1? It holds ") and question.endswith(
        "To restore it, upload the same file again.")
    assert (upload.rows(1), upload.rows(2), upload.rows(1234)) == ("1 row", "2 rows",
                                                                   "1,234 rows")
    with shared_sample.connect() as conn:
        book = openpyxl.load_workbook(io.BytesIO(upload.prefilled_updates(conn, ())))
        refs = sorted(row.ref for row in conn.execute(current_kind("actions")))
    listed = [r[0] for r in book["Updates"].iter_rows(min_row=2, values_only=True)]
    assert listed == refs and len(refs) == 47
