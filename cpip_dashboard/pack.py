"""The meeting pack: a PDF of the Briefing as at a meeting, for Scotland or one area, to
circulate before the meeting. Real text for headings and tables (searchable, readable by
screen readers), charts as images with their sentence beside them, the classification on every
page, and every figure from the same protected series the pages use.

Each pack is archived (meeting, area, sha256, data version, the bytes, who, when) and recorded
in the audit trail: what the group saw at a past meeting is what that meeting's pack holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import Connection, Engine, insert

from . import charts, config, indicators, rag, register
from . import provenance as prov
from .areas import SCOTLAND
from .db import data_version, utcnow
from .disclosure import suppression_rule
from .models import AuditEvent, MeetingPack
from .queries import (
    area_directory,
    data_status,
    indicator_catalogue,
    indicator_series,
    register_as_at,
    workstreams,
)
from .values import period_label

FONT_DIR = config.DATA_DIR / "fonts"
BLUE = (0, 101, 189)


class PackError(ValueError):
    """No such meeting or area; the message says which."""


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class _Pdf(FPDF):
    def __init__(self, classification: str, footer_text: str):
        super().__init__(orientation="landscape", format="A4")
        self.classification, self.footer_text = classification, footer_text
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=18)
        self.set_margins(14, 16, 14)

    def header(self) -> None:
        self.set_font("DejaVu", "B", 9)
        self.set_text_color(0, 0, 0)
        self.cell(0, 5, self.classification, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 4, self.classification, align="C", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4, f"{self.footer_text} - page {self.page_no()}", align="C")

    def heading(self, text: str, size: int = 14) -> None:
        self.set_font("DejaVu", "B", size)
        self.set_text_color(*BLUE)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def para(self, text: str, size: int = 10) -> None:
        self.set_font("DejaVu", "", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def table(self, frame: pd.DataFrame, widths: tuple[int, ...] | None = None,
              size: int = 8) -> None:
        self.set_font("DejaVu", "", size)
        heading = FontFace(emphasis="BOLD", fill_color=(230, 240, 250))
        with super().table(col_widths=widths, headings_style=heading, line_height=size * 0.5,
                           text_align="LEFT", width=self.epw) as table:
            row = table.row()
            for column in frame.columns:
                row.cell(str(column))
            for values in frame.itertuples(index=False):
                row = table.row()
                for value in values:
                    row.cell("" if value is None or (isinstance(value, float) and pd.isna(value))
                             else str(value))
        self.ln(2)

    def chart(self, title: str, chart, width: float) -> None:
        """A heading and its chart, kept together on one page."""
        import vl_convert
        from PIL import Image

        vl_convert.register_font_directory(str(FONT_DIR))  # the pack's own font, offline
        spec = chart.to_json().replace(f'"{charts.FONT}"', '"DejaVu Sans"')
        png = vl_convert.vegalite_to_png(spec, scale=2)
        pixels_wide, pixels_high = Image.open(io.BytesIO(png)).size
        height = width * pixels_high / pixels_wide
        if self.get_y() + height + 12 > self.page_break_trigger:
            self.add_page()
        self.heading(title)
        self.image(io.BytesIO(png), w=width)


def build(conn: Connection, meeting: dt.date | None, area: str = SCOTLAND,
          threshold: int | None = None) -> tuple[dt.date, bytes]:
    """(the meeting's date, the PDF) for the latest meeting on or before `meeting`."""
    threshold = threshold or config.suppress_below()
    directory = area_directory(conn)
    if area not in directory.areas:
        raise PackError(f"{area} is not a known area: use S92000003 (Scotland), a council "
                        "code or a CPC id.")
    data = register_as_at(conn, meeting)
    dates = list(data["meetings"]["date"])
    if not dates or (meeting is not None and meeting < dates[0]):
        raise PackError("There is no Leadership Group meeting on or before that date."
                        if dates else "No Leadership Group meetings are loaded.")
    day, previous = data["meeting"], data["previous"]
    now = register.for_area(data["now"], area, directory)
    before = None if data["before"] is None else register.for_area(data["before"], area,
                                                                    directory)
    status = data_status(conn)
    version = data_version(conn)
    name = directory.name(area)
    records = prov.records(len(now), status, version, "action-register")
    pdf = _Pdf(config.classification(),
               f"CPIP Leadership Dashboard - meeting pack as at {_long(day)} - {name} - "
               f"data version {version}"
               + (" - contains illustrative figures, not official statistics"
                  if status["illustrative_batches"] else ""))
    pdf.set_title(f"Meeting pack: {_long(day)}, {name}")
    pdf.set_author("CPIP Leadership Dashboard")
    pdf.set_lang("en-GB")
    pdf.add_page()
    pdf.heading("National Child Protection Leadership Group", 18)
    pdf.heading(f"Meeting pack: programme status at {_long(day)} - {name}", 13)
    if status["illustrative_batches"]:
        pdf.para("Illustrative figures - not official statistics. This pack is built from "
                 "sample data generated for demonstration.", 10)

    counts = register.counts(now)
    previous_counts = register.counts(before) if before is not None else None
    summary = pd.DataFrame({
        "Status": [rag.label(n) for n in rag.NAMES],
        "Actions": [counts[n] for n in rag.NAMES],
        "Change since the previous meeting": [
            "" if previous_counts is None else f"{counts[n] - previous_counts[n]:+d}"
            for n in rag.NAMES],
        "Meaning": [rag.BY_NAME[n].definition for n in rag.NAMES]})
    pdf.para(register.headline_sentence(counts, previous_counts, previous), 12)
    pdf.table(summary, (30, 18, 40, 180))
    pdf.para("Action register: " + records.line(), 8)

    table = charts.rag_by_workstream_table(now, workstreams(conn))
    sentence = charts.describe_rag_by_workstream(table)
    if table.empty:
        pdf.heading("RAG by workstream")
    else:
        pdf.chart("RAG by workstream", charts.rag_by_workstream(table, sentence), 170)
    pdf.para(sentence)

    pdf.add_page()
    pdf.heading("Movement since the previous meeting")
    moved = register.movement(now, before)
    if before is None:
        pdf.para("This is the first meeting in the record: there is nothing to compare with.")
    else:
        pdf.para(register.movement_sentence(moved, previous))
        changed = register.moved_actions(moved, now)
        if len(changed):
            pdf.table(changed.assign(Action=changed["Action"].str.slice(0, 110)),
                      (18, 150, 28, 28, 45))
    pdf.heading("Needs attention")
    attention = register.exceptions(now)
    if attention.empty:
        pdf.para("Nothing needs attention at this meeting.")
    else:
        pdf.table(pd.DataFrame({
            "Ref": attention["ref"], "Action": attention["title"].str.slice(0, 90),
            "Lead": attention["lead"], "RAG": attention["rag"].map(rag.label),
            "Flags": attention["flags"].map("; ".join),
            "Latest commentary": attention["commentary"].fillna("")}),
            (16, 75, 40, 22, 30, 86))

    figures = _headline_indicators(pdf, conn, area, name, directory, threshold, version)
    _about_these_figures(pdf, records, figures, version)
    pdf.set_creation_date(dt.datetime.now(dt.UTC))
    return day, bytes(pdf.output())


def _headline_indicators(pdf: _Pdf, conn: Connection, area: str, name: str, directory,
                         threshold: int, version: str) -> prov.Provenance | None:
    """The headline indicators' table, each row with its status, and the block's provenance
    line; returns that provenance (None when no indicator has figures)."""
    pdf.add_page()
    pdf.heading(f"Headline indicators: {name}" + ("" if area == SCOTLAND else " and Scotland"))
    catalogue = indicator_catalogue(conn)
    rows, flags, definitions, measures, statuses = [], [], [], [], []
    for definition in catalogue[catalogue["headline"].astype(bool)].to_dict("records"):
        measure = indicators.headline_measure(definition, area)
        frame = indicator_series(conn, definition["code"], measure, threshold)
        frame = frame[frame["area_code"].isin([area, SCOTLAND])]
        if frame["value"].notna().sum() == 0:
            continue
        names = {area: name} if area == SCOTLAND else {area: name, SCOTLAND: "Scotland"}
        places = indicators.PLACES if measure != "count" or definition["unit"] != "count" else 0
        sentence = charts.describe_trend(frame, names, {"rate": " per 1,000",
                                                        "percent": "%"}.get(measure, ""),
                                         definition["frequency"], places)
        latest = frame[frame["area_code"] == area].sort_values("period").tail(1)
        if len(latest):
            value = latest.iloc[0]
            shown = (f"{value['value']:,.{places}f}" if pd.notna(value["value"])
                     else str(value["symbol"] or ".."))
            marker = prov.MARKERS.get(value["status"]) if pd.notna(value["value"]) else None
            if marker:
                shown += f" {marker[0]}"
                statuses.append(value["status"])
            illustrative = prov.for_series(frame)  # the row's summary spans the whole series
            rows.append({"Indicator": definition["name"],
                         "Period": period_label(value["period"], definition["frequency"]),
                         "Measure": {"rate": "Rate per 1,000",
                                     "percent": "Per cent"}.get(measure, "Number"),
                         name: shown, "Status": prov.SCREEN_LABELS[illustrative],
                         "Summary": sentence})
            flags.append(illustrative)
            definitions.append(definition)
            measures.append(measure)
    if not rows:
        pdf.para("No indicator data is loaded.")
        return None
    pdf.table(pd.DataFrame(rows), (62, 18, 24, 22, 22, 120))
    figures = prov.figures(flags, definitions, version, suppression_rule(threshold), measures)
    markers = prov.markers_legend(statuses)
    pdf.para("[c]: suppressed." + (f" {markers}." if markers else "") + " Status: official "
             "(uploaded from the published source) or illustrative (generated, not official "
             "statistics); a committee's sum is illustrative if any council in it is. "
             + figures.line(), 8)
    return figures


def _about_these_figures(pdf: _Pdf, records: prov.Provenance,
                         figures: prov.Provenance | None, version: str) -> None:
    """The closing note: what is official and what illustrative, sources, the suppression
    rule, the data version and when the pack was produced."""
    pdf.heading("About these figures", 12)
    pdf.para("Action register: " + records.line(), 9)
    if figures is not None:
        pdf.para("Headline indicators: " + figures.line(), 9)
        for source, address in figures.links:
            pdf.para(f"Source link: {source}: {address}", 9)
    now = dt.datetime.now(dt.UTC)
    pdf.para(f"Data version {version}; produced {now.day} {now:%B %Y %H:%M} UTC.", 9)


def make_and_archive(engine: Engine, meeting: dt.date | None, area: str, user: str) -> tuple[
        dt.date, bytes]:
    """Build the pack, archive it with its data version and record it in the audit trail."""
    with engine.connect() as conn:
        day, pdf = build(conn, meeting, area)
        version = data_version(conn)
    sha = hashlib.sha256(pdf).hexdigest()
    with engine.begin() as conn:
        conn.execute(insert(MeetingPack).values(
            meeting_date=day, area_code=area, sha256=sha, data_version=version, pdf=pdf,
            created_by=user, created_at=utcnow()))
        conn.execute(insert(AuditEvent).values(
            at=utcnow(), user=user, event="pack",
            detail=f"Meeting pack as at {day.isoformat()} for {area} (sha256 {sha[:12]})"))
    return day, pdf
