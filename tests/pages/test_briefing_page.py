"""The Briefing page on the sample data: counts equal an independent count, the as-at selector
changes them to the historical ones, and every chart has its sentence and table."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter

import pytest
from sqlalchemy import text

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.rules import rag
from cpip_dashboard.store.db import make_engine
from tests.apptest import assert_frame_ran, tables, texts
from tests.files import xlsx


def independent_counts(url: str, day: dt.date) -> Counter:
    """Status per action as at `day`, counted with plain SQL and Python (not the app's query)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT u.action_ref, u.reporting_date, u.rag, u.batch_id FROM action_update u "
            "JOIN upload_batch b ON b.id = u.batch_id WHERE b.state = 'committed'")).all()
    engine.dispose()
    latest: dict[str, tuple] = {}
    for ref, when, status, batch in rows:
        when = when if isinstance(when, dt.date) else dt.date.fromisoformat(str(when))
        if when <= day and (ref not in latest or (when, batch) > latest[ref][:2]):
            latest[ref] = (when, batch, status)
    return Counter(status for _, _, status in latest.values())


def metric_values(at) -> dict[str, int]:
    """The RAG counts (the headline indicator tiles are metrics too)."""
    labels = {rag.label(name): name for name in rag.NAMES}
    return {labels[m.label]: int(m.value) for m in at.metric if m.label in labels}


@pytest.mark.parametrize("meeting", [None, dt.date(2018, 10, 2), dt.date(2017, 9, 21)])
def test_counts_equal_an_independent_count(make_app, sample_url, meeting):
    query = {"meeting": meeting.isoformat()} if meeting else None
    at = make_app(sample_url, query=query)
    assert_frame_ran(at)
    day = meeting or dt.date(2024, 9, 17)
    expected = independent_counts(sample_url, day)
    shown = metric_values(at)
    assert shown == {name: expected.get(name, 0) for name in rag.NAMES}
    assert at.title[0].value == f"Programme status at {day.day} {day:%B %Y}"


def test_as_at_selector_changes_to_historical_counts(make_app, sample_url):
    at = make_app(sample_url)
    latest = metric_values(at)
    at.selectbox(key="frame-meeting-control").set_value(dt.date(2018, 10, 2)).run()
    historical = metric_values(at)
    assert historical != latest
    assert historical == {n: independent_counts(sample_url, dt.date(2018, 10, 2)).get(n, 0)
                          for n in rag.NAMES}
    assert at.query_params["meeting"] == "2018-10-02"
    assert "21 June 2018" in texts(at)  # compared with the previous meeting


def test_headline_sentence_and_chart_summaries(make_app, sample_url):
    at = make_app(sample_url, query={"meeting": "2018-10-02"})
    counts = independent_counts(sample_url, dt.date(2018, 10, 2))
    attention = counts["Red"] + counts["Amber"]
    assert f"{attention} of {sum(counts.values())} actions are Amber or Red" in texts(at)
    charts = at.get("vega_lite_chart")
    assert charts, "no chart drawn"
    spec = json.loads(charts[0].proto.spec)
    assert spec.get("description"), "the chart has no accessible description"
    assert spec["description"] in texts(at)  # the same sentence is the caption
    assert "Needs attention" in [h.value for h in at.header]


def test_headline_indicators_for_an_area_against_scotland(make_app, sample_url):
    at = make_app(sample_url, query={"area": "S12000047"})
    assert "Headline indicators: Fife and Scotland" in [h.value for h in at.header]
    body = texts(at)
    assert "Fife" in body and "per 1,000" in body
    assert "Illustrative figures - not official statistics" in body


def test_empty_database_says_so(make_app, databases):
    at = make_app(databases.fresh("sqlite", sample=False))
    assert_frame_ran(at)
    body = texts(at)
    assert "No Leadership Group meetings are loaded" in body
    assert "No indicator data is loaded yet" in body


def test_meeting_pack_from_the_briefing(make_app, sample_url):
    at = make_app(sample_url, query={"meeting": "2018-10-02", "area": "CPC10"})
    next(b for b in at.button if b.label == "Prepare the meeting pack").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download the meeting pack (PDF)" in labels
    engine = make_engine(sample_url)
    with engine.connect() as conn:
        packs = conn.execute(text("SELECT meeting_date, area_code FROM meeting_pack")).all()
    engine.dispose()
    assert [(str(d), a) for d, a in packs] == [("2018-10-02", "CPC10")]


def test_packs_for_the_meeting_are_listed_and_given_back_byte_for_byte(make_app, sample_url):
    at = make_app(sample_url, query={"meeting": "2018-10-02"})
    assert "No pack has been prepared for this meeting yet." in texts(at)
    next(b for b in at.button if b.label == "Prepare the meeting pack").click().run()
    listed = next(d.value for d in at.dataframe if "sha256" in d.value.columns)
    assert list(listed["Meeting"]) == ["2 October 2018"]
    # the archived pack records the release of the indicators it shows
    assert list(listed["Indicators"]) == ["release 1, periods ending by 2 October 2018"]
    assert list(listed["Data since"]) == ["unchanged"]
    served = make_app.download(at, "Download this pack as circulated (PDF)")
    engine = make_engine(sample_url)
    with engine.connect() as conn:
        stored, sha = conn.execute(text("SELECT pdf, sha256 FROM meeting_pack")).one()
    engine.dispose()
    assert served == bytes(stored)
    assert hashlib.sha256(served).hexdigest() == sha == listed["sha256"][0]


def test_indicators_are_said_to_be_those_of_the_meeting(make_app, sample_url):
    at = make_app(sample_url, query={"meeting": "2018-10-02"})
    body = texts(at)
    assert "Headline indicators as at 2 October 2018: no release of this dashboard was in " \
           "force at the meeting" in body
    assert "for periods ending on or before 2 October 2018" in body
    assert not any("2023-24" in m.label for m in at.metric)
    # names, never codes, on the tiles and their links
    assert not any(link.label.startswith("More on CP_") for link in at.get("page_link"))
    assert "Children on the child protection register at 31 July" in [
        s.value for s in at.subheader]


def test_an_update_after_the_latest_meeting_is_on_the_briefing_under_now(make_app, sample_url):
    """Issue 22 §3: a Red update dated after the latest meeting appears under Now (and not at
    the meeting), with movement since the latest meeting."""

    engine = make_engine(sample_url)
    report = run_import(engine, "late.xlsx", xlsx({"Updates": [
        ["Action ID", "Reporting date", "RAG", "Commentary"],
        ["LEAD-2", "2024-10-15", "Red", "Slipped after the meeting."]]}), user="t")
    engine.dispose()
    assert report.outcome == "committed", report.errors
    at = make_app(sample_url)
    assert_frame_ran(at)
    at_meeting = metric_values(at)
    choices = at.selectbox(key="frame-meeting-control").options
    assert choices[0] == "Now (as at today)" and len(choices) > 2
    at.selectbox(key="frame-meeting-control").set_value("now").run()
    assert not at.exception
    now = metric_values(at)
    assert now["Red"] == at_meeting["Red"] + 1 and now["Green"] == at_meeting["Green"] - 1
    assert at.title[0].value.startswith("Programme status now (today, ")
    assert "Movement since the latest meeting" in [h.value for h in at.header]
    moved = next(frame for frame in tables(at) if "Movement" in frame.columns)
    assert list(moved["Ref"]) == ["LEAD-2"]
    assert at.query_params["meeting"] == ["now"] or at.query_params["meeting"] == "now"
    assert "Packs are prepared for meetings, not for Now" in texts(at)
    # a shared address opens on Now too
    again = make_app(sample_url, query={"meeting": "now"})
    assert metric_values(again) == now
