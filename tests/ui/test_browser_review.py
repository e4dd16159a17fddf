"""The Planning review matrix in a real browser: clicking a cell of the ratings grid (Streamlit's
canvas data grid) opens that area's assessment, and moving the selection with the keyboard
opens the criterion it lands on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import open_page

pytestmark = pytest.mark.browser

HEADER, ROW = 35, 35  # Streamlit's data grid: header and row heights in pixels


def chosen(page, label: str):
    """The main area's selectbox with this label (the sidebar has its own Area)."""
    return page.get_by_test_id("stMain").get_by_role("combobox", name=label, exact=True)


def shows(page, label: str, value: str) -> None:
    expect(chosen(page, label)).to_have_value(re.compile("^" + re.escape(value)),
                                              timeout=30_000)


def detail_cell(page, row: int):
    """A cell of the assessment detail (a table below the grid): its text column."""
    return page.locator(f".st-key-table-review-assessment tbody tr:nth-child({row + 1}) "
                        "td:nth-child(2)")


def test_clicking_a_matrix_cell_opens_that_assessment(server, page):
    open_page(page, server, "/review?area=CPC10", heading="Planning review")
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for()
    shows(page, "Criterion", "PR-01 ")
    shows(page, "Area", "East Lothian")  # the first row

    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # the second row (Midlothian), in its first column: a real mouse click on the canvas
    page.mouse.click(box["x"] + 30, box["y"] + HEADER + ROW + ROW // 2)
    shows(page, "Area", "Midlothian")
    shows(page, "Criterion", "PR-01 ")
    # then along the row to PR-06 with the arrow keys: the selection follows
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    shows(page, "Criterion", "PR-06 ")
    shows(page, "Area", "Midlothian")
    detail_cell(page, 4).filter(has_text="PR-06 in Midlothian").wait_for(
        state="attached", timeout=30_000)  # Evidence
