"""Drawing PDFs: the meeting pack's page furniture (classification, footer), headings,
paragraphs, wrapping tables, charts rendered offline with the pack's own font, and sparklines.
It draws what it is given; `views.pack` decides what the pack says."""

from __future__ import annotations

import io

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from cpip_dashboard import config
from cpip_dashboard.render import charts
from cpip_dashboard.rules import rag, tiles

FONT_DIR = config.DATA_DIR / "fonts"
BLUE = (0, 101, 189)
SPARK_COLOUR = "#0065bd"
SHORT_TABLE = 8  # a table of this many rows or fewer is kept on one page
TAIL = 4  # a longer table's last rows, kept together (never three rows alone on a page)


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


# a RAG cell as on screen: the level's fill and text colour, with its symbol (`rag.label`) so
# that it reads in black and white too
RAG_STYLES = {rag.label(level.name): FontFace(color=_rgb(level.text_colour),
                                              fill_color=_rgb(level.colour), emphasis="BOLD")
              for level in rag.LEVELS}


class Pdf(FPDF):
    """An A4 landscape PDF with the classification and a footer on every page, headings,
    paragraphs, tables whose long cells wrap (and continue on the next page), and charts."""

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
        if self.get_y() + size * 1.6 > self.page_break_trigger:
            self.add_page()  # a heading is never the last line of a page
        self.set_font("DejaVu", "B", size)
        self.set_text_color(*BLUE)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def para(self, text: str, size: int = 10, bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def table(self, frame: pd.DataFrame, widths: tuple[float, ...] | None = None,
              size: int = 8, title: str | None = None) -> None:
        """A table (under its heading `title`, kept with its first rows) whose cells wrap (a
        long action title runs over several lines, never cut); a cell holding bytes is an
        image (a sparkline). A short table is kept on one page; a long one never ends with a
        tail of three rows or fewer alone on a page (`TAIL`). A row too tall for a page (a
        commentary of thousands of characters: Excel allows 32,767) continues in further
        rows, page after page (`_continued`), never failing as "row too high"."""
        self.set_font("DejaVu", "", size)
        weights = widths or (1,) * len(frame.columns)
        column_mm = [self.epw * w / sum(weights) for w in weights]
        line = size * 0.5
        self._keep_together(frame, column_mm, line, 14 * 1.6 if title else 0)
        if title:
            self.heading(title)
            self.set_font("DejaVu", "", size)
        rows = [[value if isinstance(value, bytes) else
                 "" if value is None or (isinstance(value, float) and pd.isna(value))
                 else str(value) for value in values]
                for values in frame.itertuples(index=False)]
        if len(rows) <= SHORT_TABLE:
            self._rows(frame.columns, rows, widths, column_mm, line, heading=True)
        else:
            self._rows(frame.columns, rows[:-TAIL], widths, column_mm, line, heading=True)
            tail = sum(self._height([v if isinstance(v, str) else "" for v in r], column_mm,
                                    line) for r in rows[-TAIL:])
            new_page = self.get_y() + tail > self.page_break_trigger
            if new_page:
                self.add_page()
                self.set_font("DejaVu", "", size)
            self._rows(frame.columns, rows[-TAIL:], widths, column_mm, line, heading=new_page)
        self.ln(2)

    def _rows(self, columns, rows: list[list], widths, column_mm: list[float], line: float,
              heading: bool) -> None:
        # the lines a row may hold: well inside a page below the header and the table heading
        most = max(4, int((self.page_break_trigger - self.t_margin - 12 - 4 * line) / line
                          * 0.8))
        style = FontFace(emphasis="BOLD", fill_color=(230, 240, 250))
        with super().table(col_widths=widths, headings_style=style, line_height=line,
                           text_align="LEFT", width=self.epw,
                           first_row_as_headings=heading) as table:
            if heading:
                row = table.row()
                for column in columns:
                    row.cell(str(column), style=RAG_STYLES.get(str(column)))
            for cells in rows:
                for part in self._continued(cells, column_mm, line, most):
                    row = table.row()
                    for value in part:
                        if isinstance(value, bytes):
                            row.cell(img=value, img_fill_width=True)
                        else:
                            row.cell(value, style=RAG_STYLES.get(value))

    def _height(self, cells: list[str], column_mm: list[float], line: float) -> float:
        """A row's height as drawn (its tallest wrapped cell, with the cell padding)."""
        most = 1
        for value, width in zip(cells, column_mm, strict=True):
            if value:
                most = max(most, len(self.multi_cell(width - 3, line, value, dry_run=True,
                                                     output="LINES")))
        return most * line + 2

    def _keep_together(self, frame: pd.DataFrame, column_mm: list[float], line: float,
                       above: float = 0) -> None:
        """Start a new page first when the table would leave a heading with no rows or a tail
        of a few rows: a short table is kept whole, a long one starts with at least four rows
        on the page."""
        rows = [["" if isinstance(v, bytes) or v is None
                 or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values]
                for values in frame.head(SHORT_TABLE + 1).itertuples(index=False)]
        if not rows:
            return
        header = self._height([str(c) for c in frame.columns], column_mm, line)
        heights = [self._height(r, column_mm, line) + (9 if any(
            isinstance(v, bytes) for v in values) else 0)
            for r, values in zip(rows, frame.head(SHORT_TABLE + 1).itertuples(index=False),
                                 strict=True)]
        room = self.page_break_trigger - self.get_y()
        page = self.page_break_trigger - self.t_margin - 8
        need = above + header + (sum(heights) if len(frame) <= SHORT_TABLE else sum(heights[:4]))
        if need > room and need <= page:
            self.add_page()

    def _continued(self, cells: list, column_mm: list[float], line: float,
                   most: int) -> list[list]:
        """One row's cells as one or more rows of at most `most` wrapped lines each (the text
        is wrapped here, slightly narrower than the column, so that each part keeps its
        lines); images only in the first part."""
        lines = [None if isinstance(value, bytes) or (len(value) <= 60 and "\n" not in value)
                 else
                 self.multi_cell(width - 3, line, value, dry_run=True, output="LINES")
                 for value, width in zip(cells, column_mm, strict=True)]
        longest = max((len(found) for found in lines if found is not None), default=0)
        if longest <= most:
            return [cells]
        parts = []
        for start in range(0, longest, most):
            parts.append([
                ("\n".join(found[start:start + most]) if found is not None else
                 (value if start == 0 else "" if isinstance(value, bytes) else
                  "(continued)" if value else ""))
                for value, found in zip(cells, lines, strict=True)])
        return parts

    def chart(self, title: str, chart, width: float, max_height: float | None = None) -> None:
        """A heading and its chart, kept together on one page (no taller than `max_height`
        when given: the chart is then narrowed to keep its proportions)."""
        import vl_convert  # noqa: PLC0415 (the chart renderer loads only for a pack)
        from PIL import Image  # noqa: PLC0415 (only for a pack)

        vl_convert.register_font_directory(str(FONT_DIR))  # the pack's own font, offline
        spec = chart.to_json().replace(f'"{charts.FONT}"', '"DejaVu Sans"')
        png = vl_convert.vegalite_to_png(spec, scale=2)
        pixels_wide, pixels_high = Image.open(io.BytesIO(png)).size
        height = width * pixels_high / pixels_wide
        if max_height is not None and height > max_height:
            width, height = max_height * pixels_wide / pixels_high, max_height
        room = self.page_break_trigger - self.get_y() - 12
        if room < height <= room / 0.6:  # shrink a little rather than leave a page blank
            width, height = room * pixels_wide / pixels_high, room
        if self.get_y() + height + 12 > self.page_break_trigger:
            self.add_page()
        self.heading(title)
        self.image(io.BytesIO(png), w=width)


def sparkline(points: tuple[tiles.Point, ...], width: int = 120, height: int = 30) -> bytes | None:
    """An SVG sparkline of the published values (gaps where a figure is suppressed or
    missing; the latest value dotted); None with fewer than two values."""
    values = [p.value for p in points]
    shown = [v for v in values if v is not None]
    if len(shown) < 2:
        return None
    low, high = min(shown), max(shown)
    span = (high - low) or 1.0
    step = (width - 8) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> str:
        return f"{4 + i * step:.1f},{height - 4 - (v - low) / span * (height - 8):.1f}"

    runs, run = [], []
    for i, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(xy(i, value))
    if run:
        runs.append(run)
    lines = "".join(f'<polyline fill="none" stroke="{SPARK_COLOUR}" stroke-width="2" '
                    f'points="{" ".join(r)}"/>' for r in runs if len(r) > 1)
    dots = "".join(f'<circle cx="{r[0].split(",")[0]}" cy="{r[0].split(",")[1]}" r="1.5" '
                   f'fill="{SPARK_COLOUR}"/>' for r in runs if len(r) == 1)
    last = next(i for i in range(len(values) - 1, -1, -1) if values[i] is not None)
    x, y = xy(last, values[last]).split(",")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{lines}{dots}<circle cx="{x}" cy="{y}" r="3" '
            f'fill="{SPARK_COLOUR}"/></svg>').encode()
