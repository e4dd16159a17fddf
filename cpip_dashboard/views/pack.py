"""The meeting pack: a PDF of the Briefing as at a meeting, for Scotland or one area, to
circulate before the meeting. Real text for headings and tables (searchable, readable by
screen readers), charts as images with their sentence beside them, the classification on every
page, and every figure from the same protected series the pages use.

It draws the Briefing's view (`briefing.view`) and the Action register's (`actions.filtered`):
a sentence is written once, so the page and the pack cannot disagree. What it holds, in order:
page 1, the cover facts (meeting, date, chair, area, data version, the release of the
indicators, who prepared it) above the summary (the headline sentence, the RAG counts with
their change, the actions that moved and those needing attention by name, the areas needing
support, the indicators that changed significantly); the programme's status and movement since
the last meeting; what needs attention; the planning review's headlines as at the meeting; the
headline indicators as at the meeting (the release in force then: CONTRACT.md, Time); the
provenance of every block; and an annex with the full action register as at the meeting.
Action titles wrap, never cut; RAG cells are coloured as on screen, with their symbol; dates
are written "17 September 2024".

Each pack is archived (meeting, area, sha256, data version, the bytes, who, when) and recorded
in the audit trail: what the group saw at a past meeting is what that meeting's pack holds.
`archived_packs` lists them (with whether the data changed since) and `archived_pdf` gives one
back byte for byte. A pack built twice from the same data version has the same text, apart from
the line saying who prepared it and when.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select

from cpip_dashboard import config
from cpip_dashboard.auth import Identity, who
from cpip_dashboard.protection.disclosure import suppression_rule
from cpip_dashboard.render import charts
from cpip_dashboard.render.pdf import Pdf, sparkline
from cpip_dashboard.rules import provenance as prov
from cpip_dashboard.rules import review, tiles
from cpip_dashboard.rules.values import long_date
from cpip_dashboard.store import audit
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory
from cpip_dashboard.store.db import data_version, utcnow, write_transaction
from cpip_dashboard.store.models import MeetingPack
from cpip_dashboard.store.queries import (
    area_directory,
    criteria,
    data_status,
    indicator_catalogue,
    meetings,
    review_assessments,
)
from cpip_dashboard.views import actions, briefing, insight
from cpip_dashboard.views.common import release_as_at

PREPARED = "Prepared"  # the start of the one line that differs between two builds


class PackError(ValueError):
    """No such meeting, area or archived pack; the message says which."""


def prepared_line(user: str | None, when: dt.datetime, version: str) -> str:
    """The one line of a pack that differs between two builds from the same data version."""
    who = f" by {user}" if user else ""
    return (f"{PREPARED}{who} on {long_date(when)} at {when:%H:%M} UTC, from data "
            f"version {version}.")


def file_name(day: dt.date, area_name: str) -> str:
    """`NCPLG-pack-2024-09-17-Scotland.pdf` (CONTRACT.md): the area's name with each run of
    characters other than letters and digits made one hyphen."""
    return f"NCPLG-pack-{day.isoformat()}-{re.sub(r'[^A-Za-z0-9]+', '-', area_name)}.pdf"


def pack_file(conn: Connection, day: dt.date, area: str) -> str:
    """The pack's file name for a meeting and an area code."""
    return file_name(day, area_directory(conn).name(area))


def dates_in_words(frame: pd.DataFrame, columns: tuple[str, ...] = ("Due", "Last update")
                   ) -> pd.DataFrame:
    """A table's ISO dates as "17 September 2024" (the pack never prints ISO dates)."""
    shown = frame.copy()
    for column in columns:
        if column in shown:
            shown[column] = shown[column].map(
                lambda v: long_date(dt.date.fromisoformat(v))
                if isinstance(v, str) and len(v) == 10 and v[4] == "-" else v)
    return shown


SUMMARY_LIMITS = (8, 6, 4, 3, 2, 1)  # the most actions named per list on page 1, tried in turn


def build(conn: Connection, meeting: dt.date | None, area: str = SCOTLAND,
          threshold: int | None = None, prepared_by: str | None = None,
          prepared_at: dt.datetime | None = None) -> tuple[dt.date, bytes]:
    """(the meeting's date, the PDF) for the latest meeting on or before `meeting`: the
    Briefing's view (`briefing.view`) and the Action register's (`actions.filtered`) drawn on
    paper, so the page and the pack say the same sentences."""
    threshold = threshold or config.suppress_below()
    directory = area_directory(conn)
    if area not in directory.areas:
        raise PackError(f"{area} is not a known area: use S92000003 (Scotland), a council "
                        "code or a CPC id.")
    meeting_frame = meetings(conn)
    dates = list(meeting_frame["date"])
    if not dates or (meeting is not None and meeting < dates[0]):
        raise PackError("There is no Leadership Group meeting on or before that date."
                        if dates else "No Leadership Group meetings are loaded.")
    v = briefing.view(conn, meeting, area)
    day = v.meeting
    status = data_status(conn)
    version = data_version(conn)
    name = v.area_name
    register_view = actions.filtered(conn, day, area, (), (), (), ())
    records = prov.records(len(register_view.table), status, version, "action-register")
    when = prepared_at or dt.datetime.now(dt.UTC)
    prepared = prepared_line(prepared_by, when, version)

    def new_pdf() -> Pdf:
        made = Pdf(config.classification(),
                   f"CPIP Leadership Dashboard - meeting pack as at {long_date(day)} - {name} - "
                   f"data version {version}"
                   + (" - contains illustrative figures, not official statistics"
                      if status["illustrative_batches"] else ""))
        made.set_title(f"Meeting pack: {long_date(day)}, {name}")
        made.set_author("CPIP Leadership Dashboard")
        made.set_lang("en-GB")
        return made

    # page 1 is the summary: name as many actions as fit on it
    for limit in SUMMARY_LIMITS:
        pdf = new_pdf()
        _summary_page(pdf, v, meeting_frame, status, prepared, limit)
        if pdf.page_no() == 1:
            break

    pdf.add_page()
    pdf.heading(f"{v.title} - {name}")
    pdf.para(v.headline, 12)
    pdf.table(pd.DataFrame({
        "Status": [c.label for c in v.counts], "Actions": [c.value for c in v.counts],
        "Change": [c.delta or "(first meeting)" for c in v.counts],
        "Meaning": [c.help for c in v.counts]}), (30, 18, 45, 175))
    pdf.para("Action register: " + records.line(), 8)
    if v.workstream_counts.empty:
        pdf.heading("RAG by workstream")
    else:
        pdf.chart("RAG by workstream", charts.rag_by_workstream(v.workstream_counts,
                                                                 v.workstream_sentence),
                  170, max_height=105)
    pdf.para(v.workstream_sentence)
    _register_and_figures(pdf, conn, day, area, version)  # issue 23, after the status

    pdf.heading(v.movement_heading)
    if v.movement_sentence is None:
        pdf.para(briefing.FIRST_MEETING)
    else:
        pdf.para(v.movement_sentence)
        if v.moved.empty:
            pdf.para(briefing.NO_MOVES)
        else:
            pdf.table(v.moved[["Ref", "Action", "From", "To", "Movement"]],
                      (18, 150, 28, 28, 45))
    if v.attention.empty:
        pdf.heading("Needs attention")
        pdf.para("Nothing needs attention at this meeting.")
    else:
        pdf.table(v.attention[["Ref", "Action", "Lead", "RAG", "Due", "Flags",
                               "Latest commentary"]], (16, 70, 32, 22, 26, 30, 80),
                  title="Needs attention")

    _planning_review(pdf, conn, day, area, name, directory)
    figures = _headline_indicators(pdf, conn, v, area, name, threshold, version)
    _about_these_figures(pdf, records, figures, version)
    _annex(pdf, register_view, day, name)
    pdf.set_creation_date(when)
    return day, bytes(pdf.output())


def _register_and_figures(pdf: Pdf, conn: Connection, day: dt.date, area: str,
                          version: str) -> None:
    """Issue 23's short section: the actions whose rating the published figures contradict,
    and the figures to doubt, one line per area (`insight.pack_summary`)."""
    found = insight.pack_summary(conn, day, area)
    pdf.heading("Register and figures", 12)
    pdf.para(f"Ratings the published figures (data version {version}) contradict, in the areas "
             "each action covers:" if found.flags else
             "No action's rating disagrees with the published figures "
             f"(data version {version}).", 9)
    for line in found.flags:
        pdf.para("- " + line, 9)
    pdf.para("Figures to doubt (late, revised or an implausible jump; the dashboard's About "
             "page says how each is decided):" if found.doubts else
             "No figure is late, revised or an implausible jump.", 9)
    for line in found.doubts:
        pdf.para("- " + line, 9)


def _names(table: pd.DataFrame, describe, limit: int, where: str) -> list[str]:
    """Up to `limit` actions by name, then how many more and where they are."""
    lines = [describe(row) for row in table.head(limit).to_dict("records")]
    if len(table) > limit:
        lines.append(f"... and {len(table) - limit} more: {where}.")
    return lines


def _title(text: object) -> str:
    return str(text).strip().rstrip(".")


def _summary_page(pdf: Pdf, v: briefing.BriefingView, meeting_frame: pd.DataFrame,
                  status: dict, prepared: str, limit: int) -> None:
    """Page 1: the cover facts (meeting, date, chair, area, data version, release), then the
    summary in plain words: the headline sentence, the RAG counts with their change, the
    actions that moved and those needing attention by name, the areas needing support and the
    indicators that changed significantly."""
    day = v.meeting
    row = meeting_frame[meeting_frame["date"] == day].iloc[-1]
    chair = row["chair"] if isinstance(row["chair"], str) and row["chair"].strip() else None
    pdf.add_page()
    pdf.heading("National Child Protection Leadership Group: meeting pack", 16)
    pdf.para(f"Meeting: {row['title']}. Date: {day:%A} {long_date(day)}. Chair: "
             f"{chair or 'not recorded in the meeting list'}. Area: {v.area_name}"
             + ("" if v.area_name == "Scotland" else " (with Scotland for comparison)") + ".",
             10, bold=True)
    pdf.para(v.release.statement, 8)
    pdf.para(prepared, 8)
    if status["illustrative_batches"]:
        pdf.para("Illustrative figures - not official statistics. This pack is built from "
                 "sample data generated for demonstration.", 9, bold=True)
    pdf.heading(f"Summary: {v.title[:1].lower()}{v.title[1:]}", 13)
    pdf.para(v.headline, 12, bold=True)
    pdf.table(pd.DataFrame([[c.value for c in v.counts],
                            [c.delta or "(first meeting)" for c in v.counts]],
                           columns=[c.label for c in v.counts]), size=9)
    if v.movement_sentence is not None:
        pdf.para(f"{v.movement_heading}: {v.movement_sentence}", 9, bold=True)
        for line in _names(v.moved, lambda r: f"{r['Ref']} {_title(r['Action'])}: {r['From']} "
                           f"to {r['To']} ({r['Movement'].lower()}).", limit,
                           f"all are listed under {v.movement_heading}"):
            pdf.para(line, 8)
    pdf.para(f"Needs attention: {len(v.attention)} action"
             f"{'' if len(v.attention) == 1 else 's'}"
             + (" (Red or Amber, overdue or stale)." if len(v.attention) else "."), 9, bold=True)
    if len(v.attention):
        for line in _names(v.attention, lambda r: f"{r['Ref']} {_title(r['Action'])}: "
                           f"{r['RAG']}" + (f"; {r['Flags']}" if r["Flags"] else "") + ".",
                           limit, "all are listed under Needs attention"):
            pdf.para(line, 8)
    pdf.para("Areas needing support (planning review): " + v.support_sentence, 9, bold=True)
    changed = v.changed_significantly
    pdf.para("Indicators that changed significantly: " + (
        f"{len(changed)} of {len(v.tiles)} headline indicators." if changed else
        f"none of the {len(v.tiles)} headline indicators rose or fell significantly over its "
        "recent periods."), 9, bold=True)
    for line in changed:
        pdf.para(line, 8)


# --- planning review -----------------------------------------------------------------------------


def _planning_review(pdf: Pdf, conn: Connection, day: dt.date, area: str, name: str,
                     directory: AreaDirectory) -> None:
    """The review's headlines as at the meeting: the themes (criteria most often rated Weak or
    Unsatisfactory) and the areas needing support."""
    pdf.heading(f"Planning review headlines as at {long_date(day)} - {name}")
    current = review.for_area(review.as_at(review_assessments(conn), day), area, directory)
    if current.empty:
        pdf.para("No planning-review assessment is recorded for this area as at the meeting.")
        return
    crits = criteria(conn)
    short = dict(zip(crits["code"], crits["dimension"], strict=True))
    areas = current["area_code"].nunique()
    if areas == 1:  # one council: its own ratings, not themes across areas
        _one_area_review(pdf, current, short, directory)
        return
    themes = review.themes(current, crits)
    pdf.para(review.describe_themes(themes))
    weak = themes[themes["weak"] > 0].head(6)
    if len(weak):
        pdf.table(pd.DataFrame({
            "Criterion": [f"{c} {short.get(c, '')}".strip() for c in weak["code"]],
            "Planning process": weak["planning_process"],
            "Areas rated Weak or Unsatisfactory": [
                f"{w} of {a}" for w, a in zip(weak["weak"], weak["assessed"], strict=True)]}),
            (110, 90, 60))
    support = review.needing_support(current)
    if support.empty:
        pdf.para(f"No area of the {areas} assessed has two or more Weak or Unsatisfactory "
                 "ratings.")
        return
    pdf.para(f"Areas needing support ({review.NEEDS_SUPPORT_AT} or more Weak or Unsatisfactory "
             f"ratings): {support['area_code'].nunique()} of {areas} areas assessed.", 10,
             bold=True)
    rows = []
    for code, group in support.groupby("area_code", sort=False):
        weak_rows = group[group["rating"].isin(review.WEAK)]
        recs = group[group["recommendation"].map(lambda r: isinstance(r, str) and bool(r))]
        open_recs = recs[recs["progress"].map(lambda p: p != "Done")]
        rows.append({"Area": directory.name(code),
                     "Weak or unsatisfactory": int(group["weak_count"].iloc[0]),
                     "Criteria rated Weak or Unsatisfactory": "; ".join(
                         f"{c} {short.get(c, '')}".strip() for c in weak_rows["criterion_code"]),
                     "Recommendations open": f"{len(open_recs)} of {len(recs)}"})
    pdf.table(pd.DataFrame(rows), (55, 30, 145, 35))


def _one_area_review(pdf: Pdf, current: pd.DataFrame, short: dict[str, str],
                     directory: AreaDirectory) -> None:
    code = current["area_code"].iloc[0]
    weak = current[current["rating"].isin(review.WEAK)].sort_values("criterion_code")
    supported = len(weak) >= review.NEEDS_SUPPORT_AT
    pdf.para(f"{directory.name(code)}: {len(weak)} of {len(current)} criteria assessed are rated "
             "Weak or Unsatisfactory" + (
                 f"; it is among the areas needing support ({review.NEEDS_SUPPORT_AT} or more "
                 "such ratings)." if supported else "."))
    if len(weak):
        pdf.table(pd.DataFrame({
            "Criterion": [f"{c} {short.get(c, '')}".strip() for c in weak["criterion_code"]],
            "Rating": weak["rating"],
            "Recommendation": weak["recommendation"].map(
                lambda r: r if isinstance(r, str) else ""),
            "Progress": [(p if isinstance(p, str) and p else "Not started")
                         if isinstance(r, str) and r else ""
                         for r, p in zip(weak["recommendation"], weak["progress"],
                                         strict=True)]}),
            (80, 30, 120, 30))


# --- headline indicators -------------------------------------------------------------------------


MEASURE_WORDS = {"rate": "Rate per 1,000", "count": "Number"}


def _figure(value: float | None, suppressed: bool, symbol: str | None, measure: str,
            status: str | None = None) -> str:
    if value is None:
        return symbol or ("[c]" if suppressed else "..")
    text = f"{value:,.{0 if measure == 'count' else tiles.indicators.PLACES}f}"
    marker = prov.MARKERS.get(status)
    return text + (f" {marker[0]}" if marker else "")


def _headline_indicators(pdf: Pdf, conn: Connection, v: briefing.BriefingView, area: str,
                         name: str, threshold: int, version: str) -> prov.Provenance | None:
    """The Briefing's headline indicator tiles as a table (latest figure, Scotland's for an
    area, the change on the year before, a sparkline, the status), with the release they are
    (as at the meeting: CONTRACT.md, Time), their sources and the block's provenance line."""
    pdf.heading(v.tiles_header)
    pdf.para(v.release.statement, 10, bold=True)
    made = [t.tile for t in v.tiles]
    if not made:
        pdf.para("No indicator data is loaded.")
        return None
    catalogue = {d["code"]: d for d in indicator_catalogue(conn).to_dict("records")}
    rows = []
    for tile in made:
        row = {"Indicator": tile.name, "Period": tile.period_text,
               "Measure": MEASURE_WORDS.get(tile.measure, tile.unit_title),
               name: _figure(tile.value, tile.suppressed, tile.symbol, tile.measure,
                             tile.status)}
        if area != SCOTLAND:
            row["Scotland"] = ".." if tile.scotland_text is None else (
                _figure(tile.scotland_value, tile.scotland_value is None, "[c]", tile.measure))
        row["Change on the year before"] = tile.change_text
        row["Trend"] = sparkline(tile.series) or ""
        row["Status"] = prov.SCREEN_LABELS[tile.illustrative]
        rows.append(row)
    widths = (70, 16, 26, 22, 22, 60, 30, 22) if area != SCOTLAND else \
        (74, 16, 28, 24, 70, 34, 22)
    pdf.table(pd.DataFrame(rows), widths)
    flags = [t.illustrative for t in made]
    definitions = [catalogue[t.code] for t in made]
    figures = prov.figures(flags, definitions, version, suppression_rule(threshold),
                           [t.measure for t in made])
    markers = prov.markers_legend([t.status for t in made])
    pdf.para("[c]: suppressed. " + (f"{markers}. " if markers else "") + "Change on the year "
             "before: the latest figure against the same period a year earlier, both as "
             "published. Trend: the last published figures, oldest first (a gap is a "
             "suppressed or missing figure). Status: official (uploaded from the published "
             "source) or illustrative (generated, not official statistics); a committee's sum "
             "is illustrative if any council in it is. " + figures.line(), 8)
    for source in dict.fromkeys(t.source for t in made):
        pdf.para(source, 8)
    return figures


def _about_these_figures(pdf: Pdf, records: prov.Provenance,
                         figures: prov.Provenance | None, version: str) -> None:
    """The closing note: what is official and what illustrative, sources, the suppression
    rule and the data version."""
    pdf.heading("About these figures", 12)
    pdf.para("Action register: " + records.line(), 9)
    if figures is not None:
        pdf.para("Headline indicators: " + figures.line(), 9)
        for source, address in figures.links:
            pdf.para(f"Source link: {source}: {address}", 9)
    pdf.para(f"Data version {version}. The action register and the planning review are shown "
             "as at the meeting; the headline indicators are the latest published figures.", 9)


def _annex(pdf: Pdf, register_view: actions.FilteredView, day: dt.date, name: str) -> None:
    """The full action register as at the meeting, as the Action register page shows it (for
    an area: national actions and the area's own)."""
    pdf.add_page()
    pdf.heading(f"Annex: the full action register as at {long_date(day)} - {name}")
    table = register_view.table
    if table.empty:
        pdf.para("No action is in the register as at this meeting.")
        return
    pdf.para(f"{len(table)} actions. Due: the due date in force at the meeting. Last update: "
             "the reporting date of the status shown.", 9)
    pdf.table(dates_in_words(table), (14, 80, 28, 32, 30, 22, 19, 16, 22, 22), size=7)


# --- the archive -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedPack:
    pack_id: int
    meeting: dt.date
    area: str
    user: str
    created_at: dt.datetime  # naive UTC
    data_version: str
    sha256: str
    bytes: int
    data_changed: bool  # the current data version differs from the pack's
    figures_release: int | None = None  # the release of the indicators it shows
    figures_until: dt.date | None = None  # the last period shown (first release standing in)

    def as_json(self) -> dict:
        """As `packs --json` (CONTRACT.md)."""
        return {"pack_id": self.pack_id, "meeting": self.meeting.isoformat(),
                "area": self.area, "user": self.user,
                "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "data_version": self.data_version, "sha256": self.sha256, "bytes": self.bytes}


def meeting_on_or_before(conn: Connection, day: dt.date) -> dt.date | None:
    """The latest meeting on or before `day` (None when there is none)."""
    dates = [d for d in meetings(conn)["date"] if d <= day]
    return max(dates) if dates else None


def archived_packs(conn: Connection, meeting: dt.date | None = None) -> list[ArchivedPack]:
    """Archived packs, newest first; with `meeting`, those of the latest meeting on or before
    that date (none when there is no such meeting)."""
    stmt = select(MeetingPack.id, MeetingPack.meeting_date, MeetingPack.area_code,
                  MeetingPack.created_by, MeetingPack.created_at, MeetingPack.data_version,
                  MeetingPack.sha256, func.length(MeetingPack.pdf),
                  MeetingPack.figures_release, MeetingPack.figures_until)
    if meeting is not None:
        day = meeting_on_or_before(conn, meeting)
        if day is None:
            return []
        stmt = stmt.where(MeetingPack.meeting_date == day)
    current = data_version(conn)
    return [ArchivedPack(r[0], r[1], r[2], r[3], r[4], str(r[5]), r[6], int(r[7] or 0),
                         str(r[5]) != current, r[8], r[9])
            for r in conn.execute(stmt.order_by(MeetingPack.id.desc()))]


def archived_pdf(conn: Connection, pack_id: int) -> bytes:
    """An archived pack byte for byte as circulated."""
    found = conn.execute(select(MeetingPack.pdf).where(MeetingPack.id == pack_id)).scalar()
    if found is None:
        raise PackError(f"There is no archived meeting pack {pack_id}: `python -m "
                        "cpip_dashboard packs` lists them.")
    return bytes(found)


def packs_table(packs: list[ArchivedPack], directory: AreaDirectory) -> pd.DataFrame:
    """The archived packs as a table for people (the Briefing's list)."""
    return pd.DataFrame([{
        "Pack": p.pack_id, "Meeting": long_date(p.meeting), "Area": directory.name(p.area),
        "Prepared by": p.user, "Prepared at (UTC)": p.created_at.strftime("%Y-%m-%d %H:%M"),
        "Data version": p.data_version,
        "Indicators": ("not recorded" if p.figures_release is None else
                       f"release {p.figures_release}" + (
                           "" if p.figures_until is None else
                           f", periods ending by {long_date(p.figures_until)}")),
        "sha256": p.sha256,
        "Data since": ("changed since this pack (it shows the figures of its data version)"
                       if p.data_changed else "unchanged")}
        for p in packs], columns=["Pack", "Meeting", "Area", "Prepared by", "Prepared at (UTC)",
                                  "Data version", "Indicators", "sha256", "Data since"])


PACK_ROLES = ("secretariat", "minister_office")  # any area; a committee its own area only


def pack_refusal(actor: str | Identity, area: str) -> str | None:
    """Why `actor` may not prepare (and so archive) the pack for `area`, else None. A signed-in
    person needs the secretariat or Minister's office role, or the committee role for this
    very area; a plain name (the command line) is trusted."""
    if not isinstance(actor, Identity):
        return None if str(actor).strip() else "Say who you are to prepare a pack (--user)."
    if actor.signed_in and actor.role in PACK_ROLES:
        return None
    if actor.signed_in and actor.role == "committee" and actor.area and actor.area == area:
        return None
    if actor.signed_in and actor.role == "committee":
        return (f"{actor.label} prepares meeting packs for their own committee's area only "
                f"({actor.area or 'none set'}), not {area}.")
    return (f"Only the secretariat, the Minister's office and a committee for its own area "
            f"prepare meeting packs: {actor.label} has no such role.")


def once_key(day: dt.date, area: str, version: str) -> str:
    return f"{day.isoformat()}|{area}|{version}"


def _archived(conn: Connection, day: dt.date, area: str, version: str) -> bytes | None:
    """The pack already archived for this meeting, area and data version (the first)."""
    return conn.execute(
        select(MeetingPack.pdf).where(MeetingPack.meeting_date == day,
                                      MeetingPack.area_code == area,
                                      MeetingPack.data_version == version)
        .order_by(MeetingPack.id).limit(1)).scalar()


def make_and_archive(engine: Engine, meeting: dt.date | None, area: str,
                     user: str | Identity) -> tuple[dt.date, bytes]:
    """Build the pack, archive it with its data version and record it in the audit trail; the
    same meeting, area and data version is archived once: asking again returns that pack.
    `PackError` (a sentence) when `user` may not prepare it (`pack_refusal`)."""
    refusal = pack_refusal(user, area)
    if refusal:
        raise PackError(refusal)
    person = who(user)  # recorded by name and identity
    shown = user.label if isinstance(user, Identity) else str(person)
    with engine.connect() as conn:
        version = data_version(conn)
        day = meeting_on_or_before(conn, meeting) if meeting is not None else None
        if day is None and meeting is None:
            dates = list(meetings(conn)["date"])
            day = max(dates) if dates else None
        found = _archived(conn, day, area, version) if day is not None else None
        if found is not None:
            return day, found
        created = utcnow()
        day, pdf = build(conn, meeting, area, prepared_by=shown,
                         prepared_at=created.replace(tzinfo=dt.UTC))
        version = data_version(conn)
    sha = hashlib.sha256(pdf).hexdigest()
    with write_transaction(engine) as conn:
        found = _archived(conn, day, area, version)  # another request archived it meanwhile
        if found is not None:
            return day, found
        release = release_as_at(conn, day)
        conn.execute(insert(MeetingPack).values(
            meeting_date=day, area_code=area, sha256=sha, data_version=version, pdf=pdf,
            created_by=str(person), created_at=created,
            once_key=once_key(day, area, version), figures_release=release.version,
            figures_until=release.periods_until))
        audit.write(conn, person, "pack",
                    f"Meeting pack as at {day.isoformat()} for {area} (sha256 {sha[:12]})")
    return day, pdf
