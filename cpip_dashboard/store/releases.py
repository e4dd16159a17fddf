"""Releases: every publication and the figures each showed, as shown (never the counts behind
a suppressed figure). What the continuity report and "new since the last meeting" compare."""

from __future__ import annotations

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


def figure_history(conn: Connection, pairs: Collection[tuple[str, str]] | None = None,
                   areas: Collection[str] | None = None) -> pd.DataFrame:
    """Every figure ever published (of the (indicator, measure) `pairs`, or all; of the
    `areas`, or all), with the publication that first showed it and the one that replaced it
    (`valid_to`, NaN while shown). A suppressed figure has no value here, as on the pages."""
    where = []
    if pairs is not None:
        codes = sorted({code for code, _ in pairs})
        measures = sorted({measure for _, measure in pairs})
        where = [PublishedFigure.indicator_code.in_(codes),
                 PublishedFigure.measure.in_(measures)]
    if areas is not None:
        where.append(PublishedFigure.area_code.in_(sorted(areas)))
    if where:  # by the index that leads with valid_to: the current rows, then each release's
        ended = list(conn.execute(select(Publication.id)).scalars())
        where.append(or_(PublishedFigure.valid_to.is_(None),
                         PublishedFigure.valid_to.in_(ended)))
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
