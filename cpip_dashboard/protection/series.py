"""The protected series the pages show: read from the figures stored for the current data
version (`publication`); only when asked for another threshold than they were protected with (a
test, or a changed setting before the next start) built and protected here."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, func, or_, select

from cpip_dashboard.protection import figures, publication
from cpip_dashboard.rules.measures import SERIES_COLUMNS
from cpip_dashboard.store.models import PublishedFigure
from cpip_dashboard.store.releases import shown_in


def area_series(conn: Connection, pairs: list[tuple[str, str]], threshold: int,
                areas: tuple[str, ...]) -> dict[tuple[str, str], pd.DataFrame]:
    """`indicator_series` of several indicators and measures for a few areas: (code, measure)
    -> frame, in one query of the stored figures."""
    current = publication.latest(conn)
    if current is not None and current.threshold == threshold:
        return publication.area_series(conn, pairs, areas)
    return {(code, measure): indicator_series(conn, code, measure, threshold, areas)
            for code, measure in pairs}


def indicator_series(conn: Connection, code: str, measure: str, threshold: int,
                     areas: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The protected figures of one indicator and measure for every area (or the `areas`
    given: one area's profile reads its own and Scotland's) and period, as stored for the
    current data version (`publication`). Only when asked for another threshold than the stored
    figures were protected with (a test, or a changed setting before the next start) are they
    built and protected here."""
    current = publication.latest(conn)
    if current is not None and current.threshold == threshold:
        return publication.series(conn, code, measure, areas)
    inputs = figures.load(conn)
    frame = figures.protect(figures.build(inputs), inputs.directory, threshold).frame
    chosen = frame[(frame["indicator_code"] == code) & (frame["measure"] == measure)
                   & (True if areas is None else frame["area_code"].isin(areas))]
    return chosen[SERIES_COLUMNS].reset_index(drop=True)


def series_of_release(conn: Connection, code: str, measure: str, release: int,
                      periods_until=None, areas: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The protected figures of one indicator and measure as data version `release` published
    them (the rows stored from a publication on or before it and not replaced by then; see
    `publication`), for periods ending on or before `periods_until` when given: what a meeting
    saw (CONTRACT.md, Time)."""
    where = [*shown_in(conn, release),
             PublishedFigure.indicator_code == code, PublishedFigure.measure == measure]
    if periods_until is not None:
        where.append(PublishedFigure.period <= periods_until)
    if areas is not None:
        where.append(PublishedFigure.area_code.in_(areas))
    rows = conn.execute(select(*[getattr(PublishedFigure, c) for c in SERIES_COLUMNS])
                        .where(*where).order_by(PublishedFigure.period,
                                                PublishedFigure.area_code))
    return pd.DataFrame([tuple(r) for r in rows], columns=SERIES_COLUMNS).astype(
        {"value": "float64", "count": "float64", "population": "float64", "base": "float64",
         "symbol": object, "status": object, "suppressed": bool, "illustrative": bool})


def supplied_counts(conn: Connection, pairs: list[tuple[str, str]], threshold: int,
                    areas: tuple[str, ...]) -> dict[tuple[str, str], dict[dt.date, int]]:
    """(code, measure) -> period -> how many of `areas` have a figure of it in that period,
    shown or suppressed (what `continuity.late` counts), in one query and without reading the
    figures themselves."""
    found: dict[tuple[str, str], dict[dt.date, int]] = {pair: {} for pair in pairs}
    current = publication.latest(conn)
    if current is None or current.threshold != threshold:
        for code, measure in pairs:
            frame = indicator_series(conn, code, measure, threshold, areas)
            supplied = frame[frame["suppressed"].astype(bool) | frame["value"].notna()]
            found[(code, measure)] = {p: int(n) for p, n in
                                      supplied.groupby("period")["area_code"].nunique().items()}
        return found
    rows = conn.execute(
        select(PublishedFigure.indicator_code, PublishedFigure.measure, PublishedFigure.period,
               func.count(PublishedFigure.area_code.distinct()))
        .where(PublishedFigure.valid_to.is_(None),
               PublishedFigure.indicator_code.in_(sorted({code for code, _ in pairs})),
               PublishedFigure.measure.in_(sorted({measure for _, measure in pairs})),
               PublishedFigure.area_code.in_(areas),
               or_(PublishedFigure.suppressed.is_(True), PublishedFigure.value.is_not(None)))
        .group_by(PublishedFigure.indicator_code, PublishedFigure.measure,
                  PublishedFigure.period))
    for code, measure, period, n in rows:
        if (code, measure) in found:
            found[(code, measure)][period] = int(n)
    return found


def latest_periods(conn: Connection, pairs: list[tuple[str, str]], threshold: int
                   ) -> dict[tuple[str, str], set[dt.date]]:
    """(code, measure) -> each area's latest period of it (the set of them), over the rows
    `indicator_series` gives (an empty rate carried by its count included), in one query."""
    found: dict[tuple[str, str], set[dt.date]] = {pair: set() for pair in pairs}
    current = publication.latest(conn)
    if current is None or current.threshold != threshold:
        for code, measure in pairs:
            frame = indicator_series(conn, code, measure, threshold)
            found[(code, measure)] = (set(frame.groupby("area_code")["period"].max())
                                      if len(frame) else set())
        return found
    measures = {measure for _, measure in pairs}
    rows = conn.execute(
        select(PublishedFigure.indicator_code, PublishedFigure.measure,
               PublishedFigure.rate_empty, PublishedFigure.area_code,
               func.max(PublishedFigure.period))
        .where(PublishedFigure.valid_to.is_(None),
               PublishedFigure.indicator_code.in_(sorted({code for code, _ in pairs})),
               PublishedFigure.measure.in_(sorted(measures | ({"count"} if "rate" in measures
                                                              else set()))))
        .group_by(PublishedFigure.indicator_code, PublishedFigure.measure,
                  PublishedFigure.rate_empty, PublishedFigure.area_code))
    latest: dict[tuple[str, str, str], dt.date] = {}
    for code, measure, rate_empty, area, period in rows:
        as_ = [measure] + (["rate"] if measure == "count" and rate_empty else [])
        for shown in as_:  # a count row that carries its empty rate is that rate's row too
            key = (code, shown, area)
            if key not in latest or period > latest[key]:
                latest[key] = period
    for (code, measure, _), period in latest.items():
        if (code, measure) in found:
            found[(code, measure)].add(period)
    return found
