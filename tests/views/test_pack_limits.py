"""Meeting packs whatever the commentary's length, prepared by the roles CONTRACT.md names and
archived once per meeting, area and data version (issue 20 §1)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from cpip_dashboard.auth import Identity
from cpip_dashboard.rules import register
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import AuditEvent, MeetingPack
from cpip_dashboard.views.common import register_as_at
from cpip_dashboard.views.pack import PackError, make_and_archive, pack_refusal
from tests.pdf import pdf_text


def long_commentary(length: int, end: str) -> str:
    words = ("word" + " ") * (length // 5)
    return (words + "x" * length)[:length - len(end)] + end


def test_a_long_commentary_continues_onto_the_next_pages(sqlite_sample_url):
    """On main: "row too high" for every meeting and every role. Two actions the pack lists
    with commentary, in one pack: one of 4,000 characters, one of a spreadsheet cell's most
    (32,767) ending in an unbroken word, under a title of one word wider than its column."""
    engine = make_engine(sqlite_sample_url)
    with engine.begin() as conn:
        refs = register.exceptions(register_as_at(conn, None)["now"])["ref"].iloc[:2].tolist()
        for ref, length, end in zip(refs, (4_000, 32_767), ("ENDONE", "ENDTWO"), strict=True):
            conn.execute(text("UPDATE action_update SET commentary = :c WHERE action_ref = :r"),
                         {"c": long_commentary(length, end), "r": ref})
        conn.execute(text("UPDATE action SET title = :t WHERE ref = :r"),
                     {"t": "T" * 2_000, "r": refs[1]})  # one unbroken word, wider than its column
    try:
        _, pdf = make_and_archive(engine, None, "S92000003", "ana")
    finally:
        engine.dispose()
    assert pdf.startswith(b"%PDF")
    shown = pdf_text(pdf).replace("\n", "")
    assert "ENDONE" in shown and "ENDTWO" in shown


def _person(role, area=None, signed_in=True):
    return Identity(signed_in=signed_in, email="p@example.org", name="Pat", role=role, area=area)


@pytest.mark.parametrize("actor,area,allowed", [
    (_person("secretariat"), "S12000047", True),
    (_person("minister_office"), "S92000003", True),
    (_person("committee", "S12000047"), "S12000047", True),
    (_person("committee", "S12000047"), "S92000003", False),
    (_person("committee", "S12000047"), "S12000036", False),
    (_person(None), "S92000003", False),
    (_person("secretariat", signed_in=False), "S92000003", False),
    ("cli-user", "S92000003", True),
    (" ", "S92000003", False),
])
def test_who_may_prepare_a_pack(actor, area, allowed):
    assert (pack_refusal(actor, area) is None) is allowed


@pytest.mark.both_databases  # the archive and the roles are the database's
def test_the_archive_refuses_a_role_on_the_server_and_keeps_one_pack(sample_engine):
    """The check is in the function that archives (not only the page); asking again for the
    same meeting, area and data version returns the pack archived, and archives nothing."""
    with pytest.raises(PackError, match="own committee's area only"):
        make_and_archive(sample_engine, None, "S92000003", _person("committee", "S12000047"))
    with sample_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(MeetingPack)).scalar() == 0
    day, first = make_and_archive(sample_engine, None, "S12000047",
                                  _person("committee", "S12000047"))
    again_day, again = make_and_archive(sample_engine, None, "S12000047", "ben")
    assert (again_day, again) == (day, first)
    with sample_engine.connect() as conn:
        packs = conn.execute(select(MeetingPack.created_by, MeetingPack.once_key)).all()
        events = conn.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.event == "pack")).scalar()
    assert len(packs) == 1 and events == 1
    assert packs[0].once_key.startswith(f"{day.isoformat()}|S12000047|")
    _, other = make_and_archive(sample_engine, dt.date(2018, 10, 5), "S12000047", "ben")
    assert other != first  # another meeting is another pack
