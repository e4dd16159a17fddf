"""What no other dashboard tells the group (issue 23): where the register and the figures
disagree (`rules.disagreement`), which figures to doubt (`rules.continuity`: late, revised,
implausible jumps) and what was published since the last meeting. One view module drawn by
several pages (the Briefing, the Action register, the Area profile, the Indicators page, the
About page) and by the pack; built once per data version.

Every figure here is a published one (after disclosure control): the current series
(`protection.series`) and the releases kept (`store.releases`), never a suppressed value.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard import config
from cpip_dashboard.protection.series import (
    area_series,
    indicator_series,
    latest_periods,
    supplied_counts,
)
from cpip_dashboard.rules import (
    continuity,
    disagreement,
    indicators,
    links,
    rag,
    register,
    stats,
)
from cpip_dashboard.rules.measures import COUNT, decimals
from cpip_dashboard.rules.rows import records
from cpip_dashboard.rules.values import long_date, period_label
from cpip_dashboard.store import queries, releases
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.queries import area_directory, current_indicators
from cpip_dashboard.views.common import Now, meeting_date, memo, register_as_at

FLAG_COLUMNS = ["Ref", "Action", "RAG", "Why"]
DOUBT_COLUMNS = ["Area", "Indicator", "Period", "Doubt", "Why"]
CHANGE_COLUMNS = ["Area", "Period", "Old", "New", "Released"]

# how each is decided, for the About page (title, rule)
HOW_DECIDED = (
    (disagreement.GREEN_KIND, disagreement.KINDS[disagreement.GREEN_KIND]),
    (disagreement.RED_KIND, disagreement.KINDS[disagreement.RED_KIND]),
    ("Which way", disagreement.RULE),
    (continuity.LATE, continuity.RULES[continuity.LATE]),
    (continuity.REVISED, continuity.RULES[continuity.REVISED]),
    (continuity.JUMP, continuity.RULES[continuity.JUMP]),
    ("New since the last meeting", ("figures in releases after the previous meeting's day "
     "(UK time) up to the chosen meeting's day (for the latest meeting, up to now): periods "
     "no earlier release showed, and shown values revised")),
)


# --- reading, once per data version --------------------------------------------------------


def _definitions(conn: Connection) -> dict[str, dict]:
    return memo(conn, current_indicators)


def _series(conn: Connection, code: str, measure: str) -> pd.DataFrame:
    return memo(conn, indicator_series, code, measure, config.suppress_below())


def _history(conn: Connection, code: str, measure: str) -> pd.DataFrame:
    return memo(conn, releases.figure_history, ((code, measure),))


def _released(conn: Connection) -> dict[int, dt.datetime]:
    frame = memo(conn, releases.publications)
    return dict(zip(frame["id"].astype(int), frame["at"], strict=True))


def _breaks(code: str) -> list[dt.date]:
    return [when for when, _ in indicators.series_breaks().get(code, [])]


def _count_measure(definition: dict) -> str:
    """The measure whose rows carry a count and its exposure (a rate's child population, a
    percentage's base): what a jump is tested on."""
    options = indicators.measures(definition)
    return options[1] if len(options) > 1 else options[0]


def _against(frame: pd.DataFrame, area: str, period: dt.date,
             directory: AreaDirectory) -> str:
    """The area's comparison with Scotland in one period of a published frame."""
    info = directory.areas.get(area)
    if info is None or area == SCOTLAND or frame.empty:
        return stats.NOT_COMPARED
    ranked = indicators.comparison(frame, period, (info.kind,), directory)
    mine = ranked[ranked["area_code"] == area]
    return str(mine.iloc[0]["comparison"]) if len(mine) else stats.NOT_COMPARED


def _movement(conn: Connection, code: str, area: str, way: str | None
              ) -> disagreement.Movement | None:
    """One linked indicator in one area, from the published figures (None: no figure)."""
    definition = _definitions(conn)[code]
    directory = memo(conn, area_directory)
    measure = indicators.headline_measure(definition, area)
    frame = _series(conn, code, measure)
    mine = frame[frame["area_code"] == area].sort_values("period")
    if mine.empty:
        return None
    frequency = definition["frequency"]
    label, change = indicators.recent_trend(frame, area, code, frequency,
                                            indicators.counted_series(definition, measure))
    latest = mine.iloc[-1]
    period = latest["period"]
    suppressed = bool(latest["suppressed"]) or pd.isna(latest["value"])
    against_now = (stats.NOT_COMPARED if measure == COUNT
                   else _against(frame, area, period, directory))
    before, broken = None, False
    history = _history(conn, code, measure)
    if len(history) and measure != COUNT:
        changed = set(history["publication_id"].astype(int)) | {
            int(v) for v in history["valid_to"].dropna()}
        earlier = continuity.figures_at(history, max(changed) - 1)
        theirs = earlier[earlier["area_code"] == area]
        if len(theirs):
            previous_period = max(theirs["period"])
            before = _against(earlier, area, previous_period, directory)
            broken = any(previous_period < b <= period for b in _breaks(code))
    return disagreement.Movement(
        code=code, name=definition["name"], area_name=directory.name(area), way=way,
        trend=label, change=stats.change_text(change, frequency), against_now=against_now,
        against_before=before, period=period_label(period, frequency), suppressed=suppressed,
        broken=broken)


def _movements_of(conn: Connection, action: dict) -> list[disagreement.Movement]:
    definitions = _definitions(conn)
    try:
        linked = links.parse(action["indicators"])
    except links.LinkProblem:
        return []
    areas = [a for a in str(action["areas"] or "").split(",") if a] or [SCOTLAND]
    found = []
    for link in linked:
        if link.code not in definitions:
            continue
        way = links.way(link, definitions[link.code].get("polarity"))
        if way is None:
            continue  # polarity neither, no direction: never a flag
        for area in areas:
            made = memo(conn, _movement, link.code, area, way)
            if made is not None:
                found.append(made)
    return found


def register_flags(conn: Connection, now: pd.DataFrame) -> list[disagreement.Flag]:
    """The disagreement flags of the actions in `now` (a register as at a meeting)."""
    candidates = [a for a in records(now) if a["rag"] in ("Green", "Complete", "Red")]
    movements = {a["ref"]: _movements_of(conn, a) for a in candidates}
    return disagreement.flags(candidates, movements)


def flags_table(found: list[disagreement.Flag]) -> pd.DataFrame:
    return pd.DataFrame([{"Ref": f.ref, "Action": f.title, "RAG": rag.label(f.rag),
                          "Why": f.sentence}
                         for f in found], columns=FLAG_COLUMNS)


# --- which figures to doubt ----------------------------------------------------------------


def indicator_doubts(conn: Connection, code: str) -> tuple[continuity.Doubt, ...]:
    """Late (councils), revised (every release) and implausible jumps (each area's latest
    period) for one indicator."""
    definition = _definitions(conn)[code]
    directory = memo(conn, area_directory)
    frequency = definition["frequency"]
    own = indicators.measures(definition)[0]
    frame = _series(conn, code, own)
    councils = [a.code for a in directory.councils()]
    found = continuity.late(records(frame), councils, code, frequency, "councils")
    found += continuity.revisions(_history(conn, code, own), _released(conn),
                                  decimals(own, definition))
    counted = _series(conn, code, _count_measure(definition))
    latest = set(counted.groupby("area_code")["period"].max()) if len(counted) else set()
    found += continuity.jumps(records(counted), code, frequency, _breaks(code), latest)
    return tuple(found)


def all_doubts(conn: Connection) -> tuple[continuity.Doubt, ...]:
    result: list[continuity.Doubt] = []
    for code in _definitions(conn):
        result += memo(conn, indicator_doubts, code)
    return tuple(result)


def _doubt_pairs(definitions: dict[str, dict]) -> tuple[list[tuple[str, str]],
                                                      list[tuple[str, str]]]:
    """(each indicator's own measure, each indicator's counted measure): what its doubts are
    about."""
    return ([(code, indicators.measures(d)[0]) for code, d in definitions.items()],
            [(code, _count_measure(d)) for code, d in definitions.items()])


def area_doubts(conn: Connection, area: str, at: dict[str, dt.date | None] | None = None,
                series: dict[tuple[str, str], pd.DataFrame] | None = None
                ) -> tuple[continuity.Doubt, ...]:
    """The doubts of `all_doubts` about one area, read from that area's own figures and
    history and two tallies over the others (how many councils have each period; every area's
    latest period), not from every area's figures: at a million values `all_doubts` reads
    them all (minutes), an area's takes seconds. With `at` (indicator -> a period, or None),
    only the revisions and jumps of that period are looked for (late ones always): what the
    area's profile line shows. `series`: the area's figures (`area_series`) when read already,
    holding at least the pairs of `_doubt_pairs`."""
    directory = memo(conn, area_directory)
    councils = tuple(a.code for a in directory.councils())
    threshold = config.suppress_below()
    definitions = _definitions(conn)
    owns, counted = _doubt_pairs(definitions)
    # each read once for every indicator: the area's history (no index leads with the area:
    # one scan of the stored figures rather than one per indicator; with `at`, of those
    # periods only: a profile line's revisions are of its own period, and at a million values
    # the area's whole past is 65,000 rows, its latest periods' a few hundred), its current
    # figures, how many councils have each period, every area's latest period
    history = releases.figure_history(
        conn, owns, (area,), None if at is None else {p for p in at.values() if p is not None})
    # only a figure in more than one release can have been revised: the indicators with none
    # are not looked at (one pass here rather than one per indicator)
    several = history[history.duplicated(["indicator_code", "area_code", "period"], keep=False)]
    histories = {code: rows.reset_index(drop=True)
                 for code, rows in several.groupby("indicator_code", sort=False)}
    mine = series if series is not None else area_series(
        conn, sorted(set(owns) | set(counted)), threshold, (area,))
    # the same for every area: once per data version
    tallies = memo(conn, supplied_counts, tuple(owns), threshold, councils) \
        if area in councils else {}
    latest = memo(conn, latest_periods, tuple(counted), threshold)
    released = _released(conn)
    found: list[continuity.Doubt] = []
    for (code, own), (_, count_measure) in zip(owns, counted, strict=True):
        definition = definitions[code]
        frequency = definition["frequency"]
        if area in councils:
            chosen, having = continuity.common_period(tallies[(code, own)], len(councils))
            series = mine[(code, own)]
            supplied = series[series["suppressed"].astype(bool) | series["value"].notna()]
            late = continuity.late_area(area, set(supplied["period"]), chosen, having,
                                        len(councils), code, frequency, "councils")
            found += [late] if late is not None else []
        periods = latest[(code, count_measure)]
        if at is not None:
            periods = periods & {at.get(code)}
        if code in histories:
            own_history = histories[code]
            if at is not None:
                own_history = own_history[own_history["period"] == at.get(code)]
            found += continuity.revisions(own_history, released, decimals(own, definition))
        found += continuity.jumps(records(mine[(code, count_measure)]), code, frequency,
                                  _breaks(code), periods)
    return tuple(found)


def doubts_table(found: list[continuity.Doubt], conn: Connection) -> pd.DataFrame:
    definitions = _definitions(conn)
    directory = memo(conn, area_directory)
    rows = [{"Area": directory.name(d.area), "Indicator": definitions[d.code]["name"],
             "Period": period_label(d.period, definitions[d.code]["frequency"]),
             "Doubt": d.kind, "Why": d.sentence} for d in found]
    return pd.DataFrame(rows, columns=DOUBT_COLUMNS)


def area_marks(conn: Connection, area: str) -> dict[str, tuple[str, ...]]:
    """Indicator name -> the doubts about the area's latest figure on its profile line (late:
    about the area's missing latest period)."""
    definitions = _definitions(conn)
    headline = [(code, indicators.headline_measure(d, area)) for code, d in definitions.items()]
    owns, counted = _doubt_pairs(definitions)
    # the profile lines and the figures the doubts are about, in one read
    lines = area_series(conn, sorted(set(headline) | set(owns) | set(counted)),
                        config.suppress_below(), (area,))
    # each indicator's latest period on the profile line
    shown = {code: None if lines[(code, m)].empty else max(lines[(code, m)]["period"])
             for code, m in headline}
    marks: dict[str, list[str]] = {}
    for doubt in area_doubts(conn, area, shown, lines):
        definition = definitions[doubt.code]
        if doubt.kind != continuity.LATE and doubt.period != shown[doubt.code]:
            continue  # about an older figure than the one on the profile
        marks.setdefault(definition["name"], []).append(f"{doubt.kind}: {doubt.sentence}")
    return {name: tuple(items) for name, items in marks.items()}


# --- new since the last meeting -------------------------------------------------------------


def _version_at(released: dict[int, dt.datetime], moment: dt.datetime | None) -> int:
    """The last publication at or before `moment` (0: none; None: the latest)."""
    ids = [i for i, at in released.items() if moment is None or at < moment]
    return max(ids, default=0)


def new_since_meeting(conn: Connection, meeting: dt.date | None, previous: dt.date | None,
                      latest: bool) -> tuple[str, tuple[str, ...]]:
    """(what the list covers, one sentence per indicator with figures first published or
    revised after the previous meeting)."""
    if meeting is None or previous is None:
        return ("There is no previous meeting to compare with.", ())
    released = _released(conn)
    start = _version_at(released, register.day_end_utc(previous))
    end = _version_at(released, None if latest else register.day_end_utc(meeting))
    window = (f"Published after the meeting of {meeting_date(previous)}"
              + (" up to now." if latest else f" up to {meeting_date(meeting)}."))
    if end <= start:
        return (window, ("No indicator figures were published in that time.",))
    if start == 0:
        first = released[min(released)]
        return (window, ((f"Every figure: the figures were first published on "
                         f"{long_date(first.date())}, after that meeting (the database was "
                         "loaded then)."),))
    lines = []
    for code, definition in _definitions(conn).items():
        own = indicators.measures(definition)[0]
        found = continuity.new_since(_history(conn, code, own), code, start, end)
        sentence = continuity.new_sentence(found, definition["name"], definition["frequency"])
        if sentence:
            lines.append(sentence)
    return (window, tuple(lines) or ("No indicator figures were published in that time.",))


# --- what each place shows ------------------------------------------------------------------


@dataclass(frozen=True)
class BriefingInsight:
    flags: pd.DataFrame  # FLAG_COLUMNS
    flags_sentence: str
    new_window: str
    new_lines: tuple[str, ...]


def briefing(conn: Connection, meeting: dt.date | None, area: str) -> BriefingInsight:
    """The Briefing's "Register and figures" and "New since the last meeting" sections."""
    directory = memo(conn, area_directory)
    data = memo(conn, register_as_at, meeting)
    now = register.for_area(data["now"], area, directory)
    found = register_flags(conn, now)
    sentence = (f"{len(found)} action{' is' if len(found) == 1 else 's are'} rated against "
                "what the published figures show" if found else
                "No action's rating disagrees with the published figures")
    sentence += (f" (figures of data version {data_version(conn)}, in the areas each action "
                 "covers; how this is decided is on the About page).")
    dates = list(data["meetings"]["date"])
    shown = data["meeting"]
    if isinstance(shown, Now):  # as at today: what is new since the latest meeting
        window, lines = new_since_meeting(conn, shown.day, data["previous"], True)
    else:
        window, lines = new_since_meeting(conn, shown, data["previous"],
                                          bool(dates) and shown == dates[-1])
    return BriefingInsight(flags_table(found), sentence, window, lines)


def action_flags(conn: Connection, meeting: dt.date | None, ref: str
                 ) -> tuple[tuple[str, ...], pd.DataFrame]:
    """An action's disagreement flags as at the meeting, and its links with their way."""
    data = memo(conn, register_as_at, meeting)
    now = data["now"]
    mine = now[now["ref"] == ref]
    if mine.empty:
        return (), pd.DataFrame(columns=["Indicator", "Way"])
    found = register_flags(conn, mine)
    definitions = _definitions(conn)
    try:
        linked = links.parse(mine.iloc[0]["indicators"])
    except links.LinkProblem:
        linked = []
    table = pd.DataFrame([{
        "Indicator": definitions[k.code]["name"] if k.code in definitions else k.code,
        "Way": links.describe(k, definitions.get(k.code, {}).get("polarity"))}
        for k in linked], columns=["Indicator", "Way"])
    return tuple(f.sentence for f in found), table


@dataclass(frozen=True)
class LastRelease:
    sentence: str
    changes: pd.DataFrame  # CHANGE_COLUMNS: the revised figures


def last_release(conn: Connection, code: str, measure: str) -> LastRelease:
    """What the last release to change an indicator's figures changed: periods first published
    and shown values revised, old beside new."""
    definition = _definitions(conn)[code]
    directory = memo(conn, area_directory)
    history = _history(conn, code, measure)
    empty = pd.DataFrame(columns=CHANGE_COLUMNS)
    if history.empty:
        return LastRelease("No figures of this indicator are published.", empty)
    released = _released(conn)
    last = max(set(history["publication_id"].astype(int))
               | {int(v) for v in history["valid_to"].dropna()})
    found = continuity.new_since(history, code, last - 1, last)
    when = released.get(last)
    parts = continuity.new_parts(found, definition["frequency"])
    sentence = (f"The last release to change these figures was on "
                f"{long_date(when.date()) if when else 'an unknown date'}: "
                + ("; ".join(parts) if parts else
                   "it withdrew figures or changed only what is not shown") + ".")
    places = decimals(measure, definition)
    revised = continuity.revisions(history, released, places, since=last - 1)
    changes = pd.DataFrame([{
        "Area": directory.name(d.area), "Period": period_label(d.period,
                                                                definition["frequency"]),
        "Old": f"{d.old:,.{places}f}", "New": f"{d.new:,.{places}f}",
        "Released": long_date(d.when.date()) if d.when else ""} for d in revised],
        columns=CHANGE_COLUMNS)
    return LastRelease(sentence, changes)


@dataclass(frozen=True)
class PackInsight:
    flags: tuple[str, ...]  # "REF: sentence"
    doubts: tuple[str, ...]  # one line per area


def pack_summary(conn: Connection, meeting: dt.date | None, area: str) -> PackInsight:
    """The pack's summary lines: the disagreement flags of the area's register as at the
    meeting, and the figures to doubt, one line per area (the area itself and what it covers;
    for Scotland every area with a doubt)."""
    directory = memo(conn, area_directory)
    data = memo(conn, register_as_at, meeting)
    found = register_flags(conn, register.for_area(data["now"], area, directory))
    wanted = None if area == SCOTLAND else directory.covering(area)
    definitions = _definitions(conn)
    by_area: dict[str, list[str]] = {}
    doubts = memo(conn, all_doubts) if wanted is None else [
        doubt for one in sorted(wanted) for doubt in memo(conn, area_doubts, one)]
    for doubt in doubts:
        by_area.setdefault(doubt.area, []).append(
            f"{definitions[doubt.code]['name']} {doubt.kind.lower()}")
    order = {code: info.sort_order for code, info in directory.areas.items()}
    lines = tuple(f"{directory.name(a)}: " + "; ".join(items) + "."
                  for a, items in sorted(by_area.items(),
                                         key=lambda kv: (order.get(kv[0], math.inf), kv[0])))
    return PackInsight(tuple(f"{f.ref}: {f.sentence}" for f in found), lines)


MARK_COLUMN = "Figures to doubt"


def with_marks(profile: pd.DataFrame, marks: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """An area profile's table with a last column marking the figures to doubt (blank where
    none)."""
    if profile.empty or "Indicator" not in profile:
        return profile
    return profile.assign(**{MARK_COLUMN: ["; ".join(m.split(":")[0] for m in marks.get(name, ()))
                                           for name in profile["Indicator"]]})


def mark_lines(marks: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The marks in full, one line each: "Indicator - Implausible jump: up from 44 to 93 ..."."""
    return tuple(f"{name} - {mark}" for name, items in marks.items() for mark in items)


# --- the Upload preview ---------------------------------------------------------------------


def upload_continuity(conn: Connection, report) -> tuple[str, pd.DataFrame]:
    """The continuity report for what an upload would change, before it is committed: the
    values it revises (old beside new), the councils late after it, and the jumps its new
    values make. On the uploaded values (the uploader's own, as the rest of the preview
    shows them) beside the current ones; `report` is the checked upload
    (`batches.pipeline.ImportReport`)."""
    written: dict[tuple, float | None] = {}
    found: list[continuity.Doubt] = []
    for changes in report.changes:
        if changes.records.kind != "indicators":
            continue
        columns = changes.records.columns
        for i in changes.written():
            key = tuple(columns[f][i] for f in ("indicator_code", "area_code", "period"))
            value = columns["value"][i]
            written[key] = value
            old = changes.old.get(i, {}).get("value")
            if old is not None and value is not None and not _nan(old) and not _nan(value) \
                    and float(old) != float(value):
                found.append(continuity.Doubt(continuity.REVISED, key[0], key[1], key[2],
                                              f"from {float(old):,g} to {float(value):,g}",
                                              old=float(old), new=float(value)))
    if not written:
        return ("This file changes no indicator figure.", pd.DataFrame(columns=DOUBT_COLUMNS))
    definitions = _definitions(conn)
    directory = memo(conn, area_directory)
    codes = sorted({key[0] for key in written})
    current = queries.indicator_values(conn, codes=codes)
    merged = {(r["indicator_code"], r["area_code"], r["period"]): r["value"]
              for r in records(current[["indicator_code", "area_code", "period", "value"]])}
    merged.update(written)
    children = {(r["area_code"], int(r["year"])): r["children"]
                for r in records(queries.populations(conn))}
    councils = [a.code for a in directory.councils()]
    for code in codes:
        definition = definitions[code]
        counted = definition["unit"] == "count"
        rows = [{"area_code": area, "period": period, "value": value, "suppressed": False,
                 "count": value if counted else None,
                 "population": children.get((area, period.year))}
                for (c, area, period), value in merged.items() if c == code]
        periods = {key[2] for key in written if key[0] == code}
        found += [d for d in continuity.late(rows, councils, code, definition["frequency"],
                                             "councils") if d.period in periods]
        found += [d for d in continuity.jumps(rows, code, definition["frequency"],
                                              _breaks(code), periods)
                  if (code, d.area, d.period) in written]
    table = doubts_table(found, conn)
    sentence = (f"{len(found)} figure{' is' if len(found) == 1 else 's are'} worth checking "
                "before you confirm (late, revised or an implausible jump; how each is decided "
                "is on the About page):" if found else
                "No figure this file would change is late, revised or an implausible jump.")
    return sentence, table


def _nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)
