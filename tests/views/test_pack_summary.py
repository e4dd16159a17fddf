"""Issue 22 §2-§3: the pack's first page is the Briefing's summary (read back with pypdf), a pack
for an earlier meeting carries that meeting's figures, the pack's file name, the meeting an
address's date is moved to, and the register between meetings (`meeting=now`)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.cli import main
from cpip_dashboard.rules import rag
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import Publication
from cpip_dashboard.views import briefing
from cpip_dashboard.views.common import Now, meeting_choice, release_as_at
from cpip_dashboard.views.pack import build, file_name
from tests.files import xlsx

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("pack_summary")

D = dt.date
LATEST = D(2024, 9, 17)


def _normal(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def latest_pack(shared_sample) -> list[str]:
    with shared_sample.connect() as conn:
        _, pdf = build(conn, None, "S92000003", prepared_by="ana")
    return [_normal(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_first_page_is_the_summary(shared_sample, latest_pack):
    first = latest_pack[0]
    with shared_sample.connect() as conn:
        v = briefing.view(conn, LATEST, "S92000003")
    # the cover facts above it
    for expected in ("National Child Protection Leadership Group: meeting pack",
                     "Date: Tuesday 17 September 2024", "Chair: ", "Area: Scotland",
                     "from data version 1", "Prepared by ana"):
        assert expected in first, expected
    summary = first[first.index("Summary: programme status at 17 September 2024"):]
    # the Briefing's sentences, written once
    assert v.headline in summary
    assert v.movement_sentence in summary
    for count in v.counts:
        assert count.label in summary and count.delta in summary
    # the actions that moved and those needing attention, by name
    for ref, title in zip(v.moved["Ref"].head(2), v.moved["Action"].head(2), strict=True):
        assert f"{ref} {title.rstrip('.')}" in summary
    for ref in v.attention["Ref"].head(2):
        assert f"{ref} " in summary
    assert f"Needs attention: {len(v.attention)} actions" in summary
    assert "Areas needing support (planning review): " + v.support_sentence in summary
    assert "Indicators that changed significantly:" in summary
    for sentence in v.changed_significantly:
        assert sentence in summary
    assert not re.search(r"\d{4}-\d{2}-\d{2}", first)  # dates in words, never ISO
    assert "page 1" in first and all("Summary: programme status" not in p
                                     for p in latest_pack[1:])


def test_no_page_is_mostly_blank(latest_pack):
    """Every page but the last holds a fair share of text (once page 2 held a table and a
    chart pushed to the next page)."""
    lengths = [len(page) for page in latest_pack]
    assert all(n > 900 for n in lengths[:-1]), lengths


def test_a_pack_for_an_earlier_meeting_carries_its_figures(shared_sample, latest_pack):
    with shared_sample.connect() as conn:
        _, pdf = build(conn, D(2019, 9, 17), "S92000003")
    text = _normal(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    block = text[text.index("Headline indicators: Scotland"):text.index("About these figures")]
    assert "2018-19" in block and "2019-20" not in block and "2023-24" not in block
    assert "first release's figures" in block
    latest = " ".join(latest_pack)
    latest_block = latest[latest.index("Headline indicators: Scotland"):]
    assert "2023-24" in latest_block  # the latest meeting's figures are the latest periods


def test_the_release_in_force_at_a_meeting(databases):
    """A release published before a meeting is the one its figures come from; the first
    release's figures stand in only where none was in force."""
    engine = make_engine(databases.fresh("sqlite", sample=True))
    try:
        with engine.begin() as conn:
            conn.execute(update(Publication).values(at=dt.datetime(2019, 1, 1, 12)))
        with engine.connect() as conn:
            cases = [(D(2018, 10, 2), None, D(2018, 10, 2), "no release"),
                     (D(2019, 9, 17), 1, None, "the release in force at the meeting"),
                     (Now(D(2026, 1, 1)), 1, None, "the current release")]
            for meeting, version, until, words in cases:
                release = release_as_at(conn, meeting)
                assert release.periods_until == until, meeting
                assert words in release.statement, meeting
                if version is not None:
                    assert release.version == version
    finally:
        engine.dispose()


@pytest.mark.parametrize(("day", "area", "expected"), [
    (D(2024, 9, 17), "Scotland", "NCPLG-pack-2024-09-17-Scotland.pdf"),
    (D(2018, 10, 2), "Orkney Islands", "NCPLG-pack-2018-10-02-Orkney-Islands.pdf"),
    (D(2019, 3, 5), "Argyll & Bute", "NCPLG-pack-2019-03-05-Argyll-Bute.pdf"),
    (D(2019, 3, 5), "Na h-Eileanan Siar", "NCPLG-pack-2019-03-05-Na-h-Eileanan-Siar.pdf"),
    (D(2019, 3, 5), "CPC: Lanarkshire (North, South)",
     "NCPLG-pack-2019-03-05-CPC-Lanarkshire-North-South-.pdf"),
])
def test_pack_file_name(day, area, expected):
    assert file_name(day, area) == expected


MEETINGS = [D(2018, 6, 21), D(2018, 10, 2), D(2019, 3, 5)]


@pytest.mark.parametrize(("asked", "shown", "notice"), [
    (None, D(2019, 3, 5), None),
    (D(2018, 10, 2), D(2018, 10, 2), None),
    (D(2017, 1, 1), D(2018, 6, 21),
     "before the first meeting in the record, so the first meeting, 21 June 2018, is shown"),
    (D(2025, 1, 1), D(2019, 3, 5),
     "after the latest meeting, so the latest, 5 March 2019, is shown (choose Now"),
    (D(2018, 12, 1), D(2018, 10, 2),
     "falls between the meetings of 2 October 2018 and 5 March 2019, so 2 October 2018"),
])
def test_a_date_that_is_not_a_meeting_is_moved_with_a_notice(asked, shown, notice):
    chosen, said = meeting_choice(MEETINGS, asked)
    assert chosen == shown
    if notice is None:
        assert said is None
    else:
        assert said.startswith(f"No meeting on {asked.day} {asked:%B %Y}: ") and notice in said


def late_update(engine, ref: str, day: dt.date, status: str) -> None:
    report = run_import(engine, "late.xlsx", xlsx({"Updates": [
        ["Action ID", "Reporting date", "RAG", "Progress %", "Commentary"],
        [ref, day.isoformat(), status, 50, "Slipped after the meeting."]]}), user="t")
    assert report.outcome == "committed", report.errors


def test_an_update_after_the_latest_meeting_counts_for_now(databases):
    engine = make_engine(databases.fresh("sqlite", sample=True))
    try:
        with engine.connect() as conn:
            at_meeting = briefing.view(conn, LATEST, "S92000003")
        ref = "LEAD-2"  # Green at the latest meeting
        late_update(engine, ref, D(2024, 10, 15), "Red")
        with engine.connect() as conn:
            meeting = briefing.view(conn, LATEST, "S92000003")
            now = briefing.view(conn, Now(D(2024, 11, 1)), "S92000003")
        counts = {c.name: c.value for c in meeting.counts}
        now_counts = {c.name: c.value for c in now.counts}
        assert counts == {c.name: c.value for c in at_meeting.counts}  # the meeting is as was
        assert now_counts["Red"] == counts["Red"] + 1
        assert now_counts["Green"] == counts["Green"] - 1
        assert now.movement_heading == "Movement since the latest meeting"
        assert now.movement_sentence.startswith("Since 17 September 2024: ")
        moved = now.moved.set_index("Ref")
        assert list(moved.index) == [ref]
        assert moved.loc[ref, "From"] == rag.label("Green") and \
            moved.loc[ref, "To"] == rag.label("Red")
        assert now.title == "Programme status now (today, 1 November 2024)"
        assert "current release" in now.tiles_note
    finally:
        engine.dispose()


def test_the_cli_names_the_pack_by_default(databases, monkeypatch, tmp_path, capsys):
    """`pack` without OUT.pdf writes NCPLG-pack-YYYY-MM-DD-AREA.pdf (CONTRACT.md) here; so
    does `pack --archived ID`, named from the archived pack's meeting and area."""

    monkeypatch.setenv("DATABASE_URL", databases.fresh("sqlite", sample=True))
    monkeypatch.chdir(tmp_path)
    assert main(["pack", "--meeting", "2018-10-05", "--area", "S12000023", "--user", "t"]) == 0
    made = tmp_path / "NCPLG-pack-2018-10-02-Orkney-Islands.pdf"
    assert made.read_bytes().startswith(b"%PDF")
    made.unlink()
    assert main(["pack", "--archived", "1", "--user", "t"]) == 0
    assert made.exists()
    capsys.readouterr()
