"""Readable on every screen (issue 22 §1), in a real browser at 1920, 1366 and 390 px.

`test_browser_journeys.test_every_page_at_every_width` already opens every page at every
width: it also checks there (`check_columns`, `check_charts` in tests/browser.py) that the
columns that must always be visible lie inside the screen, that every bar chart draws a label
for each of its rows, that no axis repeats a label and that no chart is flat. This module adds
what those views do not show: the small trend charts of the Area profile, the planning review's
themes chart (every area), method paragraphs folded on a phone, and presentation mode, which
enlarges the tables and the charts' type too. One browser, the session's server, the widths
looped inside each test. Screenshots go to `CPIP_SCREENSHOTS` when it is set."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations, check_charts, check_columns
from tests.ui.test_browser_journeys import WIDTHS, resize, settle, shoot, viewport

pytestmark = pytest.mark.browser

AREA = ("/area?area=CPC10",
        "Area profile: East Lothian and Midlothian Public Protection Committee")


def open_at(browser, server: str, path: str, heading: str, width: str):
    context = browser.new_context(viewport=viewport(width))
    page = context.new_page()
    page.goto(f"{server}{path}")
    settle(page, heading)
    return context, page


def test_small_trend_charts_and_themes_chart_at_every_width(server, browser):
    """Each page opened once at the widest screen, then narrowed (`resize`)."""
    context, page = open_at(browser, server, *AREA, "projector")
    console: list[str] = []
    page.on("console", lambda message, seen=console: seen.append(message.text))
    page.get_by_text("Show a small trend chart for each indicator").click()
    page.get_by_test_id("stVegaLiteChart").nth(5).wait_for(timeout=60_000)
    settle(page, AREA[1])
    for width in WIDTHS:
        resize(page, width)
        assert check_charts(page, f"small charts at {width}") >= 11  # the profile's, 10 small
        # with every small chart drawn: no axe-core violation of any impact at any width
        assert axe_violations(page) == [], f"small charts at {width}"
        shoot(page, f"screens-area-small-{width}")
    # Vega drops a fitted height it cannot keep, with a warning: none here
    assert not [m for m in console if "Dropping" in m], console
    context.close()

    context, page = open_at(browser, server, "/review", "Planning review", "projector")
    page.get_by_role("heading", name="National themes").wait_for(timeout=60_000)
    page.get_by_test_id("stVegaLiteChart").first.locator("svg").wait_for(timeout=60_000)
    for width in WIDTHS:
        resize(page, width)
        assert check_charts(page, f"review themes at {width}") == 1
        check_columns(page, "/review", f"review (every area) at {width}")
        shoot(page, f"screens-review-scotland-{width}")
    context.close()


def test_method_paragraphs_fold_on_a_phone(server, browser):
    context, page = open_at(browser, server, "/indicators?area=S12000023", "Indicators",
                            "laptop")
    method = page.get_by_text("Byar's method").first
    folded = page.get_by_test_id("stExpander").filter(has_text="How this is worked out")
    for width in ("laptop", "phone"):
        resize(page, width)
        shown, hidden = (folded.first, method) if width == "phone" else (method, folded.first)
        expect(shown).to_be_visible()  # waits (5 s at most) for the styles to apply
        expect(hidden).to_be_hidden()
    context.close()


def test_presentation_mode_enlarges_tables_and_chart_type(server, browser):
    sizes = {}
    for present in ("", "&present=1"):
        context, page = open_at(browser, server, AREA[0] + present, AREA[1], "projector")
        page.get_by_test_id("stVegaLiteChart").first.locator("svg").wait_for(timeout=60_000)
        page.locator(".st-key-table-area-profile tbody td p").first.wait_for(timeout=60_000)
        sizes[present] = page.evaluate("""() => ({
            cell: parseFloat(getComputedStyle(document.querySelector(
                '.st-key-table-area-profile tbody td p')).fontSize),
            axis: parseFloat(document.querySelector('[data-testid=stVegaLiteChart] svg '
                + 'g.role-axis-label text').getAttribute('font-size'))})""")
        context.close()
    plain, shown = sizes[""], sizes["&present=1"]
    assert shown["cell"] >= plain["cell"] * 1.2, sizes
    assert shown["axis"] >= plain["axis"] * 1.3, sizes
