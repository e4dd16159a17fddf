"""Issue 22 §4, table-driven: which area an address's `area=` names (codes, names as in
spreadsheets, ambiguous and unknown names), and the likely page names."""

from __future__ import annotations

import pytest

from cpip_dashboard.ui.frame import ALIASES, PAGES
from cpip_dashboard.views import frame

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("addresses")

SCOTLAND = "S92000003"


@pytest.fixture(scope="module")
def shared(shared_sample):
    with shared_sample.connect() as conn:
        return frame.view(conn)


@pytest.mark.parametrize(("asked", "area", "notice"), [
    ("S12000023", "S12000023", None),
    ("s12000023", "S12000023", None),
    ("cpc14", "CPC14", None),
    ("orkney", "S12000023", None),
    ("Orkney Islands", "S12000023", None),
    ("  ORKNEY ISLANDS ", "S12000023", None),
    ("Argyll & Bute", "S12000035", None),
    ("edinburgh", "S12000036", None),
    ("Highland Council", "S12000017", None),
    ("Scotland", SCOTLAND, None),
    ("lanark", SCOTLAND, ("could be North Lanarkshire, South Lanarkshire, North Lanarkshire "
                         "Child Protection Committee or South Lanarkshire Child Protection "
                         "Committee: choose one; showing Scotland.")),
    ("fif", SCOTLAND, "could be Fife or Fife Child Protection Committee"),
    ("Edinbrugh", SCOTLAND, "is not known (did you mean City of Edinburgh"),
    ("S99999999", SCOTLAND, "Area 'S99999999' in the address is not known; showing Scotland."),
    ("", SCOTLAND, "is not known; showing Scotland."),
])
def test_the_area_an_address_names(shared, asked, area, notice):
    chosen, said = frame.address_area(shared.directory, shared.options, asked, SCOTLAND)
    assert chosen == area
    if notice is None:
        assert said is None
    else:
        assert notice in said


def test_a_committee_member_falls_back_to_their_own_area(shared):
    chosen, said = frame.address_area(shared.directory, shared.options, "nowhere", "CPC14")
    assert chosen == "CPC14" and said.endswith("showing Fife Child Protection Committee.")


def test_every_likely_page_name_reaches_a_page():
    slugs = {slug for slug, _, _, _ in PAGES}
    reserved = {url or path.rsplit("/", 1)[-1].removesuffix(".py") for _, path, _, url in PAGES}
    assert {"dashboard", "area-profile"} <= set(ALIASES)
    assert set(ALIASES.values()) <= slugs
    assert not set(ALIASES) & reserved  # a name Streamlit already serves stops the app
