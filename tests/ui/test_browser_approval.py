"""Sign-in journeys for every role through a real OpenID Connect flow (a local mock provider)
and a real browser, with roles from the token's group claim: a secretariat member uploads, a
second secretariat member (secretariat by group) approves, and the Briefing shows the change;
the Minister's office (by group) reaches every page but Upload; signing out, from the Upload
page and from the Briefing, leaves only the sign-in page (that every page offers Log out is
checked without a browser: tests/pages/test_app_frame.py)."""

from __future__ import annotations

import pytest

from tests.browser import Watcher, open_page
from tests.conftest import auth_secrets, free_port, start_oidc_provider, start_server
from tests.files import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("approval")]  # one worker: one server

COMMENT = "Escalated in the approval journey: partner withdrew"
USERS = [
    {"sub": "ann", "email": "ann@gov.scot", "email_verified": True, "name": "Ann Upload"},  # secretariat by email
    {"sub": "bob", "email": "bob@example.org", "name": "Bob Approve",
     "groups": ["staff", "CPIP-Secretariat"]},  # secretariat by group
    {"sub": "po", "email": "po@example.org", "name": "Pat Office",
     "groups": ["cpip-private-office"]},  # the Minister's office by group
]
PROVIDER: list[str] = []  # the mock provider's address, once started
PAGES = [("/", "Briefing"), ("/actions", "Action register"), ("/indicators", "Indicators"),
         ("/area", "Area profile"), ("/review", "Planning review"), ("/upload", "Upload"),
         ("/about", "About")]


@pytest.fixture(scope="module")
def groups_server(databases, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("approval")
    app_port = free_port()
    provider, metadata = start_oidc_provider(USERS)
    secrets = auth_secrets(workdir / "secrets.toml", app_port, metadata, """
[cpip.roles]
secretariat = ["ann@gov.scot"]

[cpip.roles.groups]
claim = "groups"
"cpip-secretariat" = "secretariat"
"cpip-private-office" = "minister_office"
""")
    proc, base = start_server(databases.fresh("sqlite", sample=True), workdir / "app.log",
                              port=app_port, extra_args=["--secrets.files", str(secrets)])
    PROVIDER.append(metadata.removesuffix(".well-known/openid-configuration"))
    yield base
    proc.terminate()
    provider.terminate()
    proc.wait(timeout=10)
    provider.wait(timeout=10)


def sign_in(page, base: str, who: str, label: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("heading", name="Sign in").wait_for(timeout=60_000)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=who, exact=True).click()  # the provider's user list
    page.get_by_text(f"Signed in as {label}").wait_for(timeout=60_000)


def sign_out(page, base: str, path: str) -> None:
    """Log out in the sidebar of the page at `path`; the provider's end-session page asks to
    confirm (a real provider may too), then sends the browser back to the dashboard, signed
    out; the page's address again gives only the sign-in page."""
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="End session").click(timeout=60_000)
    page.get_by_role("heading", name="Sign in").wait_for(timeout=60_000)
    assert page.get_by_test_id("stSidebarNav").get_by_text("Briefing").count() == 0
    page.goto(f"{base}{path}")
    page.get_by_role("heading", name="Sign in").wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Signed in as").count() == 0


def red_count(page) -> int:
    metric = page.get_by_test_id("stMetric").filter(has_text="Red")
    metric.first.wait_for(timeout=60_000)
    return int(metric.first.get_by_test_id("stMetricValue").inner_text())


def test_secretariat_uploads_a_second_member_approves_and_the_briefing_shows_it(
        groups_server, page, tmp_path):
    watcher = Watcher(page, groups_server)
    good = tmp_path / "round-5.xlsx"
    good.write_bytes(xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                                       ["NEG-1", "2024-09-16", "Red", COMMENT]]}))
    sign_in(page, groups_server, "ann", "Ann Upload (Secretariat)")
    before = red_count(page)
    open_page(page, groups_server, "/upload", heading="Upload")
    page.get_by_test_id("stFileUploader").locator('input[type="file"]').set_input_files(
        str(good))
    page.get_by_text("Checks passed").wait_for(timeout=60_000)
    page.get_by_role("button", name="Submit this file for approval").click()
    page.get_by_text("Stored as batch 2, awaiting approval").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Approve: make it current").count() == 0
    open_page(page, groups_server, "/", heading="Needs attention")
    page.get_by_text("1 upload awaits approval").wait_for()
    assert red_count(page) == before  # not current until approved
    # Log out from the Upload page (the secretariat's, with the most state)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Upload").click()
    page.get_by_role("heading", name="Awaiting approval").wait_for(timeout=60_000)
    sign_out(page, groups_server, "/upload")

    sign_in(page, groups_server, "bob", "Bob Approve (Secretariat)")  # from the group claim
    page.get_by_text("1 upload awaits approval").wait_for()
    open_page(page, groups_server, "/upload", heading="Awaiting approval")
    page.get_by_role("heading", name="Batch 2: round-5.xlsx").wait_for()
    page.get_by_role("button", name="Approve: make it current").click()
    page.get_by_text("Batch 2 (round-5.xlsx) is approved and current").wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Briefing").click()
    page.get_by_role("heading", name="Needs attention").wait_for(
        timeout=60_000)
    assert red_count(page) == before + 1
    assert page.get_by_text("awaits approval").count() == 0
    sign_out(page, groups_server, "/")  # from the Briefing, where a sign-in lands
    # the mock provider's own pages (its favicon, its stylesheet on a CDN, offline here) are
    # not the dashboard's
    provider = ("cdn.jsdelivr.net/npm/@picocss/pico", *PROVIDER)
    # and Streamlit's own notice for the Upload page's address once signed out (no page is
    # registered there for a visitor: the sign-in page is run instead, as asserted above)
    expected = (*provider, "The page that you have requested does not seem to exist")
    assert [e for e in watcher.errors if not any(p in e for p in expected)] == []


def test_the_ministers_office_sees_every_page_but_upload(groups_server, page):
    """The menu a real sign-in gives (that each of those pages opens for this role, on the
    server, is checked without a browser: tests/pages/test_app_frame.py
    ::test_every_page_offers_log_out_to_the_ministers_office), one page opened from it, and the
    Upload page's address refused."""
    sign_in(page, groups_server, "po", "Pat Office (Minister's office)")  # from the group claim
    nav = page.get_by_test_id("stSidebarNav")
    listed = [title for _, title in PAGES if nav.get_by_role("link", name=title).count()]
    assert listed == [t for _, t in PAGES if t != "Upload"]
    nav.get_by_role("link", name="Planning review").click()
    page.get_by_role("heading", name="Planning review").first.wait_for(timeout=60_000)
    page.get_by_test_id("stSidebar").get_by_text("Signed in as Pat Office").wait_for()
    assert page.get_by_text("You do not have access").count() == 0
    open_page(page, groups_server, "/upload")
    page.get_by_role("heading", name="Page not found").wait_for(timeout=60_000)
    assert page.get_by_test_id("stFileUploader").count() == 0
    assert page.get_by_role("heading", name="Upload", exact=True).count() == 0
