"""Which figures to doubt: a continuity report in the spirit of DfE COLLECT's (pure, over the
published series and the releases kept).

Per area and indicator:
- **Late**: an area without the latest period that more than half of the areas have (a figure,
  shown or suppressed: a suppressed figure was supplied; a symbol such as `x` (not submitted)
  or `..` is not a figure).
- **Revised**: a shown value that a later release replaced by another shown value: old, new and
  when. A suppressed figure on either side is never a revision (its value was never shown).
- **Implausible jump**: the change from the previous period, both figures shown with their
  counts, lies outside two-sided 99.8% limits under the quasi-Poisson count model of the trend
  test (`stats.trend`): given the two counts' total, the later one is binomial with the share
  its exposure (child population, or a percentage's base; else equal) gives it, its variance
  scaled by the dispersion the trend model estimates over the periods before (never below 1);
  a half is taken off the distance as a continuity correction. Not where a series break falls
  between the two periods, nor where either figure or its count is suppressed or missing.
- **New since the last meeting**: figures in a release after the previous meeting that no
  earlier release showed (new periods), and shown values revised in that window.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from scipy import stats as scipy_stats

from cpip_dashboard.rules import stats
from cpip_dashboard.rules.rows import records
from cpip_dashboard.rules.values import long_date, period_label

LATE, REVISED, JUMP = "Late", "Revised", "Implausible jump"
KINDS = (LATE, REVISED, JUMP)
LIMIT = 0.998  # two-sided limits for a jump
Z_LIMIT = float(scipy_stats.norm.ppf(0.5 + LIMIT / 2))  # 3.090
DISPERSION_PERIODS = stats.TREND_PERIODS  # the periods before a jump its dispersion comes from

RULES = {
    LATE: "an area without the latest period that more than half of the areas have; a "
          "suppressed figure counts as supplied, a symbol such as x (not submitted) does not",
    REVISED: "a figure shown in one release and shown with another value in a later one (old, "
             "new and the release's date); a suppressed figure is never compared",
    JUMP: "the change from the previous period lies outside two-sided 99.8% limits under the "
          "quasi-Poisson count model of the recent trend (the counts' chance variation, or the "
          "extra variation the trend model finds over the five periods before, whichever is "
          "larger), unless a series break falls between the two periods; suppressed figures "
          "are never tested",
}


@dataclass(frozen=True)
class Doubt:
    kind: str  # LATE, REVISED or JUMP
    code: str
    area: str  # area code
    period: dt.date
    sentence: str  # why, in words, without the area's and indicator's names
    old: float | None = None  # a revision's values
    new: float | None = None
    when: dt.datetime | None = None  # a revision's release


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        not isinstance(value, (str, dt.date)) and pd.isna(value))


def _supplied(row: dict) -> bool:
    """A figure was supplied: shown, or suppressed by disclosure control."""
    return bool(row.get("suppressed")) or not _missing(row.get("value"))


def latest_common_period(periods_by_area: dict[str, set[dt.date]]) -> tuple[dt.date | None, int]:
    """The latest period that more than half of the areas have, and how many have it."""
    tally: dict[dt.date, int] = {}
    for periods in periods_by_area.values():
        for period in periods:
            tally[period] = tally.get(period, 0) + 1
    return common_period(tally, len(periods_by_area))


def common_period(tally: dict[dt.date, int], areas: int) -> tuple[dt.date | None, int]:
    """The latest period that more than half of `areas` areas have, from how many have each
    period (`tally`), and how many have it."""
    common = [p for p, n in tally.items() if n > areas / 2]
    if not common:
        return None, 0
    chosen = max(common)
    return chosen, tally[chosen]


def late(rows: Iterable[dict], areas: Sequence[str], code: str, frequency: str,
         what: str = "areas") -> list[Doubt]:
    """The `areas` (e.g. the councils) late with `code`'s latest common period. `rows` are the
    published series' rows (area_code, period, value, suppressed)."""
    periods: dict[str, set[dt.date]] = {area: set() for area in areas}
    for row in rows:
        if row["area_code"] in periods and _supplied(row):
            periods[row["area_code"]].add(row["period"])
    chosen, having = latest_common_period(periods)
    found = (late_area(area, periods[area], chosen, having, len(areas), code, frequency, what)
             for area in areas)
    return [doubt for doubt in found if doubt is not None]


def late_area(area: str, own: set[dt.date], chosen: dt.date | None, having: int, areas: int,
              code: str, frequency: str, what: str) -> Doubt | None:
    """One area late with the latest common period `chosen` (which `having` of `areas` areas
    have), given the periods it has figures for (`own`); None if it is not late."""
    if chosen is None or chosen in own or any(p > chosen for p in own):
        return None
    before = max(own) if own else None
    return Doubt(LATE, code, area, chosen,
                 f"no figure for {period_label(chosen, frequency)}, which {having} of {areas} "
                 f"{what} have; " + (f"its latest is {period_label(before, frequency)}"
                                     if before else "it has no figure yet"))


def figures_at(history: pd.DataFrame, version: int) -> pd.DataFrame:
    """The figures a release showed: first shown at or before `version`, not yet replaced."""
    if history.empty:
        return history
    alive = history["valid_to"].isna() | (history["valid_to"] > version)
    return history[(history["publication_id"] <= version) & alive]


def _number(value: object) -> float | None:
    return None if _missing(value) else float(value)


def revisions(history: pd.DataFrame, released: dict[int, dt.datetime], places: int,
              since: int = 0) -> list[Doubt]:
    """Shown values replaced by another shown value in a release after `since`. `history` is
    one indicator and measure's rows over all releases (`store.releases.figure_history`);
    `released` maps a publication to its time; `places` is the published precision."""
    if history.empty:
        return []
    result = []
    # only figures shown in more than one release can have been revised
    several = history[history.duplicated(["area_code", "period"], keep=False)]
    grouped: dict[tuple, list[dict]] = {}
    for one in records(several.sort_values(["area_code", "period", "publication_id"],
                                           kind="stable")):
        grouped.setdefault((one["area_code"], one["period"]), []).append(one)
    for (area, period), rows in grouped.items():
        for old, new in itertools.pairwise(rows):
            if _missing(old["valid_to"]) or int(old["valid_to"]) != new["publication_id"]:
                continue  # withdrawn and shown again later: not one revision
            if new["publication_id"] <= since or old["suppressed"] or new["suppressed"]:
                continue
            before, after = _number(old["value"]), _number(new["value"])
            if before is None or after is None or round(before, places) == round(after,
                                                                                  places):
                continue
            when = released.get(int(new["publication_id"]))
            result.append(Doubt(
                REVISED, str(old["indicator_code"]), area, period,
                f"from {before:,.{places}f} to {after:,.{places}f}"
                + (f" on {long_date(when.date())}" if when is not None else ""),
                old=before, new=after, when=when))
    return result


def _exposure(row: dict) -> float | None:
    for field in ("base", "population"):
        value = _number(row.get(field))
        if value is not None and value > 0:
            return value
    return None


def _dispersion(before: list[dict], index: list[int]) -> float:
    """The quasi-Poisson dispersion the trend model estimates over the periods before (never
    below 1; 1 with fewer than three, or where no fit exists)."""
    if len(before) < 3:
        return 1.0
    exposures = [_exposure(r) for r in before]
    try:
        fit = stats.fit_quasi_poisson([float(r["count"]) for r in before], index,
                                      exposures if all(exposures) else None)
    except ValueError:
        return 1.0
    return fit.dispersion


def jump_z(previous: float, current: float, exposure_previous: float | None = None,
           exposure_current: float | None = None, dispersion: float = 1.0) -> float:
    """How far the later count lies from what the earlier one leads to expect, in standard
    errors: given the total n, the later count is binomial(n, share) with share its exposure's
    part of both (a half off for continuity), its variance times the dispersion. 0 with no
    counts."""
    n = previous + current
    if n <= 0:
        return 0.0
    if exposure_previous and exposure_current:
        share = exposure_current / (exposure_previous + exposure_current)
    else:
        share = 0.5
    spread = math.sqrt(dispersion * n * share * (1 - share))
    distance = max(abs(current - n * share) - 0.5, 0.0)
    return math.copysign(distance / spread, current - n * share)


def jumps(rows: Iterable[dict], code: str, frequency: str,
          breaks: Sequence[dt.date] = (), periods: set[dt.date] | None = None) -> list[Doubt]:
    """Implausible jumps in one indicator and measure's published series (rows with
    area_code, period, value, suppressed, count, and population or base), at `periods` only
    when given (e.g. each area's latest)."""
    by_area: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: (r["area_code"], r["period"])):
        by_area.setdefault(row["area_code"], []).append(row)
    result = []
    for area, series in by_area.items():
        index = stats.period_index([r["period"] for r in series], frequency)
        for i in range(1, len(series)):
            previous, current = series[i - 1], series[i]
            if periods is not None and current["period"] not in periods:
                continue
            if index[i] - index[i - 1] != 1:
                continue  # not the previous period: a gap
            if any(previous["period"] < b <= current["period"] for b in breaks):
                continue  # a series break explains a change
            pair = (previous, current)
            if any(r.get("suppressed") or _number(r.get("count")) is None for r in pair):
                continue
            before_count, now_count = float(previous["count"]), float(current["count"])
            e0, e1 = _exposure(previous), _exposure(current)
            if abs(jump_z(before_count, now_count, e0, e1)) <= Z_LIMIT:
                continue  # within chance even as Poisson: no fit needed
            start = max(0, i - DISPERSION_PERIODS)
            window = [(r, x) for r, x in zip(series[start:i], index[start:i], strict=True)
                      if not r.get("suppressed") and _number(r.get("count")) is not None
                      and not any(r["period"] < b <= previous["period"] for b in breaks)]
            dispersion = _dispersion([r for r, _ in window], [x for _, x in window])
            z = jump_z(before_count, now_count, e0, e1, dispersion)
            if abs(z) <= Z_LIMIT:
                continue
            result.append(Doubt(
                JUMP, code, area, current["period"],
                f"count {'up' if z > 0 else 'down'} from {before_count:,.0f} to {now_count:,.0f} "
                f"between {period_label(previous['period'], frequency)} and "
                f"{period_label(current['period'], frequency)}: outside the 99.8% limits of "
                "chance variation"))
    return result


@dataclass(frozen=True)
class NewFigures:
    code: str
    new_periods: dict[dt.date, int]  # period -> how many areas' figures first published
    revised: dict[dt.date, int]  # period -> how many shown values revised
    added: dict[dt.date, int] | None = None  # a known period -> areas whose figure is new


def new_since(history: pd.DataFrame, code: str, start: int, end: int) -> NewFigures:
    """What releases after `start` up to `end` (publication ids; 0: none before) published of
    one indicator and measure: figures for periods no earlier release had, and revisions."""
    before, after = figures_at(history, start), figures_at(history, end)
    if len(after):  # a symbol alone (x: not submitted) is no figure: its arrival is new
        after = after[after["suppressed"] | after["value"].notna()]
    known = set(before["period"]) if len(before) else set()
    supplied = before[before["suppressed"] | before["value"].notna()] if len(before) else before
    had = set(zip(supplied["area_code"], supplied["period"], strict=True)) if len(before) \
        else set()
    new_periods: dict[dt.date, int] = {}
    added: dict[dt.date, int] = {}
    for period, rows in after.groupby("period"):
        if period not in known:
            new_periods[period] = len(rows)
            continue
        fresh = sum((area, period) not in had for area in rows["area_code"])
        if fresh:
            added[period] = fresh
    revised: dict[dt.date, int] = {}
    if len(before) and len(after):
        joined = before.merge(after, on=["area_code", "period"], suffixes=("_b", "_a"))
        changed = joined[~joined["suppressed_b"] & ~joined["suppressed_a"]
                         & joined["value_b"].notna() & joined["value_a"].notna()
                         & (joined["value_b"] != joined["value_a"])]
        for period, rows in changed.groupby("period"):
            revised[period] = len(rows)
    return NewFigures(code, new_periods, revised, added)


def new_parts(found: NewFigures, frequency: str) -> list[str]:
    """What is new, in clauses: "2024-25 first published (33 areas)", "2023-24 revised (2
    figures)"; more than three new periods read as a span."""
    parts = []
    new = sorted(found.new_periods.items())
    if len(new) > 3:
        most = max(n for _, n in new)
        parts.append(f"{len(new)} periods first published, {period_label(new[0][0], frequency)}"
                     f" to {period_label(new[-1][0], frequency)} (up to {most} areas each)")
    elif new:
        parts.append(", ".join(f"{period_label(p, frequency)} first published ({n} area"
                               f"{'' if n == 1 else 's'})" for p, n in new))
    if found.added:
        parts.append(", ".join(f"{period_label(p, frequency)} figures added ({n} area"
                               f"{'' if n == 1 else 's'})"
                               for p, n in sorted(found.added.items())))
    if found.revised:
        parts.append(", ".join(f"{period_label(p, frequency)} revised ({n} figure"
                               f"{'' if n == 1 else 's'})"
                               for p, n in sorted(found.revised.items())))
    return parts


def new_sentence(found: NewFigures, name: str, frequency: str) -> str | None:
    """"Children on the register: 2024-25 first published (33 areas); 2023-24 revised (2
    figures)."; None when nothing is new."""
    parts = new_parts(found, frequency)
    return f"{name}: {'; '.join(parts)}." if parts else None
