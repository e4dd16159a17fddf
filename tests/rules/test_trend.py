"""The recent trend: our quasi-Poisson fit against statsmodels' GLM, and the trend as the pages
get it from indicator frames (counts, populations, suppression, gaps and series breaks)."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cpip_dashboard.rules import indicators, stats
from cpip_dashboard.store import reference
from cpip_dashboard.store.areas import SCOTLAND

FIFE = "S12000047"

# (counts, period index, populations or None)
DATASETS = [
    # the example: Pearson chi2/3 ~ 1e-6, far below 1 (ours floors it at 1)
    ([100, 101, 102, 103, 104], [0, 1, 2, 3, 4], [100_000] * 5),
    # over-dispersed, with a changing child population
    ([120, 95, 140, 88, 150], [2020, 2021, 2022, 2023, 2024],
     [50_000, 50_500, 51_000, 51_200, 51_800]),
    # a clear rise, no population (exposure 1)
    ([100, 130, 170, 220, 290], [0, 1, 2, 3, 4], None),
    # a gap in time and noisy counts
    ([40, 55, 38, 70, 52], [0, 1, 3, 4, 5], [9_000, 9_100, 9_300, 9_350, 9_400]),
    # Scotland-sized counts
    ([2654, 2668, 2104, 2131, 2018], [2019, 2020, 2021, 2022, 2023],
     [1_016_000, 1_019_000, 1_017_000, 1_013_000, 1_010_000]),
    # a zero count among them
    ([0, 6, 3, 9, 12], [0, 1, 2, 3, 4], None),
]


def _statsmodels(counts, x, populations, use_t=False):
    design = sm.add_constant(np.asarray(x, dtype=float))
    offset = None if populations is None else np.log(np.asarray(populations, dtype=float))
    model = sm.GLM(np.asarray(counts, dtype=float), design, family=sm.families.Poisson(),
                   offset=offset)
    return model.fit(scale="X2", use_t=use_t)


@pytest.mark.parametrize("counts,x,populations", DATASETS)
def test_fit_matches_statsmodels_glm(counts, x, populations):
    ours = stats.fit_quasi_poisson(counts, x, populations)
    theirs = _statsmodels(counts, x, populations)
    assert ours.slope == pytest.approx(theirs.params[1], abs=1e-6)
    assert ours.intercept == pytest.approx(theirs.params[0], abs=1e-6)
    assert ours.pearson_dispersion == pytest.approx(theirs.scale, rel=1e-6, abs=1e-9)
    assert ours.dispersion == pytest.approx(max(theirs.scale, 1.0), abs=1e-6)
    # statsmodels scales the Poisson standard error by sqrt(X2 scale); ours by sqrt(max(., 1))
    poisson_se = theirs.bse[1] / math.sqrt(theirs.scale)
    assert ours.se == pytest.approx(poisson_se * math.sqrt(max(theirs.scale, 1.0)), abs=1e-6)
    if theirs.scale >= 1:
        assert ours.se == pytest.approx(theirs.bse[1], abs=1e-6)


def test_dispersion_below_poisson_is_floored_at_one():
    counts, x, populations = DATASETS[0]
    theirs = _statsmodels(counts, x, populations)
    ours = stats.fit_quasi_poisson(counts, x, populations)
    assert theirs.scale < 1e-3  # statsmodels' X2 scale: a near-perfect line
    assert ours.dispersion == 1.0
    # so our standard error is the Poisson one, not statsmodels' shrunken one
    assert ours.se > 100 * theirs.bse[1]
    assert ours.se == pytest.approx(1 / math.sqrt(1020), rel=0.01)  # the hand-worked value


@pytest.mark.parametrize("counts,x,populations", [d for d in DATASETS if d[0][0] != 100])
def test_interval_is_statsmodels_t_interval_when_over_dispersed(counts, x, populations):
    """Our 95% interval uses t with n - 2 = 3 degrees of freedom, as statsmodels does when
    asked (use_t=True) and R's summary.glm does for quasi-Poisson fits."""
    theirs = _statsmodels(counts, x, populations, use_t=True)
    if theirs.scale < 1:
        pytest.skip("floored at Poisson: intervals differ by design")
    result = stats.trend(counts, periods=x, populations=populations)
    low, high = theirs.conf_int(alpha=0.05)[1]
    assert math.log1p(result.lower) == pytest.approx(low, abs=1e-6)
    assert math.log1p(result.upper) == pytest.approx(high, abs=1e-6)


def test_t_not_normal_changes_the_answer():
    """A series the normal (statsmodels' default) would call Rising is no clear change with
    t(3): the dispersion is estimated from three degrees of freedom."""
    counts, x, populations = [100, 112, 118, 140, 132], [0, 1, 2, 3, 4], None
    normal = _statsmodels(counts, x, populations)
    assert normal.conf_int(alpha=0.05)[1][0] > 0  # the normal interval excludes zero
    assert stats.trend(counts, periods=x).label == stats.NO_CLEAR


# --- from indicator frames --------------------------------------------------------------------


def _frame(area_rows: dict[str, list[tuple]]) -> pd.DataFrame:
    """Rows (year ending 31 July, count or None, population or None, suppressed) per area, as
    indicators.series gives them for the count measure (value == count)."""
    rows = []
    for area, items in area_rows.items():
        for year, count, population, hidden in items:
            rows.append({"area_code": area, "period": dt.date(year, 7, 31),
                         "value": None if hidden else count,
                         "symbol": "[c]" if hidden else (".." if count is None else None),
                         "status": None, "batch_id": 1, "suppressed": hidden,
                         "count": None if hidden else count, "population": population,
                         "illustrative": False})
    return pd.DataFrame(rows, columns=indicators.COLUMNS)


def _rows(counts, start=2020, population=60_000):
    return [(start + i, c, population, False) for i, c in enumerate(counts)]


def test_recent_trend_from_a_frame():
    frame = _frame({FIFE: _rows([100, 101, 102, 103, 104]),
                    SCOTLAND: _rows([2000, 2600, 3400, 4400, 5800], population=1_000_000)})
    assert indicators.recent_trend(frame, FIFE) == (stats.NO_CLEAR, pytest.approx(0.00985,
                                                                                   abs=1e-4))
    label, change = indicators.recent_trend(frame, SCOTLAND)
    assert label == stats.RISING and change == pytest.approx(0.305, abs=1e-3)


def test_recent_trend_suppressed_count_in_window():
    rows = _rows([100, 130, 170, 220, 290])
    rows[2] = (2022, None, 60_000, True)
    assert indicators.recent_trend(_frame({FIFE: rows}), FIFE) == (
        stats.NOT_ASSESSED_SUPPRESSED, None)


def test_recent_trend_publisher_suppressed_symbol_counts_as_suppressed():
    frame = _frame({FIFE: _rows([100, 130, 170, 220, 290])})
    frame.loc[1, ["value", "count", "symbol", "suppressed"]] = [None, None, "c", False]
    assert indicators.recent_trend(frame, FIFE)[0] == stats.NOT_ASSESSED_SUPPRESSED


def test_recent_trend_rates_without_counts():
    frame = _frame({FIFE: _rows([1.0, 1.3, 1.7, 2.2, 2.9])})
    frame["count"] = float("nan")  # a rate indicator uploaded as rates only
    assert indicators.recent_trend(frame, FIFE) == (stats.NOT_ASSESSED_NO_COUNTS, None)


@pytest.mark.parametrize("counted,hidden_count,expected", [
    # a count indicator's rate shown while its count is hidden by secondary suppression
    (True, True, stats.NOT_ASSESSED_SUPPRESSED),
    # the same rates with their counts shown: assessed
    (True, False, stats.RISING),
    # a rate uploaded on its own cannot tell a hidden count from none
    (False, True, stats.NOT_ASSESSED_NO_COUNTS),
    (False, False, stats.RISING),
])
def test_a_rate_over_a_hidden_count_is_not_called_without_counts(counted, hidden_count,
                                                                 expected):
    frame = _frame({FIFE: _rows([100, 130, 170, 220, 290])})
    frame["value"] = frame["count"] / 60_000 * 1000  # the rates shown (unrounded: no matter)
    if hidden_count:
        frame.loc[2, "count"] = None  # shown rate, its count secondarily suppressed
    assert indicators.recent_trend(frame, FIFE, counted=counted)[0] == expected


@pytest.mark.parametrize("unit,measure,counted", [
    ("count", indicators.RATE, True), ("count", indicators.PERCENT, True),
    ("count", indicators.COUNT, False), ("rate per 1,000", indicators.RATE, False),
    ("percent", indicators.PERCENT, False)])
def test_which_series_are_calculated_from_counts(unit, measure, counted):
    assert indicators.counted_series({"unit": unit}, measure) is counted


def test_recent_trend_of_a_percentage_is_relative_to_its_base():
    # 40 re-registrations every year out of 200, 250, 312.5, 390.625, 488.28125
    # registrations: the percentage falls by 1/1.25 - 1 = -20% a year though the count is flat
    # (slope ln 0.8 = -0.223, se ~ 1/sqrt(40*10) = 0.05, margin 0.16)
    frame = _frame({FIFE: _rows([40] * 5)})
    frame["base"] = [200 * 1.25 ** i for i in range(5)]
    label, change = indicators.recent_trend(frame, FIFE)
    assert (label, change) == (stats.FALLING, pytest.approx(-0.2))
    assert indicators.recent_trend(frame.drop(columns=["base"]), FIFE)[0] == stats.NO_CLEAR


def test_recent_trend_missing_middle_period_keeps_its_gap():
    # 2022 absent altogether and 2023 present but not available (".."): both are missing
    frame = _frame({FIFE: [(2019, 100, None, False), (2020, 200, None, False),
                           (2022, None, None, False), (2023, 1600, None, False),
                           (2024, 3200, None, False), (2025, 6400, None, False)]})
    label, change = indicators.recent_trend(frame, FIFE)
    assert label == stats.RISING
    assert change == pytest.approx(1.0)  # doubling every year once the gap is kept


def test_recent_trend_four_periods_is_too_few():
    frame = _frame({FIFE: _rows([100, 130, 170, 220])})
    assert indicators.recent_trend(frame, FIFE) == (stats.TOO_FEW, None)


def test_series_break_three_periods_ago_leaves_too_few(monkeypatch):
    frame = _frame({FIFE: _rows([100, 130, 170, 220, 290, 380, 500], start=2018)})
    assert indicators.recent_trend(frame, FIFE, "X")[0] == stats.RISING
    # a break at 31 July 2021: 2021 onwards is the new series (2021-2024: four periods)
    monkeypatch.setattr(indicators, "series_breaks",
                        lambda: {"X": [(dt.date(2011, 7, 31), "old"),
                                       (dt.date(2021, 7, 31), "new basis")]})
    assert indicators.recent_trend(frame, FIFE, "X") == (stats.TOO_FEW, None)
    assert indicators.recent_trend(frame, FIFE, "OTHER")[0] == stats.RISING
    # a break still to come does not cut the series
    monkeypatch.setattr(indicators, "series_breaks",
                        lambda: {"X": [(dt.date(2030, 7, 31), "future")]})
    assert indicators.recent_trend(frame, FIFE, "X")[0] == stats.RISING


def test_series_break_from_the_reference_data():
    """CPPM_INITIAL breaks at 31 July 2021 (case conferences renamed): 2020-21 onwards only."""
    assert any(when == dt.date(2021, 7, 31)
               for when, _ in indicators.series_breaks()["CPPM_INITIAL"])
    since = _frame({FIFE: _rows([100, 130, 170, 220, 290], start=2021)})
    assert indicators.recent_trend(since, FIFE, "CPPM_INITIAL")[0] == stats.RISING
    before = _frame({FIFE: _rows([100, 130, 170, 220, 290], start=2020)})
    assert indicators.recent_trend(before, FIFE, "CPPM_INITIAL")[0] == stats.TOO_FEW


def test_trend_table_shows_the_change_per_period():
    frame = _frame({FIFE: _rows([100, 130, 170, 220, 290]),
                    SCOTLAND: _rows([2000, 2010, 2000, 1990], population=1_000_000)})
    table = indicators.trend_table(frame, [FIFE, SCOTLAND], reference.directory(), 0)
    assert list(table.columns) == ["Area", "Recent trend", "Change per period"]
    assert table.to_dict("records") == [
        {"Area": "Fife", "Recent trend": stats.RISING, "Change per period": "+30.5% a year"},
        {"Area": "Scotland", "Recent trend": stats.TOO_FEW, "Change per period": ""}]
    quarterly = indicators.trend_table(frame, [FIFE], reference.directory(), 0,
                                       code="X", frequency="quarterly")
    # five years read as quarterly periods four apart: the change per quarter is smaller
    assert quarterly.iloc[0]["Change per period"].endswith("% a quarter")


def test_profile_row_uses_the_trend_classes():
    # CPPM_INITIAL's series starts again in 2020-21 (period ending 31 July 2021)
    frame = _frame({FIFE: _rows([100, 130, 170, 220, 290], start=2021),
                    SCOTLAND: _rows([2000, 2600, 3400, 4400, 5800], start=2021,
                                    population=1_000_000)})
    definition = {"code": "CPPM_INITIAL", "name": "Meetings", "frequency": "annual",
                  "unit": "count", "polarity": "neither"}
    row = indicators.profile_row(definition, indicators.COUNT, frame, FIFE,
                                 reference.directory(), 0)
    assert row["Recent trend"] == stats.RISING
    assert indicators.profile_row(definition, indicators.COUNT, frame[frame["period"] > dt.date(
        2021, 7, 31)], FIFE, reference.directory(), 0)["Recent trend"] == stats.TOO_FEW
    hidden = frame.copy()
    hidden.loc[1, ["value", "count", "symbol", "suppressed"]] = [None, None, "[c]", True]
    row = indicators.profile_row(definition, indicators.COUNT, hidden, FIFE,
                                 reference.directory(), 0)
    assert row["Recent trend"] == stats.NOT_ASSESSED_SUPPRESSED


# --- comparisons with Scotland use Scotland's unrounded figure ----------------------------------

SCOTLAND_ROWS = {  # Scotland's row: (shown, count, population, base)
    "rate from its count": (0.9, 9_280, 10_000_000, None),  # exactly 0.928, shown 0.9
    "uploaded rate only": (0.9, None, 10_000_000, None),  # no count: the shown value
}


def _comparison_frame(scotland: tuple, area_count: float | None = 57,
                      area_population: float = 47_230) -> pd.DataFrame:
    """Fife's rate 57 / 47,230 (1.2 per 1,000, Byar's interval 0.914 to 1.564) beside
    Scotland's row."""
    shown, count, population, base = scotland
    rows = [{"area_code": FIFE, "period": dt.date(2024, 7, 31), "value": 1.2, "symbol": None,
             "status": None, "batch_id": 1, "suppressed": False, "count": area_count,
             "population": area_population, "population_year": 2023, "base": None,
             "illustrative": False},
            {"area_code": SCOTLAND, "period": dt.date(2024, 7, 31), "value": shown,
             "symbol": None, "status": None, "batch_id": 1, "suppressed": False,
             "count": count, "population": population, "population_year": 2023, "base": base,
             "illustrative": False}]
    return pd.DataFrame(rows, columns=indicators.COLUMNS)


@pytest.mark.parametrize("scotland,expected_reference,expected", [
    # hand-worked: 0.914 is above the 0.9 shown but below the exact 0.928: similar
    (SCOTLAND_ROWS["rate from its count"], 0.928, stats.SIMILAR),
    # without Scotland's count the shown (rounded) figure is all there is
    (SCOTLAND_ROWS["uploaded rate only"], 0.9, stats.HIGHER),
])
def test_comparison_uses_scotlands_unrounded_rate(scotland, expected_reference, expected):
    frame = _comparison_frame(scotland)
    ranked = indicators.comparison(frame, dt.date(2024, 7, 31), ("council",),
                                   reference.directory())
    fife = ranked.set_index("area_code").loc[FIFE]
    assert (round(fife["lower"], 3), round(fife["upper"], 3)) == (0.914, 1.564)
    assert fife["comparison"] == expected
    assert ranked.attrs["scotland_exact"] == pytest.approx(expected_reference)
    assert ranked.attrs["scotland_rate"] == 0.9  # the line drawn: Scotland as shown
    definition = {"code": "CP_REGISTER", "name": "Register", "frequency": "annual",
                  "unit": "count", "polarity": "neither"}
    row = indicators.profile_row(definition, indicators.RATE, frame, FIFE,
                                 reference.directory(), 1)
    assert row["Compared with Scotland"] == expected and row["Scotland"] == "0.9"


@pytest.mark.parametrize("row,percent,expected", [
    ({"value": 0.9, "count": 9_280, "population": 10_000_000}, False, 0.928),
    ({"value": 0.9, "count": None, "population": 10_000_000}, False, 0.9),
    ({"value": 0.9, "count": 9_280, "population": None}, False, 0.9),
    ({"value": 33.3, "count": 1, "base": 3, "population": 5_000}, True, 100 / 3),
    ({"value": 33.3, "count": 1, "base": None}, True, 33.3),
    ({"value": None, "count": 9_280, "population": 10_000_000}, False, None),
])
def test_scotland_reference(row, percent, expected):
    found = indicators.scotland_reference(row, percent)
    assert found == (None if expected is None else pytest.approx(expected))
