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
from cpip_dashboard.rules import tiles

FONT_DIR = config.DATA_DIR / "fonts"
BLUE = (0, 101, 189)
SPARK_COLOUR = "#0065bd"


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
              size: int = 8) -> None:
        """A table whose cells wrap (a long action title runs over several lines, never cut);
        a cell holding bytes is an image (a sparkline). A row too tall for a page (a
        commentary of thousands of characters: Excel allows 32,767) continues in further
        rows, page after page (`_continued`), never failing as "row too high"."""
        self.set_font("DejaVu", "", size)
        heading = FontFace(emphasis="BOLD", fill_color=(230, 240, 250))
        weights = widths or (1,) * len(frame.columns)
        column_mm = [self.epw * w / sum(weights) for w in weights]
        line = size * 0.5
        # the lines a row may hold: well inside a page below the header and the table heading
        most = max(4, int((self.page_break_trigger - self.t_margin - 12 - 4 * line) / line
                          * 0.8))
        with super().table(col_widths=widths, headings_style=heading, line_height=line,
                           text_align="LEFT", width=self.epw) as table:
            row = table.row()
            for column in frame.columns:
                row.cell(str(column))
            for values in frame.itertuples(index=False):
                cells = [value if isinstance(value, bytes) else
                         "" if value is None or (isinstance(value, float) and pd.isna(value))
                         else str(value) for value in values]
                for part in self._continued(cells, column_mm, line, most):
                    row = table.row()
                    for value in part:
                        if isinstance(value, bytes):
                            row.cell(img=value, img_fill_width=True)
                        else:
                            row.cell(value)
        self.ln(2)

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

    def chart(self, title: str, chart, width: float) -> None:
        """A heading and its chart, kept together on one page."""
        import vl_convert  # noqa: PLC0415 (the chart renderer loads only for a pack)
        from PIL import Image  # noqa: PLC0415 (only for a pack)

        vl_convert.register_font_directory(str(FONT_DIR))  # the pack's own font, offline
        spec = chart.to_json().replace(f'"{charts.FONT}"', '"DejaVu Sans"')
        png = vl_convert.vegalite_to_png(spec, scale=2)
        pixels_wide, pixels_high = Image.open(io.BytesIO(png)).size
        height = width * pixels_high / pixels_wide
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
