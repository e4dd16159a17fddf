"""The Upload page in a real browser: a bad file shows its problems; a good file previews,
commits on confirmation and shows on the Action register; rolling it back restores the old
state. axe-core on the page with a problem table and with a preview."""

from __future__ import annotations

import pytest

from tests.browser import Watcher, axe_violations, choose_option, open_page
from tests.conftest import start_server
from tests.files import xlsx

pytestmark = pytest.mark.browser

COMMENT = "Escalated in the browser test: partner withdrew"


@pytest.fixture
def fresh_server(databases, tmp_path):
    proc, base = start_server(databases.fresh("sqlite", sample=True), tmp_path / "log")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def choose_file(page, path) -> None:
    page.get_by_test_id("stFileUploader").locator('input[type="file"]').set_input_files(
        str(path))


def show_neg1_history(page, base) -> None:
    open_page(page, base, "/actions", heading="Action register")
    page.get_by_role("heading", name="One action's history").wait_for()
    choose_option(page, "Action", "NEG-1:", expect_heading="NEG-1")


def test_upload_bad_then_good_then_roll_back(fresh_server, page, tmp_path):
    watcher = Watcher(page, fresh_server)
    bad = tmp_path / "round-5-bad.xlsx"
    bad.write_bytes(xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                                      ["NEG-1", "2024-09-16", "Amberish", "x"]]}))
    good = tmp_path / "round-5.xlsx"
    good.write_bytes(xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                                       ["NEG-1", "2024-09-16", "Red", COMMENT]]}))

    open_page(page, fresh_server, "/upload", heading="Upload")
    choose_file(page, bad)
    page.get_by_text("1 problem: nothing was loaded").wait_for()
    page.get_by_role("button", name="Download the file with problem cells marked").wait_for()
    assert axe_violations(page) == []

    choose_file(page, good)
    page.get_by_text("Checks passed").wait_for()
    page.get_by_role("heading", name="What would change").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Load this file as a new batch").click()
    page.get_by_text("Loaded as batch 2").wait_for()

    show_neg1_history(page, fresh_server)
    page.get_by_text(COMMENT, exact=True).wait_for()

    open_page(page, fresh_server, "/upload", heading="Upload")
    page.get_by_role("button", name="Roll back…").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, roll it back").click()
    page.get_by_text("Batch 2 (round-5.xlsx) is rolled back").wait_for()

    show_neg1_history(page, fresh_server)
    page.get_by_text("Latest update").first.wait_for()
    assert page.get_by_text(COMMENT, exact=True).count() == 0
    assert watcher.errors == [] and watcher.failed == []
