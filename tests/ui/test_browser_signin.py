"""Sign-in through a real OpenID Connect flow (a local mock provider), in a real browser:
roles come from [cpip.roles]; a committee starts on its own area and never sees Upload, not
even by its address; someone in no list is told whom to ask."""

from __future__ import annotations

import pytest

from tests.browser import open_page
from tests.conftest import auth_secrets, free_port, start_oidc_provider, start_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("signin")]  # one worker: one server

USERS = [{"sub": "fife", "email": "cpc.lead@fife.gov.uk", "email_verified": True,
          "name": "Fife Lead"},
         {"sub": "stranger", "email": "someone@example.org", "email_verified": True,
          "name": "Someone"}]


@pytest.fixture(scope="module")
def signin_server(databases, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("signin")
    app_port = free_port()
    provider, metadata = start_oidc_provider(USERS)
    secrets = auth_secrets(workdir / "secrets.toml", app_port, metadata, """
[cpip.roles]
secretariat = ["sec@gov.scot"]
minister_office = ["private.office@gov.scot"]

[cpip.roles.committee]
"cpc.lead@fife.gov.uk" = "CPC14"
""")
    proc, base = start_server(databases.fresh("sqlite", sample=True), workdir / "app.log",
                              port=app_port, extra_args=["--secrets.files", str(secrets)])
    yield base
    proc.terminate()
    provider.terminate()
    proc.wait(timeout=10)
    provider.wait(timeout=10)


def sign_in(page, base: str, who: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("heading", name="Sign in").wait_for(timeout=60_000)
    assert page.get_by_test_id("stSidebar").get_by_text("Upload").count() == 0
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=who, exact=True).click()  # the provider's user list


def test_committee_signs_in_to_its_own_area_without_upload(signin_server, page):
    sign_in(page, signin_server, "fife")
    page.get_by_role("heading", name="Headline indicators: Fife Child Protection Committee "
                                      "and Scotland").wait_for(timeout=60_000)
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_text("Briefing").count() == 1
    assert nav.get_by_text("Upload").count() == 0
    page.get_by_text("Signed in as Fife Lead (Child protection committee)").wait_for()
    open_page(page, signin_server, "/upload")
    # the page that answers /upload for a committee draws its own words first: Streamlit's
    # "Page not found" and the committee's Briefing in its place; only then is the absence of
    # the uploader worth checking
    page.get_by_role("heading", name="Page not found").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Headline indicators: Fife Child Protection Committee "
                                      "and Scotland").wait_for(timeout=60_000)
    page.get_by_role("button", name="Prepare the meeting pack").wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="Upload", exact=True).count() == 0
    assert page.get_by_test_id("stFileUploader").count() == 0


def test_person_in_no_list_is_told_whom_to_ask(signin_server, page):
    sign_in(page, signin_server, "stranger")
    page.get_by_role("heading", name="No access yet").wait_for(timeout=60_000)
    # the paragraph is drawn after the heading: wait for it rather than count at once
    page.get_by_text("Ask the secretariat").wait_for(timeout=60_000)
    assert page.get_by_text("Ask the secretariat").count() == 1
    assert page.get_by_test_id("stSelectbox").count() == 0
