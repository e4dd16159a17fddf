"""Every page in a real browser, as the three journeys meet it: on a projector (1920 px), a
laptop (1366 px) and a phone (390 px) - no violation of any impact in axe-core, nothing wider
than the screen, the sidebar folded on a phone; a keyboard-only journey per page (every control
reached with Tab shows where the focus is, and one control is operated from the keyboard); and
Back and Forward moving between views.

Screenshots go to `CPIP_SCREENSHOTS` (a folder) when it is set, to be looked at."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.browser import Watcher, axe_violations, check_charts, check_columns, open_page

pytestmark = pytest.mark.browser

PAGES = [
    # path, the heading the page opens with
    ("/?area=S12000047", "Programme status at 17 September 2024"),
    ("/actions", "Action register"),
    ("/indicators?area=S12000023", "Indicators"),
    ("/area?area=CPC10", "Area profile: East Lothian and Midlothian Public Protection Committee"),
    ("/review?area=S12000047", "Planning review"),
    ("/upload", "Upload"),
    ("/about", "About this dashboard"),
]
# what a page must also show, at every width
ALSO_SHOWN = {"/about": ("Accessibility statement",)}
WIDTHS = {"projector": (1920, 1080), "laptop": (1366, 768), "phone": (390, 844)}

FOCUSED = """() => { const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const label = e.getAttribute('aria-label') || (e.closest('label') || e).innerText || '';
  return {label: label.trim().slice(0, 60),
          role: e.getAttribute('role') || e.tagName.toLowerCase(),
          ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                || (s.boxShadow || 'none') !== 'none'}; }"""


def shoot(page, name: str) -> None:
    folder = os.environ.get("CPIP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def settle(page, heading: str) -> None:
    """The page's run has finished: its heading is drawn, nothing is running, and the frame's
    styles (the focus ring) are in."""
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=60_000)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=60_000)
    page.wait_for_function("""() => [...document.querySelectorAll('style')]
        .some(s => s.textContent.includes(':focus-visible { outline: 3px'))""", timeout=60_000)
    page.wait_for_load_state("networkidle")


def arrive(page, server: str, path: str, heading: str) -> None:
    """Open `path` and wait until its run has finished (`settle`)."""
    open_page(page, server, path, heading=heading)
    settle(page, heading)


# Charts re-fit to a new width on the browser's next frames: the size is settled when every
# drawn chart keeps its width over three polls in a row (a tenth of a second apart).
SETTLED_CHARTS = """() => { const now = [...document.querySelectorAll(
    '[data-testid=stVegaLiteChart] svg')].map(s => Math.round(s.getBoundingClientRect().width))
    .join(','); const seen = window.__cpipWidths || [];
  window.__cpipWidths = [...seen.slice(-2), now];
  return window.__cpipWidths.length === 3 && window.__cpipWidths.every(w => w === now); }"""


def viewport(width: str) -> dict[str, int]:
    """One of `WIDTHS` as Playwright's viewport."""
    w, h = WIDTHS[width]
    return {"width": w, "height": h}


def resize(page, width: str) -> None:
    """The page at another of `WIDTHS`, as if loaded there: the layout is the browser's alone
    (media and container queries; the server never asks the width), and Streamlit folds the
    sidebar when a window narrows past a tablet's width as it does when one opens that narrow."""
    page.set_viewport_size(viewport(width))
    page.evaluate("() => { window.__cpipWidths = []; }")
    page.wait_for_function(SETTLED_CHARTS, polling=100, timeout=30_000)


@pytest.mark.parametrize(("path", "heading"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_at_every_width(server, browser, path, heading):
    """Each page opened once, then seen at each width from the widest down (a window narrowed
    on a projector, a laptop, a phone): a page load costs more than the checks at a width."""
    context = browser.new_context(viewport=viewport("projector"))
    page = context.new_page()
    watcher = Watcher(page, server)
    page.goto(f"{server}{path}")
    settle(page, heading)
    for width in WIDTHS:  # projector, laptop, phone
        resize(page, width)
        violations = axe_violations(page)
        assert violations == [], f"{path} at {width}: {violations}"
        # nothing drawn wider than the screen: no sideways scrolling of the page itself
        overflow = page.evaluate("""() => { const m = document.querySelector(
            '[data-testid=stMain]'); return m.scrollWidth - m.clientWidth; }""")
        assert overflow <= 1, f"{path} at {width}: the page is {overflow}px wider than the screen"
        # readable (issue 22 §1): the columns always in view, every row of a bar chart labelled
        check_columns(page, path, f"{path} at {width}")
        check_charts(page, f"{path} at {width}")
        folded = page.get_by_test_id("stSidebar").get_attribute("data-collapsed")
        assert folded == ("true" if width == "phone" else "false"), f"{path} at {width}"
        # the area choice is in the main area too on a phone only (its "phone-" container)
        assert page.locator(".st-key-phone-frame-area").is_visible() is (width == "phone")
        # the classification is in the main area, whatever the sidebar does
        page.get_by_test_id("stMain").get_by_text("OFFICIAL-SENSITIVE").first.wait_for()
        for text in ALSO_SHOWN.get(path, ()):
            assert page.get_by_test_id("stMain").get_by_text(text).first.is_visible(), (
                f"{path} at {width}: {text}")
        # no sign-in is configured here: the sidebar says so where it is open
        assert page.get_by_test_id("stSidebar").get_by_text("Local mode").first.is_visible() \
            is (width != "phone")
        shoot(page, f"{path.strip('/').split('?')[0] or 'briefing'}-{width}")
    assert watcher.errors == [] and watcher.failed == []
    context.close()


def tab_to(page, wanted: str, limit: int = 80, exact: bool = False) -> list[dict]:
    """Press Tab until a control whose label starts with (or, `exact`, is) `wanted` has the
    focus; every control passed on the way must show where the focus is."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        seen.append(focused)
        assert focused["ring"], f"no visible focus on {focused}"
        if focused["label"] == wanted or (not exact and focused["label"].startswith(wanted)):
            return seen
    raise AssertionError(f"{wanted!r} not reached with Tab; reached {[s['label'] for s in seen]}")


def test_keyboard_briefing(server, page):
    arrive(page, server, "/", "Programme status at 17 September 2024")
    tab_to(page, "As at meeting")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    settle(page, "Programme status at 19 March 2024")
    tab_to(page, "Prepare the meeting pack")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Download the meeting pack (PDF)").wait_for(timeout=60_000)


def test_keyboard_action_register(server, page):
    arrive(page, server, "/actions", "Action register")
    tab_to(page, "RAG")
    page.keyboard.type("Red")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text(re.compile(r"^\d+ of \d+ actions as at")).wait_for()
    assert re.match(r"^(\d+) of", page.get_by_text(re.compile(r" of \d+ actions as at"))
                    .inner_text()).group(1) != "0"
    page.get_by_test_id("stMultiSelect").get_by_text("■ Red").first.wait_for()


def test_keyboard_indicators(server, page):
    arrive(page, server, "/indicators?area=S12000047", "Indicators")
    tab_to(page, "Add areas to compare")
    page.keyboard.type("Orkney")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"compare=S12000023"))
    page.get_by_role("radiogroup", name="Show").get_by_text("Count").click()
    page.wait_for_url(re.compile(r"measure=count"))


def test_keyboard_area_profile(server, page):
    arrive(page, server, "/area", "Area profile: Scotland")
    tab_to(page, "Area", exact=True)
    page.keyboard.type("Fife")
    page.keyboard.press("Enter")
    settle(page, "Area profile: Fife")


def test_keyboard_planning_review(server, page):
    arrive(page, server, "/review", "Planning review")
    tab_to(page, "By name")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Weakest first")).to_be_checked()


def test_keyboard_upload(server, page):
    arrive(page, server, "/upload", "Upload")
    tab_to(page, "Download the Updates template pre-filled")
    with page.expect_download(timeout=20_000) as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "cpip-template-updates-current.xlsx"
    with open(download.value.path(), "rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    rows = list(book["Updates"].iter_rows(values_only=True))
    assert len(rows) > 30 and "Last RAG" in rows[0]  # every current action, with its context


def test_keyboard_about(server, page):
    arrive(page, server, "/about", "About this dashboard")
    seen = tab_to(page, "Briefing")
    assert seen[0]["label"] == "Skip to main content"
    page.keyboard.press("Enter")
    settle(page, "Programme status at 17 September 2024")


class Runs:
    """Counts the app's completed runs, from Streamlit's own messages on the page's websocket
    (the page's "running" marker can go and come back within one frame and be missed)."""

    def __init__(self, page):
        self.page, self.done, self._msg = page, 0, ForwardMsg
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, bytes | bytearray):
            msg = self._msg.FromString(payload)
            if (msg.WhichOneof("type") == "script_finished"
                    and msg.script_finished == self._msg.FINISHED_SUCCESSFULLY):
                self.done += 1

    def after(self, action) -> None:
        """Do `action`, then wait until a run has finished after it, as a person looks at the
        view before the next step. (Streamlit applies an address written by a run to whichever
        history entry is current when the message arrives: a Back or Forward taken while the
        previous step's run is still writing can land that address on the wrong entry.)"""
        before = self.done
        action()
        for _ in range(600):
            if self.done > before:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("no run of the app finished within 60 s")


def test_back_and_forward_move_between_views(server, page):
    """Each page and each choice in the address is one step back; a first visit adds none.

    Count is chosen as soon as the radio is drawn, possibly while the page's first run is
    still going, as a quick visitor would."""
    runs = Runs(page)
    arrive(page, server, "/?area=S12000047", "Programme status at 17 September 2024")
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Indicators").click()
    settle(page, "Indicators")
    expect(page.get_by_role("radio", name="Rate per 1,000")).to_be_checked(timeout=30_000)
    runs.after(page.get_by_role("radiogroup", name="Show").get_by_text("Count").click)
    page.wait_for_url(re.compile(r"measure=count"), wait_until="commit", timeout=30_000)
    expect(page.get_by_role("radio", name="Count")).to_be_checked(timeout=30_000)
    assert "area=S12000047" in page.url  # the click kept the area

    runs.after(lambda: page.go_back(wait_until="commit"))
    assert re.search(r"/indicators\?area=S12000047$", page.url), page.url
    expect(page.get_by_role("radio", name="Rate per 1,000")).to_be_checked(timeout=30_000)
    for _ in range(3):  # the page's own entries, then the Briefing
        if "/indicators" not in page.url:
            break
        runs.after(lambda: page.go_back(wait_until="commit"))
    page.get_by_role("heading", name="Programme status at 17 September 2024").wait_for()
    for _ in range(4):
        if "measure=count" in page.url:
            break
        runs.after(lambda: page.go_forward(wait_until="commit"))
    assert "measure=count" in page.url, page.url
    expect(page.get_by_role("radio", name="Count")).to_be_checked(timeout=30_000)
