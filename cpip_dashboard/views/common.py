"""Pieces every view uses: prepared downloads and the data version they name."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, select

from cpip_dashboard import config
from cpip_dashboard.protection.series import indicator_series, series_of_release
from cpip_dashboard.render import downloads
from cpip_dashboard.rules import provenance as prov
from cpip_dashboard.rules import register, review, tiles
from cpip_dashboard.rules.values import long_date
from cpip_dashboard.store import queries
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.models import Publication
from cpip_dashboard.store.queries import data_status

NOW = "now"  # the address's `meeting=now` (CONTRACT.md)


@dataclass(frozen=True)
class Now:
    """`meeting=now`: the register as at `day` (today, UK time), with movement since the latest
    meeting. The day is part of the value so that a view built yesterday is not shown today."""

    day: dt.date

    def isoformat(self) -> str:  # what the address holds
        return NOW


def uk_today() -> dt.date:
    return dt.datetime.now(register.UK).date()


def now() -> Now:
    return Now(uk_today())


def meeting_date(day: dt.date | Now | None) -> str:
    """A meeting's date as people write it ("now, 6 December 2026" between meetings), or "no
    meeting" when there is none."""
    if isinstance(day, Now):
        return f"today, {long_date(day.day)}"
    return long_date(day) if day is not None else "no meeting"


def meeting_choice(dates: list[dt.date], wanted: dt.date | None
                   ) -> tuple[dt.date | None, str | None]:
    """The meeting shown for a date asked for (an address's `meeting=`), and the notice when it
    is not that date: before the first meeting the first is shown, after the latest the latest,
    between two the earlier (the latest meeting on or before it)."""
    if not dates:
        return None, None
    ordered = sorted(dates)
    if wanted is None or wanted in ordered:
        return (wanted if wanted is not None else ordered[-1]), None
    asked = long_date(wanted)
    if wanted < ordered[0]:
        return ordered[0], (f"No meeting on {asked}: it is before the first meeting in the "
                            f"record, so the first meeting, {long_date(ordered[0])}, is shown.")
    if wanted > ordered[-1]:
        return ordered[-1], (f"No meeting on {asked}: it is after the latest meeting, so the "
                             f"latest, {long_date(ordered[-1])}, is shown (choose Now for the "
                             "register as at today).")
    earlier = max(d for d in ordered if d < wanted)
    later = min(d for d in ordered if d > wanted)
    return earlier, (f"No meeting on {asked}: it falls between the meetings of "
                     f"{long_date(earlier)} and {long_date(later)}, so {long_date(earlier)}, "
                     "the meeting before it, is shown.")


def movement_heading(chosen: dt.date | Now | None) -> str:
    """The heading of the movement block: the same words on the page and in the pack."""
    return ("Movement since the latest meeting" if isinstance(chosen, Now)
            else "Movement since the last meeting")


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


def register_as_at(conn: Connection, meeting_date: dt.date | Now | None) -> dict:
    """The register as at a meeting (default: the latest), the previous meeting's, and the
    meeting list: everything the Briefing and Action register pages need. With `Now`: as at
    that day, with movement since the latest meeting; an update counts for it when dated after
    the latest meeting, and an action is stale when it has no update counting for the latest
    meeting or since it (CONTRACT.md, `meeting=now`)."""
    meeting_frame = queries.meetings(conn)
    versions, updates = queries.action_versions(conn), queries.action_updates(conn)
    dates = list(meeting_frame["date"])
    if isinstance(meeting_date, Now) and dates:
        latest, before_latest = dates[-1], (dates[-2] if len(dates) > 1 else None)
        day = max(meeting_date.day, latest)
        return {"meetings": meeting_frame, "meeting": meeting_date, "previous": latest,
                "now": register.register_as_at(versions, updates,
                                               register.Meeting(day, before_latest)),
                "before": register.register_as_at(versions, updates,
                                                  register.Meeting(latest, before_latest)),
                "updates": updates, "versions": versions, "day": day}
    if isinstance(meeting_date, Now):
        meeting_date = None
    if not dates:
        today = dt.date.today()
        return {"meetings": meeting_frame, "meeting": None, "previous": None,
                "now": register.register_as_at(versions, updates, register.Meeting(today, None)),
                "before": None, "updates": updates, "versions": versions, "day": today}
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
            "before": before, "updates": updates, "versions": versions, "day": chosen}


def review_for_action(conn: Connection, action_ref: str) -> pd.DataFrame:
    """The latest assessment per area and criterion whose recommendation the action carries."""
    latest = review.as_at(queries.review_assessments(conn), None)
    return latest[latest["action_ref"] == action_ref] if len(latest) else latest


@dataclass(frozen=True)
class Release:
    """The release whose figures a briefing or pack shows as at a meeting (CONTRACT.md, Time):
    the publication in force at the end of the meeting's day (UK time); where the first
    publication came after it (a database loaded after the fact), the first one's figures for
    periods ending on or before the meeting."""

    version: int | None  # the publication (data version); None before the first
    published: dt.datetime | None  # naive UTC
    periods_until: dt.date | None  # only periods ending by then (loaded after the fact)
    current: bool  # the current publication, all its periods: the Indicators page's figures
    statement: str  # what the Briefing and the pack say about it

    @property
    def label(self) -> str:
        return "none" if self.version is None else str(self.version)


def release_as_at(conn: Connection, meeting: dt.date | Now | None) -> Release:
    """The release of the headline indicators as at `meeting` (`Now` or None: the current)."""
    rows = conn.execute(select(Publication.id, Publication.at).order_by(Publication.id)).all()
    if not rows:
        return Release(None, None, None, True, "No figures have been published yet.")
    latest = rows[-1]
    if meeting is None or isinstance(meeting, Now):
        return Release(latest[0], latest[1], None, True,
                       f"Headline indicators: the current release (data version {latest[0]}, "
                       f"published {long_date(latest[1])}).")
    end = register.day_end_utc(meeting)
    in_force = [r for r in rows if r[1] < end]
    if in_force:
        found = in_force[-1]
        return Release(found[0], found[1], None, found[0] == latest[0],
                       f"Headline indicators as at {long_date(meeting)}: the release in force "
                       f"at the meeting (data version {found[0]}, published "
                       f"{long_date(found[1])}).")
    first = rows[0]
    return Release(first[0], first[1], meeting, False,
                   f"Headline indicators as at {long_date(meeting)}: no release of this "
                   f"dashboard was in force at the meeting (its data were loaded later), so "
                   f"these are the first release's figures (data version {first[0]}, published "
                   f"{long_date(first[1])}) for periods ending on or before "
                   f"{long_date(meeting)}.")


def headline_tiles(conn: Connection, area: str, threshold: int | None = None,
                   release: Release | None = None) -> list[tiles.Tile]:
    """The tiles of the headline indicators for an area, in the catalogue's order: the current
    figures, or those of `release` (as at a meeting)."""
    return [t for t, _ in headline_figures(conn, area, threshold, release)]


def headline_figures(conn: Connection, area: str, threshold: int | None = None,
                     release: Release | None = None) -> list[tuple[tiles.Tile, str]]:
    """(tile, recent trend) of each headline indicator for an area, in the catalogue's order;
    the trend is `indicators.recent_trend` over the same figures ("Rising", "Falling", ...)."""
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
        if release is None or release.current or release.version is None:
            frame = indicator_series(conn, definition["code"], measure, threshold)
        else:
            frame = series_of_release(conn, definition["code"], measure, release.version,
                                      release.periods_until)
        made = tiles.tile(definition, measure, frame, area, names, populations)
        if made is not None:
            trend, _ = tiles.indicators.recent_trend(
                frame, area, definition["code"], definition["frequency"],
                tiles.indicators.counted_series(definition, measure))
            result.append((made, trend))
    return result


def meeting_list(conn: Connection) -> pd.DataFrame:
    """The Leadership Group's meetings, oldest first (the meeting selector's choices)."""
    return queries.meetings(conn)
