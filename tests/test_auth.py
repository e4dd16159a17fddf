"""Roles (cpip_dashboard/auth.py, CONTRACT.md "Roles"): from the email lists and from the
identity provider's group claim; the widest role wins; someone mapped to two committees gets
the first in the configuration and is warned; the example secrets file documents every setting
and configures a working dashboard."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
import time
import tomllib

import pytest

from cpip_dashboard import auth
from cpip_dashboard.batches import approval
from cpip_dashboard.config import PROJECT_ROOT, REFERENCE_DIR

EXAMPLE = PROJECT_ROOT / ".streamlit" / "secrets.example.toml"
ROLES = {
    "secretariat": ["sec@gov.scot"],
    "minister_office": ["po@gov.scot"],
    "committee": {"fife@fife.gov.uk": "CPC14"},
    "groups": {"claim": "groups", "CPIP-Secretariat": "secretariat",
               "cpip-private-office": "minister_office", "cpip-fife": "committee:cpc14",
               "cpip-angus": "committee:CPC03", "cpip-typo": "secretary"},
}
SECRETS = {"auth": {"client_id": "x"}, "cpip": {"roles": ROLES}}


def who(email: str | None = None, groups: object = None, **claims) -> dict:
    """`st.user` after a sign-in now, with a verified email (`claims` override)."""
    user = {"is_logged_in": True, "iss": "https://login.example", "sub": "pat",
            "iat": int(time.time()), "email_verified": True, "email": email, "name": "Pat",
            **claims}
    if groups is not None:
        user["groups"] = groups
    return user


@pytest.mark.parametrize("user,role,area,noted", [
    (who("sec@gov.scot"), "secretariat", None, False),
    (who("SEC@Gov.Scot"), "secretariat", None, False),
    (who("x@example.org", ["cpip-secretariat"]), "secretariat", None, False),
    (who("x@example.org", "cpip-private-office"), "minister_office", None, False),  # a string
    (who("x@example.org", ["cpip-fife", "cpip-private-office"]), "minister_office", None, False),
    (who("fife@fife.gov.uk", ["cpip-secretariat"]), "secretariat", None, False),
    (who("x@example.org", ["cpip-fife"]), "committee", "CPC14", False),
    # two committees: the first in the configuration, whatever order the token lists them in
    (who("x@example.org", ["cpip-angus", "cpip-fife"]), "committee", "CPC14", True),
    (who("fife@fife.gov.uk", ["cpip-angus"]), "committee", "CPC14", True),  # the list first
    (who("fife@fife.gov.uk", ["cpip-fife"]), "committee", "CPC14", False),  # the same one
    (who("x@example.org", ["cpip-typo", "other"]), None, None, False),
    (who("x@example.org"), None, None, False),
    (who(None, ["cpip-angus"]), "committee", "CPC03", False),
])
def test_roles_from_lists_and_groups(user, role, area, noted):
    person = auth.identify(SECRETS, user)
    assert (person.role, person.area, bool(person.notes)) == (role, area, noted)


def test_someone_mapped_to_two_committees_is_told_and_logged_once(caplog, monkeypatch):
    monkeypatch.setattr(auth, "_warned", set())  # once per process: start from none logged
    user = who("twice@example.org", ["cpip-angus", "cpip-fife"])
    with caplog.at_level(logging.WARNING, logger="cpip_dashboard.auth"):
        first = auth.identify(SECRETS, user)
        auth.identify(SECRETS, user)
    assert first.notes == (("You are mapped to 2 committees (CPC14, CPC03): the dashboard starts "
                           "on CPC14, the first in its configuration. Ask the secretariat to "
                           "keep you in one."),)
    logged = [r.getMessage() for r in caplog.records if "twice@example.org" in r.getMessage()]
    assert logged == [("twice@example.org is mapped to 2 committees (CPC14, CPC03) by "
                      "[cpip.roles]; using CPC14, the first in the configuration.")]


@pytest.mark.parametrize("claim,claims,role", [
    ("groups", {"groups": ["cpip-private-office"]}, "minister_office"),
    ("roles", {"roles": ["cpip-private-office"], "groups": ["cpip-secretariat"]},
     "minister_office"),
    ("roles", {"groups": ["cpip-secretariat"]}, None),
])
def test_the_claim_is_configurable(claim, claims, role):
    roles = dict(ROLES, groups=dict(ROLES["groups"], claim=claim))
    user = who("x@example.org", **claims)
    assert auth.identify({"auth": {"x": 1}, "cpip": {"roles": roles}}, user).role == role


def test_user_id_is_the_issuer_and_subject():
    person = auth.identify(SECRETS, who("SEC@Gov.Scot", name="Sam"))
    assert person.user_id == "https://login.example|pat"
    assert person.display == "Sam <SEC@Gov.Scot>"
    assert auth.identify({}, {}).user_id == auth.LOCAL_USER


def test_settings_warnings_name_a_group_mapped_to_no_role():
    assert auth.settings_warnings(SECRETS) == [
        ("Group cpip-typo in [cpip.roles.groups] is mapped to 'secretary', which is not a role "
        "(secretariat, minister_office or committee:AREA): its members get no role from it.")]


# --- the example secrets file ----------------------------------------------------------------


def example() -> dict:
    with EXAMPLE.open("rb") as handle:
        return tomllib.load(handle)


def test_the_example_documents_every_setting():
    text = EXAMPLE.read_text(encoding="utf-8")
    for setting in ("DATABASE_URL", "CPIP_SUPPRESS_BELOW", "CPIP_MAX_UPLOAD_MB",
                    "CPIP_CLASSIFICATION", "CPIP_APPROVAL", "[connections.cpip]", "[auth]",
                    "redirect_uri", "cookie_secret", "client_id", "client_secret",
                    "server_metadata_url", "client_kwargs", "[cpip.roles]", "secretariat =",
                    "minister_office =", "[cpip.roles.committee]", "[cpip.roles.groups]",
                    "claim ="):
        assert setting in text, setting
    # every setting line has a comment above it (a blank line or a table header ends a block)
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Za-z\"].* = ", line) and not line.startswith("#"):
            block = lines[:number]
            while block and not block[-1].startswith(("#", "[")) and block[-1].strip():
                block.pop()
            assert block and block[-1].startswith(("#", "[")), line


def test_the_example_configures_a_working_dashboard():
    secrets = example()
    assert auth.auth_configured(secrets)
    assert approval.settings_warnings(secrets, {}) == []
    assert approval.mode(auth.auth_configured(secrets), {}) == "two-person"
    for user, role, area in [
        (who("Secretariat.One@gov.scot"), "secretariat", None),
        (who("private.office@gov.scot"), "minister_office", None),
        (who("x@gov.scot", ["cpip-committee-fife"]), "committee", "CPC14"),
        (who("x@gov.scot", ["8d0a3c52-1f7e-4c55-9f0e-3b2a7d1e6c41"]), "committee", "CPC02"),
    ]:
        person = auth.identify(secrets, user)
        assert (person.role, person.area) == (role, area)
    with (REFERENCE_DIR / "child_protection_committees.csv").open(encoding="utf-8") as f:
        committees = {row["cpc_id"] for row in csv.DictReader(f)}
    roles = secrets["cpip"]["roles"]
    areas = set(roles["committee"].values()) | {
        t.split(":")[1] for t in roles["groups"].values() if t.startswith("committee:")}
    assert areas == {"CPC14", "CPC02"} and areas <= committees


# --- identity: issuer and subject, verified emails, the age of a sign-in (issue 20) -------------

NOW = time.time()


@pytest.mark.parametrize("claims,role", [
    ({"email": "sec@gov.scot"}, "secretariat"),
    ({"email": "sec@gov.scot", "email_verified": "true"}, "secretariat"),  # sent as text
    # an unverified email gets no role from the lists
    ({"email": "sec@gov.scot", "email_verified": False}, None),
    ({"email": "sec@gov.scot", "email_verified": None}, None),
    ({"email": "sec@gov.scot", "email_verified": "false"}, None),
    # ...unless its issuer is trusted ([cpip.roles] trusted_issuers; a trailing / is no matter)
    ({"email": "sec@gov.scot", "email_verified": None, "iss": "https://entra.example/"},
     "secretariat"),
    # groups do not depend on the email at all
    ({"email": "sec@gov.scot", "email_verified": False, "groups": ["cpip-private-office"]},
     "minister_office"),
    # no email: never the name instead
    ({"email": None, "name": "sec@gov.scot"}, None),
    # full-width letters, spaces and case are the same address (NFKC, trimmed, case-folded)
    ({"email": " ＳＥＣ@ｇｏｖ.ｓｃｏｔ "}, "secretariat"),
    ({"email": "fife@fife.gov.uk"}, "committee"),
    ({"email": "ＦＩＦＥ@fife.gov.uk"}, "committee"),
])
def test_the_lists_apply_to_a_verified_email_only(claims, role):
    secrets = {"auth": {"client_id": "x"},
               "cpip": {"roles": dict(ROLES, trusted_issuers=["https://entra.example"])}}
    assert auth.identify(secrets, who(**claims)).role == role


@pytest.mark.parametrize("claims,signed_in,ended", [
    ({"iat": int(NOW - 60)}, True, None),
    ({"iat": int(NOW - 8 * 3600 + 60)}, True, None),
    ({"iat": int(NOW - 8 * 3600 - 60)}, False, auth.ENDED),  # older than 8 hours
    ({"iat": int(NOW - 30 * 24 * 3600)}, False, auth.ENDED),
    ({"iat": int(NOW + 3600)}, False, auth.ENDED),  # dated in the future
    ({"iat": str(int(NOW - 60))}, True, None),
    ({"iat": None}, False, auth.NO_IDENTITY),
    ({"iat": "yesterday"}, False, auth.NO_IDENTITY),
    ({"iss": None}, False, auth.NO_IDENTITY),
    ({"sub": ""}, False, auth.NO_IDENTITY),
])
def test_a_sign_in_counts_for_eight_hours(claims, signed_in, ended):
    user = {k: v for k, v in who("sec@gov.scot", **claims).items() if v is not None}
    # judged at the moment the claims were made for (a slow run must not age them)
    person = auth.identify(SECRETS, user, now=dt.datetime.fromtimestamp(NOW, dt.UTC))
    assert (person.signed_in, person.ended) == (signed_in, ended)
    assert (person.role == "secretariat") == signed_in


def test_identity_survives_an_email_change_and_differs_by_issuer():
    before = auth.identify(SECRETS, who("sec@gov.scot"))
    after = auth.identify(SECRETS, who("sec.new@gov.scot"))
    other = auth.identify(SECRETS, who("sec@gov.scot", iss="https://other.example"))
    assert before.user_id == after.user_id != other.user_id


@pytest.mark.parametrize("stored_id,stored_name,actor,same", [
    # by identity: the same issuer and subject, whatever the email now
    ("https://i|ann", "Ann <ann@gov.scot>", ("ann.new@gov.scot", "https://i", "ann"), True),
    ("https://i|ann", "Ann <ann@gov.scot>", ("ann@gov.scot", "https://i", "bob"), False),
    ("https://i|ann", "Ann <ann@gov.scot>", ("ann@gov.scot", "https://j", "ann"), False),
    # recorded before identities were kept: the email, normalised
    (None, "ann@gov.scot", ("ANN@gov.scot", "https://i", "x"), True),
    (None, "ａｎｎ@gov.scot ", ("ann@gov.scot", "https://i", "x"), True),
    (None, "ann@gov.scot", ("bob@gov.scot", "https://i", "x"), False),
    (None, "ann@gov.scot", (None, "https://i", "x"), False),
    # a command-line name, and the command line itself
    ("ann", "ann", "ANN", True),
    ("ann", "ann", "bob", False),
    (None, "ann", "ann", True),
    ("https://i|ann", "Ann <ann@gov.scot>", "ann@gov.scot", False),
])
def test_same_person(stored_id, stored_name, actor, same):
    if isinstance(actor, tuple):
        email, issuer, subject = actor
        actor = auth.Identity(True, email, "A", "secretariat", issuer=issuer, subject=subject)
    assert approval.same_person(actor, stored_id, stored_name) is same


@pytest.mark.parametrize("value,refused", [
    (None, "is not set"),
    ("", "is not set"),
    ("replace-with-a-long-random-string", "is a placeholder"),  # the example file's
    ("a-test-cookie-secret-of-enough-length-0123456789", "is a placeholder"),
    ("changeme-changeme-changeme-changeme", "is a placeholder"),
    ("x" * 64, "is a placeholder"),
    ("01234560123456012345601234560123", "is a placeholder"),  # seven characters only
    ("3f9c1a7e5b2d48c6a0e1f7b39d5c2e8", "is 31 characters long"),
    ("3f9c1a7e5b2d48c6a0e1f7b39d5c2e8a", None),
])
def test_a_placeholder_or_short_cookie_secret_is_refused(value, refused):
    secrets = {"auth": {"client_id": "x", "cookie_secret": value}}
    problem = auth.cookie_secret_problem(secrets)
    assert (problem is None) if refused is None else (refused in problem)
    assert auth.cookie_secret_problem({}) is None  # local mode has no cookie


def test_the_example_cookie_secret_is_the_one_refused():
    assert auth.example_cookie_secret() == example()["auth"]["cookie_secret"]
    assert "placeholder" in auth.cookie_secret_problem(example())
