"""No note meant for whoever compiled the reference data reaches a user: neither in the reference
files the app carries, nor in what it loads from them (areas, workstreams, criteria, indicator
definitions, series breaks, relations) and the sample data built from them (meetings and their
chairs, actions, updates, indicator notes, review rows)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cpip_dashboard.batches import sample
from cpip_dashboard.config import REFERENCE_DIR
from cpip_dashboard.protection import figures
from cpip_dashboard.rules import indicators
from cpip_dashboard.store import reference

# What the compiler of the facts wrote for themselves: "[rest not retrieved]", "(not stated in
# retrieved text)", "(not retrieved)", "not verified this session", "(Chair; not named in the
# source seen)", a sentence cut with "... [".
COMPILER_NOTES = re.compile(
    r"retriev|this session|source seen|not named in the source|\[rest\b|\.\.\.\s*\[",
    re.IGNORECASE)


def _texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return [value] if isinstance(value, str) else []


def _loaded() -> dict[str, object]:
    areas, aliases = reference.area_rows()
    return {
        "areas": areas, "aliases": aliases, "workstreams": reference.workstream_rows(),
        "criteria": reference.criterion_rows(), "indicators": reference.indicator_rows(),
        "series breaks": indicators.series_breaks(),
        "relations": [vars(r) for r in figures.relations()],
        "sample sheets": [sheet.rows for sheet in sample.sample_sheets()],
    }


@pytest.mark.parametrize("text,note", [
    ("An annual cycle of reporting ... [rest not retrieved]", True),
    ("Scottish Government (not stated in retrieved text)", True),
    ("(not retrieved)", True),
    ("not verified this session", True),
    ("(Chair; not named in the source seen)", True),
    ("Minister for Children and Young People", False),
    ("National CSE Group with the Scottish Government", False),
    ("Consultation closed 14 November 2018 with 221 responses.", False),
])
def test_the_pattern_finds_compiler_notes_and_only_them(text, note):
    assert bool(COMPILER_NOTES.search(text)) is note


@pytest.mark.parametrize("name", sorted(p.name for p in REFERENCE_DIR.glob("*.csv")))
def test_no_reference_file_holds_a_compiler_note(name):
    found = [(n, line[:120]) for n, line in enumerate(
        Path(REFERENCE_DIR, name).read_text(encoding="utf-8").splitlines(), start=1)
        if COMPILER_NOTES.search(line)]
    assert not found, found


def test_nothing_loaded_from_the_reference_data_holds_a_compiler_note():
    loaded = _loaded()
    assert all(_texts(texts) for texts in loaded.values())  # every source really was read
    found = [(what, text[:120]) for what, value in loaded.items() for text in _texts(value)
             if COMPILER_NOTES.search(text)]
    assert not found, found


def test_meetings_without_a_minuted_chair_name_none():
    chairs = {m["Date"].isoformat(): m["Chair"] for m in sample.meetings()}
    assert chairs["2018-10-02"] is None and chairs["2017-09-21"] is None
    assert chairs["2019-09-17"] == "Maree Todd, Minister for Children and Young People"
