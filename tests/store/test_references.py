"""An indicator value's area and batch, and a published figure's publication, must exist, and a
row they refer to cannot be deleted or have its key changed (migration 0012_perf: triggers, once
per statement on PostgreSQL, where foreign keys were). On both databases, as the owner would
write behind the dashboard (the app's role may not delete or change keys at all)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from cpip_dashboard.store.models import (
    Area,
    IndicatorValue,
    Publication,
    PublishedFigure,
    UploadBatch,
)
from tests.conftest import behind_the_dashboard, fresh_engine

COUNCIL = "S12000047"  # Fife


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def refs_engine(request, databases):
    with fresh_engine(databases, request.param, sample=True) as engine:
        yield engine


def _ids(engine) -> tuple[int, int]:
    """The latest batch, and a publication some figure rows were first published by."""
    with engine.connect() as conn:
        return (conn.execute(select(func.max(UploadBatch.id))).scalar(),
                conn.execute(select(func.min(PublishedFigure.publication_id))).scalar())


def _value(batch_id: int, area: str = COUNCIL, **changes) -> dict:
    return dict(indicator_code="CP_REGISTER", area_code=area, period=dt.date(2031, 7, 31),
                value=1.0, batch_id=batch_id, **changes)


def _figure(publication_id: int) -> dict:
    return dict(publication_id=publication_id, indicator_code="CP_REGISTER", measure="count",
                area_code=COUNCIL, period=dt.date(2031, 7, 31), value=1.0, suppressed=False,
                illustrative=False)


def _refused(engine, *statements) -> None:
    with pytest.raises(DBAPIError), behind_the_dashboard(engine) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.parametrize("row", ["unknown area", "unknown batch", "one bad row of three"])
def test_a_value_whose_area_or_batch_does_not_exist_is_refused(refs_engine, row):
    batch, _ = _ids(refs_engine)
    rows = {"unknown area": [_value(batch, area="S99999999")],
            "unknown batch": [_value(batch + 1000)],
            "one bad row of three": [_value(batch), _value(batch, area="X"), _value(batch)]}[row]
    _refused(refs_engine, insert(IndicatorValue).values(rows))


def test_a_figure_whose_publication_does_not_exist_is_refused(refs_engine):
    _, publication = _ids(refs_engine)
    _refused(refs_engine, insert(PublishedFigure).values([_figure(publication + 1000)]))
    _refused(refs_engine, PublishedFigure.__table__.update()
             .where(PublishedFigure.id == select(func.min(PublishedFigure.id))
                    .scalar_subquery()).values(publication_id=publication + 1000))


def test_a_value_moved_to_an_unknown_area_is_refused(refs_engine):
    _refused(refs_engine, IndicatorValue.__table__.update()
             .where(IndicatorValue.id == select(func.min(IndicatorValue.id)).scalar_subquery())
             .values(area_code="S99999999"))


class _Undo(Exception):
    """Rolls a test's own writes back."""


def test_rows_with_their_references_are_written(refs_engine):
    batch, publication = _ids(refs_engine)
    with pytest.raises(_Undo), behind_the_dashboard(refs_engine) as conn:
        conn.execute(insert(IndicatorValue).values([_value(batch), _value(batch)]))
        conn.execute(insert(PublishedFigure).values([_figure(publication)]))
        assert conn.execute(select(func.count()).select_from(IndicatorValue).where(
            IndicatorValue.period == dt.date(2031, 7, 31))).scalar() == 2
        raise _Undo


def test_a_referenced_area_batch_or_publication_cannot_go(refs_engine):
    batch, publication = _ids(refs_engine)
    _refused(refs_engine, Area.__table__.delete().where(Area.code == COUNCIL))
    _refused(refs_engine, Area.__table__.update().where(Area.code == COUNCIL)
             .values(code="S99999999"))
    _refused(refs_engine, UploadBatch.__table__.delete().where(UploadBatch.id == 1))
    _refused(refs_engine, UploadBatch.__table__.update().where(UploadBatch.id == 1)
             .values(id=batch + 1000))
    _refused(refs_engine, Publication.__table__.delete().where(Publication.id == publication))
    _refused(refs_engine, Publication.__table__.update().where(Publication.id == publication)
             .values(id=publication + 1000))
