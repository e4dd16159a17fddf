"""The Indicators page's views: one indicator over time for chosen areas against Scotland, and
all councils or committees compared in one period. Every figure is the protected one stored for
the data version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard import config
from cpip_dashboard.protection.disclosure import SUPPRESSED_SYMBOL, suppression_rule
from cpip_dashboard.protection.series import indicator_series
from cpip_dashboard.render import charts
from cpip_dashboard.rules import indicators, provenance, stats
from cpip_dashboard.rules.measures import decimals, unit_text, unit_title
from cpip_dashboard.rules.values import MISSING_SYMBOLS, long_date, period_label
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.queries import area_directory, indicator_catalogue, population_sources
from cpip_dashboard.views.common import Download, download

LEVELS = {"councils": ("Councils", ("council",)), "cpcs": ("Committees (CPCs)", ("cpc",))}


@dataclass(frozen=True)
class Catalogue:
    codes: tuple[str, ...]
    labels: dict[str, str]  # code -> "Name"
    definitions: dict[str, dict]
    measures: dict[str, tuple[str, ...]]  # code -> the measures it is published in
    measure_labels: dict[tuple[str, str], str]  # (code, measure) -> "Rate per 1,000"
    areas: tuple[str, ...]  # every council and committee, in the directory's order
    area_labels: dict[str, str]

    def default_measure(self, code: str, area: str) -> str:
        return indicators.headline_measure(self.definitions[code], area)


def catalogue(conn: Connection) -> Catalogue:
    frame = indicator_catalogue(conn)
    definitions = {row["code"]: row for row in frame.to_dict("records")}
    names = {code: d["name"] for code, d in definitions.items()}
    measures = {code: tuple(indicators.measures(d)) for code, d in definitions.items()}
    directory = area_directory(conn)
    areas = sorted((a for a in directory.areas if a != SCOTLAND),
                   key=lambda a: directory.areas[a].sort_order)
    return Catalogue(
        codes=tuple(definitions), labels=names, definitions=definitions, measures=measures,
        measure_labels={(code, m): indicators.measure_label(definitions[code], m, names)
                        for code in definitions for m in measures[code]},
        areas=tuple(areas),
        area_labels={a: ("CPC: " if directory.areas[a].kind == "cpc" else "")
                     + directory.name(a) for a in areas})


@dataclass(frozen=True)
class SeriesView:
    definition: dict
    measure: str
    areas: tuple[str, ...]  # as drawn: the chosen areas, then Scotland
    has_figures: bool
    sentence: str
    chart: dict | None
    batch_ids: frozenset[int]
    table: pd.DataFrame
    table_download: Download
    about: tuple[str, ...]  # captions beside the chart
    trend_rule: str
    trend: pd.DataFrame
    periods: tuple[dt.date, ...]  # periods with a figure shown, for the comparison


def series(conn: Connection, code: str, measure: str, areas: tuple[str, ...]) -> SeriesView:
    definition = indicator_catalogue(conn).set_index("code", drop=False).loc[code].to_dict()
    directory = area_directory(conn)
    frame = indicator_series(conn, code, measure, config.suppress_below())
    drawn = [*[a for a in areas if a != SCOTLAND], SCOTLAND]
    shown = frame[frame["area_code"].isin(drawn)]
    names = {a: directory.name(a) for a in drawn}
    places = decimals(measure, definition)
    breaks = indicators.series_breaks().get(code, [])
    has_figures = bool(shown["value"].notna().sum())
    sentence = charts.describe_trend(shown, names, unit_text(measure), definition["frequency"],
                                     places) if has_figures else "No figures to show."
    chart = charts.spec(charts.trend_chart(shown, names, unit_title(definition, measure),
                                           breaks, sentence)) if has_figures else None
    table = indicators.display_table(shown, drawn, directory, definition["frequency"], places)
    flags = provenance.by_period(table["Period"], shown, drawn, definition["frequency"])
    table = provenance.with_status(table, flags)
    markers = provenance.markers_legend(shown["status"])
    rule = suppression_rule()
    populations = population_sources(conn)
    about = [(f"Unit: {definition['unit']}. Frequency: {definition['frequency']}. "
             f"Polarity: {definition['polarity']}."),
             provenance.source_caption([provenance.flag(f) for f in shown["illustrative"]],
                                       definition, measure, populations)]
    if definition.get("series_notes"):
        about.append(f"Series notes: {definition['series_notes']}")
    about += [f"Break in series at {long_date(when)}: {note}" for when, note in breaks]
    about.append(f"Symbols: {SUPPRESSED_SYMBOL} suppressed ({rule}); "
                 + "; ".join(f"{s} {m}" for s, m in MISSING_SYMBOLS.items()
                             if s in ("*", "x", ".."))
                 + (f"; {markers}." if markers else "."))
    trend = indicators.trend_table(frame, drawn, directory, places, code=code,
                                   frequency=definition["frequency"],
                                   counted=indicators.counted_series(definition, measure))
    return SeriesView(
        definition=definition, measure=measure, areas=tuple(drawn), has_figures=has_figures,
        sentence=sentence, chart=chart,
        batch_ids=frozenset(int(b) for b in shown["batch_id"].dropna()),
        table=table,
        table_download=download(table, f"{code}-{measure}", provenance.figures(
            flags, definition, data_version(conn), rule, measure, about=[
                ("Indicator", f"{definition['name']} ({code})"),
                ("Definition", definition["definition"]),
                ("Symbols", f"{SUPPRESSED_SYMBOL}: suppressed ({rule})"
                 + (f"; {markers}" if markers else ""))], populations=populations)),
        about=tuple(about), trend_rule="Rule: " + stats.TREND_RULE,
        trend=provenance.with_status(trend, provenance.by_area(drawn, frame)),
        periods=tuple(sorted(frame.dropna(subset=["value"])["period"].unique())))


@dataclass(frozen=True)
class ComparisonView:
    period_text: str
    sentence: str
    chart: dict | None
    method: str
    table: pd.DataFrame
    table_download: Download


def comparison(conn: Connection, code: str, measure: str, period: dt.date, level: str,
               highlight: str) -> ComparisonView:
    """Councils or committees in one period on the measure comparable across areas (a rate or
    a percentage), ranked, each against Scotland; the chosen area labelled '(chosen)' and
    outlined."""
    definition = indicator_catalogue(conn).set_index("code", drop=False).loc[code].to_dict()
    directory = area_directory(conn)
    options = indicators.measures(definition)
    compare_measure = options[1] if measure == indicators.COUNT and len(options) > 1 \
        else measure
    frame = indicator_series(conn, code, compare_measure, config.suppress_below())
    level_name, kinds = LEVELS[level]
    ranked = indicators.comparison(frame, period, kinds, directory)
    flags = provenance.by_area(ranked["area_code"], frame, period)
    ranked = provenance.with_status(ranked, flags)
    period_text = period_label(period, definition["frequency"])
    sentence = charts.describe_comparison(ranked, period_text, definition["polarity"])
    chosen = directory.name(highlight) if highlight in set(ranked["area_code"]) else None
    if chosen:
        sentence += f" {chosen} is outlined and labelled (chosen)."
    chart = None
    if ranked["value"].notna().any():
        chart = charts.spec(charts.comparison_chart(
            ranked, ranked.attrs.get("scotland_rate"), definition["polarity"],
            unit_title(definition, compare_measure), sentence, highlight=highlight))
    method = indicators.comparison_method(compare_measure)
    table = provenance.with_status(indicators.comparison_table(ranked, definition["polarity"]),
                                   flags)
    return ComparisonView(
        period_text=period_text, sentence=sentence, chart=chart,
        method="Method: " + method + " The dashed line is Scotland.", table=table,
        table_download=download(table, f"{code}-compare-{period_text}", provenance.figures(
            flags, definition, data_version(conn), suppression_rule(),
            ranked.attrs.get("measure", indicators.RATE), about=[
                ("Indicator", f"{definition['name']} ({code})"),
                ("Comparison", f"{level_name} in {period_text}, compared with Scotland. "
                               + method)], populations=population_sources(conn))))
