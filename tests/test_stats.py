"""Significance and trend rules against hand-worked examples (working in the comments)."""

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


@pytest.mark.parametrize("values,expected", [
    ([1, 2, 3, 4, 5], stats.RISING),  # a perfect line
    ([5, 4, 3, 2, 1], stats.FALLING),
    ([3, 3, 3, 3, 3], stats.NO_CLEAR),
    # slope 0.5, residual SS 2.7, se = sqrt(2.7/3/10) = 0.3, margin 3.182*0.3 = 0.95 > 0.5
    ([1, 3, 2, 4, 3], stats.NO_CLEAR),
    # slope 1.5, residual SS 0.3, se = 0.1, margin 0.32 < 1.5
    ([10, 12, 13, 15, 16], stats.RISING),
    # only the last five count
    ([100, 1, 10, 12, 13, 15, 16], stats.RISING),
    # four points are enough (df = 2)
    ([None, 10, 12, 14, 16], stats.RISING),
    # three are not
    ([None, 1, 2, 3, None], stats.TOO_FEW),
    ([], stats.TOO_FEW),
])
def test_recent_trend(values, expected):
    assert stats.trend(values)[0] == expected


def test_rules_are_stated_in_words():
    assert "Byar" in stats.SIGNIFICANCE_METHOD
    assert "five periods" in stats.TREND_RULE
