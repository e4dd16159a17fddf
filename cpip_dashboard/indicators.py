"""Indicator series for every area (pure over frames): councils and Scotland as uploaded,
CPCs as uploaded or the sum of their councils, rates from counts and child populations,
disclosure control over all 63 areas, comparison with Scotland and recent trend.

Every figure a page, download, chart or pack shows comes from `series()`, which applies
`disclosure` before anything leaves this module.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd

from . import disclosure, stats
from .areas import SCOTLAND, AreaDirectory
from .reference import read_csv
from .values import period_label

COUNT, RATE = "count", "rate"
COLUMNS = ["area_code", "period", "value", "symbol", "status", "batch_id", "suppressed",
           "count", "population", "illustrative"]


@lru_cache(maxsize=1)
def series_breaks() -> dict[str, list[tuple[dt.date, str]]]:
    result: dict[str, list[tuple[dt.date, str]]] = {}
    for row in read_csv("series_breaks.csv"):
        result.setdefault(row["code"], []).append(
            (dt.date.fromisoformat(row["period_end"]), row["note"]))
    return result


def measures(definition: dict) -> list[str]:
    """Count and rate both make sense for counts; a rate indicator is only a rate."""
    if definition["unit"] == "count":
        return [COUNT, RATE]
    return [RATE] if definition["unit"].startswith("rate") else [COUNT]


def headline_measure(definition: dict, area: str) -> str:
    """A rate for a council or CPC (comparable with Scotland), else the indicator's own unit."""
    options = measures(definition)
    return RATE if area != SCOTLAND and RATE in options else options[0]


def _with_cpcs(values: pd.DataFrame, directory: AreaDirectory) -> pd.DataFrame:
    """Add each CPC's count as the sum of its councils where none was uploaded and all are
    present."""
    if values.empty:
        return values
    have = set(zip(values["area_code"], values["period"], strict=True))
    flags = values["illustrative"] if "illustrative" in values else [False] * len(values)
    lookup = {(a, p): (v, b, i) for a, p, v, b, i in zip(
        values["area_code"], values["period"], values["value"], values["batch_id"], flags,
        strict=True)}
    periods = sorted(set(values["period"]))
    extra = []
    for cpc in directory.cpcs():
        members = directory.members(cpc.code)
        for period in periods:
            if (cpc.code, period) in have:
                continue
            parts = [lookup.get((m, period)) for m in members]
            if all(p is not None and not pd.isna(p[0]) for p in parts):
                extra.append({"area_code": cpc.code, "period": period,
                              "value": float(sum(p[0] for p in parts)), "symbol": None,
                              "status": None, "batch_id": max(p[1] for p in parts),
                              # a sum is illustrative if any part of it is
                              "illustrative": any(bool(p[2]) for p in parts)})
            elif any(p is not None for p in parts):
                extra.append({"area_code": cpc.code, "period": period, "value": None,
                              "symbol": "..", "status": None, "batch_id": None,
                              "illustrative": any(bool(p[2]) for p in parts if p is not None)})
    if not extra:
        return values
    return pd.concat([values, pd.DataFrame(extra)], ignore_index=True)


def populations_by_area(populations: pd.DataFrame, directory: AreaDirectory) -> dict:
    """(area, year) -> children aged 0-17, with CPCs (and Scotland if not uploaded) summed."""
    pop = {(a, int(y)): float(c) for a, y, c in zip(
        populations["area_code"], populations["year"], populations["children"], strict=True)}
    years = {y for _, y in pop}
    for year in years:
        for cpc in directory.cpcs():
            parts = [pop.get((m, year)) for m in directory.members(cpc.code)]
            if (cpc.code, year) not in pop and all(p is not None for p in parts):
                pop[(cpc.code, year)] = sum(parts)
        if (SCOTLAND, year) not in pop:
            parts = [pop.get((c.code, year)) for c in directory.councils()]
            if all(p is not None for p in parts):
                pop[(SCOTLAND, year)] = sum(parts)
    return pop


def _population_for(pop: dict, area: str, period: dt.date) -> float | None:
    """The child population for a period: the year it ends in, else the nearest year loaded."""
    if (area, period.year) in pop:
        return pop[(area, period.year)]
    years = sorted(y for a, y in pop if a == area)
    if not years:
        return None
    nearest = min(years, key=lambda y: abs(y - period.year))
    return pop[(area, nearest)] if abs(nearest - period.year) <= 2 else None


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def series(definition: dict, values: pd.DataFrame, numerator_values: pd.DataFrame | None,
           populations: pd.DataFrame, directory: AreaDirectory, measure: str,
           threshold: int) -> pd.DataFrame:
    """The protected series for every area: one row per area and period.

    `values` are the indicator's current uploaded rows; `numerator_values` the count a rate
    indicator is built on (if any).
    """
    pop = populations_by_area(populations, directory)
    unit = definition["unit"]
    if unit == "count":
        counts = disclosure.protect_counts(_with_cpcs(values, directory), directory, threshold)
        counts["count"] = counts["value"]
        counts["population"] = [_population_for(pop, a, p) for a, p in zip(
            counts["area_code"], counts["period"], strict=True)] if len(counts) else []
        if measure == COUNT:
            return counts.reindex(columns=COLUMNS)
        return _rates_from_counts(counts).reindex(columns=COLUMNS)
    if unit.startswith("rate"):
        protected_numerator = None
        if numerator_values is not None and not numerator_values.empty:
            protected_numerator = disclosure.protect_counts(
                _with_cpcs(numerator_values, directory), directory, threshold)
            protected_numerator["count"] = protected_numerator["value"]
            protected_numerator["population"] = [
                _population_for(pop, a, p) for a, p in zip(
                    protected_numerator["area_code"], protected_numerator["period"], strict=True)]
        rates = values.copy()
        if protected_numerator is not None:
            computed = _rates_from_counts(protected_numerator)
            have = set(zip(rates["area_code"], rates["period"], strict=True))
            computed = computed[[(a, p) not in have for a, p in zip(
                computed["area_code"], computed["period"], strict=True)]]
            rates = pd.concat([rates, computed.drop(columns=["suppressed"])], ignore_index=True) \
                if len(rates) else computed.drop(columns=["suppressed"])
        if rates.empty:
            return _empty()
        pop_frame = pd.DataFrame([{"area_code": a, "year": y, "children": c}
                                  for (a, y), c in pop.items()],
                                 columns=["area_code", "year", "children"])
        result = disclosure.protect_rates(rates, protected_numerator, pop_frame, threshold)
        if protected_numerator is not None:
            lookup = {(a, p): c for a, p, c in zip(
                protected_numerator["area_code"], protected_numerator["period"],
                protected_numerator["count"], strict=True)}
            result["count"] = [lookup.get((a, p)) for a, p in zip(
                result["area_code"], result["period"], strict=True)]
        result["population"] = [_population_for(pop, a, p) for a, p in zip(
            result["area_code"], result["period"], strict=True)]
        return result.reindex(columns=COLUMNS)
    # percentages: shown as uploaded (the publisher's own figures)
    result = values.copy()
    result["suppressed"] = False
    return result.reindex(columns=COLUMNS)


def _rates_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    result = counts.copy()
    rates = []
    for value, population in zip(result["count"], result["population"], strict=True):
        ok = value is not None and not pd.isna(value) and population
        rates.append(value / population * 1000 if ok else None)
    result["value"] = pd.Series(rates, index=result.index, dtype="float64")
    no_pop = result["population"].isna() & result["symbol"].isna()
    result.loc[no_pop, "symbol"] = ".."
    return result


def comparison(frame: pd.DataFrame, period: dt.date, kinds: tuple[str, ...],
               directory: AreaDirectory) -> pd.DataFrame:
    """Areas of the given kinds in one period, ranked, each classed against Scotland."""
    rows = frame[frame["period"] == period]
    scotland = rows[rows["area_code"] == SCOTLAND]
    scot_rate = None
    if len(scotland) and not pd.isna(scotland.iloc[0]["count"] if "count" in scotland else None):
        s = scotland.iloc[0]
        if s["population"] and not pd.isna(s["population"]):
            scot_rate = s["count"] / s["population"] * 1000
    out = []
    for row in rows.itertuples(index=False):
        area = directory.areas.get(row.area_code)
        if area is None or area.kind not in kinds:
            continue
        lower = upper = rate = None
        if (row.count is not None and not pd.isna(row.count) and not row.suppressed
                and row.population and not pd.isna(row.population)):
            rate, lower, upper = stats.rate_interval(row.count, row.population)
        out.append({"area_code": row.area_code, "area": area.name, "value": row.value,
                    "symbol": row.symbol, "rate": rate, "lower": lower, "upper": upper,
                    "comparison": stats.compare(lower, upper, scot_rate)})
    result = pd.DataFrame(out, columns=["area_code", "area", "value", "symbol", "rate", "lower",
                                        "upper", "comparison"])
    result.attrs["scotland_rate"] = scot_rate
    return result.sort_values("value", ascending=False, na_position="last").reset_index(drop=True)


def recent_trend(frame: pd.DataFrame, area: str) -> tuple[str, float | None]:
    rows = frame[frame["area_code"] == area].sort_values("period")
    values = [None if pd.isna(v) else float(v) for v in rows["value"]]
    return stats.trend(values)


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


def profile_row(definition: dict, measure: str, frame: pd.DataFrame, area: str,
                directory: AreaDirectory, places: int) -> dict | None:
    """One indicator's line on an area profile: latest figure, Scotland's, the comparison and
    the recent trend. None when the area has no figure for it."""
    mine = frame[frame["area_code"] == area].dropna(subset=["period"]).sort_values("period")
    if mine.empty:
        return None
    latest = mine.iloc[-1]
    scot = frame[(frame["area_code"] == SCOTLAND) & (frame["period"] == latest["period"])]
    against = "-"
    if area != SCOTLAND and measure == RATE:
        compared = comparison(frame, latest["period"], (directory.areas[area].kind,), directory)
        match = compared[compared["area_code"] == area]
        if len(match):
            against = stats.comparison_label(match.iloc[0]["comparison"],
                                             definition["polarity"])
    trend_class, _ = recent_trend(frame, area)
    return {"Indicator": definition["name"],
            "Period": period_label(latest["period"], definition["frequency"]),
            "Measure": "Rate per 1,000" if measure == RATE else definition["unit"].capitalize(),
            directory.name(area): shown_value(latest["value"], latest["symbol"], places),
            "Scotland": shown_value(scot.iloc[0]["value"], None, places) if len(scot) else "..",
            "Compared with Scotland": against, "Recent trend": trend_class}


def comparison_table(ranked: pd.DataFrame, polarity: str) -> pd.DataFrame:
    return pd.DataFrame({
        "Area": ranked["area"],
        "Rate per 1,000": [shown_value(v, s, 2) for v, s in zip(ranked["value"], ranked["symbol"],
                                                                strict=True)],
        "95% interval": [f"{lo:,.2f} to {hi:,.2f}" if pd.notna(lo) else ""
                         for lo, hi in zip(ranked["lower"], ranked["upper"], strict=True)],
        "Compared with Scotland": [stats.comparison_label(c, polarity)
                                   for c in ranked["comparison"]],
    })


def trend_table(frame: pd.DataFrame, areas: list[str], directory: AreaDirectory,
                places: int) -> pd.DataFrame:
    rows = []
    for area in areas:
        label, slope = recent_trend(frame, area)
        rows.append({"Area": directory.name(area), "Recent trend": label,
                     "Change per period": "" if slope is None else f"{slope:+,.{places + 1}f}"})
    return pd.DataFrame(rows, columns=["Area", "Recent trend", "Change per period"])
