"""The meeting pack: the CLI's exit codes, what the PDF says (as text), the archive and the
audit trail, and disclosure control in the pack."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cpip_dashboard.models import AuditEvent, MeetingPack
from cpip_dashboard.pack import PackError, build, make_and_archive
from tests.test_cli import cli


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader's tool extracts it (it is real text, not pictures)."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pack_cli_exit_codes(sample_url, tmp_path):
    out = tmp_path / "pack.pdf"
    made = cli(sample_url, "pack", "--meeting", "2018-10-05", "--area", "CPC05", str(out))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "as at 2018-10-02 for CPC05" in made.stdout
    assert out.read_bytes().startswith(b"%PDF")
    assert cli(sample_url, "pack", "--meeting", "2010-01-01", str(out)).returncode == 1
    assert cli(sample_url, "pack", "--area", "NOWHERE", str(out)).returncode == 1


def test_pack_is_archived_and_audited(sample_engine):
    day, pdf = make_and_archive(sample_engine, None, "S12000047", "ana")
    assert day == dt.date(2024, 9, 17)
    with sample_engine.connect() as conn:
        archived = conn.execute(select(MeetingPack)).one()
        events = conn.execute(select(AuditEvent.event, AuditEvent.user)).all()
    assert archived.pdf == pdf and archived.area_code == "S12000047"
    assert archived.data_version == "1.0" and archived.created_by == "ana"
    assert ("pack", "ana") in events


def test_pack_errors(sample_engine):
    with sample_engine.connect() as conn, pytest.raises(PackError):
        build(conn, dt.date(2000, 1, 1), "S92000003")
    with sample_engine.connect() as conn, pytest.raises(PackError):
        build(conn, None, "NOWHERE")


def test_pack_says_what_the_briefing_says(sample_engine):
    with sample_engine.connect() as conn:
        day, pdf = build(conn, dt.date(2018, 10, 2), "S92000003")
    text = pdf_text(pdf)
    assert day == dt.date(2018, 10, 2)
    for expected in ("OFFICIAL-SENSITIVE", "programme status at 2 October 2018",
                     "Illustrative figures - not official statistics", "RAG by workstream",
                     "Movement since the previous meeting", "Needs attention",
                     "Headline indicators: Scotland", "■ Red", "▲ Amber"):
        assert expected in text, expected
    assert "12 of 47 actions are Amber or Red, 3 more than at 21 June 2018." in text


def test_pack_for_an_area_never_shows_a_small_count(sample_engine):
    import re

    with sample_engine.connect() as conn:
        _, pdf = build(conn, None, "S12000023")  # Orkney: small numbers throughout
    text = pdf_text(pdf)
    assert "Headline indicators: Orkney Islands and Scotland" in text
    assert "Rate per 1,000" in text
    counts = re.findall(r"Number (\d+)\b", text)
    assert all(int(c) == 0 or int(c) >= 5 for c in counts)
