"""The figure builder's helpers, one rule at a time, on hand-built inputs (no database): terms
of a relation, periods back, families of indicators, child populations, committee sums, what a
shown figure tells, the small and the withheld, the published frame of a small set.

Written for mutation testing (issue 24; `make mutate MODULE=figures`): each case pins a
boundary or a branch the attacker tests reach only through whole protected sets. Fast: the
whole file runs in about a second.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from cpip_dashboard.protection import figures, sdc
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory, AreaInfo
from cpip_dashboard.store.queries import VALUE_COLUMNS as VALUE_COLUMNS_STORED
from cpip_dashboard.store.queries import illustrative_batches
from tests.adversary import (
    CLACKS,
    DEFINITIONS,
    FIFE,
    ORKNEY,
    SHETLAND,
    SIAR,
    STIRLING,
    Y1,
    Y2,
    table,
)
from tests.adversary import directory as six_councils
from tests.adversary import inputs as adversary_inputs
from tests.protection.test_figures import stock_and_flow

A, B, D = "S1", "S2", "S3"  # councils: A and B in committee C1, D in C2
C1, C2 = "C1", "C2"


def small_directory() -> AreaDirectory:
    return AreaDirectory([AreaInfo(SCOTLAND, "Scotland", "scotland", None, 0),
                          AreaInfo(A, "A", "council", C1, 1), AreaInfo(B, "B", "council", C1, 2),
                          AreaInfo(D, "D", "council", C2, 3),
                          AreaInfo(C1, "C1", "cpc", None, 10), AreaInfo(C2, "C2", "cpc", None, 11)],
                         {})


# --- relations as data ---------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "terms"), [
    ("A@t", [(1, "A", 0)]),
    ("A@t - B@t-1", [(1, "A", 0), (-1, "B", 1)]),
    ("-A@t + B_2@t-12", [(-1, "A", 0), (1, "B_2", 12)]),
    ("CONCERN_*@t <= CP_REGISTER@t", [(1, "CONCERN_*", 0), (1, "CP_REGISTER", 0)]),
    ("nothing here", []),
])
def test_parse_terms(expression, terms):
    assert figures.parse_terms(expression) == terms


@pytest.mark.parametrize(("pattern", "found"), [
    ("CONCERN_*", ["CONCERN_A", "CONCERN_B"]),
    ("CONCERN_A*", ["CONCERN_A"]),  # the whole prefix, not one character less
    ("CONCERN_A", ["CONCERN_A"]),
    ("CONCERN", []),
    ("OTHER", []),
    ("*", ["CONCERN_A", "X", "CONCERN_B"]),
])
def test_matching(pattern, found):
    assert figures._matching(pattern, ["CONCERN_A", "X", "CONCERN_B"]) == found


@pytest.mark.parametrize(("period", "lag", "frequency", "back"), [
    (dt.date(2024, 7, 31), 0, "monthly", dt.date(2024, 7, 31)),
    (dt.date(2024, 7, 31), 1, "annual", dt.date(2023, 7, 31)),
    (dt.date(2024, 7, 31), 3, "annual", dt.date(2021, 7, 31)),
    (dt.date(2024, 3, 31), 1, "quarterly", dt.date(2023, 12, 31)),
    (dt.date(2024, 6, 30), 1, "quarterly", dt.date(2024, 3, 31)),
    (dt.date(2024, 6, 30), 2, "quarterly", dt.date(2023, 12, 31)),
    (dt.date(2024, 3, 31), 1, "monthly", dt.date(2024, 2, 29)),
    (dt.date(2023, 3, 31), 1, "monthly", dt.date(2023, 2, 28)),
    (dt.date(2024, 1, 31), 1, "monthly", dt.date(2023, 12, 31)),
    (dt.date(2024, 12, 31), 1, "monthly", dt.date(2024, 11, 30)),
    (dt.date(2024, 2, 29), 13, "monthly", dt.date(2023, 1, 31)),
])
def test_back(period, lag, frequency, back):
    assert figures._back(period, lag, frequency) == back


def definition(code, unit="count", numerator=None, denominator=None, relation=None):
    return {"code": code, "name": code, "unit": unit, "frequency": "annual",
            "numerator": numerator, "denominator": denominator, "polarity": "neither",
            "relation": relation}


FAMILY_DEFINITIONS = {
    **DEFINITIONS,
    "LONE": definition("LONE"),
    "PAIR_A": definition("PAIR_A"),
    "PAIR_B": definition("PAIR_B", relation="part of PAIR_A"),
    "SUM_X": definition("SUM_X", relation="sum of PAIR_B, LONE_TWO"),
    "LONE_TWO": definition("LONE_TWO"),
    "SHARE": definition("SHARE", "percentage", "LONE_THREE"),
    "LONE_THREE": definition("LONE_THREE"),
}
REGISTER_FAMILY = {"CP_REGISTER", "CP_REGISTER_RATE", "CP_REGISTRATIONS", "CP_DEREGISTRATIONS",
                   "CP_REREGISTRATIONS", "CONCERN_NEGLECT"}


@pytest.mark.parametrize(("codes", "family"), [
    ({"CP_REGISTER"}, REGISTER_FAMILY),
    ({"CONCERN_NEGLECT"}, REGISTER_FAMILY),
    ({"CP_REREGISTRATIONS"}, REGISTER_FAMILY),
    ({"LONE"}, {"LONE"}),
    ({"UNKNOWN"}, {"UNKNOWN"}),
    ({"LONE", "UNKNOWN"}, {"LONE", "UNKNOWN"}),
    ({"PAIR_A"}, {"PAIR_A", "PAIR_B", "SUM_X", "LONE_TWO"}),
    ({"LONE_TWO"}, {"PAIR_A", "PAIR_B", "SUM_X", "LONE_TWO"}),
    ({"SHARE"}, {"SHARE", "LONE_THREE"}),
    ({"LONE_THREE"}, {"SHARE", "LONE_THREE"}),
    (set(), set()),
])
def test_family(codes, family):
    assert figures.family(FAMILY_DEFINITIONS, codes) == family


def test_a_family_joined_through_a_long_chain_is_whole():
    """Union by rank and path halving: a chain of twelve parts, each of the next."""
    chain = {f"K{i}": definition(f"K{i}", relation=f"part of K{i + 1}" if i < 11 else None)
             for i in range(12)}
    everything = set(chain)
    for i in (0, 5, 11):
        assert figures.family(chain, {f"K{i}"}) == everything


@pytest.mark.parametrize(("relation", "codes"), [
    (None, ()), ("", ()), ("none", ()), ("part of cp_register", ("CP_REGISTER",)),
    ("sum of A over 3 periods", ("A",)), ("sum of A, b, C", ("A", "B", "C")),
])
def test_declared_codes(relation, codes):
    assert figures.declared_codes(definition("X", relation=relation)) == codes


# --- populations ------------------------------------------------------------------------------


def population_frame(rows, illustrative=None):
    frame = pd.DataFrame(rows, columns=["area_code", "year", "children"])
    if illustrative is not None:
        frame["illustrative"] = illustrative
    return frame


@pytest.mark.parametrize(("rows", "flags", "marked"), [
    ([(A, 2024, 10)], None, set()),
    ([(A, 2024, 10), (B, 2024, 20)], [False, False], set()),
    ([(A, 2024, 10), (B, 2024, 20)], [True, False], {(A, 2024), (C1, 2024), (SCOTLAND, 2024)}),
    ([(D, 2023, 10), (A, 2024, 20)], [True, False], {(D, 2023), (C2, 2023), (SCOTLAND, 2023)}),
    ([(C1, 2024, 10)], [True], {(C1, 2024)}),
    ([(SCOTLAND, 2024, 10), (A, 2024, 20)], [True, False], {(SCOTLAND, 2024)}),
    ([(A, 2023.0, 10)], [1], {(A, 2023), (C1, 2023), (SCOTLAND, 2023)}),
])
def test_illustrative_populations(rows, flags, marked):
    result = figures.illustrative_populations(population_frame(rows, flags), small_directory())
    assert result == marked
    assert all(isinstance(y, int) for _, y in result)


@pytest.mark.parametrize(("rows", "expected"), [
    ([(A, 2024, 10), (B, 2024, 20), (D, 2024, 5)],
     {(A, 2024): 10, (B, 2024): 20, (D, 2024): 5, (C1, 2024): 30, (C2, 2024): 5,
      (SCOTLAND, 2024): 35}),
    # B missing: no C1 and no Scotland sum; D's committee still summed
    ([(A, 2024, 10), (D, 2024, 5)], {(A, 2024): 10, (D, 2024): 5, (C2, 2024): 5}),
    # an uploaded committee and Scotland are kept, not summed over
    ([(A, 2024, 10), (B, 2024, 20), (D, 2024, 5), (C1, 2024, 99), (SCOTLAND, 2024, 1000)],
     {(A, 2024): 10, (B, 2024): 20, (D, 2024): 5, (C1, 2024): 99, (C2, 2024): 5,
      (SCOTLAND, 2024): 1000}),
    # each year on its own
    ([(A, 2023, 1), (B, 2023, 2), (D, 2023, 3), (A, 2024, 10)],
     {(A, 2023): 1, (B, 2023): 2, (D, 2023): 3, (C1, 2023): 3, (C2, 2023): 3,
      (SCOTLAND, 2023): 6, (A, 2024): 10}),
    ([(A, 2024.0, "7")], {(A, 2024): 7.0}),
])
def test_populations_by_area(rows, expected):
    pop = figures.populations_by_area(population_frame(rows), small_directory())
    assert pop == expected
    assert all(isinstance(y, int) and isinstance(n, float) for (_, y), n in pop.items())


POP = {(A, 2020): 100.0, (A, 2022): 120.0, (A, 2024): 140.0, (B, 2019): 50.0}


@pytest.mark.parametrize(("area", "year", "found"), [
    (A, 2022, (120.0, 2022)),
    (A, 2023, (140.0, 2024)),  # equally near 2022 and 2024: the later
    (A, 2021, (120.0, 2022)),
    (A, 2025, (140.0, 2024)),
    (A, 2026, (140.0, 2024)),  # two years away
    (A, 2027, (None, None)),   # three
    (A, 2018, (100.0, 2020)),
    (A, 2017, (None, None)),
    (B, 2021, (50.0, 2019)),
    (B, 2022, (None, None)),
    (D, 2024, (None, None)),
])
def test_population_for(area, year, found):
    assert figures.population_for(POP, area, dt.date(year, 7, 31)) == found


def test_population_for_remembers_by_area_and_year():
    remembered = figures._PopulationFor(dict(POP))
    assert remembered(None, A, dt.date(2023, 7, 31)) == (140.0, 2024)
    remembered.pop[(A, 2023)] = 1.0  # remembered: the first answer stands for that year
    assert remembered(None, A, dt.date(2023, 3, 31)) == (140.0, 2024)
    assert remembered(None, A, dt.date(2022, 7, 31)) == (120.0, 2022)
    assert remembered.memo == {(A, 2023): (140.0, 2024), (A, 2022): (120.0, 2022)}


# --- committee sums -----------------------------------------------------------------------------


P1, P2 = dt.date(2023, 7, 31), dt.date(2024, 7, 31)
VALUE_COLUMNS = ["area_code", "period", "value", "symbol", "status", "batch_id", "illustrative"]


def value_frame(rows):
    frame = pd.DataFrame([dict(zip(VALUE_COLUMNS, r, strict=True)) for r in rows],
                         columns=VALUE_COLUMNS)
    return frame.astype({"value": "float64", "symbol": object, "status": object})


def committee_rows(frame):
    added = frame[frame["area_code"].isin([C1, C2])]
    return {(r.area_code, r.period): (None if pd.isna(r.value) else r.value,
                                      None if pd.isna(r.symbol) else r.symbol,
                                      None if pd.isna(r.batch_id) else r.batch_id,
                                      bool(r.illustrative))
            for r in added.itertuples()}


def test_with_committees_sums_complete_committees_only():
    values = value_frame([
        (A, P2, 3.0, None, None, 1, False), (B, P2, 4.0, None, "revised", 2, True),
        (D, P2, 5.0, None, None, 1, False),
        (A, P1, 1.0, None, None, 1, False), (D, P1, None, "*", None, 3, False),
        (SCOTLAND, P1, 50.0, None, None, 1, False)])
    result = figures.with_committees(values, small_directory())
    assert list(result.columns) == VALUE_COLUMNS
    assert len(result) == len(values) + 4
    first = result.iloc[:len(values)]
    for column in ("area_code", "period", "symbol", "status", "illustrative"):
        assert first[column].tolist() == values[column].tolist()
    assert first["value"].fillna(-1).tolist() == values["value"].fillna(-1).tolist()
    assert committee_rows(result) == {
        (C1, P2): (7.0, None, 2, True), (C2, P2): (5.0, None, 1, False),
        # B has no P1 row; D's P1 is withheld: both committees unknown
        (C1, P1): (None, "..", None, False), (C2, P1): (None, "..", None, False)}
    assert result["value"].dtype == np.float64
    added = result.iloc[len(values):]
    assert added["status"].isna().all()
    assert list(result.index) == list(range(len(result)))  # one index, not two joined


def test_with_committees_keeps_an_uploaded_committee_and_the_last_row():
    values = value_frame([
        (A, P2, 3.0, None, None, 1, False), (B, P2, 4.0, None, None, 1, False),
        (A, P2, 6.0, None, None, 5, False),  # a later row of the same area and period
        (C1, P1, 70.0, None, None, 1, False), (A, P1, 1.0, None, None, 1, False),
        (B, P1, 1.0, None, None, 1, False), (D, P2, 2.0, None, None, 4, True)])
    result = figures.with_committees(values, small_directory())
    assert committee_rows(result) == {
        (C1, P1): (70.0, None, 1, False),  # uploaded: no sum added
        (C1, P2): (10.0, None, 5, False), (C2, P2): (2.0, None, 4, True)}
    assert len(result) == len(values) + 2


def test_with_committees_leaves_alone_what_it_cannot_add_to():
    empty = value_frame([])
    assert figures.with_committees(empty, small_directory()) is empty
    only_scotland = value_frame([(SCOTLAND, P2, 9.0, None, None, 1, False)])
    assert figures.with_committees(only_scotland, small_directory()) is only_scotland
    no_committees = AreaDirectory([AreaInfo(SCOTLAND, "Scotland", "scotland", None, 0),
                                   AreaInfo(A, "A", "council", None, 1)], {})
    values = value_frame([(A, P2, 9.0, None, None, 1, False)])
    assert figures.with_committees(values, no_committees) is values
    uploaded = value_frame([(D, P2, 9.0, None, None, 1, False),
                            (C2, P2, 9.0, None, None, 1, False)])
    assert figures.with_committees(uploaded, small_directory()) is uploaded


def test_with_committees_orders_its_columns_as_given():
    values = value_frame([(A, P2, 3.0, None, None, 1, False), (B, P2, 4.0, None, None, 1, False)])
    values = values[list(reversed(VALUE_COLUMNS))]
    result = figures.with_committees(values, small_directory())
    assert list(result.columns) == list(reversed(VALUE_COLUMNS))
    extra = values.assign(extra="x")
    result = figures.with_committees(extra, small_directory())
    assert list(result.columns) == [*reversed(VALUE_COLUMNS), "extra"]
    assert result["extra"].tolist()[:2] == ["x", "x"] and pd.isna(result["extra"].iloc[2])


# --- what a shown figure tells ----------------------------------------------------------------


V, W = ("n", "X", A, P2), ("n", "Y", A, P2)


@pytest.mark.parametrize(("measure", "value", "population", "count", "base", "rows"), [
    ("count", 7.0, None, None, None, [((((V, 1.0),), 7.0, 7.0))]),
    # a rate of 2.5 per 1,000 of 2,000: 4.9 to 5.1 children
    ("rate", 2.5, 2000.0, None, None, [(((V, 1.0),), 4.9, 5.1)]),
    ("rate", 2.5, 2000.0, 5.0, None, [(((V, 1.0),), 4.9, 5.1)]),
    # the count behind it outside the rounding: widened to it, on either side
    ("rate", 2.5, 2000.0, 4.0, None, [(((V, 1.0),), 4.0, 5.1)]),
    ("rate", 2.5, 2000.0, 6.0, None, [(((V, 1.0),), 4.9, 6.0)]),
    ("rate", 2.5, 2000.0, float("nan"), None, [(((V, 1.0),), 4.9, 5.1)]),
    # never below 0
    ("rate", 0.0, 2000.0, None, None, [(((V, 1.0),), 0.0, 0.1)]),
    ("rate", 2.5, None, None, None, []),
    ("rate", 2.5, 0.0, None, None, []),
    ("rate", 2.5, float("nan"), None, None, []),
    # a percentage of 25.0: 0.2495 to 0.2505 of its base
    ("percentage", 25.0, None, None, None,
     [(((V, 1.0), (W, -0.2505)), -math.inf, 0.0), (((V, 1.0), (W, -0.2495)), 0.0, math.inf)]),
    ("percentage", 25.0, None, 1.0, 5.0,
     [(((V, 1.0), (W, -0.2505)), -math.inf, 0.0), (((V, 1.0), (W, -0.2)), 0.0, math.inf)]),
    ("percentage", 25.0, None, 3.0, 10.0,
     [(((V, 1.0), (W, -0.3)), -math.inf, 0.0), (((V, 1.0), (W, -0.2495)), 0.0, math.inf)]),
    ("percentage", 25.0, None, 1.0, 0.0,
     [(((V, 1.0), (W, -0.2505)), -math.inf, 0.0), (((V, 1.0), (W, -0.2495)), 0.0, math.inf)]),
    ("percentage", 25.0, None, 1.0, None,
     [(((V, 1.0), (W, -0.2505)), -math.inf, 0.0), (((V, 1.0), (W, -0.2495)), 0.0, math.inf)]),
    ("percentage", 25.0, None, None, 4.0,
     [(((V, 1.0), (W, -0.2505)), -math.inf, 0.0), (((V, 1.0), (W, -0.2495)), 0.0, math.inf)]),
])
def test_shows_of(measure, value, population, count, base, rows):
    shows = figures._shows_of("X", measure, A, P2, value, population, V, W, count, base)
    assert [(r.terms[0], *((t[0], pytest.approx(t[1])) for t in r.terms[1:]))
            for r in shows] == [r[0] for r in rows]
    assert [r.low for r in shows] == pytest.approx([r[1] for r in rows])
    assert [r.high for r in shows] == pytest.approx([r[2] for r in rows])
    assert all(r.label == f"X {measure} {A} {P2}" for r in shows)


def test_a_percentage_without_both_counts_shows_nothing():
    assert figures._shows_of("X", "percentage", A, P2, 25.0, None, None, W) == ()
    assert figures._shows_of("X", "percentage", A, P2, 25.0, None, V, None) == ()


@pytest.mark.parametrize(("value", "known"), [
    (None, False), (float("nan"), False), (pd.NA, False), (np.nan, False), (0, True),
    (0.0, True), (3, True)])
def test_known(value, known):
    assert figures._known(value) is known


@pytest.mark.parametrize(("value", "small"), [
    (None, False), (0, False), (0.0, False), (-1, False), (0.5, True), (1, True), (4, True),
    (4.9, True), (5, False), (6, False)])
def test_is_small(value, small):
    assert figures._is_small(value, 5) is small


@pytest.mark.parametrize(("terms", "caps", "scaled"), [
    (((V, 1.0),), {}, ((V, 1.0),)),
    (((V, 1.0),), {V: 0}, ((V, 1.0),)),
    (((V, 1.0),), {V: -2}, ((V, 1.0),)),
    (((V, 1.0),), {W: 2}, ((V, 1.0),)),
    (((V, 1.0),), {V: 2}, ((V, 2.5 * (1 + 1e-9)),)),
    (((V, 1.0),), {V: 1}, ((V, 5 * (1 + 1e-9)),)),  # a total of 1: 0 or 1 is "5 wide"
    (((V, 2.0),), {V: 4}, ((V, 2.5 * (1 + 1e-9)),)),
    (((V, 1.0), (W, -1.0)), {V: 2, W: 2}, ((V, 1.0), (W, -1.0))),
])
def test_scaled(terms, caps, scaled):
    assert figures._scaled(terms, caps, 5) == scaled


@pytest.mark.parametrize(("key", "table"), [
    (("n", "X", A, P2), ("X", P2)),
    (("was", ("n", "X", A, P2), 3.0), ("X", P2)),
    (("was", ("n", "X", A, P2), None), ("X", P2)),
    (("small", ("n", "X", A, P2)), None),
    ((), None),
    ("n", None),
    (None, None),
])
def test_table(key, table):
    assert figures._table(key) == table


@pytest.mark.parametrize(("key", "var"), [
    (("small", V), V), (("withheld", V), V), (("complement", V, W), None),
    (("other", V), None), (("X", "count", A, P2), None), ("small", None), (None, None)])
def test_finding_var(key, var):
    assert figures._finding_var(key) == var


def figure(key, *, suppressed=False, shows=(), target=((V, 1.0),)):
    return sdc.Figure(key=key, shows=shows, target=target, cost=1.0, suppressed=suppressed,
                      can_suppress=True)


def test_block_name():
    assert figures._block_name([]) == "a table"
    assert figures._block_name([figure(("earlier", "X", "count", A, P2, 0)),
                                figure(("small", V))]) == "a table"
    assert figures._block_name([figure(("small", V)), figure(("X", "count", A, P2)),
                                figure(("Y", "count", A, P1))]) == f"X {P2}"


@pytest.mark.parametrize(("value", "plain"), [
    (None, None), (float("nan"), None), (pd.NA, None), (3, 3.0), ("2.5", 2.5),
    (1 / 3, 0.333333333), (2.0000000004, 2.0), ("x", "x"), (P2, P2)])
def test_plain(value, plain):
    assert figures._plain(value) == plain


def test_isin():
    column = pd.Series([V, W, None, V], dtype=object)
    assert figures._isin(column, set()).tolist() == [False] * 4
    assert figures._isin(column, {V}).tolist() == [True, False, False, True]
    assert figures._isin(column, {W, ("n",)}).tolist() == [False, True, False, False]
    assert figures._isin(column, {V}).dtype == bool


def test_keys_and_figure_key():
    frame = pd.DataFrame({"indicator_code": ["X", "Y"], "measure": ["count", "rate"],
                          "area_code": [A, B], "period": [P1, P2], "value": [1.0, 2.0]})
    assert figures._keys(frame) == [("X", "count", A, P1), ("Y", "rate", B, P2)]
    assert [figures._figure_key(r) for r in frame.itertuples()] == figures._keys(frame)


@pytest.mark.parametrize("value", [0.05, 0.15, 0.25, 1.35, 2.45, 12.25, -0.05, -2.45, 0.0,
                                   0.04999, 7.0, 1e6 + 0.05, -3.14159])
def test_published_array_is_published(value):
    got = figures._published_array(np.array([value]))[0]
    # the same double, its sign too: a count of 0's rate is 0.0, not -0.0 (shown "-0.0")
    assert got == figures.published(value)
    assert np.signbit(got) == np.signbit(figures.published(value))


def test_published_array_rounds_half_away_from_zero():
    assert figures._published_array(np.array([0.25, -0.25, 0.04, -0.06, 0.0])).tolist() == [
        0.3, -0.3, 0.0, -0.1, 0.0]


# --- relations over known counts ---------------------------------------------------------------


def built_with(truth: dict) -> figures.Built:
    return figures.Built(pd.DataFrame(), dict(truth), set(truth))


X1, X2, X3 = ("n", "X", A, P2), ("n", "X", B, P2), ("n", "X", SCOTLAND, P2)


@pytest.mark.parametrize(("truth", "low", "high", "widened", "note"), [
    # every term known: 3 + 4 - 7 = 0 holds
    ({X1: 3, X2: 4, X3: 7}, 0.0, 0.0, (0.0, 0.0), None),
    ({X1: 3, X2: 4, X3: 9}, 0.0, 0.0, (-2.0, 0.0), "the data give -2, declared 0 to 0"),
    ({X1: 3, X2: 4, X3: 5}, 0.0, 0.0, (0.0, 2.0), "the data give 2, declared 0 to 0"),
    ({X1: 3, X2: 4, X3: 8}, 0.0, 0.0, (-1.0, 0.0), "the data give -1, declared 0 to 0"),
    ({X1: 3, X2: 4, X3: 6}, 0.0, 0.0, (0.0, 1.0), "the data give 1, declared 0 to 0"),
    ({X1: 3, X2: 4, X3: 5}, -2.0, 2.0, (-2.0, 2.0), None),
    ({X1: 3, X2: 4, X3: 4}, -2.0, 2.0, (-2.0, 3.0), "the data give 3, declared -2 to 2"),
    ({X1: 3, X2: 4, X3: 7.0000000005}, 0.0, 0.0, (0.0, 0.0), None),  # within 1e-9
    # X3 unknown, entering with -1: the row is at most 3 + 4 = 7, so at least 8 cannot hold
    ({X1: 3, X2: 4}, 8.0, 10.0, (-math.inf, 10.0), "the data give at most 7, declared 8 to 10"),
    ({X1: 3, X2: 4}, 7.0, 10.0, (7.0, 10.0), None),
    ({X1: 3, X2: 4}, -5.0, -1.0, (-5.0, -1.0), None),  # at most 7: no contradiction above
    # X1 unknown (+1): the row is at least 4 - 7 = -3
    ({X2: 4, X3: 7}, -9.0, -4.0, (-9.0, math.inf),
     "the data give at least -3, declared -9 to -4"),
    ({X2: 4, X3: 7}, -9.0, -3.0, (-9.0, -3.0), None),
    ({X2: 4, X3: 7}, 5.0, 9.0, (5.0, 9.0), None),  # at least -3: nothing said below
    # unknowns of both signs: nothing can be said
    ({X2: 4}, 100.0, 200.0, (100.0, 200.0), None),
    ({X2: 4}, -200.0, -100.0, (-200.0, -100.0), None),
])
def test_widen_to_truth(truth, low, high, widened, note):
    built = built_with(truth)
    row = sdc.Linear(((X1, 1.0), (X2, 1.0), (X3, -1.0)), low, high, "sum")
    result = figures._widen_to_truth(row, built)
    assert (result.low, result.high) == widened
    assert result.terms == row.terms and result.label == "sum"
    if note is None:
        assert result is row and built.relation_notes == []
    else:
        assert built.relation_notes == [f"sum does not hold as declared ({note})"]


@pytest.mark.parametrize(("part", "truth", "added"), [
    (X1, {X1: 3, X3: 4}, True),
    (X1, {X1: 0, X3: 1}, True),
    (X1, {X1: 3}, False),
    (X1, {X3: 4}, False),
    (X1, {X1: 0, X3: 0}, False),
    (X1, {X1: 0, X3: -1}, False),
    (("n", "X", SCOTLAND, P1), {("n", "X", SCOTLAND, P1): 3, X3: 4}, False),
])
def test_attribute_rule(part, truth, added):
    built = built_with(truth)
    figures._attribute_rule(built, part, X3, "rel")
    if not added:
        assert built.sensitive == []
        return
    assert built.sensitive == [sdc.Sensitive(
        ("complement", part, X3), ((X3, 1.0), (part, -1.0)),
        f"rel: children counted in X but not X, {A} {P2}")]


def test_equation():
    row = figures._equation(X3, [X1, X2], "label")
    assert row == sdc.Linear(((X3, 1.0), (X1, -1.0), (X2, -1.0)), 0.0, 0.0, "label")


# --- which shown figures tell the attacker nothing new ------------------------------------------


def count_figure(var, value, *, suppressed=False, key=None):
    return figure(key or ("X", "count", var[2], var[3]), suppressed=suppressed,
                  shows=(sdc.Linear(((var, 1.0),), value, value),), target=((var, 1.0),))


def rate_figure(var, low, high, *, suppressed=False, coef=1.0, key=None):
    return figure(key or ("X_RATE", "rate", var[2], var[3]), suppressed=suppressed,
                  shows=(sdc.Linear(((var, coef),), low, high),), target=((var, 1.0),))


@pytest.mark.parametrize(("model", "kept"), [
    # the rate's interval holds the count shown: dropped
    ([count_figure(X1, 3.0), rate_figure(X1, 2.9, 3.1)], [0]),
    ([count_figure(X1, 3.0), rate_figure(X1, 3.0, 3.0)], [0]),
    ([count_figure(X1, 3.0), rate_figure(X1, 3.0, 3.5)], [0]),
    ([count_figure(X1, 3.0), rate_figure(X1, 2.5, 3.0)], [0]),
    # not: the count is outside it, hidden, of another variable, or the rate is hidden
    ([count_figure(X1, 3.0), rate_figure(X1, 3.1, 3.5)], [0, 1]),
    ([count_figure(X1, 3.0), rate_figure(X1, 2.0, 2.9)], [0, 1]),
    ([count_figure(X1, 3.0, suppressed=True), rate_figure(X1, 2.9, 3.1)], [0, 1]),
    ([count_figure(X2, 3.0), rate_figure(X1, 2.9, 3.1)], [0, 1]),
    ([count_figure(X1, 3.0), rate_figure(X1, 2.9, 3.1, suppressed=True)], [0, 1]),
    ([count_figure(X1, 3.0), rate_figure(X1, 2.9, 3.1, coef=2.0)], [0, 1]),
    # keys of earlier releases (not four long) are neither pins nor rates to drop
    ([count_figure(X1, 3.0, key=("earlier", "X", "count", A, P2, 0)),
      rate_figure(X1, 2.9, 3.1)], [0, 1]),
    ([count_figure(X1, 3.0), rate_figure(X1, 2.9, 3.1, key=("earlier", "X", "rate", A, P2, 1))],
     [0, 1]),
    # a count shown as an interval, not a point, pins nothing
    ([figure(("X", "count", A, P2), shows=(sdc.Linear(((X1, 1.0),), 3.0, 4.0),)),
      rate_figure(X1, 2.9, 3.1)], [0, 1]),
    ([rate_figure(X1, 2.9, 3.1), count_figure(X1, 3.0)], [1]),
])
def test_without_implied(model, kept):
    assert figures._without_implied(model) == [model[i] for i in kept]


def test_a_figure_showing_two_rows_is_kept():
    two = figure(("X_RATE", "rate", A, P2), shows=(sdc.Linear(((X1, 1.0),), 2.9, 3.1),
                                                   sdc.Linear(((X1, 1.0),), 2.0, 4.0)))
    model = [count_figure(X1, 3.0), two]
    assert figures._without_implied(model) == model


# --- the built figures of a small set -----------------------------------------------------------


def small_definitions() -> dict:
    return {"REG": definition("REG"),
            "REG_RATE": definition("REG_RATE", "rate per 1,000", "REG"),
            "REGS": definition("REGS"),
            "REREG": definition("REREG", denominator="REGS"),
            "SHARE": definition("SHARE", "percentage", "REREG", "REGS"),
            "UPRATE": definition("UPRATE", "rate per 1,000")}


INPUT_COLUMNS = ["indicator_code", "area_code", "period", "value", "symbol", "status",
                 "batch_id", "illustrative"]


def input_frame(rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(INPUT_COLUMNS, r, strict=True)) for r in rows],
                        columns=INPUT_COLUMNS).astype(
        {"value": "float64", "symbol": object, "status": object})


SMALL_VALUES = [
    ("REG", A, P2, 3, None, None, 1, False), ("REG", B, P2, 10, None, "revised", 2, False),
    ("REG", D, P2, 20, None, None, 1, True), ("REG", SCOTLAND, P2, 33, None, None, 1, False),
    ("REG_RATE", A, P2, 2.5, None, "revised", 3, False), ("REG_RATE", B, P2, None, "c", None, 3,
                                                                            False),
    ("REGS", A, P2, 4, None, None, 1, False), ("REGS", B, P2, 0, None, None, 1, False),
    ("REGS", D, P2, None, "*", None, 1, False),
    ("REREG", A, P2, 1, None, "provisional", 1, False), ("REREG", B, P2, 0, None, None, 1, False),
    ("REREG", D, P2, None, "c", None, 1, False),
    ("SHARE", A, P2, 25.04, None, None, 1, False),
    ("SHARE", B, P2, None, "..", "provisional", 1, False),
    ("UPRATE", D, P2, 1.25, None, None, 1, False)]
# A's and B's children in 2024 (B's illustrative), D's in 2022 only (two years away: used)
SMALL_POPULATIONS = pd.DataFrame({"area_code": [A, B, D], "year": [2024, 2024, 2022],
                                  "children": [2000, 1000, 500],
                                  "illustrative": [False, True, False]})
_ = None
# indicator, measure, area | value, symbol, status, batch, count, population, its year, base,
# illustrative | var's indicator and area, den_var's indicator, exact, implied
SMALL_BUILT = [
    ("REG", "count", A, 3.0, _, _, 1, 3.0, _, _, _, False, "REG", A, _, True, _),
    ("REG", "rate", A, 1.5, _, _, 1, 3.0, 2000, 2024, _, False, "REG", A, _, False, _),
    ("REG", "count", B, 10.0, _, "revised", 2, 10.0, _, _, _, False, "REG", B, _, True, _),
    ("REG", "rate", B, 10.0, _, "revised", 2, 10.0, 1000, 2024, _, True, "REG", B, _, False, _),
    ("REG", "count", D, 20.0, _, _, 1, 20.0, _, _, _, True, "REG", D, _, True, _),
    ("REG", "rate", D, 40.0, _, _, 1, 20.0, 500, 2022, _, True, "REG", D, _, False, _),
    ("REG", "count", SCOTLAND, 33.0, _, _, 1, 33.0, _, _, _, False, "REG", SCOTLAND, _, True, _),
    # no child population for Scotland: no rate, `..`
    ("REG", "rate", SCOTLAND, _, "..", _, 1, _, _, _, _, False, "REG", SCOTLAND, _, False, _),
    ("REG", "count", C1, 13.0, _, _, 2, 13.0, _, _, _, False, "REG", C1, _, True, _),
    ("REG", "rate", C1, 4.3, _, _, 2, 13.0, 3000, 2024, _, True, "REG", C1, _, False, _),
    ("REG", "count", C2, 20.0, _, _, 1, 20.0, _, _, _, True, "REG", C2, _, True, _),
    ("REG", "rate", C2, 40.0, _, _, 1, 20.0, 500, 2022, _, True, "REG", C2, _, False, _),
    ("REG_RATE", "rate", A, 2.5, _, "revised", 3, 3.0, 2000, 2024, _, False, "REG", A, _, False,
     5.0),
    ("REG_RATE", "rate", B, _, "c", _, 3, _, 1000, 2024, _, True, "REG", B, _, False, _),
    ("REG_RATE", "rate", D, 40.0, _, _, 1, 20.0, 500, 2022, _, True, "REG", D, _, False, _),
    ("REG_RATE", "rate", SCOTLAND, _, "..", _, 1, _, _, _, _, False, "REG", SCOTLAND, _, False,
     _),
    ("REG_RATE", "rate", C1, 4.3, _, _, 2, 13.0, 3000, 2024, _, True, "REG", C1, _, False, _),
    ("REG_RATE", "rate", C2, 40.0, _, _, 1, 20.0, 500, 2022, _, True, "REG", C2, _, False, _),
    ("REGS", "count", A, 4.0, _, _, 1, 4.0, _, _, _, False, "REGS", A, _, True, _),
    ("REGS", "rate", A, 2.0, _, _, 1, 4.0, 2000, 2024, _, False, "REGS", A, _, False, _),
    ("REGS", "count", B, 0.0, _, _, 1, 0.0, _, _, _, False, "REGS", B, _, True, _),
    ("REGS", "rate", B, 0.0, _, _, 1, 0.0, 1000, 2024, _, True, "REGS", B, _, False, _),
    ("REGS", "count", D, _, "*", _, 1, _, _, _, _, False, "REGS", D, _, False, _),
    ("REGS", "rate", D, _, "*", _, 1, _, 500, 2022, _, False, "REGS", D, _, False, _),
    ("REGS", "count", C1, 4.0, _, _, 1, 4.0, _, _, _, False, "REGS", C1, _, True, _),
    ("REGS", "rate", C1, 1.3, _, _, 1, 4.0, 3000, 2024, _, True, "REGS", C1, _, False, _),
    ("REGS", "count", C2, _, "..", _, _, _, _, _, _, False, "REGS", C2, _, False, _),
    ("REGS", "rate", C2, _, "..", _, _, _, 500, 2022, _, False, "REGS", C2, _, False, _),
    ("REREG", "count", A, 1.0, _, "provisional", 1, 1.0, _, _, _, False, "REREG", A, _, True, _),
    ("REREG", "percent", A, 25.0, _, "provisional", 1, 1.0, _, _, 4.0, False, "REREG", A, "REGS",
     False, _),
    ("REREG", "count", B, 0.0, _, _, 1, 0.0, _, _, _, False, "REREG", B, _, True, _),
    # a percentage of nothing (0 of 0) is not shown
    ("REREG", "percent", B, _, "..", _, 1, _, _, _, _, False, "REREG", B, "REGS", False, _),
    ("REREG", "count", D, _, "c", _, 1, _, _, _, _, False, "REREG", D, _, False, _),
    ("REREG", "percent", D, _, "c", _, 1, _, _, _, _, False, "REREG", D, "REGS", False, _),
    ("REREG", "count", C1, 1.0, _, _, 1, 1.0, _, _, _, False, "REREG", C1, _, True, _),
    ("REREG", "percent", C1, 25.0, _, _, 1, 1.0, _, _, 4.0, False, "REREG", C1, "REGS", False,
     _),
    ("REREG", "count", C2, _, "..", _, _, _, _, _, _, False, "REREG", C2, _, False, _),
    ("REREG", "percent", C2, _, "..", _, _, _, _, _, _, False, "REREG", C2, "REGS", False, _),
    ("SHARE", "percent", A, 25.0, _, _, 1, _, _, _, _, False, "REREG", A, "REGS", False, _),
    ("SHARE", "percent", B, _, "..", "provisional", 1, _, _, _, _, False, "REREG", B, "REGS",
     False, _),
    ("UPRATE", "rate", D, 1.3, _, _, 1, _, 500, 2022, _, False, "UPRATE", D, _, False, 0.625),
]


def plain_rows(frame: pd.DataFrame) -> list[tuple]:
    def plain(v):
        return None if v is None or (not isinstance(v, tuple | str) and pd.isna(v)) else v

    return [(r.indicator_code, r.measure, r.area_code, plain(r.value), plain(r.symbol),
             plain(r.status), plain(r.batch_id), plain(r.count), plain(r.population),
             plain(r.population_year), plain(r.base), bool(r.illustrative),
             r.var[1] if isinstance(r.var, tuple) else None,
             r.var[2] if isinstance(r.var, tuple) else None,
             r.den_var[1] if isinstance(r.den_var, tuple) else None, bool(r.exact),
             plain(r.implied)) for r in frame.itertuples()]


@pytest.fixture(scope="module")
def small_built() -> figures.Built:
    return figures.build(figures.Inputs(small_definitions(), input_frame(SMALL_VALUES),
                                        SMALL_POPULATIONS, small_directory()))


def test_build_gives_every_figure_of_a_small_set(small_built):
    frame = small_built.frame
    assert list(frame.columns) == [*figures.COLUMNS, "var", "den_var", "exact", "implied"]
    assert plain_rows(frame) == SMALL_BUILT
    assert (frame["period"] == P2).all()
    assert not frame["suppressed"].any()
    for r in frame.itertuples():
        assert r.var == ("n", r.var[1], r.area_code, P2)
        assert r.den_var is None or r.den_var == ("n", "REGS", r.area_code, P2)
    for name, dtype in [("value", "float64"), ("count", "float64"), ("population", "float64"),
                        ("base", "float64"), ("symbol", "object"), ("status", "object"),
                        ("suppressed", "bool"), ("exact", "bool"), ("illustrative", "bool")]:
        assert frame[name].dtype == dtype, name


def test_the_rates_of_one_area_take_each_years_population():
    """An area's counts in two years: each rate on the children of its own year (the
    populations are looked up once per area and year)."""
    early = dt.date(2020, 7, 31)
    values = input_frame([("REG", A, early, 150, None, None, 1, False),
                          ("REG", A, P2, 4, None, None, 1, False),
                          ("REG", B, P2, 4, None, None, 1, False)])
    populations = pd.DataFrame({"area_code": [A, A, B], "year": [2021, 2024, 2024],
                                "children": [1000, 2000, 0], "illustrative": [False] * 3})
    built = figures.build(figures.Inputs({"REG": definition("REG")}, values, populations,
                                         small_directory()))
    frame = built.frame
    rates = frame[(frame["measure"] == "rate") & (frame["area_code"] == A)]
    assert list(zip(rates["period"], rates["value"], rates["population"],
                    rates["population_year"], strict=True)) == [
        (early, 150.0, 1000, 2021), (P2, 2.0, 2000, 2024)]  # per 1,000 exactly
    # no children: no rate (`..`), not a division by 0
    rate = frame[(frame["measure"] == "rate") & (frame["area_code"] == B)].iloc[0]
    assert pd.isna(rate["value"]) and rate["symbol"] == ".."


def test_rates_uploaded_beside_rates_from_their_counts():
    """A rate indicator's uploaded rows, then its count's rows it has no upload for: an empty
    upload does not end the uploaded rows; an uploaded rate without children implies no count;
    a rate the count cannot give keeps its count's symbol and its children."""
    values = input_frame([("UPRATE", A, P2, None, "c", None, 1, False),
                          ("UPRATE", B, P2, 2.5, None, None, 1, False),
                          ("UPRATE", D, P2, 1.25, None, None, 1, False),
                          ("REG", A, P2, 3, None, None, 1, False),
                          ("REG", B, P2, None, "c", None, 1, False),
                          ("REG", D, P2, 5, None, None, 1, False),
                          ("REG_RATE", A, P2, 1.5, None, None, 1, False)])
    populations = pd.DataFrame({"area_code": [A, B], "year": [2024, 2024],
                                "children": [2000, 1000], "illustrative": [False, False]})
    definitions = {"REG": definition("REG"),
                   "REG_RATE": definition("REG_RATE", "rate per 1,000", "REG"),
                   "UPRATE": definition("UPRATE", "rate per 1,000")}
    built = figures.build(figures.Inputs(definitions, values, populations, small_directory()))
    frame = built.frame
    rows = [r for r in plain_rows(frame) if r[0] != "REG" and r[2] in (A, B, D)]
    assert rows == [
        ("REG_RATE", "rate", A, 1.5, _, _, 1, 3.0, 2000, 2024, _, False, "REG", A, _, False, 3.0),
        ("REG_RATE", "rate", B, _, "c", _, 1, _, 1000, 2024, _, False, "REG", B, _, False, _),
        ("REG_RATE", "rate", D, _, "..", _, 1, _, _, _, _, False, "REG", D, _, False, _),
        ("UPRATE", "rate", A, _, "c", _, 1, _, 2000, 2024, _, False, "UPRATE", A, _, False, _),
        ("UPRATE", "rate", B, 2.5, _, _, 1, _, 1000, 2024, _, False, "UPRATE", B, _, False, 2.5),
        ("UPRATE", "rate", D, 1.3, _, _, 1, _, _, _, _, False, "UPRATE", D, _, False, _)]
    # withheld by the publisher: B's count, not A's uploaded rate (it has no count)
    assert figures._publisher_suppressed(built, frame) == {("n", "REG", B, P2)}


def test_an_uploaded_percentage_names_only_the_counts_it_has():
    """An uploaded percentage's count and base: each only if its definition names it, and the
    base only with the count."""
    definitions = {"PCT": definition("PCT", "percentage"),
                   "PCT_NUM": definition("PCT_NUM", "percentage", "REG"),
                   "PCT_DEN": definition("PCT_DEN", "percentage", denominator="REGS"),
                   "PCT_BOTH": definition("PCT_BOTH", "percentage", "REG", "REGS")}
    values = input_frame([(code, A, P2, 20.0, None, None, 1, False) for code in definitions])
    frame = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory())).frame
    assert list(zip(frame["indicator_code"], frame["var"], frame["den_var"], strict=True)) == [
        ("PCT", None, None), ("PCT_NUM", ("n", "REG", A, P2), None), ("PCT_DEN", None, None),
        ("PCT_BOTH", ("n", "REG", A, P2), ("n", "REGS", A, P2))]


def test_a_relation_over_the_counts_only_a_percentage_names():
    """Re-registrations within registrations, where neither count is uploaded but a
    percentage of one over the other is: the relation holds over the counts it names."""
    definitions = {"CP_REGISTRATIONS": definition("CP_REGISTRATIONS"),
                   "CP_REREGISTRATIONS": definition("CP_REREGISTRATIONS"),
                   "REREG_SHARE": definition("REREG_SHARE", "percentage", "CP_REREGISTRATIONS",
                                             "CP_REGISTRATIONS")}
    values = input_frame([("REREG_SHARE", A, P2, 20.0, None, None, 1, False)])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert built.links == [(("n", "CP_REREGISTRATIONS", A, P2), ("n", "CP_REGISTRATIONS", A, P2))]


def test_relations_of_a_quarterly_series():
    """The register a quarter back (its own frequency, not a year), and a part whose total is
    missing in one area (A) still within its total in the next (B)."""
    q0, q1 = dt.date(2024, 3, 31), dt.date(2024, 6, 30)
    definitions = {code: {**definition(code), "frequency": "quarterly"} for code in (
        "CP_REGISTER", "CP_REGISTRATIONS", "CP_DEREGISTRATIONS", "CONCERN_NEGLECT")}
    values = input_frame([("CP_REGISTER", B, q0, 10, None, None, 1, False),
                          ("CP_REGISTER", B, q1, 12, None, None, 1, False),
                          ("CP_REGISTRATIONS", B, q1, 4, None, None, 1, False),
                          ("CP_DEREGISTRATIONS", B, q1, 2, None, None, 1, False),
                          ("CONCERN_NEGLECT", A, q1, 1, None, None, 1, False),
                          ("CONCERN_NEGLECT", B, q1, 3, None, None, 1, False)])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    # B's committee C1 has its counts too, unknown (A's are missing)
    assert built.links == [
        *[(("n", "CP_REGISTER", area, q1), ("n", "CP_REGISTER", area, q0),
           ("n", "CP_REGISTRATIONS", area, q1), ("n", "CP_DEREGISTRATIONS", area, q1))
          for area in (B, C1)],
        *[(("n", "CONCERN_NEGLECT", area, q1), ("n", "CP_REGISTER", area, q1))
          for area in (B, C1)]]


def test_a_count_no_definition_has_is_taken_as_annual():
    """The register named only as a percentage's count, its indicator not defined: a year
    back is the register of the year before."""
    y0, y1 = dt.date(2023, 7, 31), dt.date(2024, 7, 31)
    definitions = {"CP_REGISTRATIONS": definition("CP_REGISTRATIONS"),
                   "CP_DEREGISTRATIONS": definition("CP_DEREGISTRATIONS"),
                   "SHARE": definition("SHARE", "percentage", "CP_REGISTER")}
    values = input_frame([("SHARE", B, y0, 10.0, None, None, 1, False),
                          ("SHARE", B, y1, 12.0, None, None, 1, False),
                          ("CP_REGISTRATIONS", B, y1, 4, None, None, 1, False),
                          ("CP_DEREGISTRATIONS", B, y1, 2, None, None, 1, False)])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert built.links == [
        (("n", "CP_REGISTER", B, y1), ("n", "CP_REGISTER", B, y0),
         ("n", "CP_REGISTRATIONS", B, y1), ("n", "CP_DEREGISTRATIONS", B, y1))]


def test_the_relations_definitions_declare():
    """`part of` (where the total is known; with its complement), `sum of` and `sum of ... over
    N periods` over every area of the indicator, after the area sums; `none` adds nothing."""
    y0, y1 = dt.date(2023, 7, 31), dt.date(2024, 7, 31)
    definitions = {"PAIR_A": definition("PAIR_A"),
                   "PAIR_B": definition("PAIR_B", relation="part of PAIR_A"),
                   "SUM_X": definition("SUM_X", relation="sum of PAIR_A, PAIR_B"),
                   "OVER": definition("OVER", relation="sum of PAIR_A over 2 periods"),
                   "NONE_X": definition("NONE_X", relation="none")}
    rows = [("PAIR_A", B, y0, 5), ("PAIR_A", B, y1, 6), ("PAIR_B", A, y1, 2),
            ("PAIR_B", B, y1, 4), ("SUM_X", B, y1, 10), ("OVER", B, y1, 11),
            ("NONE_X", B, y1, 1)]
    values = input_frame([(c, a, p, v, None, None, 1, False) for c, a, p, v in rows])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))

    def m(code, area, period=y1):
        return ("n", code, area, period)

    # A's PAIR_B has no PAIR_A to be part of; B's committee C1 has its (unknown) counts too
    expected = [
        *[(f"declared PAIR_B: part of PAIR_A, {a} {y1}", -math.inf,
           ((m("PAIR_B", a), 1.0), (m("PAIR_A", a), -1.0))) for a in (B, C1)],
        *[(f"declared SUM_X: sum of PAIR_A, PAIR_B, {a} {y1}", 0.0,
           ((m("SUM_X", a), 1.0), (m("PAIR_A", a), -1.0), (m("PAIR_B", a), -1.0)))
          for a in (B, C1)],
        *[(f"declared OVER: sum of PAIR_A over 2 periods, {a} {y1}", 0.0,
           ((m("OVER", a), 1.0), (m("PAIR_A", a), -1.0), (m("PAIR_A", a, y0), -1.0)))
          for a in (B, C1)]]
    relation_rows = list(built.relation_rows)
    assert [(r.label, r.low, r.terms) for r in relation_rows[-6:]] == expected
    assert all(r.high == 0.0 for r in relation_rows[-6:])
    assert all(r.label.startswith("areas: ") for r in relation_rows[:-6])
    assert built.links == [tuple(v for v, _ in terms) for _, _, terms in expected]
    assert [(s.key, s.label) for s in built.sensitive] == [
        (("complement", m("PAIR_B", B), m("PAIR_A", B)),
         f"declared PAIR_B: part of PAIR_A: children counted in PAIR_A but not PAIR_B, {B} {y1}")]


def test_area_sums_widened_after_an_indicator_without_counts():
    """Scotland's count (its last row, as a lookup finds it) 4 above its councils' sum: both
    of Scotland's area sums are widened to it, though an indicator with no counts at all comes
    first, and another table (ONE's, whole) before REG's."""
    definitions = {"EMPTY": definition("EMPTY"), "REG": definition("REG"),
                   "ONE": definition("ONE")}
    rows = [("REG", A, 1), ("REG", B, 2), ("REG", D, 3), ("REG", SCOTLAND, 6),
            ("REG", SCOTLAND, 10), *[("ONE", a, 1) for a in (A, B, D)], ("ONE", SCOTLAND, 3)]
    values = input_frame([(c, a, P2, v, None, None, 1, False) for c, a, v in rows])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert [(r.label, r.low, r.high) for r in built.relation_rows] == [
        *[(f"areas: ONE {P2}", 0.0, 0.0)] * 4,
        *[(f"areas: REG {P2}", 0.0, high) for high in (4.0, 4.0, 0.0, 0.0)]]


def test_a_series_of_scotland_alone():
    """Scotland's register and flows alone (no council, so no table of area sums; no child
    population, some elsewhere illustrative): the stock-and-flow rows come after the empty
    area sums, and the second year's, 10 off, is the one widened (no warning on the way: the
    suite makes warnings errors)."""
    years = [dt.date(2022 + i, 7, 31) for i in range(3)]
    definitions = {c: definition(c) for c in ("CP_REGISTER", "CP_REGISTRATIONS",
                                              "CP_DEREGISTRATIONS")}
    rows = [("CP_REGISTER", years[0], 100), ("CP_REGISTER", years[1], 110),
            ("CP_REGISTER", years[2], 130), *[(c, y, v) for y in years[1:] for c, v in (
                ("CP_REGISTRATIONS", 30), ("CP_DEREGISTRATIONS", 20))]]
    values = input_frame([(c, SCOTLAND, p, v, None, None, 1, False) for c, p, v in rows])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert len(built.relation_rows) == 2
    assert [(r.label, r.low, r.high) for r in built.relation_rows] == [
        (f"stock_flow: {SCOTLAND} {years[1]}", -2.0, 2.0),
        (f"stock_flow: {SCOTLAND} {years[2]}", -2.0, 10.0)]
    assert built.relation_notes == [(f"stock_flow: {SCOTLAND} {years[2]} does not hold as "
                                    "declared (the data give 10, declared -2 to 2)")]


@pytest.mark.parametrize(("withheld", "registrations", "deregistrations", "low", "high"), [
    (1, 20, 0, -20, 2), (1, 3, 0, -3, 2), (0, 0, 20, -2, 20), (0, 0, 3, -2, 3)])
def test_an_unknown_count_in_the_area_sums_and_a_series_is_one_count(
        withheld, registrations, deregistrations, low, high):
    """A's register withheld (this year's or last year's): the area sums make it 10, its
    flows 8 to 12 from the other year's 10 and the flows. Both are the same count, so the
    rows cannot all hold and the stock-and-flow row is widened to fit (by 18, or by 1 only,
    below or above), with its note."""
    years = (dt.date(2023, 7, 31), dt.date(2024, 7, 31))
    definitions = {c: definition(c) for c in ("CP_REGISTER", "CP_REGISTRATIONS",
                                              "CP_DEREGISTRATIONS")}
    rows = [*[("CP_REGISTER", a, years[y], v, None) if (a, y) != (A, withheld) else
              ("CP_REGISTER", A, years[y], None, "c")
              for y in (0, 1) for a, v in ((A, 10), (B, 10), (D, 10), (SCOTLAND, 30))],
            ("CP_REGISTRATIONS", A, years[1], registrations, None),
            ("CP_DEREGISTRATIONS", A, years[1], deregistrations, None)]
    values = input_frame([(c, a, p, v, s, None, 1, False) for c, a, p, v, s in rows])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert [(r.label, r.low, r.high) for r in built.relation_rows
            if r.label.startswith("stock_flow")] == [
        (f"stock_flow: {A} {years[1]}", low, high), (f"stock_flow: {C1} {years[1]}", -2.0, 2.0)]
    widened = next(r for r in built.relation_rows if r.label.startswith("stock_flow"))
    assert widened.terms == (
        (n("CP_REGISTER", A, years[1]), 1.0), (n("CP_REGISTER", A, years[0]), -1.0),
        (n("CP_REGISTRATIONS", A, years[1]), -1.0), (n("CP_DEREGISTRATIONS", A, years[1]), 1.0))
    assert built.relation_notes == [
        (f"stock_flow: {A} {years[1]} does not hold as declared with counts nobody knows >= 0 "
         f"(widened to {low} to {high})")]


@pytest.mark.parametrize(("withheld", "rows", "bounds", "note"), [
    # the register a year back can only lower the row, 18 below its low already
    ("CP_REGISTER@t-1", [("CP_REGISTER", 1, 10), ("CP_REGISTRATIONS", 1, 30),
                         ("CP_DEREGISTRATIONS", 1, 0)], (-math.inf, 2.0), "at most -20"),
    # this year's register can only raise it, 18 above its high already
    ("CP_REGISTER@t", [("CP_REGISTER", 0, 10), ("CP_REGISTRATIONS", 1, 0),
                       ("CP_DEREGISTRATIONS", 1, 30)], (-2.0, math.inf), "at least 20")])
def test_a_row_broken_whatever_its_unknown_counts(withheld, rows, bounds, note):
    """Scotland's stock and flow with one register withheld that can only move the row
    further out of its bounds: the row is widened to the data at once (nothing beyond), not
    by the fit of the unknown counts."""
    years = (dt.date(2023, 7, 31), dt.date(2024, 7, 31))
    definitions = {c: definition(c) for c in ("CP_REGISTER", "CP_REGISTRATIONS",
                                              "CP_DEREGISTRATIONS")}
    gone = ("CP_REGISTER", 0 if withheld.endswith("t-1") else 1, None, "c")
    values = input_frame([(c, SCOTLAND, years[y], v, s, None, 1, False)
                          for c, y, v, s in [gone, *((c, y, v, None) for c, y, v in rows)]])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert [(r.label, r.low, r.high) for r in built.relation_rows] == [
        (f"stock_flow: {SCOTLAND} {years[1]}", *bounds)]
    assert built.relation_notes == [(f"stock_flow: {SCOTLAND} {years[1]} does not hold as "
                                     f"declared (the data give {note}, declared -2 to 2)")]


@pytest.mark.parametrize(("register", "bounds"), [(107, (-3.0, 2.0)), (113, (-2.0, 3.0))])
def test_a_row_one_beyond_its_bounds_is_widened(register, bounds):
    """Scotland's register 3 below or above what its flows give (the stock-and-flow row allows
    2): one beyond the row's bounds is enough to widen it."""
    y0, y1 = dt.date(2023, 7, 31), dt.date(2024, 7, 31)
    definitions = {c: definition(c) for c in ("CP_REGISTER", "CP_REGISTRATIONS",
                                              "CP_DEREGISTRATIONS")}
    rows = [("CP_REGISTER", y0, 100), ("CP_REGISTER", y1, register),
            ("CP_REGISTRATIONS", y1, 30), ("CP_DEREGISTRATIONS", y1, 20)]
    values = input_frame([(c, SCOTLAND, p, v, None, None, 1, False) for c, p, v in rows])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert [(r.low, r.high) for r in built.relation_rows] == [bounds]


def test_a_sum_over_periods_of_a_quarterly_count():
    """`sum of Q over 2 periods` where Q is quarterly: this quarter and the one before (the
    base's own frequency, not the year before)."""
    q0, q1 = dt.date(2024, 3, 31), dt.date(2024, 6, 30)
    definitions = {"Q": {**definition("Q"), "frequency": "quarterly"},
                   "HALF": definition("HALF", relation="sum of Q over 2 periods")}
    rows = [("Q", B, q0, 2), ("Q", B, q1, 3), ("HALF", B, q1, 5)]
    values = input_frame([(c, a, p, v, None, None, 1, False) for c, a, p, v in rows])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    assert built.links[0] == (("n", "HALF", B, q1), ("n", "Q", B, q1), ("n", "Q", B, q0))


def test_the_attacker_model_holds_each_shown_figure_as_its_row_gives_it():
    """`_model_rows`, figure by figure, on the small set with two changes: an uploaded
    percentage (SHARE in A, 30%) off its count and base (1 of 4: 25%), and a rate uploaded for
    Scotland, which has no child population (it tells nothing: no figure, and the rows after
    it still are). Each other shown row is one figure, in frame order: what `_shows_of` makes
    of the row's values, its true count and base, labelled with its indicator, measure, area
    and period; costing its count (its value where it has none) plus 1, and 0.5 more for a
    rate or percentage; Scotland's never hidden."""
    values = [("SHARE", A, P2, 30.0, None, None, 1, False) if v[:2] == ("SHARE", A) else v
              for v in SMALL_VALUES] + [("REG_RATE", SCOTLAND, P2, 1.0, None, None, 3, False)]
    built = figures.build(figures.Inputs(small_definitions(), input_frame(values),
                                         SMALL_POPULATIONS, small_directory()))
    frame, truth = built.frame, built.truth
    made, at = figures._model_rows(frame, figures._Releases(), {}, 5, truth)
    rows = list(frame.itertuples())
    lone = [i for i, r in enumerate(rows) if (r.indicator_code, r.area_code) == ("REG_RATE",
                                                                                 SCOTLAND)]
    assert len(lone) == 1 and rows[lone[0]].value == 1.0 and lone[0] < len(rows) - 1
    shown = [i for i, r in enumerate(rows) if not pd.isna(r.value)]
    assert at == [i for i in shown if i != lone[0]]
    for figure, i in zip(made, at, strict=True):
        r = rows[i]
        key = (r.indicator_code, r.measure, r.area_code, r.period)
        assert figure.key == key
        assert figure.shows == figures._shows_of(
            *key, r.value, r.population, r.var, r.den_var, truth.get(r.var),
            truth.get(r.den_var) if r.den_var is not None else None)
        assert {s.label for s in figure.shows} == {" ".join(map(str, key))}
        base = r.value if pd.isna(r.count) else r.count
        assert figure.cost == abs(base) + (0.0 if r.measure == "count" else 0.5) + 1.0
        assert figure.can_suppress is (r.area_code != SCOTLAND) and not figure.suppressed
    by_key = {f.key[:3]: f for f in made}
    share = by_key[("SHARE", "percent", A)].shows  # 30% said, 1 of 4 true: widened to 25%
    assert [t for t in share[1].terms] == [(("n", "REREG", A, P2), 1.0), (("n", "REGS", A, P2),
                                                                         -0.25)]
    assert share[0].terms[1][1] == pytest.approx(-0.3005)
    assert by_key[("SHARE", "percent", A)].cost == 31.5  # no count of its own: its value
    assert by_key[("REG", "rate", A)].cost == 4.5 and by_key[("REG", "count", A)].cost == 4.0


def test_nothing_to_build_is_an_empty_frame_of_the_built_columns():
    built = figures.build(figures.Inputs(small_definitions(), input_frame([]), SMALL_POPULATIONS,
                                         small_directory()))
    assert built.frame.empty
    assert list(built.frame.columns) == [*figures.COLUMNS, "var", "den_var", "exact", "implied"]
    assert built.frame["value"].dtype == "float64" and built.truth == {}


def test_build_knows_the_true_counts_and_the_named_ones(small_built):
    def named(code, area):
        return ("n", code, area, P2)

    assert small_built.truth == {
        named("REG", A): 3.0, named("REG", B): 10.0, named("REG", D): 20.0,
        named("REG", SCOTLAND): 33.0, named("REG", C1): 13.0, named("REG", C2): 20.0,
        named("REGS", A): 4.0, named("REGS", B): 0.0, named("REGS", C1): 4.0,
        named("REREG", A): 1.0, named("REREG", B): 0.0, named("REREG", C1): 1.0}
    assert small_built.known_vars == {
        *(named("REG", a) for a in (A, B, D, SCOTLAND, C1, C2)),
        *(named("REGS", a) for a in (A, B, D, C1, C2)),
        *(named("REREG", a) for a in (A, B, D, C1, C2)), named("UPRATE", D)}
    rows = list(small_built.relation_rows)
    assert len(rows) == len(small_built.relation_rows) == 16  # four tables of four area sums
    assert [r.label for r in rows[::4]] == [f"areas: {c} {P2}" for c in
                                             ("REG", "REGS", "REREG", "UPRATE")]
    assert rows[0] == sdc.Linear(((named("REG", SCOTLAND), 1.0), (named("REG", A), -1.0),
                                  (named("REG", B), -1.0), (named("REG", D), -1.0)), 0.0, 0.0,
                                 f"areas: REG {P2}")
    assert rows[1].terms == ((named("REG", SCOTLAND), 1.0), (named("REG", C1), -1.0),
                             (named("REG", C2), -1.0))
    assert rows[2].terms == ((named("REG", C1), 1.0), (named("REG", A), -1.0),
                             (named("REG", B), -1.0))
    assert rows[3].terms == ((named("REG", C2), 1.0), (named("REG", D), -1.0))
    assert small_built.relation_notes == [] and small_built.sensitive == []
    assert small_built.links == []


# --- relations over a series: stock and flow, parts within totals, complements -----------------


def register_values() -> dict:
    """Fife's (and so Scotland's and its committee's) register moves by 10 more than its
    flows say; Orkney's concerns are all but two of its register, Siar's all of it. The
    register and its flows are test_figures' stock-and-flow set with Fife's de-registrations
    at 380."""
    values = stock_and_flow()
    values |= table("CP_DEREGISTRATIONS", Y2, {ORKNEY: 3, SHETLAND: 22, SIAR: 20, CLACKS: 75,
                                               STIRLING: 90, FIFE: 380})  # and Scotland's
    values |= table("CONCERN_NEGLECT", Y2, {ORKNEY: 22, SHETLAND: 5, SIAR: 27, CLACKS: 0,
                                            STIRLING: 1, FIFE: 100})
    values[("CP_REREGISTRATIONS", ORKNEY, Y2)] = 2
    values[("CP_REREGISTRATIONS", SHETLAND, Y2)] = "*"
    return values


COMMITTEE_OF = {ORKNEY: "CPC22", SHETLAND: "CPC23", SIAR: "CPC24", CLACKS: "CPC05",
                STIRLING: "CPC05", FIFE: "CPC14"}
EVERY_AREA = [ORKNEY, SHETLAND, SIAR, CLACKS, STIRLING, FIFE, SCOTLAND, "CPC22", "CPC23",
              "CPC24", "CPC05", "CPC14"]


@pytest.fixture(scope="module")
def register_built() -> figures.Built:
    return figures.build(adversary_inputs(register_values()))


def n(code, area, period=Y2):
    return ("n", code, area, period)


def test_relations_of_a_series(register_built):
    rows = [r for r in register_built.relation_rows if not r.label.startswith("areas:")]
    stock_flow = [r for r in rows if r.label.startswith("stock_flow")]
    assert [r.label for r in stock_flow] == [f"stock_flow: {a} {Y2}" for a in EVERY_AREA]
    for row, area in zip(stock_flow, EVERY_AREA, strict=True):
        assert row.terms == ((n("CP_REGISTER", area), 1.0), (n("CP_REGISTER", area, Y1), -1.0),
                             (n("CP_REGISTRATIONS", area), -1.0),
                             (n("CP_DEREGISTRATIONS", area), 1.0))
        # Fife's data give -10: widened to hold it, with a note; the rest as declared
        assert (row.low, row.high) == ((-10.0, 2.0) if area in (FIFE, SCOTLAND, "CPC14")
                                       else (-2.0, 2.0))
    assert register_built.relation_notes == [
        f"stock_flow: {a} {Y2} does not hold as declared (the data give -10, declared -2 to 2)"
        for a in (FIFE, SCOTLAND, "CPC14")]
    concerns = [r for r in rows if r.label.startswith("concerns_within_register")]
    assert [r.label for r in concerns] == [
        f"concerns_within_register: CONCERN_NEGLECT {a} {Y2}" for a in EVERY_AREA]
    assert all(r.terms == ((n("CONCERN_NEGLECT", a), 1.0), (n("CP_REGISTER", a), -1.0))
               and (r.low, r.high) == (-math.inf, 0.0) for r, a in zip(concerns, EVERY_AREA,
                                                                        strict=True))
    # re-registrations where both counts are named (Shetland's withheld, its committee's sum
    # unknown); Scotland has none
    within = [r for r in rows if r.label.startswith("reregistrations_within_registrations")]
    assert [r.terms[0][0][2] for r in within] == [ORKNEY, SHETLAND, "CPC22", "CPC23"]
    assert len(rows) == 12 + 12 + 4
    assert register_built.links == [tuple(v for v, _ in r.terms) for r in rows]


def test_complements_of_parts_in_local_areas(register_built):
    """One per part within a total, both known, the total above 0, not Scotland."""
    keys = [(s.key[1][1], s.key[1][2]) for s in register_built.sensitive]
    assert keys == [("CONCERN_NEGLECT", a) for a in EVERY_AREA if a != SCOTLAND] + [
        ("CP_REREGISTRATIONS", ORKNEY), ("CP_REREGISTRATIONS", "CPC22")]
    assert register_built.sensitive[-1].label == (
        f"reregistrations_within_registrations: children counted in CP_REGISTRATIONS but not "
        f"CP_REREGISTRATIONS, CPC22 {Y2}")


def test_sensitive_expressions_of_a_series(register_built):
    frame = register_built.frame
    expressions, small = figures._sensitive(register_built, frame, 5)
    assert small == {n("CONCERN_NEGLECT", STIRLING), n("CONCERN_NEGLECT", "CPC05"),
                     n("CP_DEREGISTRATIONS", ORKNEY), n("CP_DEREGISTRATIONS", "CPC22"),
                     n("CP_REREGISTRATIONS", ORKNEY), n("CP_REREGISTRATIONS", "CPC22")}
    # complements under 5 (Orkney's 24 - 22, Siar's 27 - 27; re-registrations' 7 - 2 is not),
    # then the small counts by name, then the withheld
    assert [e.key for e in expressions] == [
        ("complement", n("CONCERN_NEGLECT", a), n("CP_REGISTER", a))
        for a in (ORKNEY, SIAR, "CPC22", "CPC24")] + [
        ("small", v) for v in sorted(small, key=str)] + [
        ("withheld", n("CP_REREGISTRATIONS", SHETLAND))]
    assert expressions[4].terms == ((min(small, key=str), 1.0),)
    assert expressions[4].label == f"small count CONCERN_NEGLECT CPC05 {Y2}"
    assert expressions[-1].label == ("count suppressed by the publisher CP_REREGISTRATIONS "
                                     f"{SHETLAND} {Y2}")
    # a threshold of 3: only counts of 1 and 2, and complements under 3
    expressions, small = figures._sensitive(register_built, frame, 3)
    assert small == {n("CONCERN_NEGLECT", STIRLING), n("CONCERN_NEGLECT", "CPC05"),
                     n("CP_REREGISTRATIONS", ORKNEY), n("CP_REREGISTRATIONS", "CPC22")}
    assert [e.key[0] for e in expressions].count("complement") == 4
    # a cap scales a small count's expression (`_scaled`)
    capped = n("CONCERN_NEGLECT", STIRLING)
    expressions, _ = figures._sensitive(register_built, frame, 5, {capped: 2})
    found = next(e for e in expressions if e.key == ("small", capped))
    assert found.terms == ((capped, 2.5 * (1 + 1e-9)),)


def test_publisher_suppressed(register_built):
    assert figures._publisher_suppressed(register_built, register_built.frame) == {
        n("CP_REREGISTRATIONS", SHETLAND)}
    frame = register_built.frame.copy()
    frame.loc[frame["symbol"] == "*", "symbol"] = ".."
    assert figures._publisher_suppressed(register_built, frame) == set()


@pytest.mark.parametrize(("rate", "population", "small"), [
    # an uploaded rate's implied count: small from 0.5 up to 4.5 (threshold 5)
    (0.4, 1000, False),   # implies 0.4
    (0.5, 1000, True),    # 0.5
    (1.0, 1000, True),
    (4.4, 1000, True),    # 4.4
    (4.5, 1000, False),   # 4.5
    (2.0, 2000, True),    # 4
    (3.0, 2000, False),   # 6
])
def test_a_rate_implying_a_small_count_is_sensitive(rate, population, small):
    values = {("CP_REGISTER_RATE", ORKNEY, Y2): rate, ("CP_REGISTER_RATE", SCOTLAND, Y2): 1.0}
    built = figures.build(adversary_inputs(values, {(ORKNEY, 2024): population,
                                                    (SCOTLAND, 2024): 1_000_000}))
    _, found = figures._sensitive(built, built.frame, 5)
    # Scotland's implied count is never small: it is published
    assert found == ({n("CP_REGISTER", ORKNEY)} if small else set())


# --- primary suppression, the audit and the published frame ---------------------------------


def hidden_keys(protected: figures.Protected) -> set:
    f = protected.frame
    return {(r.indicator_code, r.measure, r.area_code) for r in f[f["suppressed"]].itertuples()}


# what primary suppression hides of `register_values` (threshold 5): small counts (Orkney's
# and its committee's 3 de-registrations and 2 re-registrations, Stirling's and its joint
# committee's 1 neglect concern), the parts whose complement is small (Orkney's 22 of 24 and
# Siar's 27 of 27 concerns, and their committees'), each with its rate or percentage
PRIMARY = {(code, measure, area) for code, measure, areas in [
    ("CP_DEREGISTRATIONS", "rate", [ORKNEY, "CPC22"]),
    ("CP_REREGISTRATIONS", "percent", [ORKNEY, "CPC22"]),
    ("CONCERN_NEGLECT", "rate", [ORKNEY, SIAR, STIRLING, "CPC22", "CPC24", "CPC05"])]
    for area in areas for measure in ("count", measure)}


@pytest.fixture(scope="module")
def primary(register_built) -> figures.Protected:
    return figures.protect(register_built, six_councils(), 5, first_pass=False,
                           audit_only=True)


def test_primary_suppression_and_its_audit(primary, register_built):
    assert hidden_keys(primary) == PRIMARY
    assert primary.suppressed_count == 20
    assert primary.figure_count == int(register_built.frame["value"].notna().sum()) == 148
    # the de-registrations are pinned by the area sums (nothing else hidden in their table):
    # two figures each, and the two small counts
    unprotected = [f.key for f in primary.findings if not f.protected]
    assert unprotected == [("CP_DEREGISTRATIONS", m, a, Y2) for a in (ORKNEY, "CPC22")
                           for m in ("count", "rate")] + [
        ("small", n("CP_DEREGISTRATIONS", a)) for a in ("CPC22", ORKNEY)]
    assert primary.first_pass_unprotected == 6
    assert all(f.low == f.high == 3.0 for f in primary.findings if not f.protected)
    assert primary.unprotected == [f for f in primary.findings if not f.protected]
    assert primary.blocking == primary.unprotected  # nothing earlier releases gave away
    assert primary.earlier_only == set()
    assert primary.protected_afresh == len(register_built.frame)
    assert primary.notes == register_built.relation_notes
    # the findings: hidden figures in frame order, then the sensitive expressions
    keys = [f.key for f in primary.findings]
    hidden_in_order = [(r.indicator_code, r.measure, r.area_code, r.period)
                       for r in primary.frame[primary.frame["suppressed"]].itertuples()]
    assert keys[:20] == hidden_in_order
    assert [k[0] for k in keys[20:]] == ["complement"] * 4 + ["small"] * 6 + ["withheld"]


def test_the_published_frame_hides_values_and_keeps_the_truth(primary, register_built):
    frame = primary.frame
    assert list(frame.columns) == [*figures.COLUMNS, "truth", "den_truth"]
    assert list(frame.index) == list(range(len(register_built.frame)))
    hidden = frame[frame["suppressed"]]
    assert hidden["value"].isna().all() and (hidden["symbol"] == "[c]").all()
    assert hidden["count"].isna().all()  # a hidden count is not shown beside its rate either
    shown = frame[~frame["suppressed"]]
    built = register_built.frame
    assert shown["value"].fillna(-1).tolist() == built.loc[shown.index, "value"].fillna(-1) \
        .tolist()
    # each row's true count (its count figure's value before suppression) and its base's
    row = frame[(frame["indicator_code"] == "CP_REREGISTRATIONS")
                & (frame["measure"] == "percent") & (frame["area_code"] == ORKNEY)].iloc[0]
    assert (row["truth"], row["den_truth"]) == (2.0, 7.0)
    assert pd.isna(row["count"]) and row["base"] == 7.0  # its base is shown, its count not
    rate = frame[(frame["indicator_code"] == "CP_REGISTER") & (frame["measure"] == "rate")
                 & (frame["area_code"] == FIFE) & (frame["period"] == Y2)].iloc[0]
    assert (rate["count"], rate["truth"]) == (310.0, 310.0) and pd.isna(rate["den_truth"])
    assert pd.isna(rate["base"])
    withheld = frame[(frame["indicator_code"] == "CP_REREGISTRATIONS")
                     & (frame["area_code"] == SHETLAND)]
    assert withheld["truth"].isna().all() and not withheld["suppressed"].any()
    for name in ("count", "base", "truth", "den_truth"):
        assert frame[name].dtype == np.float64


def test_a_set_without_percentages_has_no_bases():
    values = table("CP_REGISTER", Y2, {ORKNEY: 20, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                       STIRLING: 80, FIFE: 3})
    built = figures.build(adversary_inputs(values))
    protected = figures.protect(built, six_councils(), 5, first_pass=False, audit_only=True)
    frame = protected.frame
    assert frame["base"].isna().all() and frame["den_truth"].isna().all()
    # the count, its rate and the rate indicator's figure of it
    assert hidden_keys(protected) == {(c, m, a) for c, m in [
        ("CP_REGISTER", "count"), ("CP_REGISTER", "rate"), ("CP_REGISTER_RATE", "rate")]
        for a in (FIFE, "CPC14")}


def test_the_first_pass_hides_a_second_count_in_each_table(register_built):
    protected = figures.protect(register_built, six_councils(), 5, audit_only=True)
    hidden = hidden_keys(protected)
    assert PRIMARY < hidden
    assert not any(area == SCOTLAND for _, _, area in hidden)
    # every count or rate it adds rests on a count it hides
    for code, _measure, area in hidden - PRIMARY:
        assert (code, "count", area) in hidden
    # no local count of the de-registrations is alone hidden among its councils now
    councils = {a for c, m, a in hidden if c == "CP_DEREGISTRATIONS" and m == "count"
                and a in COMMITTEE_OF}
    assert len(councils) >= 2


def test_protection_leaves_every_finding_protected(register_built):
    protected = figures.protect(register_built, six_councils(), 5)
    assert PRIMARY <= hidden_keys(protected)
    assert protected.unprotected == [] and protected.blocking == []
    assert not any(area == SCOTLAND for _, _, area in hidden_keys(protected))
    # the audit of what it published finds the same
    findings, earlier_only = figures.audit(register_built, protected.frame, 5)
    assert [f.key for f in findings] == [f.key for f in protected.findings]
    assert all(f.protected for f in findings) and earlier_only == set()
    # and of the primary suppression alone, the same unprotected de-registrations
    primary = figures.protect(register_built, six_councils(), 5, first_pass=False,
                              audit_only=True)
    findings, _ = figures.audit(register_built, primary.frame, 5)
    assert [f.key for f in findings if not f.protected] == [
        f.key for f in primary.findings if not f.protected]


def test_nothing_small_nothing_hidden():
    values = table("CP_REGISTER", Y2, {ORKNEY: 20, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                       STIRLING: 80, FIFE: 300})
    built = figures.build(adversary_inputs(values))
    protected = figures.protect(built, six_councils(), 5)
    assert hidden_keys(protected) == set() and protected.findings == []
    assert protected.suppressed_count == 0 and protected.first_pass_unprotected == 0
    assert figures.audit(built, protected.frame, 5) == ([], set())


# --- small published totals --------------------------------------------------------------------


def test_parts_of_a_small_scotland_total_are_capped_by_it():
    values = table("CP_REGISTER", Y2, {ORKNEY: 1, SHETLAND: 2, SIAR: 0, CLACKS: 0,
                                       STIRLING: 0, FIFE: 0})  # Scotland 3
    built = figures.build(adversary_inputs(values))
    caps = figures._small_totals(built, built.frame, 5)
    # Scotland = councils and Scotland = committees: each part at most 3
    assert caps == {n("CP_REGISTER", a): 3.0 for a in [*COMMITTEE_OF, *set(
        COMMITTEE_OF.values())]}
    assert figures._small_totals(built, built.frame, 3) == {}  # 3 is not below 3
    assert figures._small_totals(built, built.frame, 4) == caps
    # another table before, its Scotland 3 above its councils' 2 (its sums widened, so no
    # cap from them): the next table's parts are capped still
    values |= table("CP_REGISTER", Y1, {ORKNEY: 0, SHETLAND: 1, SIAR: 0, CLACKS: 0,
                                        STIRLING: 0, FIFE: 1})
    values[("CP_REGISTER", SCOTLAND, Y1)] = 3
    built = figures.build(adversary_inputs(values))
    assert figures._small_totals(built, built.frame, 5) == caps
    values = table("CP_REGISTER", Y2, {ORKNEY: 0, SHETLAND: 0, SIAR: 0, CLACKS: 0,
                                       STIRLING: 0, FIFE: 0})  # Scotland 0: nothing to cap
    built = figures.build(adversary_inputs(values))
    assert figures._small_totals(built, built.frame, 5) == {}
    values = table("CP_REGISTER", Y2, {ORKNEY: 1, SHETLAND: 0, SIAR: 0, CLACKS: 0,
                                       STIRLING: 0, FIFE: 0})  # Scotland 1: a cap of 1
    built = figures.build(adversary_inputs(values))
    assert set(figures._small_totals(built, built.frame, 5).values()) == {1.0}
    values[("CP_REGISTER", SCOTLAND, Y2)] = 3  # above its councils' 1: the sums widened, no cap
    built = figures.build(adversary_inputs(values))
    assert figures._small_totals(built, built.frame, 5) == {}
    # a count the publisher withheld under Scotland's 3 is scaled as a small count is
    values = table("CP_REGISTER", Y2, {ORKNEY: 1, SHETLAND: 2, SIAR: 0, CLACKS: 0,
                                       STIRLING: 0, FIFE: 0})
    values[("CP_REGISTER", ORKNEY, Y2)] = "*"
    built = figures.build(adversary_inputs(values))
    expressions, _ = figures._sensitive(built, built.frame, 5,
                                        figures._small_totals(built, built.frame, 5))
    assert [e.terms for e in expressions if e.key[0] == "withheld"] == [
        ((n("CP_REGISTER", ORKNEY), 5 / 3 * (1 + 1e-9)),)]


@pytest.mark.parametrize("sums", [(2, 4), (4, 2)])
def test_a_part_of_two_small_totals_is_capped_by_the_smaller(sums):
    """Scotland's PAIR_A is part of two declared sums whose Scotland totals are both below the
    threshold: it is at most the smaller, whichever sum comes first."""
    y1 = dt.date(2024, 7, 31)
    definitions = {"PAIR_A": definition("PAIR_A"), "PAIR_B": definition("PAIR_B"),
                   "PAIR_C": definition("PAIR_C"),
                   "SUM_X": definition("SUM_X", relation="sum of PAIR_A, PAIR_B"),
                   "SUM_Y": definition("SUM_Y", relation="sum of PAIR_A, PAIR_C")}
    x, y = sums
    rows = [("PAIR_A", 1), ("PAIR_B", x - 1), ("PAIR_C", y - 1), ("SUM_X", x), ("SUM_Y", y)]
    values = input_frame([(c, SCOTLAND, y1, v, None, None, 1, False) for c, v in rows])
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS,
                                         small_directory()))
    caps = figures._small_totals(built, built.frame, 5)
    assert caps[("n", "PAIR_A", SCOTLAND, y1)] == 2.0
    assert caps[("n", "PAIR_B", SCOTLAND, y1)] == x and caps[("n", "PAIR_C", SCOTLAND, y1)] == y


def test_a_finding_under_a_small_total_is_given_in_counts():
    values = table("CP_REGISTER", Y2, {ORKNEY: 1, SHETLAND: 2, SIAR: 0, CLACKS: 0,
                                       STIRLING: 0, FIFE: 0})
    built = figures.build(adversary_inputs(values))
    protected = figures.protect(built, six_councils(), 5)
    assert protected.unprotected == []
    for finding in protected.findings:
        # every hidden count lies in 0 to Scotland's 3, in counts (not scaled by 5 / 3)
        assert 0.0 <= finding.low <= finding.high <= 3.0, finding
    small = [f for f in protected.findings if f.key[0] == "small"]
    assert {f.key[1][2] for f in small} == {ORKNEY, SHETLAND, "CPC22", "CPC23"}
    assert all((f.low, f.high) == (0.0, 3.0) for f in small)
    # the audit of what was published gives the same findings, in counts too
    findings, _ = figures.audit(built, protected.frame, 5)
    assert findings == protected.findings


# --- what earlier releases published ----------------------------------------------------------


def earlier_rows() -> pd.DataFrame:
    """An earlier release's rows beside `register_values`' Y2 (threshold 5)."""
    def row(code, measure, area, value, truth, **more):
        return {"indicator_code": code, "measure": measure, "area_code": area, "period": Y2,
                "value": value, "truth": truth, **more}

    rows = [
        row("CP_REGISTER", "count", ORKNEY, 24.0, 24.0),    # shown at today's value: public
        row("CP_REGISTER", "count", SHETLAND, 26.0, 26.0),  # shown, revised since (28 now)
        row("CP_REGISTER", "count", SHETLAND, 26.0, 26.0, publication_id=2),  # the same again
        row("CP_REGISTER", "count", SIAR, None, 27.0),      # hidden at today's value
        row("CP_REGISTER", "count", CLACKS, None, 50.0, valid_to=3),  # hidden, since revised
        row("CP_REGISTER", "count", CLACKS, None, 52.0, publication_id=3),
        row("CP_REGISTER", "rate", STIRLING, 5.3, 90.0, population=17_000.0),
        row("CP_REGISTER", "count", "CPC05", 140.0, 140.0),  # 145 now
        row("CP_REGISTER", "count", "CPC23", 26.0, 26.0),  # Shetland's committee, 28 now
        # percentages: 2 of 7 re-registrations (as now), 2 of 6 (the base revised since)
        row("CP_REREGISTRATIONS", "percent", ORKNEY, 28.6, 2.0, den_truth=7.0),
        row("CP_REREGISTRATIONS", "percent", "CPC22", 33.3, 2.0, den_truth=6.0),
        row("CP_REREGISTRATIONS", "count", SHETLAND, None, None),  # withheld then and now
        row("NOT_AN_INDICATOR", "count", SHETLAND, 1.0, 1.0),
    ]
    from tests.adversary import release_rows  # noqa: PLC0415 (one helper, here only)

    frame = pd.concat([release_rows([r], r.pop("publication_id", 1), r.pop("valid_to", None))
                       for r in rows], ignore_index=True)
    return frame


def test_earlier_releases_as_the_attacker_holds_them(register_built):
    releases = figures._Releases.of(register_built, earlier_rows())
    assert releases.public == {n("CP_REGISTER", ORKNEY)}
    assert releases.shown_before == {("CP_REGISTER", "count", ORKNEY, Y2),
                                     ("CP_REGISTER", "rate", STIRLING, Y2),
                                     ("CP_REREGISTRATIONS", "percent", ORKNEY, Y2),
                                     ("CP_REREGISTRATIONS", "percent", "CPC22", Y2)}
    assert releases.hidden_before == {("CP_REGISTER", "count", SIAR, Y2),
                                      ("CP_REREGISTRATIONS", "count", SHETLAND, Y2)}
    assert releases.stay_hidden() == releases.hidden_before
    was_shetland = ("was", n("CP_REGISTER", SHETLAND), 26.0)
    was_cpc = ("was", n("CP_REGISTER", "CPC05"), 140.0)
    assert [(f.key, f.target, f.cost, f.suppressed, f.can_suppress) for f in releases.figures] == [
        (("earlier", "CP_REGISTER", "count", SHETLAND, Y2, 0), ((was_shetland, 1.0),), math.inf,
         False, False),
        (("earlier", "CP_REGISTER", "rate", STIRLING, Y2, 1),
         ((n("CP_REGISTER", STIRLING), 1.0),), math.inf, False, False),
        (("earlier", "CP_REGISTER", "count", "CPC05", Y2, 2), ((was_cpc, 1.0),), math.inf,
         False, False),
        (("earlier", "CP_REGISTER", "count", "CPC23", Y2, 3),
         ((("was", n("CP_REGISTER", "CPC23"), 26.0), 1.0),), math.inf, False, False),
        (("earlier", "CP_REREGISTRATIONS", "percent", ORKNEY, Y2, 4),
         ((n("CP_REREGISTRATIONS", ORKNEY), 1.0),), math.inf, False, False),
        (("earlier", "CP_REREGISTRATIONS", "percent", "CPC22", Y2, 5),
         ((n("CP_REREGISTRATIONS", "CPC22"), 1.0),), math.inf, False, False)]
    # a percentage ties its count to its base: today's base, or the base as it was then
    was_base = ("was", n("CP_REGISTRATIONS", "CPC22"), 6.0)
    for figure, base, (low, high) in [
            (releases.figures[4], n("CP_REGISTRATIONS", ORKNEY), (0.2855, 0.2865)),
            (releases.figures[5], was_base, (0.3325, 0.3335))]:
        upper, lower = figure.shows
        assert [t[0] for t in upper.terms] == [t[0] for t in lower.terms] == [
            figure.target[0][0], base]
        assert (-upper.terms[1][1], -lower.terms[1][1]) == pytest.approx((high, low))
        assert (upper.low, upper.high, lower.low, lower.high) == (-math.inf, 0.0, 0.0,
                                                                  math.inf)
    assert releases.figures[0].shows == (sdc.Linear(((was_shetland, 1.0),), 26.0, 26.0,
                                                    f"CP_REGISTER count {SHETLAND} {Y2}"),)
    rate = releases.figures[1].shows[0]
    assert (rate.low, rate.high) == pytest.approx((89.25, 90.95))
    assert [(t.key, t.terms, t.label) for t in releases.targets] == [
        (("earlier", "CP_REGISTER", "count", CLACKS, Y2, value),
         ((("was", n("CP_REGISTER", CLACKS), value), 1.0),),
         f"hidden in an earlier release: CP_REGISTER count {CLACKS} {Y2}")
        for value in (50.0, 52.0)]
    # Shetland's committee = Shetland, both revised since (every term an earlier quantity);
    # the joint committee's area sum as it stood at each release: 140 = 50 + 90, then
    # 140 against 52 + 90 (a revision: widened to hold it)
    rows = releases.relation_rows
    label = f"areas: CP_REGISTER {Y2} (an earlier release)"
    assert rows == [
        sdc.Linear(((("was", n("CP_REGISTER", "CPC23"), 26.0), 1.0), (was_shetland, -1.0)),
                   0.0, 0.0, label),
        sdc.Linear(((was_cpc, 1.0), (("was", n("CP_REGISTER", CLACKS), 50.0), -1.0),
                    (n("CP_REGISTER", STIRLING), -1.0)), 0.0, 0.0, label),
        sdc.Linear(((was_cpc, 1.0), (("was", n("CP_REGISTER", CLACKS), 52.0), -1.0),
                    (n("CP_REGISTER", STIRLING), -1.0)), -2.0, 0.0, label)]


def test_no_earlier_release_is_no_history(register_built):
    for known in (None, earlier_rows().iloc[0:0]):
        releases = figures._Releases.of(register_built, known)
        assert (releases.figures, releases.targets, releases.relation_rows, releases.public,
                releases.hidden_before, releases.shown_before) == ([], [], [], set(), set(),
                                                                   set())


def test_a_figure_hidden_before_stays_hidden_unless_shown_before(register_built):
    known = earlier_rows()
    known = known[known["measure"] != "percent"]  # (with them: the same, seven times slower)
    protected = figures.protect(register_built, six_councils(), 5, known=known)
    assert ("CP_REGISTER", "count", SIAR) in hidden_keys(protected)
    # the earlier rate pinned Stirling's register (90 of 17,000 at 5.3 per 1,000): whatever is
    # hidden now, that was given away before, and does not stop this release
    assert protected.blocking == []
    assert ("CP_REGISTER", "count", STIRLING, Y2) in protected.earlier_only
    assert {f.key for f in protected.unprotected} == protected.earlier_only
    # the audit of what was published, against the same earlier release, says the same
    findings, earlier_only = figures.audit(register_built, protected.frame, 5, known=known)
    assert earlier_only == protected.earlier_only
    assert [f.key for f in findings] == [f.key for f in protected.findings]
    # shown once at today's value as well: public, so not kept hidden for having been hidden
    also_shown = pd.concat([known, known[known["area_code"] == SIAR].assign(
        value=27.0, suppressed=False)], ignore_index=True)
    releases = figures._Releases.of(register_built, also_shown)
    assert ("CP_REGISTER", "count", SIAR, Y2) in releases.shown_before
    assert releases.stay_hidden() == {("CP_REREGISTRATIONS", "count", SHETLAND, Y2)}


# --- protecting again only what changed ------------------------------------------------------


def small_set(values=SMALL_VALUES, populations=SMALL_POPULATIONS) -> figures.Built:
    return figures.build(figures.Inputs(small_definitions(), input_frame(values), populations,
                                        small_directory()))


@pytest.fixture(scope="module")
def small_protected(small_built) -> figures.Protected:
    return figures.protect(small_built, small_directory(), 5)


REG_GROUP = {("REG", m) for m in ("count", "rate")} | {("REG_RATE", "rate")}
# re-registrations as a share of registrations, uploaded or computed: one group
REGS_GROUP = {("REGS", "count"), ("REGS", "rate"), ("REREG", "count"), ("REREG", "percent"),
              ("SHARE", "percent")}


def replaced(rows, index, row):
    rows = list(rows)
    rows[index] = row
    return rows


def work_of(built, previous) -> tuple[set, set, object]:
    attack = figures._Attack(built, built.frame.copy(), figures._Releases(), 5, {}, None)
    work = attack.rows_to_protect(previous).to_numpy()
    frame = built.frame
    kinds = {(r.indicator_code, r.measure) for r in frame[work].itertuples()}
    carried = {(r.indicator_code, r.measure, r.area_code)
               for r in frame[attack.carried.to_numpy()].itertuples()}
    assert not (work & attack.carried.to_numpy()).any()
    return kinds, carried, attack.only


def hidden_of(protected, kinds) -> set:
    return {k for k in hidden_keys(protected) if k[:2] in kinds}


def test_nothing_changed_nothing_protected_afresh(small_built, small_protected):
    kinds, carried, only = work_of(small_built, small_protected.frame)
    assert kinds == set() and only == set()
    assert carried == hidden_keys(small_protected)
    again = figures.protect(small_built, small_directory(), 5, previous=small_protected.frame)
    assert again.protected_afresh == 0
    assert again.findings == []  # no group worked on: the attacker problem is not asked
    assert hidden_keys(again) == hidden_keys(small_protected)
    kinds, carried, only = work_of(small_built, None)
    assert len(kinds) == 9 and carried == set() and only is None
    kinds, _, _ = work_of(small_built, small_protected.frame.iloc[0:0])
    assert len(kinds) == 9


@pytest.mark.parametrize(("change", "touched"), [
    # B's register 10 -> 11 (and Scotland's 33 -> 34): the register's group
    (lambda: small_set(replaced(replaced(SMALL_VALUES, 1, ("REG", B, P2, 11, None, "revised", 2,
                                                          False)),
                                3, ("REG", SCOTLAND, P2, 34, None, None, 1, False))), REG_GROUP),
    # only a status: no figure changes
    (lambda: small_set(replaced(SMALL_VALUES, 1, ("REG", B, P2, 10, None, None, 2, False))),
     set()),
    # A's children: the rates of both count indicators, so both groups
    (lambda: small_set(populations=SMALL_POPULATIONS.assign(
        children=[2100, 1000, 500])), REG_GROUP | REGS_GROUP),
    # D's children: and the uploaded rate without a count, in its own group
    (lambda: small_set(populations=SMALL_POPULATIONS.assign(children=[2000, 1000, 400])),
     REG_GROUP | REGS_GROUP | {("UPRATE", "rate")}),
    # that rate uploaded again at another value: hidden before, it stays hidden (carried)
    (lambda: small_set(replaced(SMALL_VALUES, 14, ("UPRATE", D, P2, 1.45, None, None, 1,
                                                   False))), set()),
    # a re-registration count gone (A's 1 withheld now)
    (lambda: small_set(replaced(SMALL_VALUES, 9, ("REREG", A, P2, None, "c", None, 1, False))),
     REGS_GROUP),
])
def test_a_change_is_protected_afresh_in_its_group_only(small_protected, change, touched):
    built = change()
    kinds, carried, _ = work_of(built, small_protected.frame)
    assert kinds == touched
    assert carried == {k for k in hidden_keys(small_protected) if k[:2] not in touched}


def test_a_figure_shown_before_at_another_value_or_gone_touches_its_table(small_built,
                                                                         small_protected):
    previous = small_protected.frame.copy()
    at = previous.index[(previous["indicator_code"] == "REG") & (previous["area_code"] == D)
                        & (previous["measure"] == "rate")][0]
    previous.loc[at, "value"] = 39.9  # shown before as 39.9, 40.0 now
    kinds, _, _ = work_of(small_built, previous)
    assert kinds == REG_GROUP
    previous.loc[at, ["value", "suppressed"]] = [np.nan, True]  # hidden before: not compared
    kinds, _, _ = work_of(small_built, previous)
    assert kinds == set()
    # a figure of the previous release that is gone now
    previous = small_protected.frame.copy()
    extra = previous[previous["indicator_code"] == "REGS"].iloc[[0]].assign(area_code=SCOTLAND)
    kinds, _, _ = work_of(small_built, pd.concat([previous, extra], ignore_index=True))
    assert kinds == REGS_GROUP
    # a figure that is new
    kinds, _, _ = work_of(small_built, previous[previous["indicator_code"] != "SHARE"])
    assert kinds == REGS_GROUP


def test_protecting_only_what_changed_gives_what_protecting_all_gives(small_protected):
    built = small_set(replaced(SMALL_VALUES, 6, ("REGS", A, P2, 2, None, None, 1, False)))
    afresh = figures.protect(built, small_directory(), 5)
    again = figures.protect(built, small_directory(), 5, previous=small_protected.frame)
    assert hidden_keys(again) == hidden_keys(afresh)
    assert again.unprotected == [] and afresh.unprotected == []
    assert again.protected_afresh == sum(1 for r in built.frame.itertuples()
                                         if (r.indicator_code, r.measure) in REGS_GROUP)


def test_the_first_relation_after_the_area_sums_widened_in_place():
    """Orkney's stock and flow (the first row after the area sums) broken by 10: that row is
    widened, and no other."""
    values = register_values()
    values |= table("CP_DEREGISTRATIONS", Y2, {ORKNEY: 13, SHETLAND: 22, SIAR: 20, CLACKS: 75,
                                               STIRLING: 90, FIFE: 380})
    built = figures.build(adversary_inputs(values))
    relations = built.relation_rows
    before = len(relations.before)
    areas = len(relations.areas)
    assert before == 0  # the area sums are the first relation of relations.csv
    first = relations.row(before + areas)
    assert first.label == f"stock_flow: {ORKNEY} {Y2}"
    assert (first.low, first.high) == (-2.0, 10.0)
    assert relations.row(before + areas - 1).label.startswith("areas: ")
    assert (relations.row(before + areas - 1).low, relations.row(before + areas - 1).high) == (
        0.0, 0.0)
    assert [r.label for r in relations.after[:2]] == [f"stock_flow: {ORKNEY} {Y2}",
                                                      f"stock_flow: {SHETLAND} {Y2}"]
    assert (relations.after[1].low, relations.after[1].high) == (-2.0, 2.0)
    assert built.relation_notes[0] == (f"stock_flow: {ORKNEY} {Y2} does not hold as declared "
                                       "(the data give 10, declared -2 to 2)")
    # every area sum holds as declared
    for i in range(areas):
        row = relations.row(before + i)
        assert (row.low, row.high) == (0.0, 0.0) and row.label.startswith("areas: ")


def test_a_percentage_of_nothing_reads_two_dots():
    """Scotland's figures alone (no committee sums added): a percentage of 0 re-registrations
    over 0 registrations cannot be computed, and says so with `..`; a count's own symbol is
    kept."""
    values = input_frame([("REGS", SCOTLAND, P2, 0, None, None, 1, False),
                          ("REREG", SCOTLAND, P2, 0, None, None, 1, False),
                          ("REGS", SCOTLAND, P1, 4, None, None, 1, False),
                          ("REREG", SCOTLAND, P1, None, "*", None, 1, False)])
    definitions = {"REGS": definition("REGS"), "REREG": definition("REREG", denominator="REGS")}
    built = figures.build(figures.Inputs(definitions, values, SMALL_POPULATIONS.iloc[0:0],
                                         small_directory()))
    frame = built.frame
    percent = frame[frame["measure"] == "percent"]
    assert [(r.period, r.symbol) for r in percent.itertuples()] == [(P2, ".."), (P1, "*")]
    assert percent["value"].isna().all()
    rates = frame[frame["measure"] == "rate"]
    assert set(rates["symbol"]) == {".."}  # no child population: no rate


# --- the current data, read from the sample database (shared, module-scoped) ----------------


def test_load_reads_the_current_values_with_their_illustrative_marks(shared_sample):
    with shared_sample.connect() as conn:
        every = figures.load(conn)
        illustrative = illustrative_batches(conn)
        register = figures.load(conn, {"CP_REGISTER"})
    values = every.values
    assert list(values.columns) == [*VALUE_COLUMNS_STORED, "illustrative"]
    assert values["illustrative"].dtype == bool
    assert values["illustrative"].tolist() == values["batch_id"].isin(illustrative).tolist()
    assert values["illustrative"].any()  # the sample has illustrative figures
    assert all(isinstance(p, dt.date) for p in values["period"])
    assert values["value"].dtype == np.float64
    # of some indicators only: their definitions and values, nothing else
    assert set(register.definitions) == {"CP_REGISTER"}
    assert set(register.values["indicator_code"]) == {"CP_REGISTER"}
    mine = values[values["indicator_code"] == "CP_REGISTER"].reset_index(drop=True)
    assert register.values["value"].fillna(-1).tolist() == mine["value"].fillna(-1).tolist()
    assert len(register.populations) == len(every.populations) > 0
