"""The action register as at a meeting: status, flags and movement (pure, over frames).

CONTRACT.md "Time, keys and versions":
- an action's status as at meeting M (date d) is its current update with the latest reporting
  date on or before d; its definition is the version current at d's end of day by commit time
  (for a register loaded after the meeting, its earliest version);
- an update counts for M when its reporting date is after the previous meeting's date and on or
  before d; an action is stale at M when, having started and not being Complete, it has no
  update counting for M.
- commit times are stored as naive UTC; a day ends at midnight UK local time (Europe/London),
  so in summer a commit at 23:30 UTC belongs to the next day.
- due dates: the fact that took effect last wins. An update's revised due date takes effect at
  its reporting date (the start of that day, UK time); a definition's due date at its batch's
  commit time, when that version set or changed the due date (a new version repeating the due
  date, say for a new title, restates nothing). Each change of the date along that timeline is
  one move ("Re-baselined").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from zoneinfo import ZoneInfo

import pandas as pd

from cpip_dashboard.rules import rag
from cpip_dashboard.rules.rows import records
from cpip_dashboard.rules.values import long_date
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory

DUE_SOON_DAYS = 30
UK = ZoneInfo("Europe/London")

FLAGS = {  # flag -> what it means, shown beside the register
    "Overdue": "the due date in force (the one set last) has passed and it is not complete",
    "Due soon": f"due within {DUE_SOON_DAYS} days and not complete",
    "Stale": "started and not complete, but no update counts for this meeting",
    "Re-baselined": "the due date has been moved (the number says how many times)",
    "RAG changed without commentary": "this meeting's update changed the RAG with no commentary",
}


@dataclass(frozen=True)
class Meeting:
    date: dt.date
    previous: dt.date | None  # the previous meeting's date


def day_start_utc(day: dt.date) -> dt.datetime:
    """The moment `day` starts in UK local time, as naive UTC (how commit times are stored)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=UK)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def day_end_utc(day: dt.date) -> dt.datetime:
    """The end of `day` in UK local time, as naive UTC: commits strictly before it count."""
    return day_start_utc(day + dt.timedelta(days=1))


def definitions_as_at(versions: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """One row per action: the version committed by the end of `day` (UK time), else the
    earliest."""
    if versions.empty:
        return versions
    ordered = versions.sort_values("batch_id")
    by_then = ordered[ordered["committed_at"] < day_end_utc(day)].groupby("ref").tail(1)
    earliest = ordered.groupby("ref").head(1)
    rest = earliest[~earliest["ref"].isin(by_then["ref"])]
    return pd.concat([by_then, rest]).set_index("ref", drop=False)


def register_as_at(versions: pd.DataFrame, updates: pd.DataFrame, meeting: Meeting) -> pd.DataFrame:
    """Every action in the programme at the meeting, with its status and flags.

    The frames are read once into plain rows grouped by action: at 2,000 actions with 24
    updates each a pandas selection per action took seconds, this takes tens of milliseconds."""
    d = meeting.date
    cutoff = day_end_utc(d)
    own_versions: dict[str, list[dict]] = {}
    for version in records(versions.sort_values("batch_id", kind="stable")):
        own_versions.setdefault(version["ref"], []).append(version)
    upto = updates[updates["reporting_date"] <= d].sort_values(
        ["action_ref", "reporting_date"], kind="stable")
    histories: dict[str, list[dict]] = {}
    for update in records(upto):
        histories.setdefault(update["action_ref"], []).append(update)
    committed_by = {ref for ref, rows in own_versions.items()
                    if any(v["committed_at"] < cutoff for v in rows)}
    rows = []
    for ref in sorted(set(histories) | committed_by):
        own = own_versions.get(ref)
        if not own:
            continue
        known = [v for v in own if v["committed_at"] < cutoff]
        action = known[-1] if known else own[0]  # the version at the end of the day, else the first
        history = histories.get(ref, [])
        latest = history[-1] if history else None
        status = latest["rag"] if latest is not None else "Not started"
        started = any(h["rag"] != "Not started" for h in history)
        counting = [h for h in history if h["reporting_date"] > meeting.previous] \
            if meeting.previous else history
        timeline = _timeline(known or own[:1], history)
        effective_due = timeline[-1] if timeline else None
        moves = _moves(timeline)
        flags = []
        not_done = status != "Complete"
        if not _blank_date(effective_due) and not_done:
            if effective_due < d:
                flags.append("Overdue")
            elif effective_due <= d + dt.timedelta(days=DUE_SOON_DAYS):
                flags.append("Due soon")
        if started and not_done and not counting:
            flags.append("Stale")
        if moves:
            flags.append(f"Re-baselined ({moves})" if moves > 1 else "Re-baselined")
        if counting:
            this = counting[-1]
            before = [h for h in history if h["reporting_date"] < this["reporting_date"]]
            if before and before[-1]["rag"] != this["rag"] and _blank(this["commentary"]):
                flags.append("RAG changed without commentary")
        rows.append({
            "ref": ref, "title": action["title"], "workstream": action["workstream_code"],
            "lead": action["lead"], "areas": action["areas"], "due_date": action["due_date"],
            "effective_due": effective_due, "rag": status,
            "progress": None if latest is None else latest["progress"],
            "last_update": None if latest is None else latest["reporting_date"],
            "commentary": None if latest is None else latest["commentary"],
            "next_steps": None if latest is None else latest["next_steps"],
            "flags": flags, "indicators": action["indicators"], "source": action["source"],
            "batch_id": action["batch_id"], "due_moves": moves,
        })
    columns = ["ref", "title", "workstream", "lead", "areas", "due_date", "effective_due", "rag",
               "progress", "last_update", "commentary", "next_steps", "flags", "indicators",
               "source", "batch_id", "due_moves"]
    return pd.DataFrame(rows, columns=columns)


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value).strip()


def _blank_date(value: object) -> bool:
    return value is None or (not isinstance(value, dt.date) and pd.isna(value))


def due_timeline(action_versions: pd.DataFrame, history_rows: pd.DataFrame,
                 cutoff: dt.datetime | None) -> list[dt.date | None]:
    """One action's due date after each fact, in the order the facts took effect.

    The first version's due date is the baseline, in force from the start (the register and
    its back-filled updates often arrive together). A later version that sets or changes the
    due date takes effect at its commit time; only versions committed before `cutoff` (naive
    UTC; None: all) count, and when none is, the earliest version is the baseline. An update's
    revised due date takes effect at the start of its reporting date (UK time), so a definition
    committed during that day comes after it."""
    ordered = records(action_versions.sort_values("batch_id", kind="stable"))
    known = ordered if cutoff is None else [v for v in ordered if v["committed_at"] < cutoff]
    return _timeline(known or ordered[:1], records(history_rows))


def _timeline(known: list[dict], history: list[dict]) -> list[dt.date | None]:
    """`due_timeline` over rows: the versions that count, in batch order, and the updates."""
    facts: list[tuple[dt.datetime, int, dt.date | None]] = []
    previous: object = ...
    for i, version in enumerate(known):
        due = None if _blank_date(version["due_date"]) else version["due_date"]
        if due != previous:
            facts.append((dt.datetime.min if i == 0 else version["committed_at"], 1, due))
        previous = due
    for update in history:
        if not _blank_date(update["revised_due_date"]):
            facts.append((day_start_utc(update["reporting_date"]), 0, update["revised_due_date"]))
    facts.sort(key=lambda fact: fact[:2])
    return [due for _, _, due in facts]


def _moves(timeline: list[dt.date | None]) -> int:
    """How many times the due date changed from one date to another."""
    dates = [d for d in timeline if d is not None]
    return sum(1 for a, b in pairwise(dates) if a != b)


def for_area(register: pd.DataFrame, area: str, directory: AreaDirectory) -> pd.DataFrame:
    """National actions plus those for the chosen area (Scotland: every action)."""
    if area == SCOTLAND or register.empty:
        return register
    wanted = directory.covering(area) | {SCOTLAND}
    mask = register["areas"].map(lambda codes: bool(set(str(codes).split(",")) & wanted))
    return register[mask]


MOVEMENTS = ("new", "completed", "improved", "started", "worsened", "unchanged")


def movement_of(old: str | None, new: str) -> tuple[str, bool]:
    """(the movement from one status to another, whether it moved two steps or more): new (no
    status before), unchanged, completed, started (left Not started), improved, worsened (down
    the scale, or back to Not started)."""
    steps = rag.steps(old, new)
    two_steps = steps is not None and abs(steps) >= 2
    if old is None:
        return "new", two_steps
    if new == old:
        return "unchanged", two_steps
    if new == "Complete":
        return "completed", two_steps
    if old == "Not started":
        return "started", two_steps
    if steps is not None and steps > 0:
        return "improved", two_steps
    return "worsened", two_steps


def movement_text(old: str | None, new: str) -> str:
    """'Worsened (two steps or more)', 'Unchanged', 'New'."""
    kind, two_steps = movement_of(old, new)
    return kind.capitalize() + (" (two steps or more)" if two_steps else "")


def movement(now: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """How each action at this meeting moved since the previous one."""
    previous = {} if before is None else dict(zip(before["ref"], before["rag"], strict=True))
    rows = []
    for ref, status in zip(now["ref"], now["rag"], strict=True):
        old = previous.get(ref)
        kind, two_steps = movement_of(old, status)
        rows.append({"ref": ref, "from": old, "to": status, "movement": kind,
                     "two_steps": two_steps})
    return pd.DataFrame(rows, columns=["ref", "from", "to", "movement", "two_steps"])


def movement_sentence(moved: pd.DataFrame, since: dt.date) -> str:
    """'Since 21 June 2018: 1 new, 2 completed, ...; 36 unchanged.'"""
    tally = moved["movement"].value_counts()
    parts = [f"{int(tally.get(kind, 0))} {kind}" for kind in MOVEMENTS if kind != "unchanged"]
    return (f"Since {long_date(since)}: " + ", ".join(parts)
            + f"; {int(tally.get('unchanged', 0))} unchanged.")


def moved_actions(moved: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """The actions whose status moved, as a table for people (words and symbols); empty, with
    its columns, when nothing moved."""
    titles = dict(zip(now["ref"], now["title"], strict=True))
    rows = [{"Ref": r["ref"], "Action": titles.get(r["ref"], ""),
             "From": "(new)" if r["movement"] == "new" else rag.label(r["from"]),
             "To": rag.label(r["to"]),
             "Movement": r["movement"].capitalize()
             + (" (two steps or more)" if r["two_steps"] else "")}
            for r in moved.to_dict("records") if r["movement"] != "unchanged"]
    return pd.DataFrame(rows, columns=["Ref", "Action", "From", "To", "Movement"])


def counts(register: pd.DataFrame) -> dict[str, int]:
    return {name: int((register["rag"] == name).sum()) for name in rag.NAMES}


def exceptions(register: pd.DataFrame) -> pd.DataFrame:
    """What needs attention: Red, Amber, overdue or stale; worst first."""
    if register.empty:
        return register
    needs = register["rag"].isin(rag.ATTENTION) | register["flags"].map(
        lambda f: "Overdue" in f or "Stale" in f)
    order = {"Red": 0, "Amber": 1}
    result = register[needs].copy()
    result["_order"] = result["rag"].map(lambda r: order.get(r, 2))
    return result.sort_values(["_order", "ref"]).drop(columns="_order")


def headline_sentence(now: dict[str, int], before: dict[str, int] | None,
                      before_date: dt.date | None) -> str:
    """'12 of 37 actions are Amber or Red, 1 more than at 21 June 2018.'"""
    total = sum(now.values())
    attention = now["Red"] + now["Amber"]
    text = f"{attention} of {total} actions are Amber or Red"
    if before is None or before_date is None:
        return text + "."
    diff = attention - (before["Red"] + before["Amber"])
    when = long_date(before_date)
    if diff == 0:
        return text + f", the same as at {when}."
    return text + f", {abs(diff)} {'more' if diff > 0 else 'fewer'} than at {when}."


# --- tables for people ------------------------------------------------------------------------


def _iso(day: object) -> str:
    return "" if day is None or (not isinstance(day, dt.date) and pd.isna(day)) else day.isoformat()


def _percent(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.0f}"


def filtered(register: pd.DataFrame, workstreams: list[str], leads: list[str],
             levels: list[str], flags: list[str]) -> pd.DataFrame:
    """The register narrowed by each filter that has a choice (flags match by their start, so
    'Re-baselined' also finds 'Re-baselined (2)')."""
    shown = register
    if workstreams:
        shown = shown[shown["workstream"].isin(workstreams)]
    if leads:
        shown = shown[shown["lead"].isin(leads)]
    if levels:
        shown = shown[shown["rag"].isin(levels)]
    if flags:
        shown = shown[shown["flags"].map(
            lambda have: any(f.startswith(c) for c in flags for f in have))]
    return shown


def register_table(register: pd.DataFrame, workstream_names: dict[str, str],
                   directory: AreaDirectory) -> pd.DataFrame:
    """The register as shown and downloaded: words and symbols, dates as ISO."""
    return pd.DataFrame({
        "Ref": register["ref"], "Action": register["title"],
        "Workstream": register["workstream"].map(workstream_names),
        "Lead": register["lead"],
        "Area": register["areas"].map(lambda codes: ", ".join(
            directory.name(c) for c in str(codes).split(","))),
        "Due": register["effective_due"].map(_iso),
        "RAG": register["rag"].map(rag.label),
        "Progress %": register["progress"].map(_percent),
        "Flags": register["flags"].map("; ".join),
        "Last update": register["last_update"].map(_iso),
    }, columns=["Ref", "Action", "Workstream", "Lead", "Area", "Due", "RAG", "Progress %",
                "Flags", "Last update"])


def history(updates: pd.DataFrame, ref: str, day: dt.date | None) -> pd.DataFrame:
    """One action's updates up to the meeting, oldest first."""
    mine = updates[updates["action_ref"] == ref].sort_values("reporting_date")
    return mine[mine["reporting_date"] <= day] if day else mine


def history_table(history_rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Reporting date": history_rows["reporting_date"].map(_iso),
        "RAG": history_rows["rag"].map(rag.label),
        "Progress %": history_rows["progress"].map(_percent),
        "Commentary": history_rows["commentary"].fillna(""),
        "Next steps": history_rows["next_steps"].fillna(""),
        "Revised due date": history_rows["revised_due_date"].map(_iso),
    })


def due_date_moves(versions: pd.DataFrame, ref: str, history_rows: pd.DataFrame,
                   day: dt.date | None = None) -> list[str]:
    """The due dates an action has had, in the order they took effect (as at the end of `day`,
    UK time, when given), when it has had more than one."""
    timeline = due_timeline(versions[versions["ref"] == ref], history_rows,
                            None if day is None else day_end_utc(day))
    dates = [_iso(d) for d in timeline if d is not None]
    changes = [b for a, b in zip([None, *dates], dates, strict=False) if a != b]
    return changes if len(changes) > 1 else []
