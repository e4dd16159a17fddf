"""Confidence intervals, comparison with Scotland and recent trend (pure, hand-checkable).

- **Rates** per 1,000 children aged 0-17 get 95% confidence intervals by Byar's approximation
  to the exact Poisson interval (the method Public Health Scotland and OHID use for rates).
- **Comparison with Scotland**: an area is significantly higher when its interval lies wholly
  above Scotland's rate, significantly lower when wholly below, otherwise similar.
- **Recent trend** (`trend`): a quasi-Poisson log-linear regression of the counts on time over
  the five most recent periods with a figure since the last break in the series, with the child
  population as exposure where it is loaded. Rising or falling when the 95% interval of the slope
  excludes zero; see `trend` for the rule in full and its sources.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

Z95 = 1.959964

HIGHER, SIMILAR, LOWER, NOT_COMPARED = ("Significantly higher", "Similar",
                                        "Significantly lower", "Not compared")
RISING, FALLING, NO_CLEAR, TOO_FEW = ("Rising", "Falling", "No clear change",
                                      "Too few periods")
NOT_ASSESSED_SUPPRESSED, NOT_ASSESSED_SMALL, NOT_ASSESSED_NO_COUNTS = (
    "Not assessed (figures suppressed)", "Not assessed (small numbers)",
    "Not assessed (no counts)")
TREND_CLASSES = (RISING, FALLING, NO_CLEAR, TOO_FEW, NOT_ASSESSED_SUPPRESSED, NOT_ASSESSED_SMALL,
                 NOT_ASSESSED_NO_COUNTS)
TREND_PERIODS = 5  # the window, and the fewest periods a trend is assessed on

SIGNIFICANCE_METHOD = (
    "95% confidence intervals for rates per 1,000 children aged 0-17 by Byar's method; an area "
    "is significantly higher (or lower) than Scotland when its whole interval lies above (or "
    "below) Scotland's rate, otherwise similar. Scotland's rate is taken unrounded, from its "
    "count and child population; only the figures shown are rounded. Not compared where the "
    "count is suppressed or no child population is loaded.")
PERCENT_METHOD = (
    "95% confidence intervals for percentages by Wilson's score method, from the count and its "
    "base; an area is significantly higher (or lower) than Scotland when its whole interval "
    "lies above (or below) Scotland's percentage, otherwise similar. Scotland's percentage is "
    "taken unrounded, from its count and base. Not compared where the count or its base is "
    "suppressed.")
TREND_RULE = (
    "The recent trend uses the last five periods with a figure since any break in the series; "
    "with fewer than five it is \"Too few periods\". The counts are modelled as changing by the "
    "same percentage each period, relative to the child population where it is loaded (for a "
    "percentage, relative to its base), in a quasi-Poisson regression that allows for the "
    "chance variation expected in counts of this size or the extra variation seen between "
    "periods, whichever is larger. Rising or falling means the 95% confidence interval of that "
    "change per period (t-distribution with 3 degrees of freedom) excludes zero; otherwise no "
    "clear change. Missing periods are left out, not filled in. Not assessed where any of the "
    "five figures or the counts they rest on is suppressed (figures suppressed), where the "
    "counts are too small to estimate a change (small numbers), or where a rate or percentage "
    "was uploaded without its counts (no counts).")


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




@dataclass(frozen=True)
class QuasiPoissonFit:
    """A Poisson log-linear fit `log E[y] = log(exposure) + intercept + slope * x` whose
    standard errors are scaled by the quasi-Poisson dispersion (never below 1)."""

    intercept: float
    slope: float
    se: float  # of the slope: sqrt(dispersion) times the Poisson (model-based) standard error
    pearson_dispersion: float  # Pearson chi-squared / (n - 2), as estimated
    dispersion: float  # the one used: max(pearson_dispersion, 1)
    iterations: int


def fit_quasi_poisson(counts: Sequence[float], x: Sequence[float],
                      exposure: Sequence[float] | None = None, max_iterations: int = 100,
                      tolerance: float = 1e-12) -> QuasiPoissonFit:
    """Fit by iteratively reweighted least squares (McCullagh & Nelder 1989, chapter 2).

    The log link is canonical for the Poisson, so Fisher scoring and Newton's method coincide:
    working response z = eta - offset + (y - mu) / mu, weights mu. Time is centred while
    fitting (the slope and its error do not change) and the intercept is given at x = 0.
    Raises ValueError where the maximum-likelihood estimate does not exist (every count zero,
    or every non-zero count at the first or last time point: the slope is then infinite).
    """
    y = np.asarray(counts, dtype=float)
    t = np.asarray(x, dtype=float)
    n = len(y)
    if n < 3 or len(t) != n:
        raise ValueError("need at least three counts, one per time point")
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        raise ValueError("counts must be finite and 0 or more")
    offset = np.zeros(n) if exposure is None else np.log(np.asarray(exposure, dtype=float))
    if not np.all(np.isfinite(offset)):
        raise ValueError("exposures must be finite and above 0")
    where = t[y > 0]
    if len(where) == 0 or np.all(where == t.min()) or np.all(where == t.max()):
        raise ValueError("no finite slope: every non-zero count is at one end of the series")
    centre = t.mean()
    design = np.column_stack([np.ones(n), t - centre])
    mu = (y + y.mean()) / 2  # statsmodels' and R's kind of start, away from log(0)
    eta = np.log(mu)
    beta = np.zeros(2)
    for iteration in range(1, max_iterations + 1):
        iterations = iteration
        working = eta - offset + (y - mu) / mu
        weighted = design * mu[:, None]
        new = np.linalg.solve(design.T @ weighted, weighted.T @ working)
        step = np.max(np.abs(new - beta))
        beta = new
        eta = design @ beta + offset
        mu = np.exp(eta)
        if step < tolerance * (1 + np.max(np.abs(beta))):
            break
    else:
        if step > 1e-8:
            raise ValueError("the fit did not converge")
    information = design.T @ (design * mu[:, None])
    covariance = np.linalg.inv(information)
    pearson = float(np.sum((y - mu) ** 2 / mu) / (n - 2))
    dispersion = max(pearson, 1.0)
    slope = float(beta[1])
    return QuasiPoissonFit(intercept=float(beta[0] - slope * centre), slope=slope,
                           se=math.sqrt(covariance[1, 1] * dispersion),
                           pearson_dispersion=pearson, dispersion=dispersion,
                           iterations=iterations)


@dataclass(frozen=True)
class TrendResult:
    label: str  # one of TREND_CLASSES
    change: float | None = None  # estimated change per period, exp(slope) - 1 (0.031 = +3.1%)
    lower: float | None = None  # 95% interval of that change
    upper: float | None = None
    fit: QuasiPoissonFit | None = None
    per_child: bool = False  # the child population was the exposure (a trend in the rate)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def trend(counts: Sequence[float | None], periods: Sequence[int] | None = None,
          populations: Sequence[float | None] | None = None,
          suppressed: Sequence[bool] | None = None) -> TrendResult:
    """Recent trend of an area's counts, oldest first, one entry per period that has a figure.

    `periods` are the periods' positions in time (e.g. the year of each annual period); a
    period with no figure is simply absent, so the gap stays in x (default 0, 1, 2, ...).
    A count of None is a figure shown without its count (a rate uploaded on its own);
    `suppressed` marks figures hidden by disclosure control; `populations` are the children
    aged 0-17 each count relates to (for a percentage, its base: the count it is a share of).
    The caller drops periods before the last series break.

    Rule (stated for users in `TREND_RULE`):
    1. Take the last five periods with a figure (`TREND_PERIODS`); fewer than five: "Too few
       periods". If any of the five is suppressed (its figure, or the count a shown rate rests
       on): "Not assessed (figures suppressed)" (suppressed counts never enter the fit); if any
       has no count: "Not assessed (no counts)".
    2. Fit a quasi-Poisson log-linear regression (GLM, log link) of the counts on the period
       index, with log(population) as offset when every one of the five has a population above
       zero, otherwise exposure 1 (a trend in the counts themselves). The dispersion is the
       Pearson chi-squared over n - 2, never below 1: never less variation than Poisson.
    3. Rising (falling) when the 95% Wald interval of the slope, with the Poisson standard
       error scaled by sqrt(dispersion), lies wholly above (below) zero; otherwise "No clear
       change". The critical value is from the t-distribution with n - 2 = 3 degrees of
       freedom (3.182), not the normal (1.960): the dispersion is estimated from three
       residual degrees of freedom, and treating it as known would call about one in seven
       trendless over-dispersed series a trend instead of one in twenty. This is the
       convention for quasi-likelihood fits in R's `summary.glm`; statsmodels' GLM with
       scale="X2" uses the normal unless asked for `use_t=True`. With the dispersion floored
       at 1 the test is, if anything, cautious for series that vary no more than Poisson.
    4. The change per period shown is exp(slope) - 1 (e.g. +3.1% a year).
    If every count is zero: "No clear change" (no change is estimated). If every non-zero
    count is at one end, no finite slope exists: "Not assessed (small numbers)".

    Sources: quasi-likelihood and the Pearson estimate of the dispersion, McCullagh P. and
    Nelder J.A. (1989) Generalized Linear Models, 2nd edition, Chapman and Hall, chapters 6
    and 9, after Wedderburn R.W.M. (1974) Biometrika 61:439-447. Counts vary as Poisson at
    least, as for the rate intervals above (APHO Technical Briefing 3, Eayres D. (2008)
    Commonly used public health statistics and their confidence intervals). The window of
    the five most recent data points follows OHID (formerly PHE) Fingertips' recent trends.
    """
    n_all = len(counts)
    index = list(range(n_all)) if periods is None else [int(p) for p in periods]
    pops = [None] * n_all if populations is None else list(populations)
    hidden = [False] * n_all if suppressed is None else [bool(h) for h in suppressed]
    if not (len(index) == len(pops) == len(hidden) == n_all):
        raise ValueError("counts, periods, populations and suppressed differ in length")
    if any(b <= a for a, b in itertools.pairwise(index)):
        raise ValueError("periods must be in order, one figure per period")
    window = slice(max(n_all - TREND_PERIODS, 0), n_all)
    counts_w, index_w = list(counts[window]), index[window]
    pops_w, hidden_w = pops[window], hidden[window]
    if len(counts_w) < TREND_PERIODS:
        return TrendResult(TOO_FEW)
    if any(hidden_w):
        return TrendResult(NOT_ASSESSED_SUPPRESSED)
    if any(_missing(c) for c in counts_w):
        return TrendResult(NOT_ASSESSED_NO_COUNTS)
    y = [float(c) for c in counts_w]
    if all(c == 0 for c in y):
        return TrendResult(NO_CLEAR)
    per_child = all(not _missing(p) and float(p) > 0 for p in pops_w)
    exposure = [float(p) for p in pops_w] if per_child else None
    try:
        fit = fit_quasi_poisson(y, index_w, exposure)
    except ValueError:
        return TrendResult(NOT_ASSESSED_SMALL)
    critical = float(scipy_stats.t.ppf(0.975, len(y) - 2))
    low, high = fit.slope - critical * fit.se, fit.slope + critical * fit.se
    label = RISING if low > 0 else FALLING if high < 0 else NO_CLEAR
    return TrendResult(label, change=math.expm1(fit.slope), lower=math.expm1(low),
                       upper=math.expm1(high), fit=fit, per_child=per_child)


PERIODS_A_YEAR = {"annual": 1, "quarterly": 4, "monthly": 12}
PERIOD_WORDS = {"annual": "a year", "quarterly": "a quarter", "monthly": "a month"}


def period_index(periods: Sequence, frequency: str | None = None) -> list[int]:
    """Each period end date's position in time, so that missing periods leave gaps: the year
    for annual figures, year * 4 + quarter for quarterly, year * 12 + month for monthly.
    Without a frequency it is read from the closest two dates (a year apart or more: annual;
    about a quarter: quarterly; else monthly)."""
    if frequency not in PERIODS_A_YEAR:
        frequency = infer_frequency(periods)
    per_year = PERIODS_A_YEAR[frequency]
    return [p.year * per_year + (p.month - 1) * per_year // 12 for p in periods]


def infer_frequency(periods: Sequence) -> str:
    dates = sorted(set(periods))
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    closest = min(gaps, default=365)
    return "annual" if closest >= 250 else "quarterly" if closest >= 80 else "monthly"


def change_text(change: float | None, frequency: str | None = None) -> str:
    """'+3.1% a year'; blank where no change was estimated."""
    if change is None:
        return ""
    percent = round(change * 100, 1)
    sign = "+" if percent > 0 else "" if percent == 0 else "-"
    return f"{sign}{abs(percent):,.1f}% {PERIOD_WORDS.get(frequency or '', 'a period')}"
