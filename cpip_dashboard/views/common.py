"""Pieces every view uses: prepared downloads and the data version they name."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard import config
from cpip_dashboard.protection.series import indicator_series
from cpip_dashboard.render import downloads
from cpip_dashboard.rules import provenance as prov
from cpip_dashboard.rules import register, review, tiles
from cpip_dashboard.rules.values import long_date
from cpip_dashboard.store import queries
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.queries import data_status


def meeting_date(day: dt.date | None) -> str:
    """A meeting's date as people write it, or "no meeting" when there is none."""
    return long_date(day) if day is not None else "no meeting"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "data"


@dataclass(frozen=True)
class Download:
    """A table's CSV and Excel files, built once with the view (formula-safe, provenance
    inside: Status, Source and Data version columns; in Excel a Notes sheet too)."""

    name: str  # file name without extension
    csv: bytes
    xlsx: bytes


def download(frame: pd.DataFrame, name: str, provenance: prov.Provenance,
             notes: list[str] | None = None) -> Download:
    stem = slug(name)
    return Download(stem, downloads.to_csv(frame, provenance),
                    downloads.to_excel(frame, notes=notes, provenance=provenance))


def records_download(conn: Connection, frame: pd.DataFrame, name: str) -> Download:
    """A table of the programme's records (not figures), marked from the batches current."""
    return download(frame, name, prov.records(len(frame), data_status(conn),
                                              data_version(conn), slug(name)))


_MEMO: OrderedDict[tuple, object] = OrderedDict()
_MEMO_LOCK = threading.Lock()
MEMO_ENTRIES = 256


def memo(conn: Connection, fn, *args):
    """`fn(conn, *args)` once per database and data version in this process: what several
    views read (the register as at a meeting, an indicator's protected series) is read once,
    whichever view asks first. Results are shared: never change them."""
    key = (str(conn.engine.url), data_version(conn), fn.__module__, fn.__qualname__, args)
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = fn(conn, *args)
    with _MEMO_LOCK:
        _MEMO[key] = value
        while len(_MEMO) > MEMO_ENTRIES:
            _MEMO.popitem(last=False)
    return value


def register_as_at(conn: Connection, meeting_date: dt.date | None) -> dict:
    """The register as at a meeting (default: the latest), the previous meeting's, and the
    meeting list: everything the Briefing and Action register pages need."""
    meeting_frame = queries.meetings(conn)
    versions, updates = queries.action_versions(conn), queries.action_updates(conn)
    dates = list(meeting_frame["date"])
    if not dates:
        today = dt.date.today()
        return {"meetings": meeting_frame, "meeting": None, "previous": None,
                "now": register.register_as_at(versions, updates, register.Meeting(today, None)),
                "before": None, "updates": updates, "versions": versions}
    chosen = max((d for d in dates if meeting_date is None or d <= meeting_date),
                 default=dates[0])
    index = dates.index(chosen)
    previous = dates[index - 1] if index else None
    before_previous = dates[index - 2] if index > 1 else None
    now = register.register_as_at(versions, updates, register.Meeting(chosen, previous))
    before = (register.register_as_at(versions, updates,
                                      register.Meeting(previous, before_previous))
              if previous else None)
    return {"meetings": meeting_frame, "meeting": chosen, "previous": previous, "now": now,
            "before": before, "updates": updates, "versions": versions}


def review_for_action(conn: Connection, action_ref: str) -> pd.DataFrame:
    """The latest assessment per area and criterion whose recommendation the action carries."""
    latest = review.as_at(queries.review_assessments(conn), None)
    return latest[latest["action_ref"] == action_ref] if len(latest) else latest


def headline_tiles(conn: Connection, area: str, threshold: int | None = None) -> list[tiles.Tile]:
    """The tiles of the headline indicators for an area, in the catalogue's order."""
    threshold = threshold or config.suppress_below()
    catalogue = queries.indicator_catalogue(conn)
    names = dict(zip(catalogue["code"], catalogue["name"], strict=True))
    headline = catalogue[catalogue["headline"].astype(bool)].to_dict("records")
    result = []
    populations = queries.population_sources(conn)
    for definition in headline:
        measure = tiles.indicators.headline_measure(definition, area)
        if area != SCOTLAND and tiles.duplicate_rate(definition, measure, headline):
            continue
        made = tiles.tile(definition, measure, indicator_series(conn, definition["code"], measure,
                                                          threshold), area, names, populations)
        if made is not None:
            result.append(made)
    return result


def meeting_list(conn: Connection) -> pd.DataFrame:
    """The Leadership Group's meetings, oldest first (the meeting selector's choices)."""
    return queries.meetings(conn)
