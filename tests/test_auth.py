"""Roles (cpip_dashboard/auth.py, CONTRACT.md "Roles"): from the email lists and from the
identity provider's group claim; the widest role wins; someone mapped to two committees gets
the first in the configuration and is warned; the example secrets file documents every setting
and configures a working dashboard."""

from __future__ import annotations

import csv
import logging
import re
import tomllib

import pytest

from cpip_dashboard import approval, auth
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
    user = {"is_logged_in": True, "email": email, "name": "Pat", **claims}
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


def test_someone_mapped_to_two_committees_is_told_and_logged_once(caplog):
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
    user = {"is_logged_in": True, "email": "x@example.org", **claims}
    assert auth.identify({"auth": {"x": 1}, "cpip": {"roles": roles}}, user).role == role


def test_user_id_is_the_address_in_lower_case():
    assert auth.identify(SECRETS, who("SEC@Gov.Scot")).user_id == "sec@gov.scot"
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
