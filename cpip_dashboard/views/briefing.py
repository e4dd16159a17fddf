"""The Briefing's view: how the programme stands as at a meeting, for one area, with the headline
indicator tiles. Built once per (data version, meeting, area)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import altair as alt
import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard.render import charts
from cpip_dashboard.rules import rag, register, review, stats, tiles
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.queries import area_directory, review_assessments, workstreams
from cpip_dashboard.views.common import (
    Download,
    Now,
    Release,
    headline_figures,
    meeting_date,
    memo,
    movement_heading,
    records_download,
    register_as_at,
    release_as_at,
)

WORSE_IF_MORE = frozenset({"Red", "Amber", "Not started"})
# more Complete is good; Green can fall because actions completed, so its change is neutral
BETTER_IF_MORE = frozenset({"Complete"})
STATUS_ORDER = rag.NAMES  # best first, as `rag.LEVELS` lists them
# what the movement section says when it has nothing to list (the page and the pack alike)
FIRST_MEETING = "This is the first meeting in the record: there is nothing to compare with."
NO_MOVES = "No action changed status."


@dataclass(frozen=True)
class Count:
    name: str  # the RAG level
    label: str  # word and symbol
    value: int
    delta: str | None  # "+2 since 3 March 2025", "no change since ...", None for a first meeting
    delta_color: str  # what st.metric is told: "inverse", "normal" or "off"
    delta_arrow: str
    help: str


@dataclass(frozen=True)
class TileView:
    tile: tiles.Tile
    chart: dict | None  # the sparkline's specification; None with fewer than two figures
    summary: str  # the sentence the chart says, and its accessible description


@dataclass(frozen=True)
class BriefingView:
    meeting: dt.date | Now | None  # Now: as at today, movement since the latest meeting
    previous: dt.date | None
    day: dt.date | None  # the day the register is as at (the meeting's, or today)
    title: str
    intro: str
    batch_ids: frozenset[int]
    counts: tuple[Count, ...]
    headline: str
    workstream_table: pd.DataFrame
    workstream_counts: pd.DataFrame  # the chart's table (`charts.rag_by_workstream_table`)
    workstream_sentence: str
    workstream_chart: dict | None
    workstream_download: Download
    movement_heading: str
    movement_sentence: str | None  # None at the first meeting in the record
    moved: pd.DataFrame
    attention: pd.DataFrame
    attention_download: Download | None
    area_name: str
    tiles_header: str
    tiles: tuple[TileView, ...]
    tiles_table: pd.DataFrame
    tiles_note: str
    release: Release  # the release whose figures the tiles show
    trends: tuple[str, ...]  # each tile's recent trend, in the tiles' order
    changed_significantly: tuple[str, ...]  # a sentence per tile rising or falling
    support_sentence: str  # the planning review's areas needing support, in words
    support_areas: tuple[str, ...]  # their names


def delta_colour(status: str) -> str:
    """How a count's change is coloured (st.metric's delta_color): more Red, Amber or Not
    started is bad, more Complete good; Green's change is neither (it falls as actions are
    completed), so it is grey, never a red down arrow."""
    return "inverse" if status in WORSE_IF_MORE else "normal" if status in BETTER_IF_MORE \
        else "off"


def _counts(now: pd.DataFrame, before: pd.DataFrame | None,
            previous: dt.date | None) -> tuple[Count, ...]:
    current = register.counts(now)
    earlier = register.counts(before) if before is not None else None
    result = []
    for name in STATUS_ORDER:
        delta, colour, arrow = None, "off", "off"
        if earlier is not None:
            change = current[name] - earlier[name]
            delta = (f"{change:+d} since {meeting_date(previous)}" if change
                     else f"no change since {meeting_date(previous)}")
            if change:
                colour, arrow = delta_colour(name), "auto"
        result.append(Count(name, rag.label(name), current[name], delta, colour, arrow,
                            rag.BY_NAME[name].definition))
    return tuple(result)


def sparkline(tile: tiles.Tile) -> tuple[dict | None, str]:
    """A small line of the tile's recent periods (suppressed periods left out) and the sentence
    that says the same."""
    points = [p for p in tile.series if p.value is not None]
    hidden = sum(p.suppressed for p in tile.series)
    if len(points) < 2:
        return None, f"{tile.name}: {tile.figure_text} in {tile.period_text}."
    first, last = points[0], points[-1]
    decimals = 0 if tile.value_text.replace(",", "").isdigit() else 1
    verb = ("rose" if last.value > first.value else "fell" if last.value < first.value
            else "was unchanged")
    summary = (f"{tile.name} {verb} from {first.value:,.{decimals}f} to "
               f"{last.value:,.{decimals}f}{tile.unit} between {first.label} and {last.label}.")
    if hidden:
        summary += f" {hidden} figure{'s are' if hidden > 1 else ' is'} suppressed."
    data = pd.DataFrame({"Period": [p.label for p in points], "Value": [p.value for p in points],
                         "End": pd.to_datetime([p.period for p in points])})
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=30), strokeWidth=2,
                                      color="#0065bd").encode(
        x=alt.X("End:T", title=None, axis=charts.year_axis(labelFontSize=11, grid=False)),
        y=alt.Y("Value:Q", title=None, scale=alt.Scale(zero=False),
                axis=alt.Axis(labelFontSize=11, tickCount=3,
                              format=",.0f" if decimals == 0 else ",.1f")),
        tooltip=["Period", alt.Tooltip("Value:Q", format=",.1f", title=tile.unit_title)],
    ).properties(height=90, description=summary).configure_view(strokeWidth=0)
    return charts.spec(chart), summary


def tiles_table(made: list[tiles.Tile], area: str) -> pd.DataFrame:
    rows = []
    for t in made:
        row = {"Indicator": t.name, "Measure": t.unit_title, "Latest": t.figure_text,
               "Period": t.period_text, "Change on the year before": t.change_text}
        if area != SCOTLAND:
            row["Scotland"] = t.scotland_text or ""
        row["Source"] = t.source
        rows.append(row)
    columns = ["Indicator", "Measure", "Latest", "Period", "Change on the year before",
               *(["Scotland"] if area != SCOTLAND else []), "Source"]
    return pd.DataFrame(rows, columns=columns)


def significant_changes(made: list[tiles.Tile], trends: list[str]) -> tuple[str, ...]:
    """A sentence per headline indicator whose recent trend is rising or falling (the 95%
    interval of its change per period excludes zero: `stats.trend`)."""
    return tuple(f"{t.name}: {trend.lower()} over the last {stats.TREND_PERIODS} periods "
                 f"(latest {t.figure_text}, {t.period_text}; {t.change_text})."
                 for t, trend in zip(made, trends, strict=True)
                 if trend in (stats.RISING, stats.FALLING))


def support(conn: Connection, day: dt.date | None, area: str,
            directory) -> tuple[str, tuple[str, ...]]:
    """The planning review's areas needing support as at `day`, named, and the sentence."""
    current = review.for_area(review.as_at(review_assessments(conn), day), area, directory)
    if current.empty:
        return "No planning-review assessment is recorded for this area.", ()
    needing = review.needing_support(current)
    names = tuple(directory.name(c) for c in dict.fromkeys(needing["area_code"]))
    assessed = current["area_code"].nunique()
    rule = f"{review.NEEDS_SUPPORT_AT} or more Weak or Unsatisfactory ratings"
    if not names:
        return f"No area of the {assessed} assessed needs support ({rule}).", ()
    return (f"{len(names)} of {assessed} areas assessed need support ({rule}): "
            + ", ".join(names) + "."), names


def _long(value) -> str:
    return "" if value is None or (not isinstance(value, dt.date) and pd.isna(value)) \
        else meeting_date(value)


def view(conn: Connection, meeting: dt.date | Now | None, area: str) -> BriefingView:
    directory = area_directory(conn)
    data = memo(conn, register_as_at, meeting)  # read once for every view and area
    now = register.for_area(data["now"], area, directory)
    before = None if data["before"] is None else register.for_area(data["before"], area,
                                                                    directory)
    area_text = "" if area == SCOTLAND else f" for {directory.name(area)} (national and local)"
    chosen = data["meeting"]

    table = charts.rag_by_workstream_table(now, workstreams(conn))
    sentence = charts.describe_rag_by_workstream(table)
    shown = table.rename(columns={n: rag.label(n) for n in rag.NAMES})

    moved = register.movement(now, before)
    changed = register.moved_actions(moved, now)[["Ref", "From", "To", "Movement", "Action"]]

    attention = register.exceptions(now)
    exceptions = pd.DataFrame()
    if not attention.empty:
        exceptions = attention.assign(
            RAG=attention["rag"].map(rag.label), Flags=attention["flags"].map("; ".join),
            Due=attention["effective_due"].map(_long),
        ).rename(columns={"ref": "Ref", "title": "Action", "lead": "Lead",
                          "commentary": "Latest commentary"})[
            ["Ref", "Action", "Lead", "RAG", "Due", "Flags", "Latest commentary"]]

    release = release_as_at(conn, chosen)
    figures = headline_figures(conn, area, release=release)
    made = [t for t, _ in figures]
    trends = [trend for _, trend in figures]
    tile_views = []
    for t in made:
        spec, summary = sparkline(t)
        tile_views.append(TileView(t, spec, summary))
    name = directory.name(area)
    support_sentence, support_areas = support(conn, data["day"], area, directory)
    stamp = chosen.day if isinstance(chosen, Now) else chosen
    return BriefingView(
        meeting=chosen, previous=data["previous"], day=data["day"],
        title=(f"Programme status now ({meeting_date(chosen)})" if isinstance(chosen, Now)
               else f"Programme status at {meeting_date(chosen)}"),
        intro=f"{len(now)} actions{area_text}. Status is as reported at each meeting; "
              "definitions of each status are on the About page."
              + (f" Now: updates dated after the latest meeting ({meeting_date(data['previous'])})"
                 " count, and movement is since that meeting." if isinstance(chosen, Now)
                 else ""),
        batch_ids=frozenset(int(b) for b in now["batch_id"]),
        counts=_counts(now, before, data["previous"]),
        headline=register.headline_sentence(register.counts(now),
                                            register.counts(before) if before is not None
                                            else None, data["previous"]),
        workstream_table=shown, workstream_counts=table, workstream_sentence=sentence,
        workstream_chart=None if table.empty else charts.spec(
            charts.rag_by_workstream(table, sentence)),
        workstream_download=records_download(conn, shown, f"rag-by-workstream-{stamp}"),
        movement_heading=movement_heading(chosen),
        movement_sentence=None if before is None else register.movement_sentence(
            moved, data["previous"]),
        moved=changed,
        attention=exceptions,
        attention_download=None if exceptions.empty else records_download(
            conn, exceptions, f"needs-attention-{stamp}"),
        area_name=name,
        tiles_header=f"Headline indicators: {name}" + ("" if area == SCOTLAND
                                                        else " and Scotland"),
        tiles=tuple(tile_views),
        tiles_table=tiles_table(made, area),
        tiles_note=(release.statement + " Each tile says which period it is for."
                    + (" Councils and committees are shown as rates or percentages, "
                       "comparable with Scotland." if area != SCOTLAND else "")),
        release=release,
        trends=tuple(trends),
        changed_significantly=significant_changes(made, trends),
        support_sentence=support_sentence, support_areas=support_areas,
    )
