"""The publication's rules that need no database, one at a time: an unprotected cell in words
and as JSON, numbers as stored, an empty rate carried by its count (written, read back, ended
with it), and the columns as stored.

Written for mutation testing (issue 24; `make mutate MODULE=publication`): the publication's
own tests go through a database and the sample; these pin each branch in well under a second.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, select, update

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.protection import figures, publication
from cpip_dashboard.protection.sdc import Finding
from cpip_dashboard.rules.measures import SERIES_COLUMNS
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import (
    Indicator,
    IndicatorValue,
    Publication,
    PublishedFigure,
    UploadBatch,
)
from cpip_dashboard.store.reference import directory
from tests.conftest import fresh_engine
from tests.files import csv

P = dt.date(2024, 7, 31)
FIFE = "S12000047"
CLACKS = "S12000005"
V = ("n", "CP_REGISTER", "S1", P)


def cell(indicator="CP_REGISTER", measure="count", area="S1", period="2024-07-31",
         interval=(3, 3), relations=("areas",)):
    return {"indicator": indicator, "measure": measure, "area": area, "period": period,
            "interval": list(interval), "relations": list(relations)}


@pytest.mark.parametrize(("given", "words"), [
    (cell(), ("CP_REGISTER (count) for S1, period ending 2024-07-31 could be worked out to 3 "
              "to 3 from what would be published (areas)")),
    (cell(interval=(None, 4), relations=("areas", "stock_flow")),
     ("CP_REGISTER (count) for S1, period ending 2024-07-31 cannot be bounded from what would "
      "be published (areas, stock_flow)")),
    (cell(interval=(2, None), relations=()),
     ("CP_REGISTER (count) for S1, period ending 2024-07-31 cannot be bounded from what would "
      "be published (the figures shown)")),
    (cell(indicator="a block", area=None, interval=(1, 2)),
     "a block could be worked out to 1 to 2 from what would be published (areas)"),
])
def test_cell_finding(given, words):
    assert publication.cell_finding(given) == words
    assert publication.cell_sentence(given) == (
        f"{words}, so this change cannot be published: nothing was loaded. Ask the analyst who "
        "prepared the figures to suppress or combine them first.")


def test_unpublishable_says_each_cell():
    cells = [cell(area=f"S{i}") for i in range(5)]
    refused = publication.Unpublishable(cells, ["a note"])
    assert str(refused) == "5 figures could not be protected"
    assert refused.notes == ["a note"] and refused.cells == cells
    assert refused.sentences() == [publication.cell_sentence(c) for c in cells]
    words = [publication.cell_finding(c) for c in cells]
    assert publication.refusal_text(refused) == (
        "the figures left would not be protected from disclosure: " + "; ".join(words[:3])
        + "; and 2 more.")
    assert publication.refusal_text(refused, most=4) == (
        "the figures left would not be protected from disclosure: " + "; ".join(words[:4])
        + "; and 1 more.")
    assert publication.refusal_text(refused, most=5) == (
        "the figures left would not be protected from disclosure: " + "; ".join(words) + ".")
    one = publication.Unpublishable(cells[:1], [])
    assert publication.refusal_text(one) == (
        f"the figures left would not be protected from disclosure: {words[0]}.")


@pytest.mark.parametrize(("value", "number"), [
    (None, None), (math.nan, None), (math.inf, None), (-math.inf, None), (3.0, 3), (0.0, 0),
    (-2.0, -2), (2.5, 2.5), (np.float64(4.0), 4)])
def test_number(value, number):
    result = publication._number(value)
    assert result == number
    assert type(result) is type(number) or isinstance(number, float)


@pytest.mark.parametrize(("finding", "json"), [
    (Finding(("CP_REGISTER", "count", "S1", P), 3.0, 3.0, False,
             note="bounded by: areas: CP_REGISTER 2024-07-31; stock_flow: S1 2024-07-31"),
     {"indicator": "CP_REGISTER", "area": "S1", "period": "2024-07-31", "measure": "count",
      "interval": [3, 3], "relations": ["areas", "stock_flow"]}),
    (Finding(("CP_REGISTER", "rate", "S1", P), 2.5, math.inf, False, note=""),
     {"indicator": "CP_REGISTER", "area": "S1", "period": "2024-07-31", "measure": "rate",
      "interval": [2.5, None], "relations": []}),
    (Finding(("earlier", "CP_REGISTER", "percent", "S1", P, 7), 1.0, 2.0, False,
             note="bounded by: x: a; x: b"),
     {"indicator": "CP_REGISTER", "area": "S1", "period": "2024-07-31", "measure": "percent",
      "interval": [1, 2], "relations": ["x"]}),
    (Finding(("small", V), 0.0, 4.0, False, note="no colon here"),
     {"indicator": "CP_REGISTER", "area": "S1", "period": "2024-07-31", "measure": "count",
      "interval": [0, 4], "relations": []}),
    (Finding(("withheld", V), math.nan, math.nan, False, note="infeasible: areas: x"),
     {"indicator": "CP_REGISTER", "area": "S1", "period": "2024-07-31", "measure": "count",
      "interval": [None, None], "relations": ["infeasible"]}),
    (Finding(("complement", ("n", "CONCERN_X", "S2", P), ("n", "CP_REGISTER", "S2", P)), 1.0,
             2.0, False, note=""),
     {"indicator": "CP_REGISTER - CONCERN_X", "area": "S2", "period": "2024-07-31",
      "measure": "count", "interval": [1, 2], "relations": []}),
    (Finding("a block", 1.5, 2.0, False, note="why"),
     {"indicator": "a block", "area": None, "period": None, "measure": None,
      "interval": [1.5, 2.0], "relations": []}),
    (Finding(("CP_REGISTER", "count", "S1", "2024-07-31"), 1.0, 2.0, False, note=""),
     {"indicator": "('CP_REGISTER', 'count', 'S1', '2024-07-31')", "area": None,
      "period": None, "measure": None, "interval": [1.0, 2.0], "relations": []}),
    (Finding((), 1.0, 2.0, False, note=""),
     {"indicator": "()", "area": None, "period": None, "measure": None,
      "interval": [1.0, 2.0], "relations": []}),
])
def test_finding_json_and_text(finding, json):
    assert publication.finding_json(finding) == {**json, "why": finding.note}
    low, high = json["interval"]
    text = (f"{json['indicator']}: could be pinned down" if json["area"] is None else
            f"{json['indicator']} ({json['measure']}) for {json['area']}, period ending "
            f"{json['period']}: could be pinned to {low} to {high}")
    assert publication.finding_text(finding) == text


@pytest.mark.parametrize(("symbol", "shown"), [
    (None, ".."), ("", ".."), (math.nan, ".."), ("c", "c"), ("*", "*"), ("..", ".."),
    (3, "..")])
def test_rate_symbol(symbol, shown):
    assert figures.unavailable_symbol(symbol) == shown


STORED = ["id", "indicator_code", "measure", "area_code", "period", "value", "symbol",
          "suppressed", "population", "population_year", "base", "den_truth", "count",
          "rate_empty"]


def stored(rows):
    return pd.DataFrame([dict(zip(STORED, r, strict=True)) for r in rows], columns=STORED)


def test_empty_rates_come_back_after_their_counts():
    frame = stored([
        (1, "A", "count", "S1", P, 3.0, None, False, None, None, None, None, 3.0, True),
        (2, "A", "count", "S2", P, None, "c", False, None, None, None, None, None, True),
        (3, "A", "rate", "S3", P, 1.5, None, False, 2000.0, 2024, None, None, 3.0, False),
        (4, "B", "count", "S1", P, 5.0, None, False, None, None, None, None, 5.0, None)])
    result = publication._with_empty_rates(frame)
    assert "rate_empty" not in result.columns
    assert result["id"].tolist() == [1, -1, 2, -2, 3, 4]
    assert result["measure"].tolist() == ["count", "rate", "count", "rate", "rate", "count"]
    assert [s if isinstance(s, str) else None for s in result["symbol"]][:4] == [
        None, "..", "c", "c"]
    rates = result[result["id"] < 0]
    assert rates["value"].isna().all() and rates["population"].isna().all()
    assert not rates["suppressed"].astype(bool).any()
    assert rates["count"].tolist()[0] == 3.0  # the count behind it stays
    assert list(result.index) == list(range(6))
    plain = stored([(4, "B", "count", "S1", P, 5.0, None, False, None, None, None, None, 5.0,
                     False)])
    assert publication._with_empty_rates(plain).equals(plain.drop(columns="rate_empty"))
    empty = stored([])
    assert list(publication._with_empty_rates(empty).columns) == STORED[:-1]


def test_series_rows_give_an_empty_rate_when_rates_are_asked_for():
    columns = ["measure", "area_code", "period", "value", "symbol", "suppressed",
               "population", "population_year", "base", "count"]
    rows = [("count", "S1", P, 3.0, None, False, None, None, None, 3.0, True),
            ("count", "S2", P, None, "c", False, None, None, None, None, True),
            ("count", "S3", P, 7.0, None, False, None, None, None, 7.0, False),
            ("rate", "S3", P, 1.5, None, False, 2000.0, 2024, None, 7.0, False)]
    rates = publication._series_rows(rows, columns, {"rate"})
    assert rates["measure"].tolist() == ["rate", "rate", "rate"]
    assert rates["area_code"].tolist() == ["S1", "S2", "S3"]
    assert rates["symbol"].tolist()[:2] == ["..", "c"]
    assert rates["value"].isna().tolist() == [True, True, False]
    assert rates["value"].tolist()[2] == 1.5
    assert rates["count"].fillna(-1).tolist() == [3.0, -1, 7.0]
    counts = publication._series_rows(rows, columns, {"count"})
    assert counts["measure"].tolist() == ["count"] * 3
    assert counts["value"].tolist()[0] == 3.0
    both = publication._series_rows(rows, columns, {"count", "rate"})
    assert list(zip(both["measure"], both["area_code"], strict=True)) == [
        ("rate", "S1"), ("count", "S1"), ("rate", "S2"), ("count", "S2"), ("count", "S3"),
        ("rate", "S3")]
    assert publication._series_rows([], columns, {"rate"}).empty


def current(rows):
    return pd.DataFrame(rows, columns=["id", "indicator_code", "measure", "area_code",
                                       "period"])


def test_a_count_and_its_empty_rate_end_together():
    rows = current([(1, "A", "count", "S1", P), (-1, "A", "rate", "S1", P),
                    (2, "A", "count", "S2", P), (3, "A", "rate", "S3", P)])
    at = {("A", "count", "S1", P): 10, ("A", "rate", "S1", P): 11, ("A", "count", "S2", P): 12,
          ("A", "rate", "S3", P): 13}
    # only the count changed: its rate is written again, and the carrier ends (by its id)
    assert publication._ended_together([5], [1], rows, at) == ([5, 11], [1])
    # only the rate changed: the count is written again
    assert publication._ended_together([12], [-1], rows, at) == ([10, 12], [1])
    # both: nothing written again
    assert publication._ended_together([], [1, -1], rows, at) == ([], [1])
    # rows that carry nothing end alone
    assert publication._ended_together([4], [2, 3], rows, at) == ([4], [2, 3])
    # a carrier whose other row is not among the new rows (gone) is not written again
    assert publication._ended_together([], [1], rows, {}) == ([], [1])


def built_rows(rows):
    columns = ["indicator_code", "measure", "area_code", "period", "value", "symbol",
               "status", "batch_id", "illustrative", "truth", "count", "suppressed",
               "population", "population_year", "base", "den_truth"]
    frame = pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows], columns=columns)
    return frame.astype({"value": "float64", "truth": "float64", "count": "float64",
                         "population": "float64", "population_year": "float64",
                         "base": "float64", "den_truth": "float64", "batch_id": "float64",
                         "symbol": object, "status": object})


def rate_and_count(area, *, symbol="..", rate_symbol="..", status=None, batch=1,
                   illustrative=False, truth=3.0, value=3.0, population=None, suppressed=False,
                   count_status=None):
    return [("A", "count", area, P, value, None if value is not None else symbol,
             count_status, 1, False, 3.0, value, False, None, None, None, None),
            ("A", "rate", area, P, None, rate_symbol, status, batch, illustrative, truth,
             value, suppressed, population, None, None, None)]


@pytest.mark.parametrize(("rows", "carried"), [
    (rate_and_count("S1"), True),
    (rate_and_count("S1", value=None, symbol="c", rate_symbol="c"), True),
    (rate_and_count("S1", value=None, symbol="c", rate_symbol=".."), False),
    (rate_and_count("S1", value=None, symbol="", rate_symbol=".."), True),  # a blank symbol
    (rate_and_count("S1", rate_symbol=None), False),
    (rate_and_count("S1", status="revised"), False),
    (rate_and_count("S1", status="revised", count_status="revised"), True),
    (rate_and_count("S1", batch=2), False),
    (rate_and_count("S1", illustrative=True), False),
    (rate_and_count("S1", truth=4.0), False),
    (rate_and_count("S1", population=2000.0), False),
    (rate_and_count("S1", suppressed=True), False),
])
def test_an_empty_rate_is_carried_by_its_count(rows, carried):
    frame = built_rows(rows)
    keep, counts = publication._empty_rates_kept([0, 1], frame)
    assert (keep, counts) == (([0], [0]) if carried else ([0, 1], []))


def test_an_empty_rate_beside_a_count_not_written_is_written_itself():
    frame = built_rows(rate_and_count("S1") + rate_and_count("S2"))
    # S1's count unchanged (not written), its rate written; S2's both
    assert publication._empty_rates_kept([1, 2, 3], frame) == ([1, 2], [2])


def test_empty_rates_paired_by_key_when_not_beside_their_count():
    rows = rate_and_count("S1") + rate_and_count("S2")
    frame = built_rows([rows[0], rows[2], rows[1], rows[3]])  # counts, then rates
    assert publication._empty_rates_kept([0, 1, 2, 3], frame) == ([0, 1], [0, 1])
    # S1's count not written: its rate is
    assert publication._empty_rates_kept([1, 2, 3], frame) == ([1, 2], [1])
    # nothing but rates, or nothing empty
    assert publication._empty_rates_kept([2, 3], frame) == ([2, 3], [])
    # beside another indicator's count, of another area and period: paired with its own
    rows = rate_and_count("S1")
    other = ("B", "count", "S2", dt.date(2023, 7, 31), 3.0, None, None, 1, False, 3.0, 3.0,
             False, None, None, None, None)
    assert publication._empty_rates_kept([0, 1, 2], built_rows([rows[0], other, rows[1]])) == (
        [0, 1], [0])
    full = built_rows(rate_and_count("S1", population=2000.0))
    assert publication._empty_rates_kept([0, 1], full) == ([0, 1], [])


def test_store_columns_are_plain_python_values():
    frame = built_rows([
        ("A", "count", "S1", P, 3.0, None, "revised", 7, True, 3.0, 3.0, False, None, None,
         None, None),
        ("A", "rate", "S1", P, None, "[c]", None, None, False, 3.0, None, True, 2000.0, 2024,
         None, None)])
    columns = publication._store_columns(9, frame)
    assert list(columns) == ["publication_id", *publication._STORE]
    assert columns["publication_id"] == [9, 9]
    assert columns["value"] == [3.0, None] and columns["symbol"] == [None, "[c]"]
    assert columns["status"] == ["revised", None]
    assert columns["batch_id"] == [7, None] and type(columns["batch_id"][0]) is int
    assert columns["population_year"] == [None, 2024]
    assert type(columns["population_year"][1]) is int
    assert columns["population"] == [None, 2000.0] and type(columns["population"][1]) is float
    assert columns["suppressed"] == [False, True] and columns["illustrative"] == [True, False]
    assert columns["base"] == [None, None] and columns["den_truth"] == [None, None]
    assert columns["truth"] == [3.0, 3.0] and type(columns["truth"][0]) is float
    assert columns["period"] == [P, P]


def test_typed():
    frame = pd.DataFrame({"value": [1], "count": [None], "population": [2], "base": [None],
                          "symbol": [None], "status": [None], "suppressed": [0],
                          "illustrative": [1]})
    typed = publication._typed(frame)
    assert [str(typed[c].dtype) for c in frame.columns] == [
        "float64", "float64", "float64", "float64", "object", "object", "bool", "bool"]
    assert typed["illustrative"].tolist() == [True] and typed["suppressed"].tolist() == [False]


# --- what a database gives back (module-scoped: one empty database, the shared sample) -------


@pytest.fixture(scope="module")
def empty_engine(databases):
    url = databases.fresh("sqlite", sample=False)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    databases.drop(url)


def test_before_the_first_figures(empty_engine):
    with empty_engine.connect() as conn:
        # the first publication (on setting up) has no figures
        assert publication.version(conn) == "1"
        assert publication.summary(conn)["figures"] == 0
        nothing = {"ok": True, "data_version": "1", "threshold": 5, "cells": 0,
                   "suppressed": 0, "checked": 0, "unprotected": []}
        assert publication.audit_current(conn) == {**nothing, "releases": 1}  # `audit-disclosure`
        # no rows: the stored columns all the same, typed
        none = publication.stored_rows(conn)
        assert none.empty and list(none.columns) == publication.KNOWN
        assert none["suppressed"].dtype == bool and none["value"].dtype == "float64"
        pairs = [("CP_REGISTER", "rate"), ("CP_REGISTER", "count")]
        found = publication.area_series(conn, pairs, ("S12000047",))
        assert list(found) == pairs
        for frame in found.values():
            assert frame.empty and list(frame.columns) == SERIES_COLUMNS
        assert publication.area_series(conn, [], ("S12000047",)) == {}
        series = publication.series(conn, "CP_REGISTER", "count")
        assert series.empty and list(series.columns) == SERIES_COLUMNS
        # and before any publication at all
        conn.execute(delete(Publication))
        assert publication.latest(conn) is None
        assert publication.version(conn) == "0"
        assert publication.summary(conn) == {}
        assert publication.audit_current(conn) == {**nothing, "data_version": "0"}
        for frame in [*publication.area_series(conn, pairs, ("S12000047",)).values(),
                      publication.series(conn, "CP_REGISTER", "count")]:
            assert frame.empty and list(frame.columns) == SERIES_COLUMNS
        conn.rollback()


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def test_the_summary_of_the_latest_publication(shared_sample):
    with shared_sample.connect() as conn:
        current = publication.latest(conn)
        summary = publication.summary(conn)
        assert summary["data_version"] == publication.version(conn) == str(current.id) != "0"
        assert summary["figures_from"] == current.figures_from is not None
        assert summary["threshold"] == current.threshold == 5
        assert summary["at"] == current.at
        assert summary["method"] == publication.METHOD
        assert json.loads(current.summary_json)["method"] == publication.METHOD


def test_an_area_profile_reads_what_each_series_reads(shared_sample):
    """`area_series` (one query for several indicators and measures) gives, for each pair,
    exactly what `series` gives for it alone, ordered by period then area."""
    with shared_sample.connect() as conn:
        codes = sorted({code for code, in conn.execute(select(PublishedFigure.indicator_code)
                                                       .distinct())})[:4]
        pairs = [(code, measure) for code in codes for measure in ("count", "rate", "percent")]
        areas = ("S12000047", SCOTLAND)
        found = publication.area_series(conn, [*pairs, ("NOT_AN_INDICATOR", "count")], areas)
        assert list(found) == [*pairs, ("NOT_AN_INDICATOR", "count")]
        shown = 0
        for code, measure in pairs:
            alone = publication.series(conn, code, measure, areas)
            got = found[(code, measure)]
            assert list(got.columns) == SERIES_COLUMNS
            pd.testing.assert_frame_equal(plain(got), plain(alone))
            assert list(got.index) == list(range(len(got)))
            keys = list(zip(got["period"], got["area_code"], strict=True))
            assert keys == sorted(keys)
            shown += len(got)
            every = publication.series(conn, code, measure)
            assert set(every["area_code"]) >= set(got["area_code"])
        assert shown > 0
        assert found[("NOT_AN_INDICATOR", "count")].empty
        # a rate asked for alone still gives the empty rates its counts carry
        rates = publication.area_series(conn, [(codes[0], "rate")], areas)[(codes[0], "rate")]
        pd.testing.assert_frame_equal(plain(rates),
                                      plain(publication.series(conn, codes[0], "rate", areas)))


def test_ensure_publishes_again_only_for_another_method_or_threshold(shared_sample):
    with shared_sample.connect() as conn:
        before = publication.version(conn)
        publication.ensure(conn, 5)
        assert publication.version(conn) == before  # the same method and threshold
        publication.ensure(conn)  # the configured threshold, 5 by default
        assert publication.version(conn) == before
        conn.rollback()


@contextmanager
def _revised(databases, kind: str):
    """Register counts for every council and no child population (every rate empty, carried
    by its count), then Fife's count revised: a second release, the first's rows ended."""
    with fresh_engine(databases, kind, sample=False) as engine:
        councils = [a.code for a in directory().councils()]
        for fife, status in ((400, "provisional"), (401, "revised")):
            values = [["Indicator", "Area", "Period", "Value", "Status"]] + [
                ["CP_REGISTER", code, "2023-24", fife if code == FIFE else 100 + k,
                 status if code == FIFE else ""]
                for k, code in enumerate(councils)]
            result = run_import(engine, "v.csv", csv(values), user="t")
            assert result.outcome == "committed", result.as_json()
        yield engine


@pytest.fixture(scope="module")
def revised_engine(databases):
    with _revised(databases, "sqlite") as engine:
        yield engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def revised_either(databases, request):
    """`revised_engine` on both databases: PostgreSQL returns rows in the order they were
    written where no order is asked for (Fife's revised row last), SQLite in the order of the
    index it reads by, so an order the code forgets to ask for shows on one of them."""
    with _revised(databases, request.param) as engine:
        yield engine


def test_an_area_profile_of_rates_alone_gives_the_empty_rates_of_the_current_release(
        revised_either):
    with revised_either.connect() as conn:
        ended = conn.execute(select(PublishedFigure.id).where(
            PublishedFigure.valid_to.is_not(None))).all()
        assert ended  # the revision ended Fife's first rows
        areas = (FIFE, "S12000005")  # Fife's and Clackmannanshire's
        found = publication.area_series(conn, [("CP_REGISTER", "rate")], areas)
        rates = found[("CP_REGISTER", "rate")]
        pd.testing.assert_frame_equal(plain(rates), plain(publication.series(
            conn, "CP_REGISTER", "rate", areas)))
        # one rate per area (the current release only), each `..` with its count beside it
        assert sorted(rates["area_code"]) == sorted(areas)
        assert set(rates["symbol"]) == {".."} and rates["value"].isna().all()
        fife = rates[rates["area_code"] == FIFE].iloc[0]
        assert fife["count"] == 401
        counts = publication.area_series(conn, [("CP_REGISTER", "count")], areas)
        assert counts[("CP_REGISTER", "count")]["value"].tolist()[
            list(counts[("CP_REGISTER", "count")]["area_code"]).index(FIFE)] == 401
        both = publication.area_series(conn, [("CP_REGISTER", "count"), ("OTHER", "count")],
                                       areas)
        assert both[("OTHER", "count")].empty
        # ordered by area within a period, not as written: Fife's row, written again by the
        # revision, comes before a council's with a later code written before it
        last = max(a.code for a in directory().councils())
        assert last > FIFE
        for measure in ("count", "rate"):
            found = publication.area_series(conn, [("CP_REGISTER", measure)], (last, FIFE))
            assert found[("CP_REGISTER", measure)]["area_code"].tolist() == [FIFE, last]
            alone = publication.series(conn, "CP_REGISTER", measure, (last, FIFE))
            assert alone["area_code"].tolist() == [FIFE, last]


def test_the_indicators_a_batch_touched(revised_engine):
    """The codes a batch's values and definitions name, its own only (None: every indicator,
    for a population change or a change of unknown extent)."""
    with revised_engine.connect() as conn:
        first, second = sorted(conn.execute(select(UploadBatch.id)).scalars())
        # beside Fife's revision (the second batch): a value of the first batch under another
        # code, and a definition uploaded by each batch
        row = conn.execute(select(IndicatorValue.id).where(
            IndicatorValue.batch_id == first).limit(1)).scalar()
        conn.execute(update(IndicatorValue).where(IndicatorValue.id == row).values(
            indicator_code="CP_DEREGISTRATIONS"))
        for code, batch in (("CP_REGISTRATIONS", second), ("CPPM_INITIAL", first)):
            conn.execute(update(Indicator).where(Indicator.code == code).values(batch_id=batch))
        touched = publication.touched_codes
        assert touched(conn, second, {"indicators"}) == {"CP_REGISTER", "CP_REGISTRATIONS"}
        assert touched(conn, first, {"indicators", "definitions"}) == {
            "CP_REGISTER", "CP_DEREGISTRATIONS", "CPPM_INITIAL"}
        # the values its import holds, when they are that batch's (else read back)
        held = figures.Held(second, {"indicator_code": ["IRD", "IRD"]})
        assert touched(conn, second, {"indicators"}, held) == {"IRD", "CP_REGISTRATIONS"}
        held.batch_id = first
        assert touched(conn, second, {"indicators"}, held) == {"CP_REGISTER",
                                                                "CP_REGISTRATIONS"}
        for batch, kinds in ((None, {"indicators"}), (second, None),
                             (second, {"indicators", "populations"}), (second, {"populations"})):
            assert touched(conn, batch, kinds) is None, (batch, kinds)
        conn.rollback()


def test_the_current_figures_counted(shared_sample):
    """What a publication of some indicators counts of the others: their current figures
    shown or suppressed, and those suppressed."""
    with shared_sample.connect() as conn:
        rows = publication.stored_rows(conn)
        counts = {besides: (publication._count_current(conn, besides=besides),
                            publication._count_current(conn, suppressed=True, besides=besides))
                  for besides in (None, frozenset({"CP_REGISTER"}),
                                  frozenset({"CP_REGISTER", "IRD"}))}
    now = rows[rows["valid_to"].isna() & (rows["id"] > 0)]  # (not the empty rates' own rows)
    shown = now["value"].notna() | now["suppressed"]
    assert now["suppressed"].any() and (~shown).any()
    for besides, (figures_counted, suppressed) in counts.items():
        kept = ~now["indicator_code"].isin(besides or ())
        assert (figures_counted, suppressed) == (int((shown & kept).sum()),
                                                 int((now["suppressed"] & kept).sum()))
    assert counts[None][0] > counts[frozenset({"CP_REGISTER"})][0] > counts[
        frozenset({"CP_REGISTER", "IRD"})][0]


def test_ensure_publishes_again_for_another_threshold_with_it(revised_engine):
    with revised_engine.connect() as conn:
        before = publication.latest(conn)
        publication.ensure(conn, 105)
        again = publication.latest(conn)
        assert again.id == before.id + 1
        assert (again.event, again.batch_id, again.threshold, again.figures_from) == (
            "start", None, 105, again.id)
        assert json.loads(again.summary_json)["indicators"] == "all"
        # every figure protected afresh at the new threshold: the counts under 105 (councils'
        # 100 to 104 among them), all shown at 5, are hidden now
        rows = publication.stored_rows(conn)
        now = rows[rows["valid_to"].isna() & (rows["measure"] == "count")]
        small = now[now["truth"] < 105]
        assert len(small) >= 5 and small["suppressed"].all() and small["value"].isna().all()
        publication.ensure(conn, 105)  # now the same method and threshold: nothing again
        assert publication.latest(conn).id == again.id
        conn.rollback()


def test_ensure_logs_why_it_could_not_publish_and_writes_nothing(revised_engine, monkeypatch,
                                                                 caplog):
    cells = [cell(area=f"S{i}") for i in range(6)]

    def refused(conn, event, batch_id, kinds, threshold):
        conn.execute(Publication.__table__.insert().values(
            at=dt.datetime(2026, 1, 1), event=event, batch_id=None, figures_from=None,
            threshold=threshold, summary_json="{}"))
        raise publication.Unpublishable(cells, ["a note"])

    monkeypatch.setattr(publication, "publish", refused)
    with revised_engine.connect() as conn, caplog.at_level(
            logging.ERROR, logger=publication.__name__):
        before = publication.version(conn)
        publication.ensure(conn, 4)
        assert publication.version(conn) == before  # what it wrote is undone
        conn.rollback()
    sentences = publication.Unpublishable(cells, []).sentences()
    assert [r.getMessage() for r in caplog.records] == [
        "The figures could not be protected, so they were not published again: "
        + "; ".join(sentences[:5])]


def test_the_figures_of_a_data_version_as_pages_and_downloads_show_them(shared_sample,
                                                                        revised_engine):
    """`figures_of` against the stored rows it reads: whole counts as integers, each row's
    marker and status word, a symbol only without a value, ordered by indicator, measure,
    period and area; None for a version that does not exist."""
    for engine in (shared_sample, revised_engine):
        with engine.connect() as conn:
            version = int(publication.version(conn))
            shown = publication.figures_of(conn)
            assert shown == publication.figures_of(conn, version)
            assert publication.figures_of(conn, version + 1) is None
            rows = publication.stored_rows(conn, version=version)
            # both filters at once: that version's rows of those indicators
            register = publication.stored_rows(conn, codes={"CP_REGISTER"}, version=version)
        assert len(shown) == len(rows) > 0
        assert list(rows.columns) == publication.KNOWN  # (rate_empty dropped, nothing added)
        assert set(register["indicator_code"]) == {"CP_REGISTER"}
        assert register["id"].tolist() == rows[rows["indicator_code"] == "CP_REGISTER"][
            "id"].tolist()
        keys = [(f["indicator"], f["measure"], f["period"], f["area"]) for f in shown]
        assert keys == sorted(keys)
        stored = {(r.indicator_code, r.measure, r.period.isoformat(), r.area_code): r
                  for r in rows.itertuples()}
        for figure in shown:
            row = stored[(figure["indicator"], figure["measure"], figure["period"],
                          figure["area"])]
            assert figure["data_version"] == str(version)
            assert figure["status"] == ("illustrative" if row.illustrative else "official")
            assert figure["marker"] == {"provisional": "p", "revised": "r"}.get(row.status)
            if pd.isna(row.value):
                assert figure["value"] is None
                assert figure["symbol"] == (None if row.symbol is None else str(row.symbol))
            else:
                assert figure["symbol"] is None and figure["value"] == row.value
                whole = row.measure == "count" and float(row.value).is_integer()
                assert type(figure["value"]) is (int if whole else float)
    with revised_engine.connect() as conn:
        # the release before the revision: Fife's 400; every figure an official one
        first = publication.figures_of(conn, int(publication.version(conn)) - 1)
        fife = [f for f in first if f["area"] == FIFE and f["measure"] == "count"]
        assert [f["value"] for f in fife] == [400] and fife[0]["status"] == "official"
        assert fife[0]["marker"] == "p"
    with revised_engine.connect() as conn:
        now = [f for f in publication.figures_of(conn)
               if f["area"] == FIFE and f["measure"] == "count"]
        assert [(f["value"], f["marker"]) for f in now] == [(401, "r")]
        assert {f["status"] for f in first} == {"official"}


def test_an_empty_rate_follows_its_count_wherever_it_is():
    rows = [(i, "A", "count", f"S{i}", P, float(i), None, False, None, None, None, None,
             float(i), i == 4) for i in range(1, 5)]
    result = publication._with_empty_rates(stored(rows))
    assert result["id"].tolist() == [1, 2, 3, 4, -4]
    assert result["measure"].tolist() == ["count"] * 4 + ["rate"]


def _published(conn, *args, **kwargs) -> tuple[Publication, dict]:
    """publish(conn, *args, **kwargs): the publication it recorded and its summary."""
    got = publication.publish(conn, *args, **kwargs)
    latest = publication.latest(conn)
    assert got == latest.id
    return latest, json.loads(latest.summary_json)


SUMMARY = {"method", "figures", "suppressed", "unprotected_after_first_pass", "unprotected",
           "checked", "notes", "indicators", "protected_afresh", "rows_written", "rows_ended",
           "seconds"}


def test_publish_says_what_it_published_and_for_which_batch(revised_engine, monkeypatch,
                                                            caplog):
    """A change that moves no figure is recorded with its batch and carries the figures; a
    batch's own change is protected over its family, whoever's values are held; a change of
    method or threshold protects every figure again, whatever kind of change comes with it.
    A publication's time is UTC to the second."""
    with revised_engine.connect() as conn:
        first, second = sorted(conn.execute(select(UploadBatch.id)).scalars())
        before = publication.latest(conn)
        family = sorted(figures.family(publication.current_indicators(conn), {"CP_REGISTER"}))
        assert "all" != family and len(family) < len(publication.current_indicators(conn))
        # no figure moves: recorded with its batch, the figures of the one before
        carried, summary = _published(conn, "actions", second, {"actions"})
        assert (carried.event, carried.batch_id, carried.figures_from, carried.threshold) == (
            "actions", second, before.figures_from, 5)
        assert carried.summary_json == before.summary_json
        assert carried.at.tzinfo is None and carried.at.microsecond == 0
        assert abs(carried.at - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(
            minutes=5)
        # another indicator, outside that family, published from the first batch's values
        definitions = publication.current_indicators(conn)
        unrelated = min(set(definitions) - set(family))
        conn.execute(IndicatorValue.__table__.insert(), [  # one hidden (under 5), one shown
            dict(indicator_code=unrelated, area_code=area, period=dt.date(2024, 3, 31),
                 value=value, batch_id=first) for area, value in ((FIFE, 2.0), (CLACKS, 70.0))])
        _, summary = _published(conn, "other", first, {"indicators"})
        assert unrelated in summary["indicators"] and summary["rows_written"] > 0
        # the batch's indicators: over their family, another batch's held values read back
        other = figures.Held(first, {"indicator_code": ["IRD"]})
        for held in (None, other):
            rebuilt, summary = _published(conn, "values", second, {"indicators"}, held=held)
            assert (rebuilt.batch_id, rebuilt.figures_from) == (second, rebuilt.id)
            assert summary["indicators"] == family, held
            # nothing of them changed: no row written or ended (rows in proportion), and no
            # figure protected afresh (each keeps what the current release did with it)
            assert (summary["rows_written"], summary["rows_ended"]) == (0, 0), held
            assert summary["protected_afresh"] == 0, held
            # its counts: the family's figures and the rest as they were, all current figures
            assert (summary["figures"], summary["suppressed"]) == (
                publication._count_current(conn), publication._count_current(conn, True))
            assert rebuilt.at.microsecond == 0
        # a change of unknown extent: every figure, counted once
        everything, summary = _published(conn, "all", None, None)
        assert summary["indicators"] == "all" and (summary["figures"], summary["suppressed"]) == (
            publication._count_current(conn), publication._count_current(conn, True))
        # another method (alone) or another threshold: every figure, whatever the kinds
        conn.execute(update(Publication).where(Publication.id == everything.id).values(
            summary_json=json.dumps({**summary, "method": "figures-0"})))
        monkeypatch.setattr(publication, "_UPDATE_CHUNK", 2)  # the rows ended, two at a time
        for kinds, threshold in (({"actions"}, 5), ({"indicators"}, 105)):
            again, summary = _published(conn, "again", second, kinds, threshold)
            assert (again.figures_from, again.threshold) == (again.id, threshold), kinds
            assert summary["indicators"] == "all" and summary["method"] == publication.METHOD
            assert set(summary) == SUMMARY
            assert (summary["figures"], summary["suppressed"]) == (
                publication._count_current(conn), publication._count_current(conn, True))
        # at 105 the councils' counts under it are hidden now: every row they replace ended
        assert summary["rows_ended"] >= 5
        # the batch's family again, at 105: the hidden ones among the family's and the rest's
        _, summary = _published(conn, "values", second, {"indicators"}, 105)
        assert summary["indicators"] == family and summary["suppressed"] > 1
        assert (summary["figures"], summary["suppressed"]) == (
            publication._count_current(conn), publication._count_current(conn, True))
        rows = publication.stored_rows(conn)
        now = rows[rows["valid_to"].isna()]
        assert not now.duplicated(["indicator_code", "measure", "area_code", "period"]).any()
        # out of time (the budget given, else the default): what could not be protected in it
        # is hidden, and the log says so
        for threshold, default, budget in ((106, 0, None), (107, 600, 0)):
            monkeypatch.setattr(publication, "BUDGET_SECONDS", default)
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger=publication.__name__):
                _, summary = _published(conn, "late", second, {"indicators"}, threshold,
                                        budget=budget)
            late = [n for n in summary["notes"] if n.startswith("protection ran past")]
            assert late and [r.getMessage() for r in caplog.records] == late, budget
        conn.rollback()
