"""Who may do what (cpip_dashboard/auth.py), rule by rule from worked examples: the identity of
local mode and of a visitor who has not signed in, what a sign-in that has ended keeps, the
boundaries of the eight-hour sign-in and of the clock skew, group targets, trusted issuers,
the configuration's warnings in full, the cookie secret's sentences, and the record of who did
something. Pure functions: no database, no page."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from cpip_dashboard import auth, config
from cpip_dashboard.auth import Identity

AUTH = {"client_id": "x"}
ROLES = {"secretariat": ["sec@gov.scot"], "committee": {"fife@fife.gov.uk": "CPC14"},
         "groups": {"cpip-angus": "committee:CPC03", "cpip-fife": "committee:CPC14"}}
SECRETS = {"auth": AUTH, "cpip": {"roles": ROLES}}
SIGNED_IN = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def user(**claims) -> dict:
    """`st.user` for Pat, signed in at SIGNED_IN with a verified email (`claims` override;
    None removes a claim)."""
    made = {"is_logged_in": True, "iss": "https://login.example", "sub": "pat",
            "iat": int(SIGNED_IN.timestamp()), "email_verified": True,
            "email": "sec@gov.scot", "name": "Pat", **claims}
    return {k: v for k, v in made.items() if v is not None}


def test_local_mode_and_a_visitor_not_signed_in():
    assert auth.identify({}, {}) == Identity(True, None, None, "secretariat", local_mode=True)
    assert auth.identify({"auth": {}}, user()).local_mode  # an empty [auth] is not sign-in
    assert auth.identify(SECRETS, {"is_logged_in": False}) == Identity(False, None, None, None)
    assert auth.identify(SECRETS, {}) == Identity(False, None, None, None)


@pytest.mark.parametrize("claims,now,expected", [
    # judged at `now`, not the clock: a sign-in of 2026 is current at its own time
    ({}, SIGNED_IN, Identity(True, "sec@gov.scot", "Pat", "secretariat", issuer=
                             "https://login.example", subject="pat", email_trusted=True)),
    # an unverified email gets no role, and is not trusted
    ({"email_verified": False}, SIGNED_IN,
     Identity(True, "sec@gov.scot", "Pat", None, issuer="https://login.example",
              subject="pat", email_trusted=False)),
    # a name that is not text is no name; spaces around the email are not shown
    ({"name": 42, "email": "  sec@gov.scot "}, SIGNED_IN,
     Identity(True, "sec@gov.scot", None, "secretariat", issuer="https://login.example",
              subject="pat", email_trusted=True)),
    # an ended sign-in keeps who it was (to say so) and gives no role
    ({}, SIGNED_IN + dt.timedelta(hours=9),
     Identity(False, "sec@gov.scot", "Pat", None, ended=auth.ENDED)),
    ({"sub": None}, SIGNED_IN, Identity(False, "sec@gov.scot", "Pat", None,
                                        ended=auth.NO_IDENTITY)),
])
def test_identify_in_full(claims, now, expected):
    assert auth.identify(SECRETS, user(**claims), now=now) == expected


@pytest.mark.parametrize("signed_in,ended", [
    (SIGNED_IN - dt.timedelta(hours=8), None),  # exactly eight hours ago still counts
    (SIGNED_IN - dt.timedelta(hours=8, seconds=1), auth.ENDED),
    (SIGNED_IN + auth.CLOCK_SKEW, None),  # exactly the skew ahead of our clock counts
    (SIGNED_IN + auth.CLOCK_SKEW + dt.timedelta(seconds=1), auth.ENDED),
])
def test_the_boundaries_of_a_sign_in(signed_in, ended):
    assert auth.sign_in_problem(user(iat=int(signed_in.timestamp())), SIGNED_IN) == ended


@pytest.mark.parametrize("target,parsed", [
    ("secretariat", ("secretariat", None)),
    (" Minister_Office ", ("minister_office", None)),
    ("committee:cpc14", ("committee", "CPC14")),
    ("Committee : s12000015 ", ("committee", "S12000015")),
    ("committee", None),  # a committee needs its area
    ("committee: ", None),
    ("secretariat:CPC14", None),  # only a committee has an area
    ("chair:CPC14", None),  # not a role, with or without an area
    ("chair", None),
    ("", None),
])
def test_group_targets(target, parsed):
    assert auth.parse_target(target) == parsed


@pytest.mark.parametrize("groups,claims,role", [
    # no `claim` key: the claim is "groups"
    ({"cpip-sec": "secretariat"}, {"groups": ["CPIP-Sec"]}, "secretariat"),
    ({"cpip-sec": "secretariat"}, {"roles": ["cpip-sec"]}, None),
    # an empty `claim` is "groups" too
    ({"claim": "", "cpip-sec": "secretariat"}, {"groups": ["cpip-sec"]}, "secretariat"),
    ({"claim": "roles", "cpip-sec": "secretariat"}, {"groups": ["cpip-sec"]}, None),
])
def test_the_group_claim_defaults_to_groups(groups, claims, role):
    secrets = {"auth": AUTH, "cpip": {"roles": {"groups": groups}}}
    assert auth.identify(secrets, user(email=None, **claims), now=SIGNED_IN).role == role


@pytest.mark.parametrize("trusted,issuer,email,verified,result", [
    # a trailing / on either side is no matter
    (["https://entra.example/"], "https://entra.example", "a@gov.scot", False, "a@gov.scot"),
    (["https://entra.example"], "https://entra.example/", "a@gov.scot", False, "a@gov.scot"),
    # an issuer ending in a letter is compared whole
    (["https://idp.example/BOX"], "https://idp.example/BOX", "a@gov.scot", False,
     "a@gov.scot"),
    (["https://idp.example/BOX"], "https://idp.example/BO", "a@gov.scot", False, None),
    (["https://entra.example"], "https://other.example", "a@gov.scot", False, None),
    ([], "https://entra.example", "a@gov.scot", True, "a@gov.scot"),
    ([], "https://entra.example", "  ", True, None),  # a blank email is no email
    ([], "https://entra.example", None, True, None),
])
def test_trusted_email(trusted, issuer, email, verified, result):
    claims = {"iss": issuer, "email": email, "email_verified": verified}
    assert auth.trusted_email(claims, {"trusted_issuers": trusted}) == result


@pytest.mark.parametrize("email,role", [
    ("sec@gov.scot", (None, None)),  # the secretariat list is written empty
    ("fife@fife.gov.uk", ("committee", "CPC14")),
    ("po@gov.scot", ("minister_office", None)),
    ("x@gov.scot", (None, None)),
    (None, (None, None)),
])
def test_role_for_with_lists_left_out(email, role):
    # lists that are not written, or written empty, hold nobody
    roles = {"minister_office": ["po@gov.scot"], "secretariat": None,
             "committee": {"fife@fife.gov.uk": " cpc14 "}}
    assert auth.role_for(email, roles) == role
    assert auth.role_for(email, {}) == (None, None)


def test_two_committees_for_someone_with_no_email_are_logged_by_subject(caplog, monkeypatch):
    monkeypatch.setattr(auth, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="cpip_dashboard.auth"):
        person = auth.identify(SECRETS, user(email=None, groups=["cpip-angus", "cpip-fife"]),
                               now=SIGNED_IN)
    assert (person.role, person.area, person.email_trusted) == ("committee", "CPC03", False)
    assert [r.getMessage() for r in caplog.records] == [
        ("pat is mapped to 2 committees (CPC03, CPC14) by [cpip.roles]; using CPC03, the first "
        "in the configuration.")]
    assert auth.identify(SECRETS, user(), now=SIGNED_IN).notes == ()


def test_log_settings_warnings_logs_each_text_once(caplog, monkeypatch):
    monkeypatch.setattr(auth, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="cpip_dashboard.auth"):
        auth.log_settings_warnings(["One.", "Two.", "One."])
        auth.log_settings_warnings(["Two."])
    assert [r.getMessage() for r in caplog.records] == ["One.", "Two."]


@pytest.mark.parametrize("committee,groups,warnings", [
    ({"Ann@gov.scot": "cpc14", " ann@gov.scot": "CPC03", "ANN@GOV.SCOT": "CPC14"}, {},
     [("ann@gov.scot is mapped to 2 committees (CPC14, CPC03) in [cpip.roles.committee]; they "
      "get CPC14, the first in the configuration.")]),
    # the same committee written in two cases is one committee
    ({"ann@gov.scot": "cpc14", "ANN@gov.scot": "CPC14 "}, {}, []),
    ({"ann@gov.scot": "CPC14", "bob@gov.scot": "CPC03"}, {}, []),
    # a group mapped to no role, with no `claim` key
    ({}, {"cpip-x": "chair"}, [("Group cpip-x in [cpip.roles.groups] is mapped to 'chair', which "
                               "is not a role (secretariat, minister_office or committee:AREA): "
                               "its members get no role from it.")]),
    ({}, {"claim": "roles", "cpip-x": "secretariat"}, []),
])
def test_settings_warnings_in_full(committee, groups, warnings):
    secrets = {"auth": AUTH, "cpip": {"roles": {"committee": committee, "groups": groups}}}
    assert auth.settings_warnings(secrets) == warnings
    assert auth.settings_warnings({"auth": AUTH}) == []


FIX = ("Set it to a long random string (for example the output of `openssl rand -hex 32`) in "
       ".streamlit/secrets.toml and restart the dashboard.")


@pytest.mark.parametrize("value,sentence", [
    (None, f"The sign-in cookie secret ([auth] cookie_secret) is not set. {FIX}"),
    ("1234567" * 5, ("The sign-in cookie secret ([auth] cookie_secret) is a placeholder, so "
     f"anyone could sign in as anyone. {FIX}")),  # seven different characters
    ("12345678" * 4, None),  # eight are enough
    ("12345678" * 3, ("The sign-in cookie secret ([auth] cookie_secret) is 24 characters long; "
     f"it must be at least 32. {FIX}")),
])
def test_cookie_secret_sentences(value, sentence):
    assert auth.cookie_secret_problem({"auth": {"cookie_secret": value}}) == sentence


@pytest.mark.parametrize("example,secret", [
    ('[auth]\ncookie_secret = "abc"\n', "abc"),
    ('[auth]\ncookie_secret = ""\n', None),
    ('[auth]\nclient_id = "x"\n', None),
    ('[cpip]\nx = 1\n', None),  # no [auth] at all
    ("[auth\n", None),  # not TOML
    (None, None),  # no example file
])
def test_example_cookie_secret(tmp_path, monkeypatch, example, secret):
    (tmp_path / ".streamlit").mkdir()
    if example is not None:
        (tmp_path / ".streamlit" / "secrets.example.toml").write_text(example)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    assert auth.example_cookie_secret() == secret


def test_the_record_of_who_did_something():
    assert auth.normalise_email(None) == ""
    ann = auth.who("  Ann ")
    assert (str(ann), ann.id, ann.aliases) == ("Ann", "Ann", frozenset({"ann"}))
    assert auth.who("   ").aliases == frozenset()
    nameless = auth.who(Identity(True, None, None, "secretariat", issuer="i", subject="s"))
    assert (str(nameless), nameless.id, nameless.aliases) == ("s", "i|s", frozenset())
    assert auth.who(ann) is ann


@pytest.mark.parametrize("role,page,allowed", [
    ("secretariat", "upload", True),
    ("committee", "upload", False),
    ("minister_office", "briefing", True),
    ("committee", "area", True),
    (None, "briefing", False),
    ("secretariat", "no-such-page", False),
])
def test_may_use(role, page, allowed):
    assert Identity(True, None, None, role).may_use(page) is allowed
