"""A commit's publication takes the indicator values its import wrote (`figures.Held`) instead of
reading them back: the values behind the figures are exactly those read back, whatever the
batch adds, changes or leaves unchanged; a batch that is not the latest committed one is read
back instead."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from cpip_dashboard.batches import pipeline
from cpip_dashboard.protection import figures
from cpip_dashboard.store.models import IndicatorValue
from cpip_dashboard.store.queries import current_indicators
from cpip_dashboard.store.reference import directory
from tests.files import csv

COUNCILS = [a.code for a in directory().councils()]


def _held(conn, batch_id: int) -> figures.Held:
    """What the import held for `batch_id`: the rows it wrote, in the file's order."""
    rows = conn.execute(select(*[getattr(IndicatorValue, c) for c in pipeline.HELD_COLUMNS])
                        .where(IndicatorValue.batch_id == batch_id)
                        .order_by(IndicatorValue.id.desc())).all()
    return figures.Held(batch_id, {name: list(column) for name, column in zip(
        pipeline.HELD_COLUMNS, zip(*rows, strict=True), strict=True)})


def test_values_held_are_the_values_read_back(sample_engine, monkeypatch):
    seen = []
    load = figures.load

    def spy(conn, codes=None, held=None):
        seen.append(held)
        return load(conn, codes, held)

    monkeypatch.setattr(figures, "load", spy)
    with sample_engine.connect() as conn:
        current = figures._current_values(conn, {"CP_REGISTER"})
    rows = current[current["area_code"].isin(COUNCILS) & current["value"].notna()]
    latest = rows[rows["period"] == rows["period"].max()]
    # half the councils' latest counts changed, half the same, and a new period for one
    values = [["Indicator", "Area", "Period", "Value"]]
    for k, row in enumerate(latest.itertuples(index=False)):
        values.append(["CP_REGISTER", row.area_code, row.period.isoformat(),
                       int(row.value) + (k % 2)])
    values.append(["CP_REGISTER", COUNCILS[0], "2031-07-31", 40])
    report = pipeline.run_import(sample_engine, "revision.csv", csv(values), user="t",
                                 approval="single")
    assert report.outcome == "committed", report.as_json()
    assert report.totals()["unchanged"] == len(latest) // 2
    assert seen and seen[-1] is not None and seen[-1].batch_id == report.batch_id
    assert len(seen[-1].columns["indicator_code"]) == report.totals()["added"] \
        + report.totals()["changed"]
    with sample_engine.connect() as conn:
        codes = figures.family(current_indicators(conn), {"CP_REGISTER"})
        read = figures._current_values(conn, codes)
        held = figures._current_values(conn, codes, _held(conn, report.batch_id))
        pd.testing.assert_frame_equal(held, read)
        assert len(read) > len(seen[-1].columns["indicator_code"])  # others read too
        # indicators the batch did not write: none of its rows added to theirs
        others = codes - {"CP_REGISTER"}
        assert others
        pd.testing.assert_frame_equal(
            figures._current_values(conn, others, _held(conn, report.batch_id)),
            figures._current_values(conn, others))
        # every indicator (a publication from scratch): the same as reading them all back
        pd.testing.assert_frame_equal(
            figures._current_values(conn, None, _held(conn, report.batch_id)),
            figures._current_values(conn, None))
        # an earlier batch is not the latest committed one: read back, the same values
        earlier = _held(conn, report.batch_id)
        earlier.batch_id = 1
        earlier.columns["value"] = [v + 1000 for v in earlier.columns["value"]]
        pd.testing.assert_frame_equal(figures._current_values(conn, codes, earlier), read)


@pytest.mark.parametrize("order", ["as written", "reversed"])
def test_held_values_come_in_key_order(sample_engine, order):
    values = [["Indicator", "Area", "Period", "Value"]] + [
        ["CP_REGISTER", code, "2031-07-31", 50 + k] for k, code in enumerate(COUNCILS)]
    if order == "reversed":
        values = values[:1] + values[:0:-1]
    report = pipeline.run_import(sample_engine, "new.csv", csv(values), user="t",
                                 approval="single")
    assert report.outcome == "committed", report.as_json()
    with sample_engine.connect() as conn:
        frame = figures._current_values(conn, {"CP_REGISTER"}, _held(conn, report.batch_id))
    keys = list(zip(frame["indicator_code"], frame["area_code"], frame["period"], strict=True))
    assert keys == sorted(keys)
    assert frame[frame["period"].astype(str) == "2031-07-31"]["value"].tolist() == [
        50.0 + COUNCILS.index(code) for code in sorted(COUNCILS)]


def test_two_values_come_in_key_order(engine):
    """One value read back and one held, the held one first by key: still in key order."""
    first, second = sorted(COUNCILS)[:2]
    for area in (second, first):
        report = pipeline.run_import(engine, "one.csv", csv(
            [["Indicator", "Area", "Period", "Value"], ["CP_REGISTER", area, "2031-07-31", 50]]),
            user="t", approval="single")
        assert report.outcome == "committed", report.as_json()
    with engine.connect() as conn:
        frame = figures._current_values(conn, None, _held(conn, report.batch_id))
    assert frame["area_code"].tolist() == [first, second]
