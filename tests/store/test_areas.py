"""Area names and codes resolve as CONTRACT.md says ("Areas")."""

import pytest

from cpip_dashboard.store.areas import normalise_name
from cpip_dashboard.store.reference import directory

AREAS = directory()


@pytest.mark.parametrize("text,code", [
    ("S12000047", "S12000047"),
    ("s12000047", "S12000047"),
    ("S12000015", "S12000047"),  # superseded Fife code
    ("S12000024", "S12000048"),  # Perth and Kinross
    ("S12000046", "S12000049"),  # Glasgow City
    ("S12000043", "S12000049"),
    ("S12000044", "S12000050"),  # North Lanarkshire
    ("S12000009", "S12000045"),  # East Dunbartonshire
    ("Fife", "S12000047"),
    ("FIFE", "S12000047"),
    ("Fife¹", "S12000047"),
    ("Fife (1)", "S12000047"),
    ("Fife*", "S12000047"),
    ("Fife Council", "S12000047"),
    ("Perth & Kinross", "S12000048"),
    ("Perth and Kinross Council", "S12000048"),
    ("Edinburgh", "S12000036"),
    ("City of Edinburgh", "S12000036"),
    ("Edinburgh, City of", "S12000036"),
    ("Eilean Siar", "S12000013"),
    ("Na h-Eileanan Siar", "S12000013"),
    ("Comhairle nan Eilean Siar", "S12000013"),
    ("Western Isles", "S12000013"),
    ("Orkney", "S12000023"),
    ("Orkney Islands", "S12000023"),
    ("Shetland Islands Council", "S12000027"),
    ("The Highland Council", "S12000017"),
    ("Scotland", "S92000003"),
    ("S92000003", "S92000003"),
    ("CPC05", "CPC05"),
    ("cpc10", "CPC10"),
    ("Clackmannanshire & Stirling", "CPC05"),
    ("East Lothian and Midlothian Public Protection Committee", "CPC10"),
    ("Fife Child Protection Committee", "CPC14"),
])
def test_areas_resolve(text, code):
    assert AREAS.resolve(text) == code


@pytest.mark.parametrize("text", ["Fyfe Region", "Atlantis", "S12999999", "CPC31", ""])
def test_unknown_areas(text):
    assert AREAS.resolve(text) is None


def test_unknown_area_suggests_closest():
    assert "Fife" in AREAS.suggestions("Fiffe")
    assert "Stirling" in AREAS.suggestions("Stirlin")


def test_directory_has_every_area():
    assert len(AREAS.councils()) == 32
    assert len(AREAS.cpcs()) == 30
    assert AREAS.members("CPC05") == ["S12000005", "S12000030"]
    assert sorted(AREAS.members("CPC10")) == ["S12000010", "S12000019"]
    # every council belongs to exactly one CPC
    assert sorted(c for cpc in AREAS.cpcs() for c in AREAS.members(cpc.code)) == sorted(
        a.code for a in AREAS.councils())


@pytest.mark.parametrize("text,key", [
    ("  Edinburgh, City of ", "edinburgh"),
    ("Perth & Kinross", "perth and kinross"),
    ("Na h-Eileanan Siar", "na h eileanan siar"),
])
def test_normalise(text, key):
    assert normalise_name(text) == key
