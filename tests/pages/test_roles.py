"""Roles and local mode (CONTRACT.md "Roles", "Configuration"): local mode is refused on any
address but 127.0.0.1, localhost or ::1; someone in several lists or groups has the widest
role (secretariat, then minister_office, then committee)."""

from __future__ import annotations

import copy

import pytest
from streamlit import config as st_config

from tests.apptest import AUTH_SECRETS, assert_frame_ran, texts
from tests.apptest import person as make_person

REFUSED = "Local mode (no sign-in configured) only serves this machine"


@pytest.fixture
def server_address():
    """Set Streamlit's server.address for the in-process AppTest run, and put it back."""
    before = st_config.get_option("server.address")
    yield lambda address: st_config.set_option("server.address", address)
    st_config.set_option("server.address", before)


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", "::", "cpip.example.org"])
def test_local_mode_is_refused_on_another_address(make_app, sqlite_sample_url,
                                                  server_address, address):
    server_address(address)
    for page in (None, "pages/indicators.py"):
        at = make_app(sqlite_sample_url, page=page)
        assert not at.exception
        assert REFUSED in texts(at)
        assert not at.dataframe and not at.table and not at.get("vega_lite_chart") and not at.sidebar.selectbox


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1"])
def test_local_mode_serves_this_machine(make_app, sqlite_sample_url, server_address, address):
    server_address(address)
    at = make_app(sqlite_sample_url, page="pages/indicators.py")
    assert_frame_ran(at)
    assert REFUSED not in texts(at) and "Local mode" in texts(at)


def secrets_with(**lists) -> dict:
    secrets = copy.deepcopy(AUTH_SECRETS)
    secrets["cpip"]["roles"].update(lists)
    return secrets


def signed_in_as(at) -> str:
    return next(c.value for c in at.sidebar.caption if c.value.startswith("Signed in as"))


def test_someone_in_several_lists_has_the_widest_role(make_app, sqlite_sample_url):
    both = make_person("Both@Gov.Scot", "Bo Both")
    secrets = secrets_with(secretariat=["both@gov.scot"],
                           minister_office=["both@gov.scot"],
                           committee={"both@gov.scot": "CPC14"})
    at = make_app(sqlite_sample_url, user=both, secrets=secrets)
    assert_frame_ran(at)
    assert signed_in_as(at) == "Signed in as Bo Both (Secretariat)"
    assert at.sidebar.selectbox(key="frame-area-control").value == "S92000003"  # not the committee's
    at.switch_page("pages/upload.py").run()
    assert at.get("file_uploader")


def test_minister_office_outranks_committee(make_app, sqlite_sample_url):
    both = make_person("po@gov.scot", "Po Office")
    secrets = secrets_with(minister_office=["po@gov.scot"], committee={"po@gov.scot": "CPC14"})
    at = make_app(sqlite_sample_url, user=both, secrets=secrets)
    assert_frame_ran(at)
    assert signed_in_as(at) == "Signed in as Po Office (Minister's office)"
    with pytest.raises(ValueError):
        at.switch_page("pages/upload.py")  # not a page for this role


GROUP_SECRETS = {"claim": "groups", "cpip-secretariat": "secretariat",
                 "cpip-private-office": "minister_office",
                 "cpip-committee-fife": "committee:CPC14"}


@pytest.mark.parametrize("groups,label,area", [
    (["cpip-committee-fife"], "Child protection committee", "CPC14"),
    (["cpip-committee-fife", "cpip-private-office"], "Minister's office", "S92000003"),
    (["other", "cpip-committee-fife", "cpip-secretariat"], "Secretariat", "S92000003"),
])
def test_roles_from_the_group_claim_take_the_widest(make_app, sqlite_sample_url, groups,
                                                     label, area):
    person = make_person("grouped@example.org", "Gro Up", groups=groups)
    secrets = copy.deepcopy(AUTH_SECRETS)
    secrets["cpip"]["roles"]["groups"] = GROUP_SECRETS
    at = make_app(sqlite_sample_url, user=person, secrets=secrets)
    assert_frame_ran(at)
    assert signed_in_as(at) == f"Signed in as Gro Up ({label})"
    assert at.sidebar.selectbox(key="frame-area-control").value == area


def test_the_group_claim_name_is_configurable(make_app, sqlite_sample_url):
    person = make_person("grouped@example.org", "Gro Up", roles=["cpip-private-office"],
                         groups=["cpip-secretariat"])
    secrets = copy.deepcopy(AUTH_SECRETS)
    secrets["cpip"]["roles"]["groups"] = dict(GROUP_SECRETS, claim="roles")
    at = make_app(sqlite_sample_url, user=person, secrets=secrets)
    assert_frame_ran(at)
    assert signed_in_as(at) == "Signed in as Gro Up (Minister's office)"


def test_someone_in_two_committee_groups_gets_the_first_and_is_told(make_app, sqlite_sample_url):
    person = make_person("two@example.org", "Two Hats",
                         groups=["cpip-committee-angus", "cpip-committee-fife"])
    secrets = copy.deepcopy(AUTH_SECRETS)
    secrets["cpip"]["roles"]["groups"] = dict(GROUP_SECRETS,
                                              **{"cpip-committee-angus": "committee:CPC03"})
    at = make_app(sqlite_sample_url, user=person, secrets=secrets)
    assert_frame_ran(at)
    assert at.sidebar.selectbox(key="frame-area-control").value == "CPC14"  # first in the secrets
    assert ("You are mapped to 2 committees (CPC14, CPC03): the dashboard starts on CPC14, the "
            "first in its configuration.") in texts(at)
