"""Indicator tables for people (pure over frames): measures, comparison with Scotland, recent
trend, and tables of figures.

Every figure comes from the protected series stored for the data version
(`series.indicator_series`, built by `figures` and stored by `publication`): this module
never sees a suppressed value, and rates and percentages arrive at their published precision.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

import pandas as pd

from cpip_dashboard.rules import measures as published_measures
from cpip_dashboard.rules import stats
from cpip_dashboard.rules.rows import records
from cpip_dashboard.rules.values import HIDING_SYMBOLS, period_label
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory
from cpip_dashboard.store.reference import read_csv

COUNT, RATE, PERCENT = published_measures.COUNT, published_measures.RATE, published_measures.PERCENT
COLUMNS = published_measures.SERIES_COLUMNS
PLACES = published_measures.PLACES  # rates and percentages are published to one decimal place


@lru_cache(maxsize=1)
def series_breaks() -> dict[str, list[tuple[dt.date, str]]]:
    result: dict[str, list[tuple[dt.date, str]]] = {}
    for row in read_csv("series_breaks.csv"):
        result.setdefault(row["code"], []).append(
            (dt.date.fromisoformat(row["period_end"]), row["note"]))
    return result


def measures(definition: dict) -> list[str]:
    """Count and rate per 1,000 for a count (or count and % of another count, e.g.
    re-registrations as a % of registrations); a rate indicator is only a rate."""
    return published_measures.measures(definition)


def measure_label(definition: dict, measure: str, names: dict[str, str] | None = None) -> str:
    """How a measure is offered: 'Count', 'Rate per 1,000', '% of registrations'."""
    if measure == RATE:
        return "Rate per 1,000"
    if measure == PERCENT:
        code = published_measures.denominator_code(definition)
        if code and names and code in names:
            return "% of " + names[code].split(" during")[0].split(" at ")[0].lower()
        return "Per cent"
    return "Count"


def headline_measure(definition: dict, area: str) -> str:
    """For a council or committee the measure comparable with Scotland (a rate, or a
    percentage); for Scotland the indicator's own unit."""
    options = measures(definition)
    return options[1] if area != SCOTLAND and len(options) > 1 else options[0]


def comparison(frame: pd.DataFrame, period: dt.date, kinds: tuple[str, ...],
               directory: AreaDirectory) -> pd.DataFrame:
    """Areas of the given kinds in one period, ranked, each classed against Scotland.

    The basis is the figure on screen: a rate per 1,000 from a shown count and the child
    population used for it (Byar's interval), or a percentage from a shown count and its
    shown base (Wilson's interval), against Scotland's exact figure (`scotland_reference`:
    unrounded; only the display rounds). A rate or percentage uploaded without its count, or
    resting on a suppressed count, is not compared. `attrs["scotland_rate"]` is Scotland's
    figure as shown (the chart's line), `attrs["scotland_exact"]` the one compared with."""
    rows = frame[frame["period"] == period]
    percent = "base" in rows and rows["base"].notna().any()
    scotland = rows[rows["area_code"] == SCOTLAND]
    shown = reference = None
    if len(scotland) and not pd.isna(scotland.iloc[0]["value"]):
        shown = float(scotland.iloc[0]["value"])
        reference = scotland_reference(scotland.iloc[0].to_dict(), percent)
    out = []
    for row in records(rows):
        area = directory.areas.get(row["area_code"])
        if area is None or area.kind not in kinds:
            continue
        out.append({"area_code": row["area_code"], "area": area.name, **_against(row, percent,
                                                                                reference)})
    result = pd.DataFrame(out, columns=["area_code", "area", "value", "symbol", "rate", "lower",
                                        "upper", "comparison", "population", "population_year",
                                        "base"])
    result.attrs["scotland_rate"] = shown
    result.attrs["scotland_exact"] = reference
    result.attrs["measure"] = PERCENT if percent else RATE
    return result.sort_values("value", ascending=False, na_position="last").reset_index(drop=True)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def scotland_reference(row: dict, percent: bool) -> float | None:
    """Scotland's rate per 1,000 (or percentage) unrounded, as the reference of a comparison:
    recomputed from its count and the child population (or base) stored with the figure
    (Scotland's counts are never suppressed). Where Scotland has no count (a rate or
    percentage uploaded on its own) the figure as shown, rounded, is all there is: it is used.
    None when Scotland has no figure."""
    shown = _number(row.get("value"))
    if shown is None:
        return None
    count = _number(row.get("count"))
    per = _number(row.get("base")) if percent else _number(row.get("population"))
    if count is None or not per:
        return shown
    return count / per * (100 if percent else 1000)


def _against(row: dict, percent: bool, reference: float | None) -> dict:
    """One area's figure in a comparison: its interval from the shown count and the child
    population (or the shown base), and its class against Scotland's `reference`."""
    lower = upper = rate = None
    count = row.get("count")
    base, population = row.get("base"), row.get("population")
    has_count = count is not None and not pd.isna(count) and not row["suppressed"]
    if has_count and percent and base and not pd.isna(base):
        rate, lower, upper = proportion_interval(count, base)
    elif has_count and not percent and population and not pd.isna(population):
        rate, lower, upper = stats.rate_interval(count, population)
    year = row.get("population_year")
    return {"value": row["value"], "symbol": row["symbol"], "rate": rate, "lower": lower,
            "upper": upper, "comparison": stats.compare(lower, upper, reference),
            "population": population,
            "population_year": None if year is None or pd.isna(year) else int(year),
            "base": base}


def _area_rows(rows: list[dict], area: str) -> list[dict]:
    """An area's rows with a period, in period order, the last of any repeated period."""
    by_period = {}
    for row in sorted((r for r in rows if r["area_code"] == area and not _missing(r["period"])),
                      key=lambda r: r["period"]):
        by_period[row["period"]] = row
    return list(by_period.values())


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, dt.date) and pd.isna(value))


def recent_trend(frame: pd.DataFrame, area: str, code: str | None = None,
                 frequency: str | None = None, counted: bool = False
                 ) -> tuple[str, float | None]:
    """(class, estimated change per period as a fraction, e.g. 0.031) by `stats.trend`: the
    area's counts, populations (a percentage's base instead, where the frame has one) and
    suppressed flags for the periods with a figure since the indicator's last series break
    (`code` names it; without it no break is applied).
    Missing periods keep their gap; `frequency` (annual/quarterly/monthly) places them in time,
    read from the dates when not given.
    `counted` says every figure of the series is calculated from a count (a count indicator's
    rate or percentage): then a figure shown without its count rests on a count hidden by
    secondary suppression, and is suppressed for the trend ("Not assessed (figures
    suppressed)", not "no counts"). A rate uploaded on its own cannot tell a hidden count from
    none, and keeps "no counts"."""
    return _trend_of(_area_rows(records(frame[frame["area_code"] == area]), area), code,
                     frequency, counted)


def counted_series(definition: dict, measure: str) -> bool:
    """Whether every figure of the indicator's `measure` is calculated from its counts."""
    return definition.get("unit") == "count" and measure != COUNT


def _trend_of(rows: list[dict], code: str | None, frequency: str | None,
              counted: bool = False) -> tuple[str, float | None]:
    """`recent_trend` over one area's rows (`_area_rows`)."""

    # a break at date b starts a new series with the period ending on b
    if rows and code:
        last = pd.Timestamp(rows[-1]["period"])
        starts = [pd.Timestamp(when) for when, _ in series_breaks().get(code, [])
                  if pd.Timestamp(when) <= last]
        if starts:
            rows = [r for r in rows if pd.Timestamp(r["period"]) >= max(starts)]
    counts, periods, populations, hidden = [], [], [], []
    for row in rows:
        flag = row.get("suppressed", False)
        value = row["value"]
        suppressed = bool(not pd.isna(flag) and flag) or (
            pd.isna(value) and row["symbol"] in HIDING_SYMBOLS)
        count = row.get("count")
        count = None if count is None or pd.isna(count) else float(count)
        if counted and count is None and not pd.isna(value):
            suppressed = True  # shown, but the count it is calculated from is hidden
        if count is None and pd.isna(value) and not suppressed:
            continue  # a missing period: left out, its gap kept
        # the exposure: a percentage's base where the frame has one, else the child population
        base = row.get("base")
        population = base if base is not None and not pd.isna(base) else row.get("population")
        counts.append(count)
        periods.append(row["period"])
        populations.append(None if population is None or pd.isna(population)
                           else float(population))
        hidden.append(suppressed)
    result = stats.trend(counts, stats.period_index(periods, frequency), populations, hidden)
    return result.label, result.change


def display_table(frame: pd.DataFrame, areas: list[str], directory: AreaDirectory,
                  frequency: str, decimals: int) -> pd.DataFrame:
    """Areas across, periods down: numbers as text with symbols kept, ready to show or download."""
    rows = frame[frame["area_code"].isin(areas)]
    table: dict[str, dict[str, str]] = {}
    for row in rows.itertuples(index=False):
        label = period_label(row.period, frequency)
        if row.value is None or pd.isna(row.value):
            text = row.symbol if isinstance(row.symbol, str) else ".."
        else:
            text = f"{row.value:,.{decimals}f}"
            if row.status == "provisional":
                text += " p"
            elif row.status == "revised":
                text += " r"
        table.setdefault(label, {})[directory.name(row.area_code)] = text
    names = [directory.name(a) for a in areas]
    result = pd.DataFrame.from_dict(table, orient="index").reindex(columns=names)
    result = result.sort_index().fillna("..")
    result.index.name = "Period"
    return result.reset_index()


# --- tables for people ------------------------------------------------------------------------


def shown_value(value: object, symbol: object, places: int) -> str:
    """A figure as text, or its symbol (never a suppressed number)."""
    if value is not None and not pd.isna(value):
        return f"{value:,.{places}f}"
    return symbol if isinstance(symbol, str) else ".."


def _latest_against(definition: dict, measure: str, frame: pd.DataFrame, area: str,
                    directory: AreaDirectory) -> tuple[list[dict], list[dict], dict | None]:
    """The area's rows, Scotland's rows for the area's latest period, and the latest figure
    against Scotland (`_against`) where a rate or percentage of a council or committee can be
    compared (else None). Empty rows when the area has no figure."""
    rows = records(frame)  # an area's and Scotland's: a few hundred rows
    mine = _area_rows(rows, area)
    if not mine:
        return [], [], None
    latest = mine[-1]
    scot = [r for r in _area_rows(rows, SCOTLAND) if r["period"] == latest["period"]]
    if area == SCOTLAND or measure not in (RATE, PERCENT) or area not in directory.areas:
        return mine, scot, None
    shown = [latest, *scot]  # as `comparison` decides: a base shown means a percentage
    percent = any(not _missing(r.get("base")) for r in shown)
    reference = scotland_reference(scot[0], percent) if scot else None
    return mine, scot, {**_against(latest, percent, reference), "reference": reference}


def profile_row(definition: dict, measure: str, frame: pd.DataFrame, area: str,
                directory: AreaDirectory, places: int) -> dict | None:
    """One indicator's line on an area profile: latest figure, Scotland's, the comparison and
    the recent trend. None when the area has no figure for it."""
    mine, scot, against = _latest_against(definition, measure, frame, area, directory)
    if not mine:
        return None
    latest = mine[-1]
    trend_class, _ = _trend_of(mine, definition.get("code"), definition.get("frequency"),
                               counted_series(definition, measure))
    return {"Indicator": definition["name"],
            "Period": period_label(latest["period"], definition["frequency"]),
            "Measure": measure_label(definition, measure),
            # a committee's long name as a header would push Scotland off screen
            "This area": shown_value(latest["value"], latest["symbol"], places),
            "Scotland": shown_value(scot[0]["value"], None, places) if scot else "..",
            "Compared with Scotland": "-" if against is None else stats.comparison_label(
                against["comparison"], definition["polarity"]),
            "Recent trend": trend_class}


def profile_point(definition: dict, measure: str, frame: pd.DataFrame, area: str,
                  directory: AreaDirectory) -> dict | None:
    """The profile chart's point for one indicator: the area's latest rate or percentage and
    its 95% interval as percentages of Scotland's (Scotland = 100), and the comparison. None
    where nothing can be placed against Scotland (a count, no figure shown, or no Scotland
    figure)."""
    mine, _, against = _latest_against(definition, measure, frame, area, directory)
    if against is None or against["reference"] in (None, 0) or _missing(against["value"]):
        return None
    reference = against["reference"]

    def relative(value: float | None) -> float | None:
        return None if value is None or _missing(value) else value / reference * 100

    return {"Indicator": definition["name"], "Measure": measure_label(definition, measure),
            "Period": period_label(mine[-1]["period"], definition["frequency"]),
            "value": float(against["value"]), "scotland": float(reference),
            "relative": relative(float(against["value"])),
            "lower": relative(against["lower"]), "upper": relative(against["upper"]),
            "comparison": against["comparison"],
            "Comparison": stats.comparison_label(against["comparison"],
                                                 definition["polarity"])}


def comparison_method(measure: str) -> str:
    """The significance method in words, for the measure compared."""
    return stats.PERCENT_METHOD if measure == PERCENT else stats.SIGNIFICANCE_METHOD


def proportion_interval(count: float, base: float) -> tuple[float, float, float]:
    """(percentage, lower, upper): Wilson's 95% score interval for count out of base."""
    z = stats.Z95
    p = count / base
    centre = (p + z * z / (2 * base)) / (1 + z * z / base)
    half = z * math.sqrt(p * (1 - p) / base + z * z / (4 * base * base)) / (1 + z * z / base)
    return p * 100, max(0.0, centre - half) * 100, min(1.0, centre + half) * 100


def comparison_table(ranked: pd.DataFrame, polarity: str) -> pd.DataFrame:
    """The ranked comparison as shown and downloaded: figures at their published precision,
    the interval, the class, and for rates the child population (and its year) used."""
    percent = ranked.attrs.get("measure") == PERCENT
    table = {
        "Area": ranked["area"],
        ("Per cent" if percent else "Rate per 1,000"): [
            shown_value(v, s, PLACES) for v, s in zip(ranked["value"], ranked["symbol"],
                                                      strict=True)],
        "95% interval": [f"{lo:,.{PLACES}f} to {hi:,.{PLACES}f}" if pd.notna(lo) else ""
                         for lo, hi in zip(ranked["lower"], ranked["upper"], strict=True)],
        "Compared with Scotland": [stats.comparison_label(c, polarity)
                                   for c in ranked["comparison"]],
    }
    if not percent and "population" in ranked:
        table["Children aged 0-17 (year)"] = [
            f"{p:,.0f} ({int(y)})" if pd.notna(p) and pd.notna(y) else ""
            for p, y in zip(ranked["population"], ranked["population_year"], strict=True)]
    return pd.DataFrame(table)


def trend_table(frame: pd.DataFrame, areas: list[str], directory: AreaDirectory,
                places: int, code: str | None = None,
                frequency: str | None = None, counted: bool = False) -> pd.DataFrame:
    """Each area's recent trend and its estimated change per period ("+3.1% a year"), blank
    where none was estimated. `places` is kept for callers: the change is shown to 1 dp."""
    frequency = frequency or stats.infer_frequency(list(frame["period"].dropna()))
    rows = []
    for area in areas:
        label, change = recent_trend(frame, area, code, frequency, counted)
        rows.append({"Area": directory.name(area), "Recent trend": label,
                     "Change per period": stats.change_text(change, frequency)})
    return pd.DataFrame(rows, columns=["Area", "Recent trend", "Change per period"])
