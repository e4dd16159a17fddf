"""Indicators and Planning review in a real browser, in states the every-width test does not
open (another indicator, a committee's review): they draw their charts and pass axe-core with
no violation of any impact. (The Area profile with its small trend charts is checked with
axe-core at every width in test_browser_screens.)"""

import pytest

from tests.browser import Watcher, axe_violations, open_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path,heading", [
    ("/indicators?indicator=CONCERN_CSE&area=S12000005", "Indicators"),
    ("/review?area=CPC10", "Planning review"),
])
def test_page_draws_and_passes_axe(server, page, path, heading):
    watcher = Watcher(page, server)
    open_page(page, server, path, heading=heading)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(state="attached", timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0
    page.wait_for_load_state("networkidle")
    # the run has finished: a rerun fades the elements it will replace (low contrast to axe)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=60_000)
    assert axe_violations(page) == []
    assert watcher.errors == [] and watcher.failed == []
