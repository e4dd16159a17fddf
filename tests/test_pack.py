"""The meeting pack: the CLI's exit codes, what the PDF says (as text), the archive and the
audit trail, and disclosure control in the pack."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from cpip_dashboard.models import AuditEvent, MeetingPack
from cpip_dashboard.pack import PackError, build, make_and_archive
from tests.cli_helpers import cli
from tests.pdf import pdf_text


def test_pack_cli_exit_codes(sample_url, tmp_path):
    out = tmp_path / "pack.pdf"
    made = cli(sample_url, "pack", "--meeting", "2018-10-05", "--area", "CPC05", str(out))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "as at 2018-10-02 for CPC05" in made.stdout
    assert out.read_bytes().startswith(b"%PDF")
    assert cli(sample_url, "pack", "--meeting", "2010-01-01", str(out)).returncode == 1
    assert cli(sample_url, "pack", "--area", "NOWHERE", str(out)).returncode == 1


def test_pack_is_archived_and_audited(sample_engine):
    from cpip_dashboard.db import data_version

    with sample_engine.connect() as conn:
        version = data_version(conn)
    day, pdf = make_and_archive(sample_engine, None, "S12000047", "ana")
    assert day == dt.date(2024, 9, 17)
    with sample_engine.connect() as conn:
        archived = conn.execute(select(MeetingPack)).one()
        events = conn.execute(select(AuditEvent.event, AuditEvent.user)).all()
    assert archived.pdf == pdf and archived.area_code == "S12000047"
    assert archived.data_version == version and archived.created_by == "ana"
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


ORKNEY = "S12000023"  # about 4,240 children: small numbers throughout


def _official_indicators(engine, with_2026_population: bool) -> bytes:
    """An official-looking indicators file for 2024-25 (and one rate for 2025-26): Orkney has
    3 children on the register, 30 registrations, and an uploaded register rate for 2025-26
    that implies 4 children; every other council has large counts."""
    from cpip_dashboard.queries import area_directory
    from tests.files import xlsx

    with engine.connect() as conn:
        councils = [a.code for a in area_directory(conn).councils()]
    rows = [["Indicator", "Area", "Period", "Value"]]
    for i, code in enumerate(councils):
        orkney = code == ORKNEY
        rows.append(["CP_REGISTER", code, "2024-25", 3 if orkney else 100 + i])
        rows.append(["CP_REGISTRATIONS", code, "2024-25", 30 if orkney else 200 + i])
    rows.append(["CP_REGISTER", "Scotland", "2024-25", 3 + sum(100 + i for i in range(31))])
    rows.append(["CP_REGISTER_RATE", ORKNEY, "2025-26", 0.94])  # 0.94 x 4,237 / 1,000 = 4
    sheets = {"Indicators": rows}
    if with_2026_population:
        sheets["Populations"] = [["Area", "Year", "Children aged 0-17"], [ORKNEY, 2026, 4237]]
    return xlsx(sheets)


def _orkney_pack_text(engine, with_2026_population: bool) -> str:
    from cpip_dashboard.imports.pipeline import run_import

    report = run_import(engine, "official.xlsx", _official_indicators(engine,
                                                                      with_2026_population),
                        user="t")
    assert report.outcome == "committed", report.errors
    with engine.connect() as conn:
        _, pdf = build(conn, None, ORKNEY)
    text = " ".join(pdf_text(pdf).split())  # one line: table rows wrap where they like
    assert "Headline indicators: Orkney Islands and Scotland" in text
    # a figure of the same table that is not small is shown (so the checks below can fail):
    # 30 registrations among 4,237 children is 7.1 per 1,000
    assert "Registrations during the year to 31 July 2024-25 Rate per 1,000 7.1 " in text
    return text


def test_pack_for_an_area_never_shows_a_small_count(sample_engine):
    text = _orkney_pack_text(sample_engine, with_2026_population=True)
    # 3 children on the register: neither the count nor the rate implying it (3 / 4,237 x
    # 1,000 = 0.7), in the table or in the summary sentence
    assert "at 31 July 2024-25 Rate per 1,000 [c] " in text
    assert not re.search(r"(?<![\d.])0\.7(?!\d)", text), "a rate implying 3 children"
    assert not re.search(r"Orkney Islands[^;]* to (0\.7|3)(?![\d.])", text)


def test_pack_hides_an_uploaded_rate_that_implies_a_small_count(sample_engine):
    text = _orkney_pack_text(sample_engine, with_2026_population=True)
    assert "children aged 0-17 2025-26 Rate per 1,000 [c] " in text
    assert not re.search(r"(?<![\d.])0\.9(?!\d)", text), "a rate implying 4 children"


def test_pack_hides_an_implied_small_count_past_the_population_data(sample_engine):
    """No population for 2026: the rate's implied count uses the nearest year's population,
    as the rate shown does (once a bug: only the rate's own year was looked up)."""
    text = _orkney_pack_text(sample_engine, with_2026_population=False)
    assert "children aged 0-17 2025-26 Rate per 1,000 [c] " in text
    assert not re.search(r"(?<![\d.])0\.9(?!\d)", text), "a rate implying 4 children"
