"""The Action register's views: every action as at a meeting for an area, the filtered table
with its download, and one action's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard.rules import links, rag, register
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.queries import area_directory, batches, indicator_catalogue
from cpip_dashboard.store.queries import workstreams as workstream_list
from cpip_dashboard.views.common import (
    Download,
    Now,
    meeting_date,
    memo,
    records_download,
    register_as_at,
    review_for_action,
)


@dataclass(frozen=True)
class RegisterView:
    meeting: dt.date | Now | None
    batch_ids: frozenset[int]
    total: int
    workstreams: dict[str, str]  # code -> name, in the programme's order
    leads: tuple[str, ...]
    area_note: str


def view(conn: Connection, meeting: dt.date | Now | None, area: str) -> RegisterView:
    directory = area_directory(conn)
    data = memo(conn, register_as_at, meeting)  # read once for every view and area
    actions = register.for_area(data["now"], area, directory)
    ws = workstream_list(conn)
    return RegisterView(
        meeting=data["meeting"], batch_ids=frozenset(int(b) for b in actions["batch_id"]),
        total=len(actions), workstreams=dict(zip(ws["code"], ws["name"], strict=True)),
        leads=tuple(sorted(actions["lead"].unique())),
        area_note="Area: " + ("every action (national and local)" if area == SCOTLAND else
                              f"national actions and those for {directory.name(area)}")
        + " - change it in the sidebar. Flags: "
        + "; ".join(f"{k}: {v}" for k, v in register.FLAGS.items()) + ".")


@dataclass(frozen=True)
class FilteredView:
    sentence: str
    table: pd.DataFrame
    download: Download
    refs: tuple[str, ...]
    titles: dict[str, str]  # ref -> "REF: title" for the history chooser


def filtered(conn: Connection, meeting: dt.date | None, area: str, workstreams: tuple[str, ...],
             leads: tuple[str, ...], rags: tuple[str, ...],
             flags: tuple[str, ...]) -> FilteredView:
    directory = area_directory(conn)
    data = memo(conn, register_as_at, meeting)  # read once for every view and area
    actions = register.for_area(data["now"], area, directory)
    shown = register.filtered(actions, list(workstreams), list(leads), list(rags), list(flags))
    ws = workstream_list(conn)
    table = register.register_table(shown, dict(zip(ws["code"], ws["name"], strict=True)),
                                    directory)
    return FilteredView(
        sentence=f"{len(table)} of {len(actions)} actions as at {meeting_date(data['meeting'])}.",
        table=table, download=records_download(
            conn, table, f"action-register-{'now-' if isinstance(data['meeting'], Now) else ''}"
                         f"{data['day']}"),
        refs=tuple(shown["ref"]),
        titles={r: f"{r}: {t[:90]}" for r, t in zip(shown["ref"], shown["title"],
                                                     strict=True)})


@dataclass(frozen=True)
class HistoryView:
    ref: str
    title: str
    about: str
    latest: str | None
    latest_commentary: str | None
    history: pd.DataFrame
    due_moves: str | None
    indicators: tuple[tuple[str, str], ...]  # (code, name) this action is meant to move
    review_links: pd.DataFrame


def history(conn: Connection, meeting: dt.date | None, area: str, ref: str) -> HistoryView:
    directory = area_directory(conn)
    data = memo(conn, register_as_at, meeting)  # read once for every view and area
    action = data["now"].set_index("ref").loc[ref]
    ws = dict(zip(*(workstream_list(conn)[c] for c in ("code", "name")), strict=True))
    rows = register.history(data["updates"], ref, data["day"])
    latest = commentary = None
    if len(rows):
        last = rows.iloc[-1]
        latest = f"Latest update, {meeting_date(last['reporting_date'])}: {rag.label(last['rag'])}"
        commentary = last["commentary"] if isinstance(last["commentary"], str) \
            else "(no commentary)"
    moves = register.due_date_moves(data["versions"], ref, rows)
    # which upload supplied each update: batch, file and who loaded it
    uploads = {b["batch_id"]: f"Batch {b['batch_id']}: {b['file']} ({b['user']})"
               for b in batches(conn)}
    catalogue = indicator_catalogue(conn).set_index("code")
    linked = links.codes(action["indicators"])
    reviewed = review_for_action(conn, ref)
    review_table = pd.DataFrame()
    if not reviewed.empty:
        review_table = pd.DataFrame({
            "Area": reviewed["area_code"].map(directory.name),
            "Criterion": reviewed["criterion_code"], "Rating": reviewed["rating"],
            "Recommendation": reviewed["recommendation"].fillna(""),
            "Progress": reviewed["progress"].fillna("")})
    return HistoryView(
        ref=ref, title=action["title"],
        about=f"Lead: {action['lead']}. Workstream: {ws.get(action['workstream'])}. "
              f"Source: {action['source'] or 'not given'}.",
        latest=latest, latest_commentary=commentary,
        history=register.history_table(rows).assign(
            Upload=[uploads.get(int(b), f"Batch {b}") for b in rows["batch_id"]]),
        due_moves=f"Due date changes: {' → '.join(moves)}." if moves else None,
        indicators=tuple((c, catalogue.loc[c, "name"] if c in catalogue.index else c)
                         for c in linked),
        review_links=review_table)


# the filters' choices, in the page's vocabulary
RAG_CHOICES = rag.NAMES
FLAG_CHOICES = tuple(register.FLAGS)
rag_label = rag.label
