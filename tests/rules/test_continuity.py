"""Which figures to doubt: late, revised, implausible jumps, and what is new since a meeting;
hand-worked examples, including the cases that must not flag."""

import datetime as dt
import math

import pandas as pd
import pytest

from cpip_dashboard.rules import continuity, stats
from cpip_dashboard.rules.continuity import JUMP, LATE, REVISED

Y = {year: dt.date(year, 7, 31) for year in range(2015, 2027)}
NAN = float("nan")


def row(area, year, value=None, count=None, suppressed=False, population=None, symbol=None):
    return {"area_code": area, "period": Y[year], "value": value, "symbol": symbol,
            "suppressed": suppressed, "count": value if count is None else count,
            "population": population, "base": None}


# --- late -------------------------------------------------------------------------------

LATE_CASES = [
    ("C has only the year before", [row("A", 2023, 1), row("A", 2024, 1), row("B", 2023, 1),
                                    row("B", 2024, 1), row("C", 2023, 1)],
     ["C"], "no figure for 2023-24, which 2 of 3 areas have; its latest is 2022-23"),
    ("a suppressed figure was supplied", [row("A", 2024, 1), row("B", 2024, 1),
                                          row("C", 2024, None, suppressed=True)], [], ""),
    ("x (not submitted) is no figure", [row("A", 2024, 1), row("B", 2024, 1),
                                        row("C", 2024, None, symbol="x")],
     ["C"], "it has no figure yet"),
    ("an area ahead is not late", [row("A", 2024, 1), row("B", 2024, 1), row("C", 2025, 1)],
     [], ""),
    ("no period held by more than half", [row("A", 2024, 1), row("B", 2023, 1)], [], ""),
]


@pytest.mark.parametrize(("case", "rows", "late", "says"), LATE_CASES,
                         ids=[c[0] for c in LATE_CASES])
def test_late(case, rows, late, says):
    areas = ["A", "B", "C"] if case != "no period held by more than half" else ["A", "B"]
    found = continuity.late(rows, areas, "X", "annual")
    assert [d.area for d in found] == late
    assert all(d.kind == LATE for d in found)
    if late:
        assert says in found[0].sentence


# --- implausible jumps --------------------------------------------------------------------


@pytest.mark.parametrize(("previous", "current", "e0", "e1", "dispersion", "z"), [
    (100, 160, None, None, 1.0, 29.5 / math.sqrt(65)),  # n 260, share 1/2: sd 8.062 -> 3.659
    (100, 125, None, None, 1.0, 12 / 7.5),  # 1.6: a one-off within chance
    (100, 160, 10_000, 16_000, 1.0, 0.0),  # the population grew as much: nothing to explain
    (100, 160, None, None, 4.0, 29.5 / math.sqrt(65) / 2),
    (160, 100, None, None, 1.0, -29.5 / math.sqrt(65)),
])
def test_jump_z_by_hand(previous, current, e0, e1, dispersion, z):
    assert continuity.jump_z(previous, current, e0, e1, dispersion) == pytest.approx(z, abs=1e-9)


def series(area, counts, first=2019, **changes):
    rows = [row(area, first + i, c) for i, c in enumerate(counts)]
    for year, fields in changes.items():
        rows[int(year) - first].update(fields)
    return rows


JUMP_CASES = [
    ("steady then a jump", series("A", [100, 102, 98, 101, 99, 160]), ["A"], "up from 99 to 160"),
    ("a fall", series("A", [100, 102, 98, 101, 99, 55]), ["A"], "down from 99 to 55"),
    ("a one-off within chance", series("A", [100, 102, 98, 101, 99, 120]), [], ""),
    # so variable before that the trend model's dispersion (about 11.6) covers it: 3.66 / 3.4
    ("within the series' own variation", series("A", [100, 160, 100, 160, 100, 160]), [], "",
     {Y[2024]}),
    ("suppressed previous figure", series("A", [100, 102, 98, 101, 99, 160],
                                          **{"2023": {"suppressed": True, "count": None}}),
     [], ""),
    ("a gap: not the previous period",
     [*series("A", [100, 102, 98, 101, 99]), row("A", 2025, 160)], [], ""),
]


@pytest.mark.parametrize(("case", "rows", "areas", "says", "periods"),
                         [(*c, None) if len(c) == 4 else c for c in JUMP_CASES],
                         ids=[c[0] for c in JUMP_CASES])
def test_jumps(case, rows, areas, says, periods):
    found = continuity.jumps(rows, "X", "annual", periods=periods)
    assert [d.area for d in found] == areas
    assert all(d.kind == JUMP for d in found)
    if says:
        assert says in found[-1].sentence


def test_a_series_break_explains_a_jump():
    rows = series("A", [100, 102, 98, 101, 99, 160])
    assert continuity.jumps(rows, "X", "annual", breaks=[Y[2024]]) == []
    assert len(continuity.jumps(rows, "X", "annual", breaks=[Y[2023]])) == 1  # an older break


def test_jumps_only_at_the_periods_asked():
    rows = series("A", [100, 160, 100, 101, 99, 100])
    assert [d.period for d in continuity.jumps(rows, "X", "annual")] == [Y[2020], Y[2021]]
    assert continuity.jumps(rows, "X", "annual", periods={Y[2024]}) == []


# --- revisions and what is new ------------------------------------------------------------

AT = {1: dt.datetime(2024, 12, 10, 9), 2: dt.datetime(2025, 12, 9, 9)}


def published(area, year, value, first, until=None, suppressed=False):
    return {"indicator_code": "X", "measure": "count", "area_code": area, "period": Y[year],
            "value": NAN if suppressed else value, "suppressed": suppressed,
            "publication_id": first, "valid_to": NAN if until is None else until}


HISTORY = pd.DataFrame([
    published("A", 2023, 10, 1, 2), published("A", 2023, 12, 2),  # revised 10 -> 12
    published("B", 2023, 20, 1, 2), published("B", 2023, 20.04, 2),  # same as published: no
    published("C", 2023, 5, 1, 2, suppressed=True), published("C", 2023, 7, 2),  # was hidden
    published("D", 2023, 30, 1),  # unchanged
    published("A", 2024, 11, 2), published("B", 2024, 21, 2),  # a new period
    published("E", 2023, 3, 2),  # a known period, an area's figure added
])


def test_revisions():
    found = continuity.revisions(HISTORY, AT, places=0)
    assert [(d.area, d.old, d.new) for d in found] == [("A", 10.0, 12.0)]
    assert found[0].kind == REVISED and found[0].when == AT[2]
    assert found[0].sentence == "from 10 to 12 on 9 December 2025"
    assert continuity.revisions(HISTORY, AT, places=0, since=2) == []


def test_new_since():
    found = continuity.new_since(HISTORY, "X", start=1, end=2)
    assert found.new_periods == {Y[2024]: 2}
    assert found.added == {Y[2023]: 1}  # E
    assert found.revised == {Y[2023]: 2}  # A, and B whose value changed (shown rounded alike)
    assert continuity.new_sentence(found, "Things", "annual") == (
        "Things: 2023-24 first published (2 areas); 2022-23 figures added (1 area); 2022-23 "
        "revised (2 figures).")
    first = continuity.new_since(HISTORY, "X", start=0, end=1)
    assert first.new_periods == {Y[2023]: 4} and first.revised == {}
    assert continuity.new_sentence(continuity.new_since(HISTORY, "X", 2, 2), "T", "annual") \
        is None


# --- the sentences in full and the edges (mutation testing: docs/mutation.md) -----------------

@pytest.mark.parametrize(("periods", "common"), [
    ({}, (None, 0)),
    ({"A": {Y[2024]}, "B": {Y[2024]}, "C": {Y[2023]}, "D": {Y[2023]}}, (None, 0)),  # half: not more
    ({"A": {Y[2024], Y[2023]}, "B": {Y[2024], Y[2023]}, "C": {Y[2023]}}, (Y[2024], 2)),
    ({"A": {Y[2023]}, "B": {Y[2023]}, "C": {Y[2023]}}, (Y[2023], 3)),
])
def test_latest_common_period(periods, common):
    assert continuity.latest_common_period(periods) == common


def test_late_in_full_and_what_the_areas_are_called():
    rows = [row("A", 2024, 1), row("B", 2024, 1), row("C", 2022, 1), row("Z", 2024, 1)]
    (doubt,) = continuity.late(rows, ["A", "B", "C"], "X", "annual", what="councils")
    assert doubt == continuity.Doubt(LATE, "X", "C", Y[2024],
                                     "no figure for 2023-24, which 2 of 3 councils have; its "
                                     "latest is 2021-22")


def test_a_nan_value_is_no_figure():
    rows = [row("A", 2024, 1), row("B", 2024, 1), row("C", 2024, NAN)]
    assert [d.area for d in continuity.late(rows, ["A", "B", "C"], "X", "annual")] == ["C"]


def test_a_jump_in_full():
    (doubt,) = continuity.jumps(series("A", [1000, 1020, 980, 1010, 990, 1600]), "X", "annual")
    assert doubt == continuity.Doubt(
        JUMP, "X", "A", Y[2024], "count up from 990 to 1,600 between 2022-23 and 2023-24: "
        "outside the 99.8% limits of chance variation")


def test_a_jump_the_population_explains_is_none():
    rows = series("A", [100, 102, 98, 101, 99, 160])
    for r, population in zip(rows, [10_000] * 5 + [16_000], strict=True):
        r["population"] = population
    assert continuity.jumps(rows, "X", "annual") == []


@pytest.mark.parametrize(("row_fields", "exposure"), [
    ({"base": 50, "population": 1000}, 50), ({"base": None, "population": 1000}, 1000),
    ({"base": 0, "population": 1000}, 1000), ({"base": NAN, "population": NAN}, None),
    ({"base": -1, "population": 0}, None), ({}, None),
])
def test_exposure_is_the_base_else_the_population(row_fields, exposure):
    assert continuity._exposure(row_fields) == exposure


def test_revisions_to_one_place_without_a_release_time():
    history = pd.DataFrame([published("A", 2023, 1234.51, 1, 2), published("A", 2023, 1234.44, 2),
                            published("B", 2023, 7.0, 1, 2), published("B", 2023, 9.0, 3)])  # withdrawn, back later
    (doubt,) = continuity.revisions(history, {}, places=1)
    assert (doubt.area, doubt.old, doubt.new, doubt.when) == ("A", 1234.51, 1234.44, None)
    assert doubt.sentence == "from 1,234.5 to 1,234.4"
    assert continuity.revisions(history.iloc[0:0], {}, places=1) == []


def test_many_new_periods_read_as_a_span_and_one_of_each_in_the_singular():
    found = continuity.NewFigures(
        "X", {Y[y]: n for y, n in ((2020, 3), (2021, 5), (2022, 4), (2023, 1))},
        {Y[2019]: 1}, {Y[2019]: 1})
    assert continuity.new_sentence(found, "Things", "annual") == (
        "Things: 4 periods first published, 2019-20 to 2022-23 (up to 5 areas each); 2018-19 "
        "figures added (1 area); 2018-19 revised (1 figure).")
    three = continuity.NewFigures("X", {Y[2020]: 1, Y[2021]: 2, Y[2022]: 2}, {})
    assert continuity.new_parts(three, "annual") == [(
        "2019-20 first published (1 area), 2020-21 first published (2 areas), 2021-22 first "
        "published (2 areas)")]


def test_figures_at_a_release():
    history = pd.DataFrame([published("A", 2023, 1, 1, 2), published("A", 2023, 2, 2),
                            published("B", 2023, 3, 3)])
    assert list(continuity.figures_at(history, 1)["value"]) == [1]
    assert list(continuity.figures_at(history, 2)["value"]) == [2]
    assert list(continuity.figures_at(history, 3)["value"]) == [2, 3]
    assert continuity.figures_at(history.iloc[0:0], 3).empty


@pytest.mark.parametrize(("previous", "current", "e0", "e1", "z"), [
    (0, 0, None, None, 0.0),  # no counts: nothing to say
    (0, 1, None, None, 0.0),  # one: within the half for continuity
    (100, 160, None, 16_000, 29.5 / math.sqrt(65)),  # one exposure only: halves
    (100, 160, 10_000, None, 29.5 / math.sqrt(65)),
])
def test_jump_z_edges(previous, current, e0, e1, z):
    assert continuity.jump_z(previous, current, e0, e1) == pytest.approx(z, abs=1e-9)


def test_a_count_that_holds_while_its_population_halves_is_a_jump():
    # the same 100 children from half the population: 100 where about 67 would be expected
    rows = series("A", [100, 100, 100, 100, 100, 100])
    for r, population in zip(rows, [20_000] * 5 + [10_000], strict=True):
        r["population"] = population
    (doubt,) = continuity.jumps(rows, "X", "annual")
    assert doubt.period == Y[2024]
    assert doubt.sentence.startswith("count up from 100 to 100 between 2022-23 and 2023-24")


def test_every_jump_in_every_area_past_gaps_suppressions_and_other_periods():
    # A: a gap (no 2017), a suppressed 2019, then a jump in 2024; B: a jump down in 2017 and,
    # seven steady years later, one up in 2024
    a = {2015: 50, 2016: 51, 2018: 100, 2019: None, 2020: 102, 2021: 98, 2022: 101, 2023: 99,
         2024: 160}
    rows = [row("A", year, value) for year, value in a.items()]
    rows[3].update(suppressed=True, count=None)
    rows += [row("B", 2015 + i, v) for i, v in enumerate([100, 101, 40, 41, 39, 40, 41, 40, 39,
                                                           100])]
    found = continuity.jumps(rows, "X", "annual")
    assert [(d.area, d.period) for d in found] == [("A", Y[2024]), ("B", Y[2017]),
                                                   ("B", Y[2024])]
    assert found[1].sentence.startswith("count down from 101 to 40 between 2015-16 and 2016-17")
    assert continuity.jumps(rows, "X", "annual", periods={Y[2024]}) == [found[0], found[2]]


def test_dispersion_over_the_periods_before():
    rows = [row("A", 2019 + i, c, population=1000 * (1 + i)) for i, c in
            enumerate([100, 160, 100, 160])]
    assert continuity._dispersion(rows[:2], [0, 1]) == 1.0  # fewer than three: Poisson
    with_exposure = continuity._dispersion(rows[:3], [0, 1, 2])
    fit = stats.fit_quasi_poisson([100.0, 160.0, 100.0], [0, 1, 2], [1000.0, 2000.0, 3000.0])
    assert with_exposure == pytest.approx(fit.dispersion) and with_exposure > 1
    without = continuity._dispersion([dict(r, population=None) for r in rows[:3]], [0, 1, 2])
    assert without == pytest.approx(
        stats.fit_quasi_poisson([100.0, 160.0, 100.0], [0, 1, 2], None).dispersion)
    assert without != pytest.approx(with_exposure)


@pytest.mark.parametrize(("value", "missing"), [
    (None, True), (NAN, True), (pd.NA, True), (float("nan"), True), (0, False), ("", False),
    ("x", False), (Y[2024], False), (3.5, False),
])
def test_missing(value, missing):
    assert continuity._missing(value) is missing


def test_late_with_no_figure_yet_in_full():
    rows = [row("A", 2024, 1), row("B", 2024, 1)]
    (doubt,) = continuity.late(rows, ["A", "B", "C"], "X", "annual")
    assert doubt.sentence == "no figure for 2023-24, which 2 of 3 areas have; it has no figure yet"


def test_each_revision_of_a_figure_shown_in_several_releases():
    history = pd.DataFrame([
        # A: withdrawn at 2, shown again at 3 (not one revision), then revised at 4
        published("A", 2023, 10, 1, 2), published("A", 2023, 11, 3, 4), published("A", 2023, 12, 4),
        # B: suppressed, shown, then revised (only the last is a revision)
        published("B", 2023, 5, 1, 2, suppressed=True), published("B", 2023, 6, 2, 3),
        published("B", 2023, 8, 3),
        # C: the same at one place (1234.21 and 1234.24), then revised at one place only
        published("C", 2023, 1234.21, 1, 2), published("C", 2023, 1234.24, 2, 3),
        published("C", 2023, 1234.44, 3),
        # D: not submitted (x, no value), then a value: no revision
        published("D", 2023, NAN, 1, 2), published("D", 2023, 7, 2),
    ])
    at = {n: dt.datetime(2025, 1, n, 9) for n in range(1, 5)}
    found = continuity.revisions(history, at, places=1)
    assert found == [
        continuity.Doubt(REVISED, "X", "A", Y[2023], "from 11.0 to 12.0 on 4 January 2025",
                         old=11.0, new=12.0, when=at[4]),
        continuity.Doubt(REVISED, "X", "B", Y[2023], "from 6.0 to 8.0 on 3 January 2025",
                         old=6.0, new=8.0, when=at[3]),
        continuity.Doubt(REVISED, "X", "C", Y[2023], "from 1,234.2 to 1,234.4 on 3 January 2025",
                         old=1234.24, new=1234.44, when=at[3])]


def test_new_since_back_filled_periods_and_several_added_and_revised():
    history = pd.DataFrame([
        published("A", 2023, 10, 1, 2), published("A", 2023, 12, 2),  # revised
        published("B", 2023, 20, 1, 2), published("B", 2023, 21, 2),  # revised
        published("A", 2024, 5, 1, 2), published("A", 2024, 6, 2),  # revised
        published("C", 2023, 3, 2), published("D", 2023, 4, 2),  # two areas added to 2023
        published("C", 2024, 3, 2),  # one area added to 2024
        published("A", 2021, 9, 2),  # an earlier period back-filled: new
    ])
    found = continuity.new_since(history, "X", start=1, end=2)
    assert found == continuity.NewFigures("X", {Y[2021]: 1}, {Y[2023]: 2, Y[2024]: 1},
                                          {Y[2023]: 2, Y[2024]: 1})
    assert continuity.new_parts(found, "annual") == [
        "2020-21 first published (1 area)",
        "2022-23 figures added (2 areas), 2023-24 figures added (1 area)",
        "2022-23 revised (2 figures), 2023-24 revised (1 figure)"]


def test_a_suppressed_figure_never_flags_nor_counts_in_the_variation_even_with_its_count():
    # the internal series may keep a suppressed figure's count: it must still not be used
    rows = series("A", [100, 102, 98, 101, 99, 160])
    rows[-1]["suppressed"] = True
    assert continuity.jumps(rows, "X", "annual") == []
    rows = series("A", [100, 102, 300, 101, 99, 160])
    assert [d.period for d in continuity.jumps(rows, "X", "annual")] == [Y[2021]]  # 300 counts
    rows[2]["suppressed"] = True  # hidden: no jumps beside it, and no part of the variation
    assert [d.period for d in continuity.jumps(rows, "X", "annual")] == [Y[2024]]


def test_a_quarterly_jump():
    quarters = [dt.date(2023, 3, 31), dt.date(2023, 6, 30), dt.date(2023, 9, 30),
                dt.date(2023, 12, 31), dt.date(2024, 3, 31), dt.date(2024, 6, 30)]
    rows = [{"area_code": "A", "period": p, "value": c, "suppressed": False, "count": c,
             "population": None, "base": None}
            for p, c in zip(quarters, [100, 102, 98, 101, 99, 160], strict=True)]
    (doubt,) = continuity.jumps(rows, "X", "quarterly")
    assert doubt.sentence == ("count up from 99 to 160 between 2024 Q1 and 2024 Q2: outside "
                              "the 99.8% limits of chance variation")


@pytest.mark.parametrize(("counts", "years"), [
    ([100, 160, 100, 200], [2020, 2021]),
    ([100, 130, 100, 200], []),  # the first three years' variation covers the fourth
])
def test_the_variation_from_the_first_period_on(counts, years):
    found = continuity.jumps(series("A", counts), "X", "annual")
    assert [d.period for d in found] == [Y[y] for y in years]


def test_no_fit_gives_the_poisson_variation():
    assert continuity._dispersion([row("A", 2019 + i, 0) for i in range(3)], [0, 1, 2]) == 1.0
    assert continuity._exposure({"base": 1, "population": 1000}) == 1
