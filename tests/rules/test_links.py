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


@pytest.mark.parametrize(("cell", "expected"), [
    ("  A ,, B;;C\tD  DOWN ", [Link("A", None), Link("B", None), Link("C", None),
                               Link("D", "down")]),  # any run of separators; a direction's case
    ("   ", []),
    (5, []),  # not text: nothing to read
    (["A"], []),
])
def test_separators_blanks_and_values_that_are_not_text(cell, expected):
    assert links.parse(cell) == expected


@pytest.mark.parametrize(("cell", "sentence"), [
    ("Down A", "Down must follow an indicator code (for example CP_REREGISTRATIONS down)"),
    ("a down UP", "A has two directions: give one, up or down"),
])
def test_bad_cells_say_exactly_what_is_wrong(cell, sentence):
    with pytest.raises(links.LinkProblem) as caught:
        links.parse(cell)
    assert str(caught.value) == sentence


@pytest.mark.parametrize(("link", "polarity", "reads"), [
    (Link("X", "down"), "higher is better", "down (as linked)"),
    (Link("X", "up"), None, "up (as linked)"),
    (Link("X", None), "lower is better", "down (lower is better)"),
    (Link("X", None), "higher is better", "up (higher is better)"),
    (Link("X", None), "neither", "no direction (polarity neither)"),
    (Link("X", None), None, "no direction (polarity neither)"),
])
def test_describe(link, polarity, reads):
    assert links.describe(link, polarity) == reads


def test_text_of_no_links_and_of_several():
    assert links.text([]) == ""
    assert links.text([Link("A", "up"), Link("B", None), Link("C", "down")]) == "A up,B,C down"
