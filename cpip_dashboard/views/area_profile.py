"""The Area profile's view: one council or committee, every indicator against Scotland, the
actions that touch it and its planning-review findings."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard import config
from cpip_dashboard.protection.disclosure import suppression_rule
from cpip_dashboard.protection.series import area_series
from cpip_dashboard.render import charts
from cpip_dashboard.rules import indicators, provenance, register, review, stats, tiles
from cpip_dashboard.rules.measures import decimals, unit_text, unit_title
from cpip_dashboard.rules.values import long_date
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.queries import (
    area_directory,
    criteria,
    indicator_catalogue,
    population_sources,
    review_assessments,
    workstreams,
)
from cpip_dashboard.views.common import Download, download, memo, register_as_at


@dataclass(frozen=True)
class SmallChart:
    name: str
    chart: dict
    sentence: str


@dataclass(frozen=True)
class AreaProfileView:
    area: str
    name: str
    title: str
    kind_note: str | None  # the councils a committee covers
    profile: pd.DataFrame  # empty when no indicator has a figure here
    profile_chart: dict | None  # every comparable indicator against Scotland
    profile_sentence: str
    profile_download: Download | None
    methods: str
    batch_ids: frozenset[int]
    small_charts: tuple[tuple[dict, str], ...]  # (definition, measure): `small_charts(...)`
    actions_sentence: str
    local_actions: pd.DataFrame
    review_sentence: str | None
    findings: pd.DataFrame
    findings_batches: frozenset[int]


def view(conn: Connection, area: str) -> AreaProfileView:
    directory = area_directory(conn)
    name = directory.name(area)
    catalogue = indicator_catalogue(conn)
    rows, flags, definitions, measures, small, batches = [], [], [], [], [], set()
    points = []
    chosen = _indicators(catalogue, area)
    series = area_series(conn, [(d["code"], m) for d, m in chosen], config.suppress_below(),
                         _shown(area))
    for definition, measure in chosen:
        frame = series[(definition["code"], measure)]
        places = decimals(measure, definition)
        row = indicators.profile_row(definition, measure, frame, area, directory, places)
        if row is None:
            continue
        batches |= {int(b) for b in frame["batch_id"].dropna()}
        rows.append(row)
        point = indicators.profile_point(definition, measure, frame, area, directory)
        if point is not None:
            points.append(point)
        flags.append(provenance.for_profile(frame, area))
        definitions.append(definition)
        measures.append(measure)
        small.append((definition, measure))
    profile = provenance.with_status(pd.DataFrame(rows), flags) if rows else pd.DataFrame()
    spine = pd.DataFrame(points)
    profile_sentence = charts.describe_profile(spine, name, len(rows)) if rows else ""

    data = memo(conn, register_as_at, None)
    actions = register.for_area(data["now"], area, directory)
    local = actions[actions["areas"] != SCOTLAND]
    ws = workstreams(conn)
    as_at = (long_date(data['meeting']) if data["meeting"]
             else "today")

    findings = pd.DataFrame()
    review_sentence = None
    findings_batches: frozenset[int] = frozenset()
    if area != SCOTLAND:
        mine = review.for_area(review.as_at(review_assessments(conn), None), area, directory)
        if not mine.empty:
            weak = mine[mine["rating"].isin(review.WEAK)]
            review_sentence = (f"{len(mine)} assessments; {len(weak)} rated Weak or "
                               "Unsatisfactory.")
            findings = review.findings_table(mine, criteria(conn).set_index("code"), directory)
            findings_batches = frozenset(int(b) for b in mine["batch_id"])
    kind = directory.areas[area].kind if area in directory.areas else "scotland"
    return AreaProfileView(
        area=area, name=name, title=f"Area profile: {name}",
        kind_note=("Committee covering: " + ", ".join(directory.name(m)
                                                      for m in directory.members(area)))
        if kind == "cpc" else None,
        profile=profile,
        profile_chart=charts.spec(charts.profile_chart(spine, profile_sentence))
        if points else None,
        profile_sentence=profile_sentence,
        profile_download=download(profile, f"area-profile-{area}", provenance.figures(
            flags, definitions, data_version(conn), suppression_rule(), measures,
            about=[("Area profile", (f"{name}: every indicator's latest figure against "
                                    "Scotland"))], populations=population_sources(conn)))
        if rows else None,
        methods=("Significance: " + stats.SIGNIFICANCE_METHOD + " Percentages: "
                 + stats.PERCENT_METHOD + " Recent trend: " + stats.TREND_RULE),
        batch_ids=frozenset(batches), small_charts=tuple(small),
        actions_sentence=(f"{len(actions)} actions apply here: {len(actions) - len(local)} "
                          f"national and {len(local)} naming this area or its committee (as "
                          f"at {as_at})."),
        local_actions=register.register_table(
            local, dict(zip(ws["code"], ws["name"], strict=True)), directory)
        if len(local) else pd.DataFrame(),
        review_sentence=review_sentence, findings=findings, findings_batches=findings_batches)


def _indicators(catalogue: pd.DataFrame, area: str) -> list[tuple[dict, str]]:
    """Each indicator with the measure its profile line shows."""
    every = catalogue.to_dict("records")
    chosen = []
    for definition in every:
        measure = indicators.headline_measure(definition, area)
        # a count shown as its rate beside the rate indicator would be the same figure twice
        if area == SCOTLAND or not tiles.duplicate_rate(definition, measure, every):
            chosen.append((definition, measure))
    return chosen


def _shown(area: str) -> tuple[str, ...]:
    """The areas a profile reads: its own figures and Scotland's (not every area's)."""
    return (area,) if area == SCOTLAND else (area, SCOTLAND)


def small_charts(conn: Connection, area: str) -> tuple[SmallChart, ...]:
    """A small trend chart per indicator of the profile, built when asked for (a separate
    view: most visitors read the table)."""
    directory = area_directory(conn)
    name = directory.name(area)
    names = {area: name} if area == SCOTLAND else {area: name, SCOTLAND: "Scotland"}
    result = []
    chosen = view_small(conn, area)
    series = area_series(conn, [(d["code"], m) for d, m in chosen], config.suppress_below(),
                         _shown(area))
    for definition, measure in chosen:
        shown = series[(definition["code"], measure)]
        if not shown["value"].notna().any():
            continue
        sentence = charts.describe_trend(shown, names, unit_text(measure),
                                         definition["frequency"], decimals(measure, definition))
        # the legend names the area shortly: a committee's full name would not fit beside
        # a small chart (the sentence below it names it in full)
        short = {code: ("This area" if code == area else label) for code, label in names.items()}
        result.append(SmallChart(definition["name"], charts.spec(charts.trend_chart(
            shown, short, unit_title(definition, measure), [], sentence, height=130)),
            sentence))
    return tuple(result)


def view_small(conn: Connection, area: str) -> tuple[tuple[dict, str], ...]:
    return memo(conn, view, area).small_charts
