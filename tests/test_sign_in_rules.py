"""Sign-in as every page applies it (issue 20, CONTRACT.md "Roles"): a sign-in older than 8
hours (its `iat`) is ended with a sentence and a way to sign in again; a sign-in that does not
say who it is (no issuer or subject: a forged or foreign cookie) counts for nothing; an
unverified email gets no role from the lists; lists are read on every run; a placeholder or
short `cookie_secret` stops every page with one sentence, logged."""

from __future__ import annotations

import copy
import logging
import time

import pytest

from cpip_dashboard import auth
from cpip_dashboard.config import PROJECT_ROOT as ROOT
from tests.apptest import (
    AUTH_SECRETS,
    SECRETARIAT,
    assert_frame_ran,
    page_alone,
    person,
    texts,
)

PAGES = [None, "pages/upload.py"]  # the address, and a page file run alone (a first visitor)


def nothing_shown(at) -> bool:
    return not (at.dataframe or at.get("vega_lite_chart") or at.sidebar.selectbox
                or at.get("download_button") or at.get("file_uploader"))


def visit(make_app, monkeypatch, url: str, page: str | None, user: dict, secrets: dict):
    if page is None:
        return make_app(url, user=user, secrets=secrets)
    return page_alone(monkeypatch, ROOT, url, page, user, secrets)


@pytest.mark.parametrize("page_file", PAGES)  # not "page": pytest-playwright's fixture
def test_a_sign_in_older_than_eight_hours_is_ended(make_app, monkeypatch, sqlite_sample_url,
                                                   page_file):
    old = dict(SECRETARIAT, iat=int(time.time()) - 8 * 3600 - 5)
    at = visit(make_app, monkeypatch, sqlite_sample_url, page_file, old, AUTH_SECRETS)
    assert not at.exception
    assert auth.ENDED in texts(at) and nothing_shown(at)
    assert [b.label for b in at.button] == ["Sign in again"]


@pytest.mark.parametrize("changed", [{"iss": None}, {"sub": None}, {"iat": None},
                                     {"iat": "not a time"}])
def test_a_sign_in_that_does_not_say_who_it_is_counts_for_nothing(make_app, monkeypatch,
                                                                   sqlite_sample_url, changed):
    user = {k: v for k, v in dict(SECRETARIAT, **changed).items() if v is not None}
    at = visit(make_app, monkeypatch, sqlite_sample_url, None, user, AUTH_SECRETS)
    assert not at.exception
    assert auth.NO_IDENTITY in texts(at) and nothing_shown(at)


def test_an_unverified_email_gets_no_role_from_the_lists(make_app, sqlite_sample_url):
    unverified = person("secretariat@gov.scot", "Sam Secretariat", email_verified=False)
    at = make_app(sqlite_sample_url, user=unverified, secrets=AUTH_SECRETS)
    assert [t.value for t in at.title] == ["No access yet"] and nothing_shown(at)
    assert "has not marked this address as verified" in texts(at)
    trusted = copy.deepcopy(AUTH_SECRETS)
    trusted["cpip"]["roles"]["trusted_issuers"] = [unverified["iss"]]
    at = make_app(sqlite_sample_url, user=unverified, secrets=trusted)
    assert_frame_ran(at)


def test_the_lists_are_read_on_every_run(make_app, sqlite_sample_url):
    at = make_app(sqlite_sample_url, page="pages/upload.py", user=SECRETARIAT,
                  secrets=AUTH_SECRETS)
    assert_frame_ran(at)
    assert at.get("file_uploader")
    at.secrets["cpip"] = {"roles": {"minister_office": ["secretariat@gov.scot"]}}
    at.run()  # the same session, the next run: the Upload page is gone with the role
    assert not at.get("file_uploader")
    assert "Signed in as Sam Secretariat (Minister's office)" in texts(at)


@pytest.mark.parametrize("secret,said", [
    ("replace-with-a-long-random-string", "is a placeholder"),
    ("x" * 40, "is a placeholder"),
    ("9f2c4e7a1b3d5f60", "is 16 characters long"),
])
def test_a_placeholder_or_short_cookie_secret_stops_every_page(make_app, sqlite_sample_url,
                                                               caplog, secret, said):
    secrets = copy.deepcopy(AUTH_SECRETS)
    secrets["auth"]["cookie_secret"] = secret
    auth._warned.clear()  # logged once per process: this test's own log
    with caplog.at_level(logging.WARNING, logger="cpip_dashboard.auth"):
        for user in (SECRETARIAT, {"is_logged_in": False}):
            at = make_app(sqlite_sample_url, user=user, secrets=secrets)
            assert not at.exception
            errors = [e.value for e in at.error]
            assert len(errors) == 1 and said in errors[0] and nothing_shown(at)
            assert not at.button  # not even the sign-in button
    assert any(said in r.getMessage() for r in caplog.records)
