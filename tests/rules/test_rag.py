"""RAG levels as data (CONTRACT.md "RAG order")."""

import pytest

from cpip_dashboard.rules import rag


@pytest.mark.parametrize("text,level", [
    ("Red", "Red"), ("red", "Red"), ("R", "Red"), ("AMBER", "Amber"), ("a", "Amber"),
    ("Green", "Green"), ("g", "Green"), ("Complete", "Complete"), ("Completed", "Complete"),
    ("Done", "Complete"), ("Blue", "Complete"), ("C", "Complete"), ("Not started", "Not started"),
    ("not  started", "Not started"), ("Amber/Green", None), ("Amberish", None), ("", None),
])
def test_spellings(text, level):
    assert rag.canonical(text) == level


@pytest.mark.parametrize("text", ["Amber/Green", "amber/red", "Amber-Red"])
def test_five_point_labels_are_recognised_as_such(text):
    assert rag.is_five_point(text)


@pytest.mark.parametrize("old,new,steps", [
    ("Red", "Amber", 1), ("Red", "Green", 2), ("Red", "Complete", 3), ("Green", "Red", -2),
    ("Amber", "Amber", 0), ("Not started", "Green", None), ("Green", "Not started", None),
    (None, "Green", None),
])
def test_steps(old, new, steps):
    assert rag.steps(old, new) == steps


def test_every_level_has_symbol_and_word():
    symbols = [level.symbol for level in rag.LEVELS]
    assert len(set(symbols)) == len(symbols)
    for level in rag.LEVELS:
        assert rag.label(level.name) == f"{level.symbol} {level.name}"
        assert level.definition


@pytest.mark.parametrize("text,five_point", [
    ("Amber/Green", True), ("amber green", True), ("  AMBER   red ", True), ("Red/Amber", True),
    ("Amber", False), ("Green", False), ("amber greens", False),
])
def test_five_point_labels_in_any_spacing_and_case(text, five_point):
    assert rag.is_five_point(text) is five_point


def test_an_unknown_name_is_labelled_as_itself():
    assert rag.label("Purple") == "Purple"
    assert rag.label("Red") == "■ Red"
