"""The frame: pages render through app.py, sign-in and roles are checked on the server, and the
shared selections come from (and go back to) the address."""

import pytest
from sqlalchemy import text

from cpip_dashboard.store import audit
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.ui import keys
from cpip_dashboard.ui.frame import ALIASES
from tests.apptest import (
    AUTH_SECRETS,
    COMMITTEE,
    MINISTER,
    SECRETARIAT,
    SIGNED_OUT,
    STRANGER,
    assert_frame_ran,
    page_alone,
    texts,
)
from tests.conftest import ROOT

# CONTRACT.md, "Pages and shareable addresses": file, address, and the page's own title (as
# the secretariat sees it on the sample data). Stated here, not taken from the frame's PAGES,
# so a page dropped from the frame fails these tests instead of vanishing from them.
CONTRACT_PAGES = [
    ("pages/briefing.py", "", "Programme status at 17 September 2024"),
    ("pages/actions.py", "actions", "Action register"),
    ("pages/indicators.py", "indicators", "Indicators"),
    ("pages/area_profile.py", "area", "Area profile: Scotland"),
    ("pages/planning_review.py", "review", "Planning review"),
    ("pages/upload.py", "upload", "Upload"),
    ("pages/about.py", "about", "About this dashboard"),
]
PAGE_FILES = [file for file, _, _ in CONTRACT_PAGES]


@pytest.mark.parametrize("page,title", [(f, t) for f, _, t in CONTRACT_PAGES])
def test_every_page_renders_through_the_frame(make_app, sample_url, page, title):
    """Each page as the secretariat (who may open every one) meets it: its title, the frame's
    Log out in the sidebar, and the page theirs (the local mode, with no sign-in, is met on
    every page in the browser: tests/ui/test_browser_journeys.py)."""
    at = make_app(sample_url, page=page, user=SECRETARIAT, secrets=AUTH_SECRETS)
    assert_frame_ran(at)
    assert [t.value for t in at.title] == [title]
    assert [b.label for b in at.sidebar.button] == ["Log out"]
    assert "Signed in as" in " ".join(c.value for c in at.sidebar.caption)
    assert "You do not have access" not in texts(at)
    # every key the run left in the session is in the register (`ui.keys`), and is the
    # frame's or this page's (the app opened on the Briefing first)
    stray = {k for k in at.session_state
             if keys.owner(k) not in {"frame", "pages/briefing.py", page}}
    assert not stray and keys.AREA in at.session_state


def test_the_navigation_serves_the_contracts_seven_addresses(make_app, sqlite_sample_url):
    at = make_app(sqlite_sample_url)
    assert_frame_ran(at)
    # AppTest keeps the pages the last st.navigation registered (Streamlit 1.67)

    served = {info["url_pathname"]: info["script_path"].removeprefix(f"{ROOT}/")
              for info in at._registered_pages.values()}
    # besides them, hidden pages at likely names that move to a page (issue 22 §4)
    pages = {address: file for address, file in served.items() if address not in ALIASES}
    assert pages == {address: file for file, address, _ in CONTRACT_PAGES}
    assert set(served) - set(pages) == set(ALIASES)


def test_local_mode_says_so_and_is_secretariat(make_app, sample_url):
    at = make_app(sample_url, page="pages/about.py")
    assert "Local mode" in texts(at)
    assert "illustrative sample data" in texts(at)


def test_signed_out_visitor_sees_only_sign_in(make_app, sample_url):
    at = make_app(sample_url, user=SIGNED_OUT, secrets=AUTH_SECRETS)
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert any(b.label == "Log in" for b in at.button)
    assert not at.sidebar.selectbox  # no data, no frame widgets


@pytest.mark.parametrize("page", PAGE_FILES)
def test_signed_out_visitor_cannot_reach_a_page_by_file(monkeypatch, sample_url, page):
    """A fresh server's first visitor can reach pages/*.py directly: each page checks."""
    at = page_alone(monkeypatch, ROOT, sample_url, page, SIGNED_OUT, AUTH_SECRETS)
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.dataframe and not at.table and not at.get("vega_lite_chart")


def test_person_in_no_list_is_told_whom_to_ask(make_app, sample_url):
    at = make_app(sample_url, user=STRANGER, secrets=AUTH_SECRETS)
    assert [t.value for t in at.title] == ["No access yet"]
    assert "Ask the secretariat" in texts(at)
    assert not at.dataframe and not at.table


@pytest.mark.parametrize("user,sees_upload", [(SECRETARIAT, True), (MINISTER, False),
                                               (COMMITTEE, False)])
def test_upload_is_secretariat_only_on_the_server(monkeypatch, sample_url, user,
                                                  sees_upload):
    page = page_alone(monkeypatch, ROOT, sample_url, "pages/upload.py", user,
                      AUTH_SECRETS)
    assert not page.exception
    denied = "You do not have access to this page" in texts(page)
    assert denied is not sees_upload
    assert bool(page.get("file_uploader")) is sees_upload


@pytest.mark.parametrize("page", [p for p in PAGE_FILES if p != "pages/upload.py"])
def test_every_page_offers_log_out_to_the_ministers_office(make_app, sample_url, page):
    """The frame's Log out is in the sidebar of every page the Minister's office may open, and
    the page is theirs (the secretariat's are above; the browser signs out from the Briefing
    and the Upload page, and the Minister's office's menu is read there:
    tests/ui/test_browser_approval.py)."""
    at = make_app(sample_url, page=page, user=MINISTER, secrets=AUTH_SECRETS)
    assert_frame_ran(at)
    assert [b.label for b in at.sidebar.button] == ["Log out"]
    assert "Signed in as" in " ".join(c.value for c in at.sidebar.caption)
    assert "You do not have access" not in texts(at)


@pytest.mark.parametrize("user,listed", [(SECRETARIAT, True), (MINISTER, False)])
def test_upload_is_listed_only_for_the_secretariat(make_app, sample_url, user, listed):
    at = make_app(sample_url, user=user, secrets=AUTH_SECRETS)
    assert_frame_ran(at)
    if listed:
        at.switch_page("pages/upload.py").run()
        assert at.get("file_uploader")
    else:
        with pytest.raises(ValueError):
            at.switch_page("pages/upload.py")  # not a registered page for this role


def test_committee_defaults_to_its_own_area(make_app, sample_url):
    at = make_app(sample_url, user=COMMITTEE, secrets=AUTH_SECRETS,
                  page="pages/about.py")
    assert_frame_ran(at)
    assert at.sidebar.selectbox(key="frame-area-control").value == "CPC14"
    assert at.query_params["area"] == "CPC14"  # one value: a string (AppTest)


def test_area_from_the_address_and_unknown_area_notice(make_app, sample_url):
    at = make_app(sample_url, query={"area": "S12000047"}, page="pages/about.py")
    assert at.sidebar.selectbox(key="frame-area-control").value == "S12000047"
    at = make_app(sample_url, query={"area": "NOWHERE"})  # the notice shows on arrival
    assert at.sidebar.selectbox(key="frame-area-control").value == "S92000003"
    assert "not known" in texts(at)


def test_area_choice_survives_moving_between_pages(make_app, sample_url):
    at = make_app(sample_url, page="pages/about.py")
    at.sidebar.selectbox(key="frame-area-control").set_value("CPC05").run()
    at.switch_page(PAGE_FILES[0]).run()
    assert_frame_ran(at)
    assert at.sidebar.selectbox(key="frame-area-control").value == "CPC05"


def test_presentation_mode_from_the_address_and_the_toggle(make_app, sample_url):
    at = make_app(sample_url, query={"present": "1"})
    assert_frame_ran(at)
    assert at.sidebar.toggle(key="frame-present-control").value is True
    assert any("font-size" in str(h.proto) for h in at.get("html"))
    at.sidebar.toggle(key="frame-present-control").set_value(False).run()
    assert "present" not in at.query_params
    # only the focus ring's styles remain: the projector's larger type is gone
    assert not any("font-size" in str(h.proto) for h in at.get("html"))


def test_sign_in_is_recorded_once_per_session(make_app, sample_url):
    at = make_app(sample_url, user=MINISTER, secrets=AUTH_SECRETS)
    at.switch_page("pages/about.py").run()
    engine = make_engine(sample_url)
    with engine.connect() as conn:
        rows = conn.execute(text('SELECT "user", user_id, detail FROM audit_event '
                                 'WHERE event = :e'), {"e": "sign-in"}).all()
    engine.dispose()
    # who it was (issuer and subject), with the name and email for display
    assert rows == [("Private Office <private.office@gov.scot>",
                     f"{MINISTER['iss']}|{MINISTER['sub']}",
                     "private.office@gov.scot as minister_office")]


def test_audit_trail_shown_to_the_secretariat(make_app, sample_url):
    engine = make_engine(sample_url)
    audit.record(engine, "ana", "download", "action-register-2024-09-17.csv")
    engine.dispose()
    at = make_app(sample_url, page="pages/upload.py")
    trail = at.dataframe[1].value
    assert ("ana", "download") in set(zip(trail["who"], trail["what"], strict=True))


def test_bad_setting_is_a_sentence_not_a_traceback(make_app, sample_url, monkeypatch):
    monkeypatch.setenv("CPIP_SUPPRESS_BELOW", "five")
    at = make_app(sample_url)
    assert not at.exception
    assert "settings need correcting: CPIP_SUPPRESS_BELOW must be a whole number" in texts(at)


def test_unreachable_database_is_a_sentence_not_a_traceback(make_app):
    at = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert not at.exception
    assert "cannot reach its database" in texts(at)
