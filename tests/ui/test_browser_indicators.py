"""Indicators, Area profile and Planning review in a real browser: they draw their charts and
pass axe-core with no violation of any impact."""

import pytest

from tests.browser import Watcher, axe_violations, open_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path,heading", [
    ("/indicators?indicator=CONCERN_CSE&area=S12000005", "Indicators"),
    ("/area?area=CPC05", "Area profile: Clackmannanshire and Stirling Child Protection Committee"),
    ("/review?area=CPC10", "Planning review"),
])
def test_page_draws_and_passes_axe(server, page, path, heading):
    watcher = Watcher(page, server)
    open_page(page, server, path, heading=heading)
    if path.startswith("/area"):  # the small trend charts are drawn when asked for
        page.get_by_text("Show a small trend chart for each indicator").click()
    page.get_by_test_id("stVegaLiteChart").first.wait_for(state="attached", timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    assert watcher.errors == [] and watcher.failed == []
