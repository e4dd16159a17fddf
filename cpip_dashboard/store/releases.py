"""Releases: every publication and the figures each showed, as shown (never the counts behind
a suppressed figure). What the continuity report and "new since the last meeting" compare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pandas as pd
from sqlalchemy import Connection, or_, select

from cpip_dashboard.store.models import Publication, PublishedFigure

# the columns a reader of the published figures may see: no `truth` or `den_truth`
SHOWN = ["indicator_code", "measure", "area_code", "period", "value", "symbol", "status",
         "suppressed", "count", "population", "population_year", "base", "publication_id",
         "valid_to"]


def publications(conn: Connection) -> pd.DataFrame:
    """Every publication (release), oldest first: id, when (naive UTC), event, batch, and the
    publication whose figures it shows."""
    rows = conn.execute(select(Publication.id, Publication.at, Publication.event,
                               Publication.batch_id, Publication.figures_from)
                        .order_by(Publication.id))
    return pd.DataFrame([tuple(r) for r in rows],
                        columns=["id", "at", "event", "batch_id", "figures_from"])


def _not_replaced_by(conn: Connection, version: int):
    """The stored figure rows not replaced by data version `version` (`valid_to` NULL, or a
    later publication), written as `valid_to IN (the publications after it)` rather than
    `valid_to > version`, so that the index leading with `valid_to` is used: a seek for the
    current rows and one per later release, not a scan of every figure ever stored (0.1-0.3 s
    an indicator at a million values)."""
    later = conn.execute(select(Publication.id).where(Publication.id > version)).scalars()
    return or_(PublishedFigure.valid_to.is_(None), PublishedFigure.valid_to.in_(list(later)))


def shown_in(conn: Connection, version: int) -> list:
    """The conditions on `PublishedFigure` of the rows data version `version` showed: stored by
    a publication up to it and not replaced by then (`publication`)."""
    return [PublishedFigure.publication_id <= version, _not_replaced_by(conn, version)]


def figure_history(conn: Connection, pairs: Collection[tuple[str, str]] | None = None,
                   areas: Collection[str] | None = None,
                   periods: Collection[dt.date] | None = None) -> pd.DataFrame:
    """Every figure ever published (of the (indicator, measure) `pairs`, or all; of the
    `areas`, or all; of the `periods`, or all), with the publication that first showed it and
    the one that replaced it (`valid_to`, NaN while shown). A suppressed figure has no value
    here, as on the pages."""
    where = []
    if pairs is not None:
        codes = sorted({code for code, _ in pairs})
        measures = sorted({measure for _, measure in pairs})
        where = [PublishedFigure.indicator_code.in_(codes),
                 PublishedFigure.measure.in_(measures)]
    if areas is not None:
        where.append(PublishedFigure.area_code.in_(sorted(areas)))
    if periods is not None:  # an area's profile line: its latest periods, not its whole past
        where.append(PublishedFigure.period.in_(sorted(periods)))
    if where:  # every row, asked for through the index that leads with valid_to
        where.append(_not_replaced_by(conn, 0))
    rows = conn.execute(select(*[getattr(PublishedFigure, c) for c in SHOWN]).where(*where)
                        .order_by(PublishedFigure.id))
    frame = pd.DataFrame([tuple(r) for r in rows], columns=SHOWN)
    if pairs is not None and len(frame):
        keep = pd.Series(list(zip(frame["indicator_code"], frame["measure"], strict=True)),
                         index=frame.index).isin(set(pairs))
        frame = frame[keep].reset_index(drop=True)
    frame = frame.astype({"value": "float64", "count": "float64", "population": "float64",
                          "base": "float64", "valid_to": "float64", "symbol": object,
                          "status": object})
    frame["suppressed"] = frame["suppressed"].astype(bool)
    hidden = frame["suppressed"]
    frame.loc[hidden, "value"] = float("nan")  # never a suppressed number, even if stored
    return frame
