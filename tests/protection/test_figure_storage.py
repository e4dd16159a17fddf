"""A count row that stands for its empty rate (migration 0010): where no child population is
loaded a count indicator's rate is `..` with nothing behind it, and it is stored on its count
row (`rate_empty`) instead of a row of its own. Every reader gives the rate back exactly as a
row of its own would have given it, in every data version; when the rate gains a value the
count row ends with it and is written again."""

from __future__ import annotations

import math

from sqlalchemy import func, select

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.protection import publication
from cpip_dashboard.store.models import PublishedFigure
from cpip_dashboard.store.reference import directory
from tests.files import csv

COUNCILS = [a.code for a in directory().councils()]
PERIOD = "2023-24"


def stored(conn, **where) -> int:
    return conn.execute(select(func.count(PublishedFigure.id)).where(
        PublishedFigure.indicator_code == "CP_REGISTER",
        *[getattr(PublishedFigure, k) == v for k, v in where.items()])).scalar_one()


def test_an_empty_rate_is_stored_on_its_count_and_read_back_in_every_version(engine):
    values = [["Indicator", "Area", "Period", "Value"]] + [
        ["CP_REGISTER", code, PERIOD, 100 + k] for k, code in enumerate(COUNCILS)]
    first = run_import(engine, "v.csv", csv(values), user="t")
    assert first.outcome == "committed", first.as_json()
    with engine.connect() as conn:
        version = int(publication.version(conn))
        counts = stored(conn, measure="count")
        # no population: every rate is empty, and stored on its count row
        assert counts >= len(COUNCILS) and stored(conn, measure="rate") == 0
        assert stored(conn, measure="count", rate_empty=True) == counts
        rates = publication.series(conn, "CP_REGISTER", "rate")
        assert len(rates) == counts
        assert rates["value"].isna().all() and set(rates["symbol"]) == {".."}
        assert not rates["suppressed"].any() and rates["population"].isna().all()
        shown = publication.series(conn, "CP_REGISTER", "count")
        assert len(shown) == counts and shown["value"].notna().all()
        # the rate shows the count beside it, as a rate row of its own did
        assert list(rates["count"]) == list(shown["value"])
        fife = publication.area_series(conn, [("CP_REGISTER", "rate"),
                                              ("CP_REGISTER", "count")], ("S12000047",))
        assert list(fife[("CP_REGISTER", "rate")]["symbol"]) == [".."]
        assert list(fife[("CP_REGISTER", "count")]["value"]) == [100 + COUNCILS.index(
            "S12000047")]
        every = publication.stored_rows(conn, codes={"CP_REGISTER"})
        pairs = every[every["indicator_code"] == "CP_REGISTER"]
        assert list(pairs["measure"]) == ["count", "rate"] * counts  # each rate after its count
        assert (pairs["truth"].iloc[0::2].to_numpy() == pairs["truth"].iloc[1::2]
                .to_numpy()).all()
        before = [f for f in publication.figures_of(conn) if f["indicator"] == "CP_REGISTER"]
    assert [f["symbol"] for f in before if f["measure"] == "rate"] == [".."] * counts

    populations = [["Area", "Year", "Children aged 0-17"]] + [
        [code, 2024, 20_000 + k] for k, code in enumerate(COUNCILS)]
    second = run_import(engine, "p.csv", csv(populations), user="t")
    assert second.outcome == "committed", second.as_json()
    with engine.connect() as conn:
        rates = publication.series(conn, "CP_REGISTER", "rate")
        councils = rates[rates["area_code"].isin(COUNCILS)]
        assert councils["value"].notna().all() and len(councils) == len(COUNCILS)
        fife = councils[councils["area_code"] == "S12000047"].iloc[0]
        k = COUNCILS.index("S12000047")
        assert math.isclose(fife["value"], round((100 + k) / (20_000 + k) * 1000, 1))
        # the count rows that stood for those rates ended with them and were written again
        assert stored(conn, measure="count", rate_empty=True, valid_to=None) == 0
        assert stored(conn, measure="count", valid_to=None) == counts
        # the earlier data version reads as it was published
        again = [f for f in publication.figures_of(conn, version)
                 if f["indicator"] == "CP_REGISTER"]
    assert again == before
