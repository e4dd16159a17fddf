"""Briefing and Action register in a real browser: axe-core, and commentary containing
`<script>` and a markdown link shown as literal text (never run, never a link)."""

from __future__ import annotations

import datetime as dt

import pytest

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.store.db import make_engine
from tests.browser import Watcher, axe_violations, choose_option, open_page
from tests.conftest import start_server
from tests.files import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("register")]  # one worker: one server

HOSTILE = "<script>window.pwned=1</script> See [the plan](http://evil.example/) **now**"
HOSTILE_LEAD = "Lead :red[org] <img src=x onerror=window.pwned=2> www.evil.example"


@pytest.fixture(scope="module")
def hostile_server(databases, tmp_path_factory):
    url = databases.fresh("sqlite", sample=True)
    engine = make_engine(url)
    book = xlsx({
        # a meeting today, so the new version of NEG-1 (committed now) is current as at it
        "Meetings": [["Date", "Title"], [dt.date.today(), "Meeting for the test"]],
        "Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                    ["NEG-1", dt.date.today(), "Red", HOSTILE]],
        "Actions": [["Action ID", "Workstream", "Action", "Lead", "Source"],
                    ["NEG-1", "NEG", "Align policy to tackle neglect", HOSTILE_LEAD,
                     "See https://evil.example/plan or mail owner@evil.example"]],
    })
    report = run_import(engine, "hostile.xlsx", book, user="test")
    engine.dispose()
    assert report.outcome == "committed", report.as_json()
    proc, base = start_server(url, tmp_path_factory.mktemp("hostile") / "streamlit.log")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_briefing_passes_axe(hostile_server, page):
    watcher = Watcher(page, hostile_server)
    today = dt.date.today()
    open_page(page, hostile_server, "/", heading=f"Programme status at {today.day} {today:%B %Y}")
    page.get_by_role("heading", name="Needs attention").wait_for()
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    assert axe_violations(page) == []
    assert watcher.errors == [] and watcher.failed == []
    assert page.evaluate("() => window.pwned") is None


def test_commentary_is_literal_text(hostile_server, page):
    watcher = Watcher(page, hostile_server)
    open_page(page, hostile_server, "/actions", heading="Action register")
    page.get_by_role("heading", name="One action's history").wait_for()
    choose_option(page, "Action", "NEG-1:", expect_heading="NEG-1")
    page.get_by_text(HOSTILE, exact=True).wait_for()
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    page.get_by_text("Source: See https").wait_for()
    assert page.locator("strong", has_text="now").count() == 0
    assert axe_violations(page) == []
    assert watcher.errors == [] and watcher.failed == []
