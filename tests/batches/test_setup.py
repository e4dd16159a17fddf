"""Bringing a database to a usable state, and the sample data's invariants."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.rules import rag
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.current import current_kind
from cpip_dashboard.store.models import (
    STATEMENT_CHECKED,
    ActionUpdate,
    Base,
    IndicatorValue,
    UploadBatch,
)
from cpip_dashboard.store.queries import area_directory, meetings
from tests.snapshots import snapshot


def test_init_db_sample_twice_changes_nothing(engine):
    first = init_db(engine, sample=True, user="test")
    assert first.outcome == "committed" and first.batch_id == 1
    before = snapshot(engine)
    assert init_db(engine, sample=True, user="test") is None
    assert snapshot(engine) == before


def test_init_db_without_sample_loads_reference_only(engine):
    init_db(engine, sample=False, user="test")
    tables = snapshot(engine)
    assert len(tables["area"]) == 63  # Scotland, 32 councils, 30 CPCs
    assert len(tables["workstream"]) == 9
    assert len(tables["review_criterion"]) == 17
    assert len([r for r in tables["indicator"]]) == 17
    assert not tables["upload_batch"]


def test_sample_is_one_illustrative_batch(sample_engine):
    with sample_engine.connect() as conn:
        batches = conn.execute(select(UploadBatch)).all()
    assert len(batches) == 1
    assert batches[0].illustrative and batches[0].state == "committed"


def test_councils_add_up_to_scotland(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(current_kind("indicators")).all()
        directory = area_directory(conn)
    councils = {a.code for a in directory.councils()}
    sums: dict[tuple, float] = defaultdict(float)
    scotland: dict[tuple, float] = {}
    for row in rows:
        key = (row.indicator_code, row.period)
        if row.area_code == SCOTLAND:
            scotland[key] = row.value
        elif row.area_code in councils and row.value is not None:
            sums[key] += row.value
    assert len(scotland) > 150
    for key, total in scotland.items():
        assert sums[key] == pytest.approx(total), key


def test_small_councils_produce_small_counts(sample_engine):
    """So that disclosure control has something to do."""
    with sample_engine.connect() as conn:
        values = conn.execute(select(IndicatorValue.value).where(
            IndicatorValue.area_code != SCOTLAND, IndicatorValue.value > 0,
            IndicatorValue.value < 5)).scalars().all()
    assert len(values) > 50


def test_ird_only_from_2023_24_and_aberdeenshire_missing(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(select(IndicatorValue).where(
            IndicatorValue.indicator_code == "IRD")).all()
    assert {r.period for r in rows} == {dt.date(2024, 7, 31)}
    aberdeenshire = [r for r in rows if r.area_code == "S12000034"]
    assert aberdeenshire[0].value is None and aberdeenshire[0].symbol == "x"


def test_every_started_action_has_a_status_at_every_meeting(sample_engine):
    with sample_engine.connect() as conn:
        updates = conn.execute(select(ActionUpdate)).all()
        meeting_dates = list(meetings(conn)["date"])
    by_action = defaultdict(list)
    for u in updates:
        by_action[u.action_ref].append((u.reporting_date, u.rag))
    assert len(by_action) == 47
    for ref, history in by_action.items():
        history.sort()
        started = next((d for d, r in history if r != "Not started"), None)
        assert started is not None, ref
        for meeting in meeting_dates:
            if meeting > started:
                assert any(d <= meeting for d, _ in history), (ref, meeting)
        assert all(status in rag.NAMES for _, status in history)


def test_red_and_amber_updates_have_commentary(sample_engine):
    with sample_engine.connect() as conn:
        missing = conn.execute(select(ActionUpdate).where(
            ActionUpdate.rag.in_(["Red", "Amber"]), ActionUpdate.commentary.is_(None))).all()
    assert missing == []


def test_every_council_has_every_criterion_assessed(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(current_kind("review")).all()
        directory = area_directory(conn)
    pairs = {(r.area_code, r.criterion_code) for r in rows}
    for council in directory.councils():
        for n in range(1, 18):
            assert (council.code, f"PR-{n:02d}") in pairs


def test_migrations_build_exactly_the_models(engine):
    """Alembic's migrations and the SQLAlchemy models describe the same schema, indexes
    included (an index dropped from a model needs its migration, and the other way round)."""


    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    if engine.dialect.name == "postgresql":  # these are checked by triggers there instead
        replaced = [d for d in differences if d[0] == "add_fk"
                    and d[1].name in STATEMENT_CHECKED]
        assert len(replaced) == len(STATEMENT_CHECKED)
        differences = [d for d in differences if d not in replaced]
    assert differences == []
    with engine.connect() as conn:
        indexes = {i["name"] for i in sa_inspect(conn).get_indexes("indicator_value")}
    assert indexes == {"ix_indicator_value_key_batch"}
