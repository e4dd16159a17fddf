"""Briefing and Action register in a real browser: axe-core, and commentary containing
`<script>` and a markdown link shown as literal text (never run, never a link)."""

from __future__ import annotations

import pytest

from cpip_dashboard.db import make_engine
from cpip_dashboard.imports.pipeline import run_import
from tests.browser import Watcher, open_page, serious_violations
from tests.conftest import start_server

pytestmark = pytest.mark.browser

HOSTILE = "<script>window.pwned=1</script> See [the plan](http://evil.example/) **now**"


@pytest.fixture(scope="module")
def hostile_server(databases, tmp_path_factory):
    url = databases.fresh("sqlite", sample=True)
    engine = make_engine(url)
    csv = ("Action ID,Reporting date,RAG,Commentary\n"
           f'NEG-1,2024-09-16,Red,"{HOSTILE}"\n').encode()
    report = run_import(engine, "hostile.csv", csv, user="test")
    engine.dispose()
    assert report.outcome == "committed", report.as_json()
    proc, base = start_server(url, tmp_path_factory.mktemp("hostile") / "streamlit.log")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_briefing_passes_axe(hostile_server, page):
    watcher = Watcher(page, hostile_server)
    open_page(page, hostile_server, "/", heading="Programme status at 17 September 2024")
    page.get_by_role("heading", name="Needs attention").wait_for()
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    assert serious_violations(page) == []
    assert watcher.errors == [] and watcher.failed == []
    assert page.evaluate("() => window.pwned") is None


def test_commentary_is_literal_text(hostile_server, page):
    watcher = Watcher(page, hostile_server)
    open_page(page, hostile_server, "/actions", heading="Action register")
    page.get_by_role("heading", name="One action's history").wait_for()
    box = page.get_by_role("combobox", name="Action", exact=True)
    box.click()
    box.press_sequentially("NEG-1:")  # the list is virtualised: type to filter it
    page.keyboard.press("Enter")
    page.get_by_text(HOSTILE, exact=True).wait_for()
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("strong", has_text="now").count() == 0
    assert serious_violations(page) == []
    assert watcher.errors == [] and watcher.failed == []
