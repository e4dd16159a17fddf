"""The Actions sheet's Indicators column: codes each optionally followed by up or down."""

import pytest

from cpip_dashboard.rules import links
from cpip_dashboard.rules.links import Link


@pytest.mark.parametrize(("cell", "expected", "stored"), [
    ("CP_REREGISTRATIONS down", [Link("CP_REREGISTRATIONS", "down")], "CP_REREGISTRATIONS down"),
    ("cp_register, IRD Up", [Link("CP_REGISTER", None), Link("IRD", "up")],
     "CP_REGISTER,IRD up"),
    ("A; B", [Link("A", None), Link("B", None)], "A,B"),
    ("A B down", [Link("A", None), Link("B", "down")], "A,B down"),
    ("A, A down", [Link("A", None)], "A"),  # a repeated code keeps its first link
    ("", [], ""),
    (None, [], ""),
])
def test_parse_and_store(cell, expected, stored):
    assert links.parse(cell) == expected
    assert links.text(links.parse(cell)) == stored
    assert links.parse(links.text(expected)) == expected  # the stored form reads back


@pytest.mark.parametrize(("cell", "says"), [
    ("down", "must follow an indicator code"),
    ("A up down", "A has two directions"),
])
def test_bad_cells_are_one_sentence(cell, says):
    with pytest.raises(links.LinkProblem, match=says):
        links.parse(cell)


@pytest.mark.parametrize(("link", "polarity", "way"), [
    (Link("X", None), "lower is better", "down"),
    (Link("X", None), "higher is better", "up"),
    (Link("X", None), "neither", None),
    (Link("X", "up"), "lower is better", "up"),  # the link's direction wins
    (Link("X", "down"), "neither", "down"),
    (Link("X", None), None, None),
])
def test_way(link, polarity, way):
    assert links.way(link, polarity) == way


def test_codes_of_stored_values():
    assert links.codes("CP_REGISTER,CP_REREGISTRATIONS down") == ["CP_REGISTER",
                                                                   "CP_REREGISTRATIONS"]
    assert links.codes("down") == []  # unreadable: no codes rather than a failure
