"""Readable on every screen (issue 22 §1), in a real browser at 1920, 1366 and 390 px: on each
page the columns that must always be visible lie inside the screen (no sideways scrolling),
every bar chart draws a label for each of its rows, no axis repeats a label (years), and no
chart is flat. Presentation mode enlarges the tables and the charts' type too.

One browser (pytest-playwright's), the session's server, and the widths looped inside each
test, to keep the suite quick. Screenshots go to `CPIP_SCREENSHOTS` when it is set."""

from __future__ import annotations

import pytest

from tests.ui.test_browser_journeys import WIDTHS, settle, shoot

pytestmark = pytest.mark.browser

# page, its heading, and per readable table (its key) the columns always in view
PAGES = {
    "briefing": ("/?area=S12000047", "Programme status at 17 September 2024", {
        "moved": ("Ref", "To", "Action"),
        "attention": ("Ref", "RAG", "Flags", "Latest commentary")}),
    "actions": ("/actions", "Action register", {
        "register": ("Ref", "Action", "RAG", "Flags")}),
    "indicators": ("/indicators?area=S12000023", "Indicators", {}),
    "area": ("/area?area=CPC10",
             "Area profile: East Lothian and Midlothian Public Protection Committee", {
                 "profile": ("Indicator", "This area", "Scotland", "Compared with Scotland"),
                 "findings": ("Criterion", "Rating", "Recommendation")}),
    "review": ("/review", "Planning review", {
        "support": ("Area", "Criterion", "Rating", "Recommendation")}),
}

# Each named column's cells: how many, and how many lie outside the screen sideways (or are
# not drawn at all). A column is found by its header's text.
COLUMNS = """([key, names]) => {
  const table = document.querySelector(`.st-key-table-${key} table`);
  if (!table) return null;
  const headers = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
  const width = window.innerWidth;
  const result = {};
  for (const name of names) {
    const index = headers.indexOf(name);
    if (index < 0) { result[name] = 'no such column: ' + headers.join(' | '); continue; }
    const cells = [...table.querySelectorAll(`tbody tr td:nth-child(${index + 1})`)];
    const out = cells.filter(td => { const r = td.getBoundingClientRect();
      return r.width === 0 || r.left < -1 || r.right > width + 1; }).length;
    result[name] = {cells: cells.length, out};
  }
  return result;
}"""

# Every drawn chart: its plot's height, and per axis its labels (the drawn ones) and, for a
# discrete axis, how many rows its scale has (Vega says so in the axis's aria-label).
CHARTS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg')]
  .filter(svg => svg.getBoundingClientRect().width > 0).map(svg => {
    const frame = svg.querySelector('g.role-frame path.background');
    return {height: frame ? frame.getBoundingClientRect().height : 0,
      axes: [...svg.querySelectorAll('g.role-axis')].map(a => {
        const aria = a.getAttribute('aria-label') || '';
        const rows = aria.match(/discrete scale with (\\d+) value/);
        return {aria: aria.slice(0, 80), rows: rows ? Number(rows[1]) : null,
          drawn: [...a.querySelectorAll('g.role-axis-label text')]
            .filter(t => (t.getAttribute('opacity') ?? '1') !== '0'
                         && t.getBoundingClientRect().width > 0)
            .map(t => t.textContent)}; }).filter(a => a.aria)};
  })"""


def open_at(browser, server: str, path: str, heading: str, width: str):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    page.goto(f"{server}{path}")
    settle(page, heading)
    return context, page


def check_charts(page, where: str) -> int:
    """Every chart drawn with a plot of some height, every row of a discrete axis labelled,
    and no axis drawing the same label twice; the number of charts checked."""
    page.wait_for_function("""() => [...document.querySelectorAll(
        '[data-testid=stVegaLiteChart]')].every(c => c.querySelector('svg'))""",
                           timeout=60_000)
    charts = page.evaluate(CHARTS)
    for index, chart in enumerate(charts):
        assert chart["height"] > 40, f"{where}: chart {index} is flat ({chart['height']} px)"
        for axis in chart["axes"]:
            if axis["rows"] is not None:
                assert len(axis["drawn"]) == axis["rows"], (
                    f"{where}: chart {index} labels {len(axis['drawn'])} of {axis['rows']} "
                    f"rows ({axis['aria']})")
            assert len(axis["drawn"]) == len(set(axis["drawn"])), (
                f"{where}: chart {index} repeats a label: {axis['drawn']}")
    return len(charts)


@pytest.mark.parametrize("name", list(PAGES))
def test_columns_and_charts_readable_at_every_width(server, browser, name):
    path, heading, tables = PAGES[name]
    for width in WIDTHS:
        context, page = open_at(browser, server, path, heading, width)
        where = f"{name} at {width}"
        if name == "area":  # the small trend charts, drawn when asked for
            page.get_by_text("Show a small trend chart for each indicator").click()
            page.get_by_test_id("stVegaLiteChart").nth(5).wait_for(timeout=60_000)
            settle(page, heading)
        for key, columns in tables.items():
            found = page.evaluate(COLUMNS, [key, list(columns)])
            assert found is not None, f"{where}: table {key} not drawn"
            for column, seen in found.items():
                assert isinstance(seen, dict), f"{where}, {key}: {seen}"
                assert seen["cells"] > 0 and seen["out"] == 0, (
                    f"{where}, {key}: {seen['out']} of {seen['cells']} {column!r} cells off "
                    "the screen")
        drawn = check_charts(page, where)
        assert drawn >= {"briefing": 2, "actions": 0, "indicators": 2, "area": 6,
                         "review": 1}[name], f"{where}: {drawn} charts"
        if name == "indicators":
            # method paragraphs: open on a wide screen, folded on a phone
            method = page.get_by_text("Byar's method").first
            if width == "phone":
                assert not method.is_visible()
                assert page.get_by_test_id("stExpander").filter(
                    has_text="How this is worked out").first.is_visible()
            else:
                assert method.is_visible()
        shoot(page, f"screens-{name}-{width}")
        context.close()


def test_presentation_mode_enlarges_tables_and_chart_type(server, browser):
    sizes = {}
    for present in ("", "&present=1"):
        context, page = open_at(browser, server, f"/area?area=CPC10{present}",
                                "Area profile: East Lothian and Midlothian Public Protection "
                                "Committee", "projector")
        page.get_by_test_id("stVegaLiteChart").first.locator("svg").wait_for(timeout=60_000)
        sizes[present] = page.evaluate("""() => ({
            cell: parseFloat(getComputedStyle(document.querySelector(
                '.st-key-table-profile tbody td')).fontSize),
            axis: parseFloat(document.querySelector('[data-testid=stVegaLiteChart] svg '
                + 'g.role-axis-label text').getAttribute('font-size'))})""")
        context.close()
    plain, shown = sizes[""], sizes["&present=1"]
    assert shown["cell"] >= plain["cell"] * 1.2, sizes
    assert shown["axis"] >= plain["axis"] * 1.3, sizes
