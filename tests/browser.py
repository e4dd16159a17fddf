"""Helpers for the real-browser tests: wait for Streamlit to draw, collect console errors and
failed requests, and run axe-core."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# axe findings (of any impact) that come from Streamlit's own widgets and cannot be fixed from
# the app, keyed by (rule, the widget's data-testid), each with its reason; anything else fails.
KNOWN_STREAMLIT_VIOLATIONS: dict[tuple[str, str], str] = {
    ("presentation-role-conflict", "stFileUploaderDropzone"):
        "Streamlit 1.67 draws the file uploader's drop zone as <section role=presentation "
        "aria-label=...>; axe (minor) objects to a presentation role carrying a label. The "
        "drop zone's own input and its Browse files button are labelled and reachable; the "
        "app has no way to change the section's markup.",
}


# Streamlit's client, opened on a page address such as /about, first probes
# /about/_stcore/health and /about/_stcore/host-config (in case the app is served under that
# base path), gets 404, then uses the root. Those two probes are the framework's, not ours.
STREAMLIT_BASE_PATH_PROBES = ("/_stcore/health", "/_stcore/host-config")


class Watcher:
    """Console errors, HTTP errors and failed requests seen by a page."""

    def __init__(self, page, base: str = ""):
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.base = base
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request) -> None:
        # A download button's file is replaced when the page reruns; the browser then cancels
        # its fetch of the old one (net::ERR_ABORTED). Streamlit's doing, and harmless.
        if "/media/" in request.url and "ERR_ABORTED" in str(request.failure):
            return
        self.failed.append(f"{request.method} {request.url} ({request.failure})")

    def _probe(self, url: str) -> bool:
        path = url.removeprefix(self.base)
        return path.endswith(STREAMLIT_BASE_PATH_PROBES) and not path.startswith("/_stcore")

    def _response(self, response) -> None:
        if response.status >= 400 and not self._probe(response.url):
            self.failed.append(f"HTTP {response.status} {response.url}")

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if "Failed to load resource" in message.text and self._probe(
                message.location.get("url", "")):
            return
        self.errors.append(f"{message.text} ({message.location.get('url', '')})")


def open_page(page, base: str, path: str = "/", heading: str | None = None):
    page.goto(f"{base}{path}")
    page.get_by_test_id("stSidebarNav").wait_for(timeout=60_000)
    if heading:
        page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    return page


def axe_violations(page) -> list[dict]:
    """Every axe-core violation of any impact on the page, less the listed Streamlit ones."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `npm install` (make test does)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):  # once per page load
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => { const el = document.querySelector(n.target[0]);
                return {target: n.target,
                        testid: el && el.closest('[data-testid]')
                            ? el.closest('[data-testid]').getAttribute('data-testid') : null}; })}));
    }""")
    found = []
    for v in result:
        nodes = [n for n in v["nodes"] if (v["id"], n["testid"]) not in KNOWN_STREAMLIT_VIOLATIONS]
        if nodes:
            found.append({"id": v["id"], "impact": v["impact"], "help": v["help"],
                          "nodes": [(n["target"], n["testid"]) for n in nodes][:5]})
    return found




def choose_option(page, label: str, typed: str, expect_heading: str | None = None) -> None:
    """Pick an option in a Streamlit selectbox by typing (its list is virtualised). A rerun can
    replace the list under the click, so the whole pick is retried."""
    for _ in range(4):
        try:
            box = page.get_by_role("combobox", name=label, exact=True)
            box.click(timeout=10_000)
            box.press_sequentially(typed)
            page.get_by_role("option").filter(has_text=typed).first.click(timeout=10_000)
            if expect_heading is not None:
                page.get_by_role("heading", name=expect_heading, exact=True).wait_for(
                    timeout=10_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_load_state("networkidle")
    raise AssertionError(f"could not choose {typed!r} in {label!r}")


# --- readable on every screen (issue 22 §1) ----------------------------------------------------

# the readable tables (`widgets.readable_table`, by key) of each page, with the columns that
# must always be in view, by the page's path without its query
READABLE_COLUMNS = {
    "/": {"briefing-moved": ("Ref", "To", "Action"),
          "briefing-attention": ("Ref", "RAG", "Flags", "Latest commentary")},
    "/actions": {"actions-register": ("Ref", "Action", "RAG", "Flags")},
    "/area": {"area-profile": ("Indicator", "This area", "Scotland", "Compared with Scotland"),
              "area-findings": ("Criterion", "Rating", "Recommendation")},
    "/review": {"review-support": ("Area", "Criterion", "Rating", "Recommendation")},
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



def check_columns(page, path: str, where: str) -> None:
    """The named columns of the page's readable tables lie inside the screen, every cell."""
    for key, columns in READABLE_COLUMNS.get(path.split("?")[0], {}).items():
        page.locator(f".st-key-table-{key} table").first.wait_for(state="attached",
                                                                  timeout=60_000)
        found = page.evaluate(COLUMNS, [key, list(columns)])
        assert found is not None, f"{where}: table {key} not drawn"
        for column, seen in found.items():
            assert isinstance(seen, dict), f"{where}, {key}: {seen}"
            assert seen["cells"] > 0 and seen["out"] == 0, (
                f"{where}, {key}: {seen['out']} of {seen['cells']} {column!r} cells off the "
                "screen")


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
