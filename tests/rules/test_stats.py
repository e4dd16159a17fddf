"""Significance and trend rules against hand-worked examples (working in the comments)."""

import datetime as dt
import math

import pytest

from cpip_dashboard.rules import stats


@pytest.mark.parametrize("count,lower,upper", [
    # O=10: 10*(1 - 1/90 - 1.959964/(3*sqrt 10))^3 = 10*0.78229^3 = 4.787
    #       11*(1 - 1/99 + 1.959964/(3*sqrt 11))^3 = 11*1.18688^3 = 18.392
    (10, 4.787, 18.392),
    # O=0: lower 0; upper (1 - 1/9 + 1.959964/3)^3 = 1.54221^3 = 3.668
    (0, 0.0, 3.668),
    # O=100: 100*(1 - 1/900 - 1.959964/30)^3 = 100*0.93356^3 = 81.36;
    #        101*(1 - 1/909 + 1.959964/(3*sqrt 101))^3 = 101*1.06391^3 = 121.63
    (100, 81.36, 121.63),
])
def test_byar_interval(count, lower, upper):
    low, high = stats.byar_interval(count)
    assert low == pytest.approx(lower, abs=0.01)
    assert high == pytest.approx(upper, abs=0.01)


def test_rate_interval_per_1000():
    rate, low, high = stats.rate_interval(10, 5000)
    assert rate == pytest.approx(2.0)
    assert (low, high) == (pytest.approx(0.9575, abs=1e-3), pytest.approx(3.678, abs=1e-3))


@pytest.mark.parametrize("lower,upper,reference,expected", [
    (2.1, 3.0, 2.0, stats.HIGHER),
    (1.0, 1.9, 2.0, stats.LOWER),
    (1.5, 2.5, 2.0, stats.SIMILAR),
    (2.0, 3.0, 2.0, stats.SIMILAR),  # touching the reference is not significant
    (None, None, 2.0, stats.NOT_COMPARED),
    (1.0, 2.0, None, stats.NOT_COMPARED),
])
def test_compare_with_scotland(lower, upper, reference, expected):
    assert stats.compare(lower, upper, reference) == expected


# Recent trend: quasi-Poisson log-linear regression (see stats.trend). Hand working: for a
# Poisson log-linear fit the slope's standard error is about 1/sqrt(sum mu_i (x_i - xbar)^2),
# scaled by sqrt(phi) with phi = max(Pearson chi2 / 3, 1); the margin is t(0.975, 3) = 3.182
# times that.
P100K = [100_000] * 5


@pytest.mark.parametrize("counts,populations,expected", [
    # The issue's case: slope ~ ln(1.04)/4 = 0.0098; se ~ 1/sqrt(100*4 + 101 + 103 + 104*4)
    # = 1/sqrt(1020) = 0.0313 (Pearson chi2 ~ 0, so phi = 1); margin 3.182*0.0313 = 0.0996
    # > 0.0098: a change of 4 children in 100 is well within chance. Least squares said Rising.
    ([100, 101, 102, 103, 104], P100K, stats.NO_CLEAR),
    # Without populations (a trend in the counts themselves) the same.
    ([100, 101, 102, 103, 104], None, stats.NO_CLEAR),
    # slope ~ ln(2.9)/4 = 0.266; se ~ 1/sqrt(100*4 + 130 + 220 + 290*4) = 0.023 (fitted
    # 0.0245); the fit is close (phi floored at 1); margin 0.078 < 0.266.
    ([100, 130, 170, 220, 290], P100K, stats.RISING),
    ([290, 220, 170, 130, 100], P100K, stats.FALLING),
    # A big swing each year: slope ~ 0.04 but phi = Pearson chi2/3 = 12.6, se ~ sqrt(12.6)/
    # sqrt(128*10) = 0.099; margin 0.32: no clear change.
    ([100, 160, 90, 170, 120], P100K, stats.NO_CLEAR),
    # Scotland-sized counts: slope ~ ln(2350/2000)/4 = 0.040 (fitted 0.041), se ~
    # 1/sqrt(2180*10) = 0.0068 (Pearson chi2/3 = 0.31, floored at 1), margin 0.022: rising.
    ([2000, 2100, 2150, 2300, 2350], [1e6] * 5, stats.RISING),
    # The same 100 children each year out of a child population growing 20% a year: the rate
    # falls by 1/1.2 - 1 = -16.7% a year exactly (slope ln(1/1.2) = -0.182, se ~
    # 1/sqrt(100*10) = 0.032, Pearson chi2 = 0): falling per child ...
    ([100] * 5, [50_000, 60_000, 72_000, 86_400, 103_680], stats.FALLING),
    # ... though the counts themselves do not change.
    ([100] * 5, None, stats.NO_CLEAR),
    # Every count zero: nothing to change.
    ([0, 0, 0, 0, 0], P100K, stats.NO_CLEAR),
    # Only the last count non-zero: no finite slope exists (small numbers).
    ([0, 0, 0, 0, 7], P100K, stats.NOT_ASSESSED_SMALL),
])
def test_recent_trend_classes(counts, populations, expected):
    assert stats.trend(counts, populations=populations).label == expected


def test_the_issues_example_was_rising_by_least_squares():
    """The example is the one the old rule got wrong: a perfect straight line has no residual
    scatter, so least squares called 100..104 Rising."""
    result = stats.trend([100, 101, 102, 103, 104], populations=P100K)
    assert result.label == stats.NO_CLEAR
    assert result.change == pytest.approx(0.00985, abs=1e-4)  # about +1% a year
    assert result.fit.dispersion == 1.0  # Pearson chi2/3 is ~1e-6: floored at Poisson
    assert result.lower < 0 < result.upper


def test_exact_change_per_period():
    # Counts doubling each period fit exactly: slope ln 2, change +100%.
    result = stats.trend([10, 20, 40, 80, 160])
    assert result.fit.slope == pytest.approx(math.log(2))
    assert result.change == pytest.approx(1.0)
    assert result.label == stats.RISING


@pytest.mark.parametrize("counts,periods,suppressed,expected", [
    # four periods: too few
    ([100, 130, 170, 220], None, None, stats.TOO_FEW),
    ([], None, None, stats.TOO_FEW),
    # a suppressed count among the last five: not assessed (it never enters the fit)
    ([100, 130, None, 220, 290], None, [False, False, True, False, False],
     stats.NOT_ASSESSED_SUPPRESSED),
    # a suppressed count before the last five does not matter
    ([None, 100, 130, 170, 220, 290], None, [True, False, False, False, False, False],
     stats.RISING),
    # only the last five count: an old spike is outside the window
    ([5000, 100, 130, 170, 220, 290], None, None, stats.RISING),
    # figures without counts (rates uploaded on their own)
    ([None] * 5, None, None, stats.NOT_ASSESSED_NO_COUNTS),
    ([100, 130, None, 220, 290], None, None, stats.NOT_ASSESSED_NO_COUNTS),
    # suppressed wins over no counts
    ([None] * 5, None, [False, True, False, False, False], stats.NOT_ASSESSED_SUPPRESSED),
    # a missing middle period: five figures over six years are still five periods
    ([100, 130, 220, 290, 370], [2019, 2020, 2022, 2023, 2024], None, stats.RISING),
])
def test_recent_trend_windows(counts, periods, suppressed, expected):
    assert stats.trend(counts, periods=periods, suppressed=suppressed).label == expected


def test_a_missing_period_keeps_its_gap():
    # 100, 200, (missing), 800, 1600, 3200: with the gap kept the counts double every period
    # (slope ln 2, an exact fit). Closing the gap (x = 0..4) would put a quadrupling into one
    # step and make the slope steeper than ln 2.
    gapped = stats.trend([100, 200, 800, 1600, 3200], periods=[0, 1, 3, 4, 5])
    assert gapped.fit.slope == pytest.approx(math.log(2))
    closed = stats.trend([100, 200, 800, 1600, 3200])
    assert closed.fit.slope > math.log(2) * 1.1


@pytest.mark.parametrize("populations,per_child", [
    (P100K, True),
    (None, False),
    ([100_000, None, 100_000, 100_000, 100_000], False),  # one unknown: counts only
    ([100_000, 0, 100_000, 100_000, 100_000], False),
])
def test_population_is_the_exposure_only_when_known_for_every_point(populations, per_child):
    assert stats.trend([100, 130, 170, 220, 290], populations=populations).per_child is per_child


def test_periods_must_be_in_order():
    with pytest.raises(ValueError):
        stats.trend([1, 2, 3, 4, 5], periods=[1, 2, 2, 3, 4])


@pytest.mark.parametrize("dates,frequency,expected", [
    ([dt.date(2019, 7, 31), dt.date(2020, 7, 31), dt.date(2022, 7, 31)], "annual",
     [2019, 2020, 2022]),
    # the 2011 change of census date (31 March -> 31 July) is still one year on
    ([dt.date(2010, 3, 31), dt.date(2011, 7, 31)], None, [2010, 2011]),
    ([dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 12, 31)], "quarterly",
     [2024 * 4, 2024 * 4 + 1, 2024 * 4 + 3]),
    ([dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 4, 30)], None,
     [2024 * 12, 2024 * 12 + 1, 2024 * 12 + 3]),
])
def test_period_index_keeps_gaps(dates, frequency, expected):
    assert stats.period_index(dates, frequency) == expected


@pytest.mark.parametrize("change,frequency,expected", [
    (0.0312, "annual", "+3.1% a year"),
    (-0.167, "annual", "-16.7% a year"),
    (0.00001, "quarterly", "0.0% a quarter"),
    (0.5, "monthly", "+50.0% a month"),
    (0.02, None, "+2.0% a period"),
    (None, "annual", ""),
])
def test_change_text(change, frequency, expected):
    assert stats.change_text(change, frequency) == expected


def test_rules_are_stated_in_words():
    assert "Byar" in stats.SIGNIFICANCE_METHOD
    for words in ("five periods", "break", "quasi-Poisson", "child population", "95%",
                  "Too few periods", "suppressed", "without its counts", "Missing periods"):
        assert words in stats.TREND_RULE, words


# --- boundaries and refusals, worked by hand (issue 24: tests that kill mutants) ---------------


@pytest.mark.parametrize("lower,upper,reference,expected", [
    (None, 5.0, 3.0, stats.NOT_COMPARED), (1.0, None, 3.0, stats.NOT_COMPARED),
    (1.0, 5.0, None, stats.NOT_COMPARED),
    (3.5, 5.0, 3.0, stats.HIGHER), (1.0, 2.5, 3.0, stats.LOWER),
    # an interval ending exactly at Scotland's rate touches it: similar, either way
    (3.0, 5.0, 3.0, stats.SIMILAR), (1.0, 3.0, 3.0, stats.SIMILAR),
])
def test_compare_boundaries(lower, upper, reference, expected):
    assert stats.compare(lower, upper, reference) == expected


@pytest.mark.parametrize("comparison,polarity,label", [
    (stats.HIGHER, "higher is better", "Significantly higher (better)"),
    (stats.HIGHER, "lower is better", "Significantly higher (worse)"),
    (stats.LOWER, "higher is better", "Significantly lower (worse)"),
    (stats.LOWER, "lower is better", "Significantly lower (better)"),
    (stats.HIGHER, "neither", "Significantly higher"),
    (stats.SIMILAR, "higher is better", "Similar"),
    (stats.NOT_COMPARED, "lower is better", "Not compared"),
])
def test_comparison_label(comparison, polarity, label):
    assert stats.comparison_label(comparison, polarity) == label


@pytest.mark.parametrize("change,frequency,text", [
    (None, "annual", ""),
    (0.0312, "annual", "+3.1% a year"), (-0.0312, "quarterly", "-3.1% a quarter"),
    (0.005, "monthly", "+0.5% a month"),  # under one per cent still has its sign
    (-0.0004, None, "0.0% a period"),  # rounds to nothing: no sign
    (12.3456, "annual", "+1,234.6% a year"),
])
def test_change_text_signs_and_rounding(change, frequency, text):
    assert stats.change_text(change, frequency) == text


@pytest.mark.parametrize("days,frequency", [
    ([], "annual"), ([0], "annual"),  # one period: treated as annual
    ([0, 250], "annual"), ([0, 249], "quarterly"), ([0, 80], "quarterly"),
    ([0, 79], "monthly"), ([0, 365, 395], "monthly"),  # the closest two decide
])
def test_infer_frequency_boundaries(days, frequency):
    start = dt.date(2020, 1, 1)
    assert stats.infer_frequency([start + dt.timedelta(days=d) for d in days]) == frequency


def test_byar_refuses_a_negative_count():
    with pytest.raises(ValueError, match=r"^count must be 0 or more$"):
        stats.byar_interval(-1)


@pytest.mark.parametrize("counts,x,exposure,message", [
    ([1, 2], [0, 1], None, "need at least three counts, one per time point"),
    ([1, 2, 3], [0, 1], None, "need at least three counts, one per time point"),
    ([1, -2, 3], [0, 1, 2], None, "counts must be finite and 0 or more"),
    ([1, math.inf, 3], [0, 1, 2], None, "counts must be finite and 0 or more"),
    ([1, 2, 3], [0, 1, 2], [10, 0, 10], "exposures must be finite and above 0"),
    ([0, 0, 0], [0, 1, 2], None, "no finite slope"),
    ([0, 0, 5], [0, 1, 2], None, "no finite slope"),
    ([5, 0, 0], [0, 1, 2], None, "no finite slope"),
])
@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")
def test_fit_refuses_what_has_no_estimate(counts, x, exposure, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        stats.fit_quasi_poisson(counts, x, exposure)


@pytest.mark.parametrize("counts", [[1, 2, 3], [0, 1, 1], [0, 5, 0]])
def test_fit_with_three_counts_not_all_at_one_end(counts):
    fit = stats.fit_quasi_poisson(counts, [0, 1, 2])
    assert math.isfinite(fit.slope) and fit.iterations >= 1


def test_fit_reports_the_iterations_it_took_and_stops_when_short_of_them():
    y, x = [3, 5, 4, 9, 12], [0, 1, 2, 3, 4]
    taken = stats.fit_quasi_poisson(y, x).iterations
    assert 2 <= taken < 100
    assert stats.fit_quasi_poisson(y, x, max_iterations=taken).iterations == taken
    with pytest.raises(ValueError, match=r"^the fit did not converge$"):
        stats.fit_quasi_poisson(y, x, max_iterations=taken - 1)


@pytest.mark.parametrize("kwargs,message", [
    ({"periods": [1, 2, 3]}, "counts, periods, populations and suppressed differ in length"),
    ({"populations": [1]}, "counts, periods, populations and suppressed differ in length"),
    ({"suppressed": [False]}, "counts, periods, populations and suppressed differ in length"),
    ({"periods": [1, 2, 2, 3, 4, 5]}, "periods must be in order, one figure per period"),
])
def test_trend_refuses_inconsistent_input(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        stats.trend([3, 5, 4, 9, 12, 14], **kwargs)


@pytest.mark.parametrize("populations,per_child", [
    ([1, 1, 1, 1, 1], True),  # a base of one is still a base
    ([0, 1, 1, 1, 1], False),  # a zero population: a trend in the counts, not the rate
    ([None, 1, 1, 1, 1], False),
])
def test_trend_uses_the_population_only_where_every_one_is_above_zero(populations, per_child):
    result = stats.trend([3, 5, 4, 9, 12], populations=populations)
    assert result.per_child is per_child
    assert result.change == pytest.approx(0.420146547, rel=1e-6)  # exposure 1 either way


def test_a_series_already_at_its_estimate_takes_two_iterations():
    """Constant counts: the start (y + mean) / 2 is the estimate, so the first step moves the
    coefficients from zero to it and the second moves nothing: two iterations, one too few."""
    fit = stats.fit_quasi_poisson([5, 5, 5], [0, 1, 2])
    assert fit.iterations == 2 and fit.slope == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match=r"^the fit did not converge$"):
        stats.fit_quasi_poisson([5, 5, 5], [0, 1, 2], max_iterations=1)
