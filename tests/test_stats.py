"""Significance and trend rules against hand-worked examples (working in the comments)."""

import datetime as dt
import math

import pytest

from cpip_dashboard import stats


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
