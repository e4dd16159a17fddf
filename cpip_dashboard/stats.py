"""Confidence intervals, comparison with Scotland and recent trend (pure, hand-checkable).

- **Rates** per 1,000 children aged 0-17 get 95% confidence intervals by Byar's approximation
  to the exact Poisson interval (the method Public Health Scotland and OHID use for rates).
- **Comparison with Scotland**: an area is significantly higher when its interval lies wholly
  above Scotland's rate, significantly lower when wholly below, otherwise similar.
- **Recent trend**: over the last five periods, a straight line is fitted to the values shown
  (at least four needed); the trend is rising or falling when the slope's 95% confidence
  interval (t-distribution) excludes zero, otherwise no clear change.
"""

from __future__ import annotations

import math

Z95 = 1.959964
T975 = {1: 12.706, 2: 4.303, 3: 3.182}  # two-sided 95% t critical values by degrees of freedom

HIGHER, SIMILAR, LOWER, NOT_COMPARED = ("Significantly higher", "Similar",
                                        "Significantly lower", "Not compared")
RISING, FALLING, NO_CLEAR, TOO_FEW = ("Rising", "Falling", "No clear change",
                                      "Too few periods")

SIGNIFICANCE_METHOD = (
    "95% confidence intervals for rates per 1,000 children aged 0-17 by Byar's method; an area "
    "is significantly higher (or lower) than Scotland when its whole interval lies above (or "
    "below) Scotland's rate, otherwise similar. Not compared where the count is suppressed or "
    "no child population is loaded.")
TREND_RULE = (
    "Over the last five periods, a straight line is fitted to the figures shown (at least four "
    "are needed). Rising or falling means the slope's 95% confidence interval excludes zero; "
    "otherwise no clear change.")


def byar_interval(count: float, z: float = Z95) -> tuple[float, float]:
    """95% interval for a Poisson count by Byar's approximation."""
    if count < 0:
        raise ValueError("count must be 0 or more")
    if count == 0:
        lower = 0.0
    else:
        lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper_count = count + 1
    upper = upper_count * (1 - 1 / (9 * upper_count) + z / (3 * math.sqrt(upper_count))) ** 3
    return max(lower, 0.0), upper


def rate_interval(count: float, population: float, per: float = 1000) -> tuple[float, float, float]:
    """(rate, lower, upper) per `per` people."""
    low, high = byar_interval(count)
    return count / population * per, low / population * per, high / population * per


def compare(lower: float | None, upper: float | None, reference: float | None) -> str:
    if lower is None or upper is None or reference is None:
        return NOT_COMPARED
    if lower > reference:
        return HIGHER
    if upper < reference:
        return LOWER
    return SIMILAR


def comparison_label(comparison: str, polarity: str) -> str:
    """'Significantly higher (worse)' where polarity is defined, else the plain class."""
    if polarity == "neither" or comparison in (SIMILAR, NOT_COMPARED):
        return comparison
    good = (comparison == HIGHER) == (polarity == "higher is better")
    return f"{comparison} ({'better' if good else 'worse'})"


def trend(values: list[float | None]) -> tuple[str, float | None]:
    """Recent trend over the last five periods (oldest first); returns (class, slope/period)."""
    last = values[-5:]
    points = [(i, v) for i, v in enumerate(last) if v is not None]
    if len(points) < 4:
        return TOO_FEW, None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in points)
    df = n - 2
    se = math.sqrt(residual / df / sxx)
    if se == 0:
        return (NO_CLEAR if slope == 0 else (RISING if slope > 0 else FALLING)), slope
    margin = T975[df] * se
    if slope - margin > 0:
        return RISING, slope
    if slope + margin < 0:
        return FALLING, slope
    return NO_CLEAR, slope
