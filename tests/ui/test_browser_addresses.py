"""Shareable addresses in a real browser (CONTRACT.md "Pages and shareable addresses"):
`meeting`, `indicator` and `present` stay in the address itself when moving between pages with
the navigation, and each page reads them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

KEPT = {"meeting": ["2018-10-02"], "indicator": ["IRD"], "present": ["1"]}


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def wait_for_address(page, path: str) -> None:
    expect(page).to_have_url(re.compile(rf"^[^?]*/{path}\?"), timeout=30_000)
    for key, value in KEPT.items():
        expect(page).to_have_url(re.compile(rf"[?&]{key}={re.escape(value[0])}(&|$)"),
                                 timeout=30_000)


def navigate(page, name: str) -> None:
    """Click a page in the navigation; presentation mode folds the sidebar away, so unfold it
    first as a presenter would."""
    nav = page.get_by_test_id("stSidebarNav")
    if not nav.is_visible():
        page.get_by_test_id("stExpandSidebarButton").click()
    nav.get_by_role("link", name=name, exact=True).click()


def test_meeting_indicator_and_present_survive_moving_between_pages(server, page):
    page.goto(f"{server}/actions?meeting=2018-10-02&indicator=IRD&present=1")
    page.get_by_role("heading", name="Action register").wait_for(timeout=60_000)
    expect(page.get_by_text("actions as at 2 October 2018")).to_be_visible(timeout=30_000)
    wait_for_address(page, "actions")

    navigate(page, "Indicators")
    page.get_by_role("heading", name="Indicators", exact=True).wait_for(timeout=60_000)
    wait_for_address(page, "indicators")
    expect(page.get_by_role("combobox", name="Indicator", exact=True)).to_have_value(
        re.compile(r"^Inter-agency referral discussions$"), timeout=30_000)

    navigate(page, "Briefing")
    page.get_by_role("heading", name="Programme status at 2 October 2018").wait_for(
        timeout=60_000)
    wait_for_address(page, "")
    assert {k: v for k, v in query(page).items() if k in KEPT} == KEPT
    # and the Briefing is in presentation mode: its large type (h1 at 3rem)
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector(\"h1\")).fontSize") == "48px"
