"""The About page in a real browser: loads with no console errors, no failed requests (nothing
leaves the machine), and no serious or critical axe-core violations."""

import pytest

from tests.browser import Watcher, open_page, serious_violations

pytestmark = pytest.mark.browser


def test_about_page_loads_cleanly_and_passes_axe(server, page):
    watcher = Watcher(page, server)
    open_page(page, server, "/about", heading="About this dashboard")
    page.get_by_role("heading", name="Accessibility statement").wait_for()
    assert page.get_by_text("Local mode").first.is_visible()
    assert serious_violations(page) == []
    assert watcher.failed == []
    assert watcher.errors == []
