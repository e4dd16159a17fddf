"""The About page from a bare `streamlit run app.py` in a real browser. (That the About page
loads with no console errors, no failed requests and no axe-core violation, and says it runs
in local mode, is checked at every width in `test_browser_journeys.test_every_page_at_every_width`.)"""

import pytest

from tests.browser import open_page
from tests.conftest import start_server

pytestmark = pytest.mark.browser


def test_first_visitor_gets_the_frame_even_from_plain_streamlit_run(databases, tmp_path, page):
    """Bare `streamlit run app.py`: the first visitor to a page address still gets the frame
    (shared area selector, banners) and the page, because the page switches the server to
    navigation mode on its first run. (Addresses that are not file names, /review and /area,
    get Streamlit's own "Page not found" notice on that first visit: `make run` uses
    `cpip_dashboard.ui.serve`, which avoids it; see docs/decisions.md.)"""
    path, heading = "/about", "About this dashboard"

    proc, base = start_server(databases.fresh("sqlite", sample=True), tmp_path / "log",
                              plain=True)
    try:
        open_page(page, base, path, heading=heading)
        page.get_by_text("Local mode").first.wait_for()
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_test_id("stSelectbox").filter(has_text="Area").wait_for()
        assert page.get_by_text("Page not found").count() == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
