"""The meeting pack: the CLI's exit codes, what the PDF says (as text), the archive and the
audit trail, and disclosure control in the pack."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.rules import register
from cpip_dashboard.rules.tiles import Point
from cpip_dashboard.store.db import data_version, make_engine
from cpip_dashboard.store.models import AuditEvent, MeetingPack
from cpip_dashboard.store.queries import area_directory
from cpip_dashboard.views.common import headline_tiles, register_as_at
from cpip_dashboard.views.pack import (
    PackError,
    archived_packs,
    archived_pdf,
    build,
    make_and_archive,
    packs_table,
    sparkline,
)
from tests.cli_helpers import cli
from tests.conftest import fresh_engine
from tests.files import xlsx
from tests.pdf import pdf_text

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("pack")


def test_pack_cli_exit_codes(sample_url, tmp_path):
    out = tmp_path / "pack.pdf"
    made = cli(sample_url, "pack", "--meeting", "2018-10-05", "--area", "CPC05", str(out))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "as at 2018-10-02 for CPC05" in made.stdout
    assert out.read_bytes().startswith(b"%PDF")
    assert cli(sample_url, "pack", "--meeting", "2010-01-01", str(out)).returncode == 1
    assert cli(sample_url, "pack", "--area", "NOWHERE", str(out)).returncode == 1


@pytest.mark.both_databases  # the archive is kept in the database
def test_pack_is_archived_and_audited(sample_engine):
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


def test_pack_says_what_the_briefing_says(pack_2018):
    text, _ = pack_2018
    for expected in ("OFFICIAL-SENSITIVE", "programme status at 2 October 2018",
                     "Illustrative figures - not official statistics", "RAG by workstream",
                     "Movement since the last meeting", "Needs attention",
                     "Headline indicators: Scotland", "■ Red", "▲ Amber"):
        assert expected in text, expected
    assert "12 of 47 actions are Amber or Red, 3 more than at 21 June 2018." in text


ORKNEY = "S12000023"  # about 4,240 children: small numbers throughout


def _official_indicators(engine, with_2026_population: bool) -> bytes:
    """An official-looking indicators file for 2024-25 (and one rate for 2025-26): Orkney has
    3 children on the register, 30 registrations, and an uploaded register rate for 2025-26
    that implies 4 children; every other council has large counts."""

    with engine.connect() as conn:
        councils = [a.code for a in area_directory(conn).councils()]
    rows = [["Indicator", "Area", "Period", "Value"]]
    for i, code in enumerate(councils):
        orkney = code == ORKNEY
        rows.append(["CP_REGISTER", code, "2024-25", 3 if orkney else 100 + i])
        rows.append(["CP_REGISTRATIONS", code, "2024-25", 30 if orkney else 200 + i])
    rows.append(["CP_REGISTER", "Scotland", "2024-25", 3 + sum(100 + i for i in range(31))])
    rows.append(["CP_REGISTER_RATE", ORKNEY, "2025-26", 0.94])  # 0.94 x 4,237 / 1,000 = 4
    # a meeting after this release, so that its pack shows these figures (CONTRACT.md Time)
    sheets = {"Indicators": rows, "Meetings": [
        ["Date", "Title"], [(dt.date.today() + dt.timedelta(days=30)).isoformat(),
                            "Leadership Group (test)"]]}
    if with_2026_population:
        sheets["Populations"] = [["Area", "Year", "Children aged 0-17"], [ORKNEY, 2026, 4237]]
    return xlsx(sheets)


def _orkney_pack_text(engine, with_2026_population: bool) -> str:
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def orkney_pack(request, databases) -> str:
    """Orkney's pack with the official 2024-25 file and its 2026 population: built once per
    database for the module (two tests read it; each built it again before)."""

    with fresh_engine(databases, request.param, sample=True) as engine:
        return _orkney_pack_text(engine, with_2026_population=True)


def test_pack_for_an_area_never_shows_a_small_count(orkney_pack):
    text = orkney_pack
    # 3 children on the register: neither the count nor the rate implying it (3 / 4,237 x
    # 1,000 = 0.7), in the table, the change on the year before or the summary sentence (the
    # register's count for an area is its rate, shown once as the register rate indicator)
    assert "Children on the child protection register at 31 July" not in text
    assert ("2025-26 Rate per 1,000 [c] .. not comparable: the latest figure is suppressed"
            in text)
    assert not re.search(r"(?<![\d.])0\.7(?!\d)", text), "a rate implying 3 children"
    assert not re.search(r"Orkney Islands[^;]* to (0\.7|3)(?![\d.])", text)


def test_pack_hides_an_uploaded_rate_that_implies_a_small_count(orkney_pack):
    text = orkney_pack
    assert "children aged 0-17 2025-26 Rate per 1,000 [c] " in text
    assert not re.search(r"(?<![\d.])0\.9(?!\d)", text), "a rate implying 4 children"


def test_pack_hides_an_implied_small_count_past_the_population_data(sample_engine):
    """No population for 2026: the rate's implied count uses the nearest year's population,
    as the rate shown does (once a bug: only the rate's own year was looked up)."""
    text = _orkney_pack_text(sample_engine, with_2026_population=False)
    assert "children aged 0-17 2025-26 Rate per 1,000 [c] " in text
    assert not re.search(r"(?<![\d.])0\.9(?!\d)", text), "a rate implying 4 children"


# --- what a ministerial pack holds (issue 14) --------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(text.split())


def _section(text: str, start: str, end: str | None = None) -> str:
    begin = text.index(start)
    return text[begin:text.index(end, begin)] if end else text[begin:]


@pytest.fixture(scope="module")
def pack_2018(databases) -> tuple[str, list[str]]:
    """The Scotland pack as at 2 October 2018: its text as one line, and its pages' texts.
    Built once for the module (on SQLite: the tests only read it; building the same PDF for
    every test and both databases took a minute of the suite)."""



    engine = make_engine(databases.fresh("sqlite", sample=True))
    try:
        with engine.connect() as conn:
            _, pdf = build(conn, dt.date(2018, 10, 2), "S92000003", prepared_by="ana")
    finally:
        engine.dispose()
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return _normal("\n".join(pages)), pages


def test_the_cover_names_the_meeting_its_date_and_chair(sample_engine):
    with sample_engine.connect() as conn:
        _, pdf = build(conn, dt.date(2019, 9, 17), "S12000047", prepared_by="ana")


    cover = _normal(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    for expected in ("National Child Protection Leadership Group",
                     ("Meeting: National Child Protection Leadership Group (month from minutes; "
                     "day illustrative)"), "Date: Tuesday 17 September 2019",
                     "Chair: Maree Todd, Minister for Children and Young People",
                     "Area: Fife (with Scotland for comparison)", "Prepared by ana on ",
                     "Illustrative figures - not official statistics"):
        assert expected in cover, expected


def test_a_meeting_without_a_recorded_chair_says_so(pack_2018):
    _, pages = pack_2018
    assert "Chair: not recorded in the meeting list" in _normal(pages[0])


def test_no_action_title_is_cut(sample_engine, pack_2018):
    """Every title wraps whole: in Movement and Needs attention as in the annex (once they were
    cut at 110 and 90 characters mid-word)."""

    text, _ = pack_2018
    with sample_engine.connect() as conn:
        now = register_as_at(conn, dt.date(2018, 10, 2))["now"]
    titles = {ref: _normal(title) for ref, title in zip(now["ref"], now["title"], strict=True)}
    assert max(len(t) for t in titles.values()) > 400  # long titles, so the test can fail
    annex = _section(text, "Annex: the full action register")
    attention = _section(text, "Needs attention", "Planning review headlines")
    for ref, title in titles.items():
        assert f"{ref} {title}" in annex, ref

    for ref in register.exceptions(now)["ref"]:
        assert titles[ref] in attention, ref


def test_the_changes_are_the_briefings_words(pack_2018):
    """One Briefing (issue 21): the pack says the page's "+3 since 21 June 2018", not words
    of its own ("3 more" once)."""
    text, _ = pack_2018
    status = _section(text, "Programme status at 2 October 2018 - Scotland",
                      "RAG by workstream")
    for expected in ("✔ Complete 6 no change since 21 June 2018",
                     "● Green 29 -3 since 21 June 2018", "▲ Amber 10 +3 since 21 June 2018"):
        assert expected in status, expected
    assert not re.search(r"\b\d+ (more|fewer)\b", status.split("Meaning", 1)[1].split(
        "Action register")[0])


def test_indicators_are_those_of_the_meeting_with_their_source(pack_2018):
    """CONTRACT.md Time: the sample was loaded after the fact, so a 2018 pack shows the first
    release's figures for periods ending by the meeting, and says so."""
    text, _ = pack_2018
    block = _section(text, "Headline indicators: Scotland", "About these figures")
    assert ("Headline indicators as at 2 October 2018: no release of this dashboard was in "
            "force at the meeting (its data were loaded later), so these are the first "
            "release's figures (data version 1, published ") in block
    assert "for periods ending on or before 2 October 2018." in block
    assert "Source: illustrative figures generated by this dashboard's sample data" in block
    assert "Children on the child protection register at 31 July 2017-18 Number 2,530 down " \
        "101 (3.8%) on 2016-17" in block
    assert "2018-19" not in block and "2023-24" not in block
    assert "CP_REGISTER" not in block  # names, never codes


def test_the_planning_review_headlines_are_in_the_pack(pack_2018):
    text, _ = pack_2018
    block = _section(text, "Planning review headlines as at 2 October 2018 - Scotland",
                     "Headline indicators")
    assert "most often rated Weak or Unsatisfactory" in block
    assert re.search(r"Areas needing support \(2 or more Weak or Unsatisfactory ratings\): "
                     r"\d+ of 32 areas assessed", block)


def test_the_annex_holds_the_whole_register_as_at_the_meeting(sample_engine, pack_2018):
    text, _ = pack_2018
    annex = _section(text, "Annex: the full action register as at 2 October 2018 - Scotland")
    with sample_engine.connect() as conn:
        now = register_as_at(conn, dt.date(2018, 10, 2))["now"]
    assert f"{len(now)} actions." in annex
    for ref in now["ref"]:
        assert re.search(rf"\b{re.escape(ref)}\b", annex), ref


def test_an_areas_pack_has_a_scotland_column(sample_engine):
    with sample_engine.connect() as conn:
        _, pdf = build(conn, None, "CPC14")
        scotland = {t.code: t for t in headline_tiles(conn, "S92000003")}
        fife = {t.code: t for t in headline_tiles(conn, "CPC14")}
    text = _normal(pdf_text(pdf))
    block = _section(text, "Headline indicators: Fife Child Protection Committee and Scotland",
                     "About these figures")
    assert ("Indicator Period Measure Fife Child Protection Committee Scotland Change on the "
            "year before Trend Status") in block
    rate = fife["CP_REGISTER_RATE"]
    assert (f"{rate.period_text} Rate per 1,000 {rate.value_text} "
            f"{scotland['CP_REGISTER_RATE'].value_text} {rate.change_text}") in block


def test_the_same_data_version_gives_the_same_text_but_for_who_prepared_it(sample_engine):
    with sample_engine.connect() as conn:
        _, first = build(conn, None, "S12000047", prepared_by="ana",
                         prepared_at=dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC))
        _, second = build(conn, None, "S12000047", prepared_by="ben")
    one, two = pdf_text(first).splitlines(), pdf_text(second).splitlines()
    assert len(one) == len(two) > 100
    differ = [(a, b) for a, b in zip(one, two, strict=True) if a != b]
    assert len(differ) == 1
    assert differ[0][0] == "Prepared by ana on 1 March 2025 at 09:00 UTC, from data version 1."
    assert differ[0][1].startswith("Prepared by ben on ")


P = Point


@pytest.mark.parametrize("values,lines,dots", [
    ([1.0, 2.0, 3.0], 1, 1),  # one line and the latest dotted
    ([1.0, None, 3.0, 4.0], 1, 2),  # a gap: the lone point is a dot, then a line
    ([1.0, 2.0, None, 3.0, 4.0], 2, 1),
    ([None, None, 5.0], 0, 0),  # fewer than two values: no sparkline
    ([], 0, 0),
])
def test_sparkline_draws_published_values_with_gaps(values, lines, dots):
    points = tuple(P(dt.date(2010 + i, 7, 31), str(i), v, v is None)
                   for i, v in enumerate(values))
    svg = sparkline(points)
    if sum(v is not None for v in values) < 2:
        assert svg is None
        return
    text = svg.decode()
    assert text.count("<polyline") == lines
    assert text.count('r="1.5"') + text.count('r="3"') == dots


# --- the archive: packs can be found again ---------------------------------------------------


@pytest.mark.both_databases  # the archive is kept in the database
def test_archived_packs_are_listed_and_given_back_byte_for_byte(sample_engine):
    first_day, first = make_and_archive(sample_engine, dt.date(2018, 10, 5), "S92000003", "ana")
    _, second = make_and_archive(sample_engine, None, "S12000047", "ben")
    with sample_engine.connect() as conn:
        listed = archived_packs(conn)
        for_meeting = archived_packs(conn, dt.date(2018, 10, 20))  # resolves to 2 October
        before_any = archived_packs(conn, dt.date(2000, 1, 1))
        assert archived_pdf(conn, listed[1].pack_id) == first
        assert archived_pdf(conn, listed[0].pack_id) == second
        table = packs_table(listed, area_directory(conn))
    assert [(p.meeting, p.area, p.user) for p in listed] == [
        (dt.date(2024, 9, 17), "S12000047", "ben"), (first_day, "S92000003", "ana")]
    assert listed[1].bytes == len(first) and listed[1].sha256 == hashlib.sha256(first).hexdigest()
    assert not any(p.data_changed for p in listed)
    assert [p.pack_id for p in for_meeting] == [listed[1].pack_id] and before_any == []
    assert list(table["Area"]) == ["Fife", "Scotland"]
    assert set(table["Data since"]) == {"unchanged"}
    # each records the release of its indicators (the sample was loaded after the meetings)
    assert [(p.figures_release, p.figures_until) for p in listed] == [
        (1, dt.date(2024, 9, 17)), (1, first_day)]

    report = run_import(sample_engine, "meeting.xlsx", xlsx({"Meetings": [
        ["Date", "Title"], [dt.date(2025, 3, 18), "Next meeting"]]}), user="t")
    assert report.outcome == "committed"
    with sample_engine.connect() as conn:
        assert all(p.data_changed for p in archived_packs(conn))
        # still the very bytes circulated
        assert archived_pdf(conn, listed[1].pack_id) == first
    with sample_engine.connect() as conn, pytest.raises(PackError, match="no archived"):
        archived_pdf(conn, 999)


def test_packs_and_archived_pack_on_the_command_line(sample_url, tmp_path):
    out = tmp_path / "pack.pdf"
    assert cli(sample_url, "pack", "--meeting", "2018-10-05", "--user", "ana",
               str(out)).returncode == 0
    listing = cli(sample_url, "packs", "--json")
    assert listing.returncode == 0
    packs = json.loads(listing.stdout)
    assert len(packs) == 1
    assert set(packs[0]) == {"pack_id", "meeting", "area", "user", "created_at",
                             "data_version", "sha256", "bytes"}
    assert (packs[0]["meeting"], packs[0]["area"], packs[0]["user"]) == (
        "2018-10-02", "S92000003", "ana")
    assert packs[0]["created_at"].endswith("Z") and packs[0]["bytes"] == out.stat().st_size
    assert json.loads(cli(sample_url, "packs", "--meeting", "2019-02-01", "--json").stdout) == []
    assert len(json.loads(cli(sample_url, "packs", "--meeting", "2019-01-01", "--json").stdout)) == 1
    assert "data version" in cli(sample_url, "packs").stdout

    again = tmp_path / "again.pdf"
    got = cli(sample_url, "pack", "--archived", str(packs[0]["pack_id"]), str(again))
    assert got.returncode == 0, got.stdout
    assert again.read_bytes() == out.read_bytes()
    assert hashlib.sha256(again.read_bytes()).hexdigest() == packs[0]["sha256"]
    missing = tmp_path / "missing.pdf"
    assert cli(sample_url, "pack", "--archived", "99", str(missing)).returncode == 1
    assert not missing.exists()
    assert cli(sample_url, "pack", "--archived", "1", "--area", "CPC05",
               str(missing)).returncode == 2
