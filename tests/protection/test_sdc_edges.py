"""Edges of the disclosure solver (cpip_dashboard.protection.sdc) that the worked tables in
test_sdc.py do not reach: LP optima that are not whole-number points (the MILP check), big
components in protect() (the local relaxation), the notes and log of an infeasible component,
relations with no unknown, and the binding rows an LP names. Each case is tiny and worked by
hand; found by mutation testing (docs/mutation.md)."""

from __future__ import annotations

import logging
import math
import random

import numpy as np
import pytest
from scipy.optimize._linprog_util import _check_result

from cpip_dashboard.protection import sdc
from cpip_dashboard.protection.sdc import Figure, Finding, Linear, Sensitive, audit, protect
from tests.protection.test_sdc import T, count, percent, total

# --- whole numbers: an LP optimum between whole-number points is solved again as a MILP --------


def twice(low: float, high: float) -> tuple[list[Figure], list[Linear]]:
    """x hidden, x = 2y and low <= x + y <= high: the LP's extremes of x are 2/3 of the bounds
    (fractional), the whole-number ones the even numbers with 3y inside them."""
    return ([count("x", 4, suppressed=True)],
            [Linear((("x", 1), ("y", -2)), 0, 0, "x is twice y"),
             Linear((("x", 1), ("y", 1)), low, high, "x + y")])


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize(("low", "high", "interval", "protected"), [
    # LP: x up to 5.67 (rounded: [0, 5], protected); whole numbers: y <= 2, so x <= 4
    (0, 8.5, (0, 4), False),
    # LP: 2.33 to 8.33 (rounded [3, 8]); whole numbers: y from 2 to 4, so x from 4 to 8
    (3.5, 12.5, (4, 8), False),
    # LP: up to 8.33; whole numbers up to 8: the MILP confirms "protected"
    (0, 12.5, (0, 8), True),
])
def test_a_fractional_lp_optimum_is_replaced_by_the_whole_number_one(low, high, interval,
                                                                     protected, exact):
    figures, relations = twice(low, high)
    messages: list[str] = []
    (x,) = audit(figures, relations, T, exact=exact, messages=messages)
    assert ((x.low, x.high), x.protected, x.exact) == (interval, protected, True)
    assert messages == []
    if not protected:
        assert x.note == "bounded by: x + y; x is twice y"


@pytest.mark.parametrize("low", [0, 2])
def test_the_whole_number_check_keeps_the_bounds_shown_figures_give(low):
    # y confined to [low, 3] by a figure of its own, 2x - y <= 0.5: the LP's greatest x is 1.75
    # (y = 3), the whole-number one 1; without y's bounds the MILP would be unbounded
    figures = [count("x", 1, suppressed=True),
               Figure("y shown", (Linear((("y", 1),), low, 3, f"y from {low} to 3"),),
                      (("y", 1),), 1.0)]
    relations = [Linear((("x", 2), ("y", -1)), -math.inf, 0.5, "2x - y at most 0.5")]
    messages: list[str] = []
    (x,) = audit(figures, relations, T, messages=messages)
    assert (x.low, x.high, x.protected) == (0, 1, False)
    assert x.note == f"bounded by: 2x - y at most 0.5; y from {low} to 3"
    assert messages == []


def test_no_whole_number_point_leaves_the_lp_bound_and_no_message():
    # 3.5 <= 3y <= 5.5 has no whole-number y: the MILP is infeasible (not a failure), the LP's
    # rounded interval stands and proves nothing
    figures, relations = twice(3.5, 5.5)
    messages: list[str] = []
    (x,) = audit(figures, relations, T, messages=messages)
    assert ((x.low, x.high), x.protected) == ((3, 3), False)
    assert messages == []


def test_a_failed_whole_number_check_proves_nothing_and_says_so(monkeypatch):
    # [3, 8] from the LP is wide enough, but neither end is a whole-number point and the MILP
    # runs out of time: fail closed
    monkeypatch.setattr(sdc, "_MILP_SECONDS", 0.0)
    figures, relations = twice(3.5, 12.5)
    messages: list[str] = []
    (x,) = audit(figures, relations, T, messages=messages)
    assert ((x.low, x.high), bool(x.protected)) == ((3, 8), False)
    assert len(messages) == 2
    assert all(m.startswith("whole-number check failed (Time limit reached") for m in messages)


# --- protect() in a big component: the local relaxation first ---------------------------------

def chain(n: int = 160) -> tuple[list[Figure], list[Linear]]:
    """n hidden counts in one component: each neighbouring pair's sum is shown (s_i = x_i +
    x_i+1), so every count is bounded by its neighbours' sums, and some are narrow."""
    values = [(7 * i) % 13 for i in range(n)]
    figures = [count(f"x{i}", v, suppressed=True) for i, v in enumerate(values)]
    relations = []
    for i in range(n - 1):
        s = values[i] + values[i + 1]
        figures.append(count(f"s{i}", s, cost=s + 0.5))
        relations.append(total(f"s{i}", [f"x{i}", f"x{i + 1}"]))
    return figures, relations


def test_a_big_component_is_first_tried_on_the_rows_near_each_expression(monkeypatch):
    calls: list[bool] = []
    local_check = sdc._LP._local_check

    def spy(self, *args):
        found = local_check(self, *args)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(sdc._LP, "_local_check", spy)
    figures, relations = chain()
    added = protect(figures, relations, T)
    assert all(f.protected for f in audit(figures, relations, T))
    assert calls and sum(calls) > 0  # the relaxation decided some expressions itself
    # The sums hidden: those the local relaxation binds (two steps from each narrow count),
    # pinned here so that a change to which rows it takes or what it returns shows.
    assert len(added) == 69
    assert {"s12", "s13", "s15", "s17", "s19", "s21", "s25", "s26"} <= added
    assert not any(k.startswith("x") for k in added)


def test_below_the_size_the_whole_component_is_solved_and_hides_fewer(monkeypatch):
    monkeypatch.setattr(sdc, "_LOCAL_MIN", 10**9)
    figures, relations = chain()
    added = protect(figures, relations, T)
    assert all(f.protected for f in audit(figures, relations, T))
    assert len(added) < 69


def test_the_local_relaxation_of_an_expression_with_a_pinned_part(monkeypatch):
    """The chain again, with every other count's complement under a shown figure of its own
    (K_i - x_i, K_i pinned: an expression with a constant) kept unknown too: the relaxation
    decides many of them itself, and what protect() hides is pinned, as above."""
    figures, relations = chain()
    values = [(7 * i) % 13 for i in range(160)]
    sensitive = []
    for i in range(0, 160, 2):
        figures.append(count(f"K{i}", values[i] + 20, can_suppress=False))
        sensitive.append(Sensitive(f"c{i}", ((f"K{i}", 1), (f"x{i}", -1))))
    decided: list[bool] = []
    local_check = sdc._LP._local_check

    def spy(self, t, const, *rest):
        found = local_check(self, t, const, *rest)
        decided.append(bool(const) and found is not None)
        return found

    monkeypatch.setattr(sdc._LP, "_local_check", spy)
    added = protect(figures, relations, T, sensitive)
    assert all(f.protected for f in audit(figures, relations, T, sensitive))
    assert sum(decided) > 0  # decided with the constant
    assert len(added) == 70 and not any(k.startswith(("x", "K")) for k in added)


def long_links(seed: int, n: int = 160, twice: bool = False
               ) -> tuple[list[Figure], list[Linear], list[Sensitive]]:
    """n hidden counts, each with a shown sum with one 1 to 3 places on (`twice`: that one
    counted twice, so the attacker's bounds need not be whole); kept unknown too: every
    fourth count less the next, plus a shown 30 (a constant)."""
    rng = random.Random(seed)
    values = [rng.choice([0, 1, 2, 3, 4, 6, 9, 12, 20]) for _ in range(n)]
    figures = [count(f"x{i}", v, suppressed=True) for i, v in enumerate(values)]
    relations = []
    k = 2 if twice else 1
    for i in range(n - 1):
        j = min(n - 1, i + rng.choice([1, 2, 3]))
        s = values[i] + k * values[j]
        figures.append(count(f"s{i}", s, cost=s + 0.5))
        relations.append(Linear(((f"s{i}", 1), (f"x{i}", -1), (f"x{j}", -k)), 0, 0,
                                f"s{i} = x{i} + {k} x{j}"))
    sensitive = []
    for i in range(0, n - 1, 4):
        figures.append(count(f"K{i}", 30, can_suppress=False))
        sensitive.append(Sensitive(f"d{i}", ((f"x{i}", 1), (f"x{i + 1}", -1), (f"K{i}", 1))))
    return figures, relations, sensitive


@pytest.mark.parametrize(("seed", "twice", "hidden", "on_its_minimum"),
                         [(3, False, 101, True), (5, True, 112, False)])
def test_the_local_relaxation_takes_its_lower_bound_where_the_outer_one_is_not_enough(
        monkeypatch, seed, twice, hidden, on_its_minimum):
    """Differences of counts (with a constant) in a component of long links: the outer lower
    bound is often too loose, so the relaxation solves its minimum too, and decides with it
    (with bounds that are not whole numbers, once rounded in)."""
    lps: list[int] = []
    run = sdc._LP._run

    def counted(self, *args, **kwargs):
        lps.append(1)
        return run(self, *args, **kwargs)

    local_check = sdc._LP._local_check
    second: list[bool] = []

    def spy(self, *args):
        before = len(lps)
        found = local_check(self, *args)
        second.append(len(lps) - before == 2 and found is not None)
        return found

    monkeypatch.setattr(sdc._LP, "_run", counted)
    monkeypatch.setattr(sdc._LP, "_local_check", spy)
    figures, relations, sensitive = long_links(seed, twice=twice)
    added = protect(figures, relations, T, sensitive)
    assert all(f.protected for f in audit(figures, relations, T, sensitive))
    assert any(second) == on_its_minimum  # decided on its own minimum
    assert len(added) == hidden and not any(k.startswith(("x", "K")) for k in added)


# --- an infeasible component: its note and the log --------------------------------------------

def contradiction(k: int) -> tuple[list[Figure], list[Linear]]:
    """Ten hidden parts of a shown total of 5, with p0 + p1 = 4 and k shown pair sums q_i = 3
    (p_i + p_i+1): together impossible (q_0 says p0 + p1 = 3); p9 is also confined by a row of
    its own. k + 3 labels in all."""
    parts = [f"p{i}" for i in range(10)]
    figures = [count("S", 5, can_suppress=False),
               *(count(p, 1, suppressed=True) for p in parts),
               *(count(f"q{i}", 3) for i in range(k)),
               Figure("p9 at most 2", (Linear((("p9", 1),), 0, 2, "p9 at most 2"),),
                      (("p9", 1),), 1.0)]
    relations = [total("S", parts), Linear((("p0", 1), ("p1", 1)), 4, 4, "p0 + p1 = 4"),
                 *(Linear(((f"p{i}", 1), (f"p{i + 1}", 1), (f"q{i}", -1)), 0, 0,
                          f"q{i} = p{i} + p{i + 1}") for i in range(k))]
    return figures, relations


@pytest.mark.parametrize(("k", "tail"), [(5, ""), (6, " and 1 more"), (8, " and 3 more")])
def test_an_infeasible_components_note_names_eight_constraints_then_counts(k, tail, caplog):
    figures, relations = contradiction(k)
    labels = sorted(["S = " + " + ".join(f"p{i}" for i in range(10)), "p0 + p1 = 4",
                     "p9 at most 2", *(f"q{i} = p{i} + p{i + 1}" for i in range(k))])
    expected = "infeasible: " + "; ".join(labels[:8]) + tail
    messages: list[str] = []
    with caplog.at_level(logging.WARNING, logger="cpip_dashboard.protection.sdc"):
        findings = audit(figures, relations, T, messages=messages)
    assert len(findings) == 10
    for f in findings:
        assert math.isnan(f.low) and math.isnan(f.high)
        assert (f.protected, f.exact, f.note) == (False, True, expected)
    assert messages == [expected]
    assert [r.getMessage() for r in caplog.records] == [f"sdc: {expected}"]


# --- relations with no unknown: checks, met or not ---------------------------------------------

@pytest.mark.parametrize(("low", "high", "message"), [
    (0, 0, None),   # met exactly
    (-2, 0, None),  # met on its upper bound
    (0, 3, None),   # met on its lower bound
    (1, 2, "check not met: A - A in [1, 2] (0 not in [1, 2])"),
    (-2, -1, "check not met: A - A in [-2, -1] (0 not in [-2, -1])"),
])
def test_a_relation_whose_terms_cancel_is_a_check_on_zero(low, high, message):
    relation = Linear((("A", 1), ("A", -1)), low, high, f"A - A in [{low}, {high}]")
    messages: list[str] = []
    assert audit([count("A", 2)], [relation], T, messages=messages) == []
    assert messages == ([message] if message else [])


@pytest.mark.parametrize(("shown", "message"), [(20, None), (21, "(1 not in [0, 0])")])
def test_a_relation_between_shown_figures_is_a_check(shown, message):
    figures = [count("S", shown), count("A", 10), count("B", 10)]
    messages: list[str] = []
    assert audit(figures, [total("S", ["A", "B"])], T, messages=messages) == []
    assert messages == ([f"check not met: S = A + B {message}"] if message else [])


# --- the rows an LP names ----------------------------------------------------------------------

def test_an_equality_between_hidden_counts_is_named_as_binding():
    figures = [count("S", 3), count("x", 1, suppressed=True), count("y", 2, suppressed=True)]
    found = audit(figures, [total("S", ["x", "y"])], T)
    assert found == [Finding("x", 0, 3, False, True, "bounded by: S = x + y"),
                     Finding("y", 0, 3, False, True, "bounded by: S = x + y")]


def test_an_inequality_between_hidden_counts_is_named_as_binding():
    figures = [count("x", 1, suppressed=True), count("y", 2, suppressed=True)]
    found = audit(figures, [Linear((("x", 1), ("y", 1)), 0, 3, "x + y at most 3")], T)
    assert found == [Finding("x", 0, 3, False, True, "bounded by: x + y at most 3"),
                     Finding("y", 0, 3, False, True, "bounded by: x + y at most 3")]


def test_the_bounds_of_a_lone_variable_are_named_by_the_figures_that_give_them():
    # S = x + y = 10 shown, x hidden, y shown only as at least 6 and at most 8: x is 2 to 4,
    # bound at its minimum by y's upper bound and at its maximum by y's lower one
    def half(key, low, high, label):
        return Figure(key, (Linear((("y", 1),), low, high, label),), (("y", 1),), 1.0)

    figures = [count("S", 10), count("x", 3, suppressed=True),
               half("y low", 6, math.inf, "y at least 6"), half("y high", -math.inf, 8, "y at most 8")]
    relations = [total("S", ["x", "y"])]
    assert audit(figures, relations, T) == [
        Finding("x", 2, 4, False, True, "bounded by: S = x + y; y at least 6; y at most 8")]
    assert protect(figures, relations, T) == {"y low"}  # cost 1 each: the first
    x, y = audit(figures, relations, T, exact=True)
    assert (x.key, x.low, x.high, x.protected) == ("x", 2, 10, True)
    assert (y.key, y.low, y.high, y.protected) == ("y low", 0, 8, True)


# --- which figures protect() may hide ------------------------------------------------------

def upper_bound(key: str, var: str, high: float, cost: float) -> Figure:
    return Figure(key, (Linear(((var, 1),), -math.inf, high, key),), ((var, 1),), cost)


def test_a_loose_bound_on_a_variable_of_a_binding_row_is_not_a_candidate():
    # x in [0, 3] is bound by S = x + y alone: the cheaper figure bounding y (at 100) binds
    # nothing, so S (the pinned variable's own figure) is hidden, not it
    figures = [count("S", 3, cost=5), count("x", 1, suppressed=True),
               count("y", 2, suppressed=True), upper_bound("y at most 100", "y", 100, 0.1)]
    assert protect(figures, [total("S", ["x", "y"])], T) == {"S"}


def test_with_nothing_binding_suppressible_a_figure_touching_the_component_is_tried():
    # S (unsuppressible) binds x; y is no figure's, and z touches x's component only through
    # r = y + z: protect hides z (which cannot help here) and leaves x to the audit
    figures = [count("S", 3, can_suppress=False), count("x", 1, suppressed=True), count("z", 4)]
    relations = [total("S", ["x", "y"]), Linear((("y", 1), ("z", 1), ("r", -1)), 0, 0, "r")]
    assert protect(figures, relations, T) == {"z"}
    assert [(f.key, f.protected) for f in audit(figures, relations, T)] == [
        ("x", False), ("z", True)]


def test_a_protected_finding_is_witnessed_by_two_whole_number_points():
    # Scotland 20 = A + B + C with A and C hidden: each is 0 to 10. Without exact=True the
    # finding is proven by two whole-number points the LPs met, not solved to its extremes
    figures = [count("Scotland", 20, can_suppress=False), count("A", 3, suppressed=True),
               count("B", 10), count("C", 7, suppressed=True)]
    relations = [total("Scotland", ["A", "B", "C"])]
    for finding in audit(figures, relations, T):
        assert (finding.protected, finding.exact) == (True, False)
        assert 0 <= finding.low < finding.high <= 10 and finding.high - finding.low >= T
        assert float(finding.low).is_integer() and float(finding.high).is_integer()


@pytest.mark.parametrize(("shown", "contradiction"), [(1_000_000, False), (1_000, True)])
def test_bounds_that_cross_by_one_contradict_only_below_a_million(shown, contradiction):
    # x shown as shown + 1 and as shown: one apart, within the relative tolerance (1e-6 of
    # the value) only for a million
    again = Figure("x again", (Linear((("x", 1),), shown, shown, "x again"),), (("x", 1),), 1.0)
    figures = [count("x", shown + 1), again, count("y", 2, suppressed=True)]
    messages: list[str] = []
    audit(figures, [Linear((("x", 1), ("y", 1), ("S", -1)), 0, 0, "S = x + y")], T,
          messages=messages)
    said = any(m.startswith("contradictory bounds on 'x'") for m in messages)
    assert said is contradiction


def test_an_expression_whose_only_coefficient_is_zero_has_nothing_to_hide():
    (zero,) = audit([count("x", 2)], [], T, [Sensitive("nothing", (("x", 0),))])
    assert zero == Finding("nothing", 0, 0, True, True, "no target")


# --- another scipy: linprog itself instead of scipy's own HiGHS binding -----------------------

def test_without_scipys_highs_binding_linprog_gives_the_same_findings(monkeypatch):
    # four components of two hidden counts, each bounded by one kind of LP argument: an
    # inequality (x + y at most 6), an equality (a + b = 10 shown), the caller's bound on c
    # (c = d, c at most 3) and a shown rate's bound on e (e + f = 10 shown, e from 2 to 4)
    figures = [count("x", 1, suppressed=True), count("y", 2, suppressed=True),
               count("S", 10), count("a", 4, suppressed=True), count("b", 6, suppressed=True),
               count("c", 2, suppressed=True), count("d", 2, suppressed=True),
               count("S2", 10), count("e", 3, suppressed=True), count("f", 7, suppressed=True),
               Figure("e rate", (Linear((("e", 1),), 2, 4, "e from 2 to 4"),), (("e", 1),), 1.0)]
    relations = [Linear((("x", 1), ("y", 1)), -math.inf, 6, "x + y at most 6"),
                 total("S", ["a", "b"]), Linear((("c", 1), ("d", -1)), 0, 0, "c = d"),
                 total("S2", ["e", "f"])]
    bounds = {"c": (0, 3)}
    expected = audit(figures, relations, T, bounds=bounds, exact=True)
    assert [(f.key, f.low, f.high, f.protected) for f in expected] == [
        ("x", 0, 6, True), ("y", 0, 6, True), ("a", 0, 10, True), ("b", 0, 10, True),
        ("c", 0, 3, False), ("d", 0, 3, False), ("e", 2, 4, False), ("f", 6, 8, False)]
    monkeypatch.setattr(sdc, "_highs", None)
    assert audit(figures, relations, T, bounds=bounds, exact=True) == expected


# --- protect(): the caller's bounds, and small figures last ------------------------------------

@pytest.mark.parametrize(("bounds", "added"), [(None, set()), ({"y": (0, 2)}, {"S"})])
def test_protect_keeps_to_the_callers_bounds(bounds, added):
    # S = x + y = 10 with both hidden: x is 0 to 10, unless y is known to be at most 2
    figures = [count("S", 10), count("x", 9, suppressed=True), count("y", 1, suppressed=True)]
    assert protect(figures, [total("S", ["x", "y"])], T, bounds=bounds) == added


@pytest.mark.parametrize(("y", "z", "added"), [
    # y a zero (cost 1), z 9 (cost 2): hiding y would leave a zero to protect and x still
    # within [0, 1]; z alone protects x
    ((0, 1), (9, 2), {"z"}),
    # y exactly the threshold (cost 2) is not small, z 4 (cost 1) is: y is hidden
    ((5, 2), (4, 1), {"y"}),
])
def test_protect_hides_a_figure_known_to_be_small_last(y, z, added):
    # x pinned by S = x + y + z (S unsuppressible): which of y and z goes first
    figures = [count("S", 1 + y[0] + z[0], can_suppress=False), count("x", 1, suppressed=True),
               count("y", y[0], cost=y[1]), count("z", z[0], cost=z[1])]
    relations = [total("S", ["x", "y", "z"])]
    assert protect(figures, relations, T) == added
    assert all(f.protected for f in audit(figures, relations, T))


def test_none_for_a_bound_is_no_bound():
    # the caller's bounds: y at most 2 and maybe negative (None below), z at least 1 (None
    # above); a relation with None below is "at most": S = x + y shown 10, z + w = 3 shown,
    # u + v at most 6
    figures = [count("S", 10), count("x", 9, suppressed=True), count("y", 1, suppressed=True),
               count("S2", 3), count("z", 2, suppressed=True), count("w", 1, suppressed=True),
               count("u", 1, suppressed=True), count("v", 2, suppressed=True)]
    relations = [total("S", ["x", "y"]), total("S2", ["z", "w"]),
                 Linear((("u", 1), ("v", 1)), None, 6, "u + v at most 6"),
                 Linear((("u", 1), ("v", -1)), -6, None, "u - v at least -6")]
    found = audit(figures, relations, T, bounds={"y": (None, 2), "z": (1, None)}, exact=True)
    assert [(f.key, f.low, f.high, f.protected) for f in found] == [
        ("x", 8, math.inf, True), ("y", -math.inf, 2, True), ("z", 1, 3, False),
        ("w", 0, 2, False), ("u", 0, 6, True), ("v", 0, 6, True)]


def test_rows_without_a_label_are_named_by_their_figure_or_as_a_relation():
    # the first figure's row and the relation have no label of their own
    figures = [Figure("y shown", (Linear((("y", 1),), 2, 2),), (("y", 1),), 1.0),
               count("y", 4), count("A", 1), count("B", 2)]
    messages: list[str] = []
    audit(figures, [Linear((("A", 1), ("B", -1)), 0, 0)], T, messages=messages)
    assert sorted(messages) == ["check not met: relation (-1 not in [0, 0])",
                                "contradictory bounds on 'y': 'y shown'; y = 4"]


def test_a_target_with_nothing_to_hide_first_leaves_the_others_judged():
    # a hidden figure with no target comes first; y after it is pinned by S = y + z
    figures = [Figure("empty", (), (), 1.0, suppressed=True), count("S", 3),
               count("y", 1, suppressed=True), count("z", 2)]
    empty, y = audit(figures, [total("S", ["y", "z"])], T)
    assert (empty.key, empty.protected) == ("empty", True)
    assert (y.key, y.low, y.high, y.protected) == ("y", 1, 1, False)


def test_an_expression_over_two_components_adds_their_intervals():
    # x in [0, 10] (S = x + w) and y in [1, 2] (S2 = y + v, v at most 1), apart, and k shown
    # as 3: x + y + k is 4 to 15
    figures = [count("S", 10), count("x", 4, suppressed=True), count("w", 6, suppressed=True),
               count("S2", 2), count("y", 1, suppressed=True), count("v", 1, suppressed=True),
               count("k", 3)]
    relations = [total("S", ["x", "w"]), total("S2", ["y", "v"])]
    found = audit(figures, relations, T, [Sensitive("x + y + k", (("x", 1), ("y", 1), ("k", 1)))],
                  bounds={"v": (0, 1)}, exact=True)
    assert [(f.key, f.low, f.high, f.protected) for f in found][-1] == (
        "x + y + k", 4, 15, True)


def test_an_expression_sharing_a_candidate_chosen_this_round_waits():
    # x pinned by R1 = x + a + b, y by R2 = y + a + c (R1 and R2 unsuppressible). x's cheapest
    # candidate is a (cost 2), which y shares, so y waits for the next round rather than
    # hiding its own cheapest, c (cost 1): hiding a alone protects both
    figures = [count("R1", 15, can_suppress=False), count("R2", 14, can_suppress=False),
               count("x", 1, suppressed=True), count("y", 1, suppressed=True),
               count("a", 6, cost=2), count("b", 8, cost=3), count("c", 7, cost=1)]
    relations = [total("R1", ["x", "a", "b"]), total("R2", ["y", "a", "c"])]
    assert protect(figures, relations, T) == {"a"}
    assert all(f.protected for f in audit(figures, relations, T))


def test_an_expression_proven_protected_stays_so_and_the_rest_are_still_judged():
    # A and A2 (first) are protected from the start; x, pinned both by S = x + y and by
    # T2 = x + z (S and T2 unsuppressible), needs y hidden, then z in the next round, while A
    # is not judged again (nor anything near it, S1, hidden)
    figures = [count("A", 3, suppressed=True), count("A2", 4, suppressed=True),
               count("S1", 7, cost=10), count("S", 10, can_suppress=False),
               count("x", 1, suppressed=True), count("y", 9, cost=1),
               count("T2", 10, can_suppress=False), count("z", 9, cost=2)]
    relations = [total("S1", ["A", "A2"]), total("S", ["x", "y"]), total("T2", ["x", "z"])]
    assert protect(figures, relations, T) == {"y", "z"}
    assert all(f.protected for f in audit(figures, relations, T))


def test_an_expression_over_two_components_is_protected_by_what_binds_it():
    # x + y (x and w no figures' own, S = x + w shown as 1; y and v likewise with S2 = 1) is
    # at most 2: S (cost 5) and S2 (cost 6) bind it; the cheaper bound on w (at most 100)
    # binds nothing and stays shown
    figures = [count("S", 1, cost=5), count("S2", 1, cost=6),
               upper_bound("w at most 100", "w", 100, 0.1)]
    relations = [total("S", ["x", "w"]), total("S2", ["y", "v"])]
    sensitive = [Sensitive("x + y", (("x", 1), ("y", 1)))]
    assert protect(figures, relations, T, sensitive) == {"S"}
    assert all(f.protected for f in audit(figures, relations, T, sensitive))


def test_a_relation_left_with_no_unknown_by_substitution_is_checked():
    # x is pinned by one relation (x + z = 5, z shown) as the other is substituted (S = x + y,
    # S and y shown): the second has no unknown left, and is not met
    figures = [count("S", 10), count("y", 4), count("z", 2), count("x", 1, suppressed=True)]
    relations = [total("S", ["x", "y"]), Linear((("x", 1), ("z", 1)), 5, 5, "x + z = 5")]
    messages: list[str] = []
    (x,) = audit(figures, relations, T, messages=messages)
    assert (x.low, x.high, x.protected) == (3, 3, False)
    assert messages == ["check not met: S = x + y (3 not in [0, 0])"]


@pytest.mark.parametrize("a", [2, -2])
def test_a_shown_row_of_one_variable_with_a_coefficient_bounds_it_divided(a):
    # 2y (or -2y) shown from 4 to 6 confines y to [2, 3]; S = x + y = 10: x is 7 to 8
    low, high = sorted((4 * a / 2, 6 * a / 2))
    shown = Figure("2y", (Linear((("y", a),), low, high, "2y from 4 to 6"),), (("y", 1),), 1.0)
    figures = [count("S", 10), count("x", 7, suppressed=True), shown]
    (x,) = audit(figures, [total("S", ["x", "y"])], T)
    assert (x.low, x.high, x.protected) == (7, 8, False)
    assert x.note == "bounded by: 2y from 4 to 6; S = x + y"


@pytest.mark.parametrize(("n", "tail"), [(8, ""), (9, " and 1 more"), (10, " and 2 more")])
def test_a_note_names_every_figure_giving_the_same_bound_eight_then_counts(n, tail):
    # x hidden, n shown figures each saying x is at most 3
    figures = [count("x", 1, suppressed=True),
               *(upper_bound(f"x at most 3 ({i})", "x", 3, 1.0) for i in range(n))]
    (x,) = audit(figures, [], T)
    labels = sorted(f"x at most 3 ({i})" for i in range(n))
    assert (x.low, x.high, x.protected) == (0, 3, False)
    assert x.note == "bounded by: " + "; ".join(labels[:8]) + tail


def test_a_note_when_only_the_callers_bounds_bind():
    (x,) = audit([count("x", 1, suppressed=True)], [], T, bounds={"x": (0, 3)})
    assert (x.low, x.high, x.note) == (0, 3, "bounded by the variable bounds only")


def test_a_hidden_percentages_rows_stay_out_when_its_denominator_is_pinned():
    # D = A + B is pinned (50) once A and B are substituted; N (hidden, at most D) is 0 to
    # 50. The hidden percentage N / D = 20.0% would pin N to 10 if its rows were used
    figures = [count("A", 30), count("B", 20), count("N", 10, suppressed=True),
               percent("P", "N", "D", 20.0, suppressed=True)]
    relations = [total("D", ["A", "B"]), Linear((("N", 1), ("D", -1)), -math.inf, 0, "N <= D")]
    found = audit(figures, relations, T, exact=True)
    assert [(f.key, f.low, f.high, f.protected) for f in found] == [
        ("N", 0, 50, True), ("P", 0, 50, True)]


def test_an_expression_over_a_component_and_a_lone_variable():
    # x in [0, 10] (S = x + w shown) and y alone, shown as at most 2: x + y is 0 to 12, exactly
    figures = [count("S", 10), upper_bound("y at most 2", "y", 2, 1.0)]
    sensitive = [Sensitive("x + y", (("x", 1), ("y", 1)))]
    (found,) = audit(figures, [total("S", ["x", "w"])], T, sensitive, exact=True)
    assert found == Finding("x + y", 0, 12, True, True, "")


def test_a_note_names_each_figure_giving_the_same_lower_bound_and_no_looser_one():
    # x at least 1 (twice) and at most 3; a looser "at most 5" shown after binds nothing
    def lower(key, low):
        return Figure(key, (Linear((("x", 1),), low, math.inf, key),), (("x", 1),), 1.0)

    figures = [count("x", 2, suppressed=True), upper_bound("x at most 3", "x", 3, 1.0),
               upper_bound("x at most 5", "x", 5, 1.0), lower("x at least 1 (a)", 1),
               lower("x at least 1 (b)", 1)]
    (x,) = audit(figures, [], T)
    assert (x.low, x.high, x.protected) == (1, 3, False)
    assert x.note == "bounded by: x at least 1 (a); x at least 1 (b); x at most 3"


# --- eighth round: the fifth round's survivors that small cases reach --------------------------

def at_least(key: str, var: str, low: float, cost: float = 1.0) -> Figure:
    return Figure(key, (Linear(((var, 1),), low, math.inf, key),), ((var, 1),), cost)


HALF_X = Sensitive("x / 2", (("x", 0.5),))  # not whole: x's value shows, not rounded


@pytest.mark.parametrize(("figures", "relations", "bounds", "half"), [
    # shown as at least 2,000,000 and at most 1,999,999: one apart, within the tolerance above
    # a million, so x is pinned at the midpoint, 1,999,999.5
    ([at_least("x from 2,000,000", "x", 2_000_000), upper_bound("x below", "x", 1_999_999, 1)],
     [], None, 999_999.75),
    # the same, x's lower bound found through x = s (s shown) rather than a row of its own
    ([count("s", 2_000_000), upper_bound("x below", "x", 1_999_999, 1)],
     [Linear((("x", 1), ("s", -1)), 0, 0, "x = s")], None, 999_999.75),
    # the caller's bounds 5 to 5.000000001: pinned, at 5 (its lower bound), not the midpoint
    ([], [], {"x": (5, 5.000000001)}, 2.5),
    # the same, 5 found through x = s
    ([count("s", 5)], [Linear((("x", 1), ("s", -1)), 0, 0, "x = s")], {"x": (0, 5.000000001)},
     2.5),
])
def test_a_pinned_variables_value_is_its_lower_bound_or_where_bounds_cross_the_midpoint(
        figures, relations, bounds, half):
    messages: list[str] = []
    (found,) = audit(figures, relations, T, [HALF_X], bounds=bounds, messages=messages)
    assert (found.low, found.high, found.protected) == (half, half, False)
    assert messages == []


def test_protect_names_a_lower_bound_by_its_own_figure_in_a_later_round():
    # N (hidden) is pinned at 2 by the percentage P of D (20, unsuppressible): P is hidden
    # first. Then N is bound by "N at least 1" (cost 1) and "N at most 4" (cost 2) alone: the
    # cheaper, the lower bound, is hidden, then the upper one
    figures = [count("N", 2, suppressed=True), count("D", 20, can_suppress=False),
               percent("P", "N", "D", 10.0, cost=1.0), at_least("N at least 1", "N", 1, 1.0),
               upper_bound("N at most 4", "N", 4, 2.0)]
    assert protect(figures, [], T) == {"P", "N at least 1", "N at most 4"}


def shown_and_part() -> tuple[list[Figure], list[Linear], list[Sensitive]]:
    # x + y with x shown (10, cost 5) and y a part of T = y + z (6, cost 1), z at least 3
    # (unsuppressible); z's loose bound (at most 100, cost 0.1) binds nothing
    z_low = Figure("z at least 3", (Linear((("z", 1),), 3, math.inf, "z at least 3"),),
                   (("z", 1),), 1.0, can_suppress=False)
    figures = [count("x", 10, cost=5), count("T", 6, cost=1), z_low,
               upper_bound("z at most 100", "z", 100, 0.1)]
    return figures, [total("T", ["y", "z"])], [Sensitive("x + y", (("x", 1), ("y", 1)))]


def test_a_note_names_the_binding_rows_and_the_figures_pinning_the_expressions_variables():
    figures, relations, sensitive = shown_and_part()
    (found,) = audit(figures, relations, T, sensitive)
    assert (found.low, found.high, found.protected) == (10, 13, False)
    assert found.note == "bounded by: T = y + z; x = 10; z at least 3"


def test_protect_chooses_among_the_binding_rows_and_the_pinned_variables_figures():
    # both T and x bind x + y: T is cheaper (and z's bound, cheaper still, binds nothing)
    figures, relations, sensitive = shown_and_part()
    assert protect(figures, relations, T, sensitive) == {"T"}


def test_with_nothing_binding_suppressible_a_figure_on_a_pinned_variable_is_tried():
    # x + y: x pinned (10) and y at most 2, both by unsuppressible figures; the only shown
    # figure touching the expression is x's loose bound (at most 100), on its pinned variable
    figures = [count("x", 10, can_suppress=False), upper_bound("x at most 100", "x", 100, 1.0),
               Figure("y at most 2", (Linear((("y", 1),), -math.inf, 2, "y at most 2"),),
                      (("y", 1),), 1.0, can_suppress=False)]
    assert protect(figures, [], T, [Sensitive("x + y", (("x", 1), ("y", 1)))]) == {
        "x at most 100"}


def test_a_component_whose_rows_changed_is_solved_again_in_protect():
    # A + B = 10 (T shown, cost 5) and F (cost 1, nothing of its own to protect) shows that A
    # is B to B + 2: A is 5 or 6. Hiding F leaves the same variables, bounds and targets but
    # fewer rows: A is then 0 to 10, so F alone is enough
    f = Figure("F", (Linear((("A", 1), ("B", -1)), 0, 2, "A - B from 0 to 2"),), (), 1.0)
    figures = [count("A", 5, suppressed=True), count("T", 10, cost=5), f]
    assert protect(figures, [total("T", ["A", "B"])], T) == {"F"}


def test_a_whole_number_check_stopped_with_a_point_proves_nothing(monkeypatch):
    # the MILP stops at its time limit having found a point (status 1): that point is no
    # extreme, so the LP's bound stands unconfirmed, as when no point is found
    real = sdc.milp

    def stopped(*args, **kwargs):
        res = real(*args, **kwargs)
        assert res.x is not None
        res.status, res.message = 1, "Time limit reached"
        return res

    monkeypatch.setattr(sdc, "milp", stopped)
    figures, relations = twice(3.5, 12.5)
    messages: list[str] = []
    (x,) = audit(figures, relations, T, messages=messages)
    assert ((x.low, x.high), bool(x.protected)) == ((3, 8), False)
    assert messages == ["whole-number check failed (Time limit reached)"] * 2


def test_an_expression_over_two_infeasible_components_names_both():
    relations = [Linear((("a", 1), ("b", 1)), 5, 5, "a + b = 5"),
                 Linear((("a", 1), ("b", 1)), 7, 7, "a + b = 7"),
                 Linear((("c", 1), ("d", 1)), 5, 5, "c + d = 5"),
                 Linear((("c", 1), ("d", 1)), 7, 7, "c + d = 7")]
    (found,) = audit([], relations, T, [Sensitive("a + c", (("a", 1), ("c", 1)))])
    assert math.isnan(found.low) and math.isnan(found.high) and not found.protected
    assert found.note == ("infeasible: a + b = 5; a + b = 7; "
                          "infeasible: c + d = 5; c + d = 7")


def test_an_expression_over_two_components_is_rounded_before_it_is_judged():
    # a from 0.5 to 2.8 and b from 0 to 2.8 (the caller's bounds): a + b is 0.5 to 5.6, 5.1
    # wide, but as a whole number 1 to 5: not protected
    (found,) = audit([], [], T, [Sensitive("a + b", (("a", 1), ("b", 1)))],
                     bounds={"a": (0.5, 2.8), "b": (0, 2.8)})
    assert found == Finding("a + b", 1, 5, False, True, "bounded by the variable bounds only")


def test_the_figure_that_shows_an_expression_has_its_coefficients_too():
    # a - b with a shown (6, cost 1) and a + b shown (10, cost 9): "a + b" has the same
    # variables but is not the figure that shows a - b, so the cheaper a is hidden
    both = Figure("a + b", (Linear((("a", 1), ("b", 1)), 10, 10, "a + b = 10"),),
                  (("a", 1), ("b", 1)), 9.0)
    sensitive = [Sensitive("a - b", (("a", 1), ("b", -1)))]
    assert protect([count("a", 6, cost=1), both], [], T, sensitive) == {"a"}


def test_an_expression_that_is_not_whole_is_judged_unrounded_in_a_component():
    # a + b = 11 (T shown) and a at least 1: a / 2 is 0.5 to 5.5, 5 wide (rounded it would be
    # 1 to 5, not protected)
    figures = [count("T", 11), at_least("a at least 1", "a", 1)]
    (found,) = audit(figures, [total("T", ["a", "b"])], T, [Sensitive("a / 2", (("a", 0.5),))],
                     exact=True)
    assert found == Finding("a / 2", 0.5, 5.5, True, True, "")


@pytest.mark.parametrize(("exact", "lps"), [(False, 2), (True, 1)])
def test_a_contradiction_propagation_misses_is_found_by_the_first_shared_lp(exact, lps,
                                                                           monkeypatch):
    # a = b, a + b = 500 and a + 2b = 800: bound tightening leaves a and b wide after its
    # passes; the first LP (every expression pushed down) has no point, and says so at once:
    # one LP (and, without exact, the shared LP over many components before it)
    calls = []
    real = sdc._solve_lp
    monkeypatch.setattr(sdc, "_solve_lp", lambda *args: calls.append(1) or real(*args))
    relations = [Linear((("a", 1), ("b", 1)), 500, 500, "a + b = 500"),
                 Linear((("a", 1), ("b", -1)), 0, 0, "a = b"),
                 Linear((("a", 1), ("b", 2)), 800, 800, "a + 2b = 800")]
    messages: list[str] = []
    found = audit([], relations, T, [Sensitive("a", (("a", 1),)), Sensitive("b", (("b", 1),))],
                  exact=exact, messages=messages)
    note = "infeasible: a + 2b = 800; a + b = 500; a = b"
    for finding in found:
        assert math.isnan(finding.low) and math.isnan(finding.high)
        assert (finding.protected, finding.note) == (False, note)
    assert messages == [note]
    assert len(calls) == lps


def failed_lp():
    """What `_solve_lp` returns when HiGHS fails (status 4, numerical trouble)."""
    res = sdc._LPResult()
    res.x = res.fun = None
    res.status, res.message = 4, "numerical trouble"
    return res


def test_a_failed_lp_proves_nothing_and_says_so(monkeypatch):
    # every LP fails (HiGHS's status 4, numerical trouble): x and y (S = x + y = 10) are 0 to
    # 10, but nothing is proven
    monkeypatch.setattr(sdc, "_solve_lp", lambda *args: failed_lp())
    figures = [count("S", 10), count("x", 4, suppressed=True), count("y", 6, suppressed=True)]
    messages: list[str] = []
    found = audit(figures, [total("S", ["x", "y"])], T, exact=True, messages=messages)
    assert [(f.key, f.protected) for f in found] == [("x", False), ("y", False)]
    assert messages == ["LP failed (numerical trouble); not proven"] * 4


def test_an_lp_failed_one_way_only_proves_nothing(monkeypatch):
    # every maximisation fails, every minimisation is solved: x's least value (0) is all that
    # is known of it when it is judged, so it is not proven; y is, by the two whole-number
    # points the minimisations found (x, y = 0, 10 and 10, 0)
    real = sdc._solve_lp

    def half(c, *args):
        return failed_lp() if (np.asarray(c) < 0).any() else real(c, *args)

    monkeypatch.setattr(sdc, "_solve_lp", half)
    figures = [count("S", 10), count("x", 4, suppressed=True), count("y", 6, suppressed=True)]
    messages: list[str] = []
    found = audit(figures, [total("S", ["x", "y"])], T, exact=True, messages=messages)
    assert [(f.key, f.protected) for f in found] == [("x", False), ("y", True)]
    assert messages == ["LP failed (numerical trouble); not proven"] * 2


def test_a_whole_number_extreme_keeps_the_shown_part_of_the_expression():
    # x + k with k shown (10): x's whole-number interval (4 to 8, the MILP's) moved by 10
    figures, relations = twice(3.5, 12.5)
    figures.append(count("k", 10))
    found = audit(figures, relations, T, [Sensitive("x + k", (("x", 1), ("k", 1)))])
    assert [(f.key, f.low, f.high, f.protected) for f in found] == [
        ("x", 4, 8, False), ("x + k", 14, 18, False)]


def test_a_failed_whole_number_check_with_a_whole_point_seen_proves_nothing(monkeypatch):
    # x = 2y, x + y at most 12.5: x = 0 is a whole-number point (seen), x's LP maximum 8.33
    # is not, and the MILP that would confirm it runs out of time: not proven
    monkeypatch.setattr(sdc, "_MILP_SECONDS", 0.0)
    figures, relations = twice(0, 12.5)
    messages: list[str] = []
    (x,) = audit(figures, relations, T, exact=True, messages=messages)
    assert (x.low, x.high, bool(x.protected)) == (0, 8, False)
    assert [m[:33] for m in messages] == ["whole-number check failed (Time l"]

def test_a_component_whose_row_moved_by_half_is_solved_again_in_protect():
    # u is pinned at 1,999,999.5 by "at least 2,000,000" and "at most 1,999,999" (bounds
    # that cross within the tolerance), so a + b at least 2,000,010 - u is 10.5: a + b is 11
    # to 15, not protected. Hiding "at most 1,999,999" pins u at 2,000,000 ("at most
    # 2,000,000" stays): a + b is 10 to 15, protected. Only the row's lower end moved (its
    # upper is infinite): the component is solved again, and a's loose bound stays shown
    def bound(key, low, high, **kwargs):
        return Figure(key, (Linear((("u", 1),), low, high, key),), (("u", 1),), 1.0, **kwargs)

    figures = [bound("u at least 2,000,000", 2_000_000, math.inf, can_suppress=False),
               bound("u at most 1,999,999", -math.inf, 1_999_999),
               bound("u at most 2,000,000", -math.inf, 2_000_000, can_suppress=False),
               upper_bound("a at most 100", "a", 100, 0.1)]
    relations = [Linear((("u", 1), ("a", 1), ("b", 1)), 2_000_010, math.inf, "u + a + b"),
                 Linear((("a", 1), ("b", 1)), -math.inf, 15, "a + b at most 15")]
    sensitive = [Sensitive("a + b", (("a", 1), ("b", 1)))]
    assert protect(figures, relations, T, sensitive) == {"u at most 1,999,999"}


# --- bound tightening (`_LP._propagate`): the outer bounds it gives, worked by hand ---------

def outer(relations: list[Linear], bounds=None) -> dict | None:
    """The bounds propagation gives each variable of the one component of `relations`."""
    names, lp = lp_of(relations, bounds)
    found = lp._propagate()
    if found is None:
        return None
    return {name: (found[0][k], found[1][k]) for k, name in enumerate(names)}


INF = math.inf


@pytest.mark.parametrize(("terms", "low", "high", "bounds", "expected"), [
    # x - y at least 3: x at least 3 (y's least, 0, with the sum's lower end)
    ((("x", 1), ("y", -1)), 3, INF, None, {"x": (3, INF), "y": (0, INF)}),
    # y - x at most -3: the same, through the terms' least values (x's, -inf, the only one)
    ((("y", 1), ("x", -1)), -INF, -3, None, {"x": (3, INF), "y": (0, INF)}),
    # x + y at most 10: each at most 10
    ((("x", 1), ("y", 1)), -INF, 10, None, {"x": (0, 10), "y": (0, 10)}),
    # x + y at least 4 with y at most 1: x at least 3
    ((("x", 1), ("y", 1)), 4, INF, {"y": (0, 1)}, {"x": (3, INF), "y": (0, 1)}),
    # 2x + y at most 9: x at most 4.5 (divided by its coefficient)
    ((("x", 2), ("y", 1)), -INF, 9, None, {"x": (0, 4.5), "y": (0, 9)}),
    # y - 2x at least -9: the same, with the coefficient negative
    ((("y", 1), ("x", -2)), -9, INF, None, {"x": (0, INF), "y": (0, INF)}),
    # y - 2x at least -9 with y at most 1: x at most 5
    ((("y", 1), ("x", -2)), -9, INF, {"y": (0, 1)}, {"x": (0, 5), "y": (0, 1)}),
    # x - y - z at least 0: two terms with no least value, so nothing is learnt
    ((("x", 1), ("y", -1), ("z", -1)), 0, INF, None,
     {"x": (0, INF), "y": (0, INF), "z": (0, INF)}),
    # x - y - z at most 5: two terms with no least value, so again nothing
    ((("x", 1), ("y", -1), ("z", -1)), -INF, 5, None,
     {"x": (0, INF), "y": (0, INF), "z": (0, INF)}),
    # x - y - z at most 0 with y and z at most 1: x at most 2
    ((("x", 1), ("y", -1), ("z", -1)), -INF, 0, {"y": (0, 1), "z": (0, 1)},
     {"x": (0, 2), "y": (0, 1), "z": (0, 1)}),
])
def test_bound_tightening_over_one_row(terms, low, high, bounds, expected):
    assert outer([Linear(terms, low, high, "row")], bounds) == expected


@pytest.mark.parametrize(("low", "high", "bounds"), [
    (-INF, -1, None),          # x + y below 0: an upper bound below the lower
    (5, INF, {"x": (0, 2), "y": (0, 2)}),  # x + y at least 5, each at most 2: the reverse
])
def test_bound_tightening_finds_rows_that_contradict(low, high, bounds):
    assert outer([Linear((("x", 1), ("y", 1)), low, high, "x + y")], bounds) is None


def test_a_lower_bound_that_does_not_bind_is_not_named():
    # S = x + y = 10 with y at least 7: x is 0 to 3, bound by S and y's lower bound. w = y + 2
    # is at least 9 then, far above its own shown lower bound (1), which binds nothing
    figures = [count("S", 10), count("x", 1, suppressed=True), at_least("y at least 7", "y", 7),
               at_least("w at least 1", "w", 1)]
    relations = [total("S", ["x", "y"]), Linear((("w", 1), ("y", -1)), 2, 2, "w = y + 2")]
    (x,) = audit(figures, relations, T)
    assert (x.low, x.high, x.protected) == (0, 3, False)
    assert x.note == "bounded by: S = x + y; y at least 7"


# --- one component's LP (`_LP.__init__`, `_LP._paired`): its matrices and capped bounds ------

def lp_of(relations: list[Linear], bounds=None) -> tuple[list[str], sdc._LP]:
    """The LP of the one component of `relations`, and its variables' names in column order."""
    model = sdc._Model([], relations, [], bounds)
    state = sdc._State(model, [])
    (root,) = state.comp_rows
    vs = state.vars_of(root)
    lp = sdc._LP(state, vs, sorted(state.comp_rows[root]), [state.lo[j] for j in vs],
                 [state.hi[j] for j in vs])
    return [model.keys[j] for j in vs], lp


def test_the_equalities_span_every_column_of_the_component():
    # x + y = 5, and z (in no equality) only in y + z <= 7: the equality matrix still has a
    # column for each of the three, wherever z comes
    for z in ("a", "z"):
        names, lp = lp_of([Linear((("x", 1), ("y", 1)), 5, 5, "x + y = 5"),
                           Linear((("y", 1), (z, 1)), -INF, 7, "y + z <= 7")])
        assert lp.A_eq.shape == (1, 3) and lp.A_ub.shape == (1, 3), names
        res = lp._run(-lp.A_ub.toarray()[0], capped=False)  # y + z at its greatest: 7
        assert res.status == 0 and -res.fun == pytest.approx(7)


@pytest.mark.parametrize(("low", "high", "capped"), [
    (0, INF, (0, 1e7)),                   # no upper bound: ten million stands in for it
    (2e7, INF, (2e7, 3e7)),               # above ten million: ten million above the lower
    (-INF, 5, (-1e7, 5)),                 # no lower bound: minus ten million
    (-INF, -2e7, (-3e7, -2e7)),           # below minus ten million: ten million below
    (-3, 4, (-3, 4)),                     # both bounds: as they are
])
def test_the_capped_bounds_stand_in_for_infinite_ones(low, high, capped):
    names, lp = lp_of([Linear((("x", 1), ("y", 1)), -INF, 100, "x + y <= 100")],
                      {"x": (low, high)})
    x = names.index("x")
    assert tuple(lp.capped[x]) == capped
    assert tuple(lp.bounds[x]) == (low, high)


def test_two_points_far_apart_in_a_component_of_inequalities_only():
    # three expressions (more than a pair), no equality: the paired LP still finds two points,
    # each within the rows, as far apart as the caps allow
    _, lp = lp_of([Linear((("x", 1), ("y", 1)), -INF, 10, "x + y <= 10"),
                   Linear((("y", 1), ("z", 1)), -INF, 10, "y + z <= 10")])
    assert lp.A_eq is None
    pair = lp._paired(np.eye(3), [0, 1, 2], np.ones(3), [True] * 3, 5.0)
    assert pair is not None
    for x in pair:
        assert (x >= -1e-9).all() and (lp.A_ub @ x <= lp.b_ub + 1e-9).all()
    assert (pair[0] - pair[1]).sum() == pytest.approx(15)  # x and z 5 apart each, y 5


@pytest.mark.parametrize("up", [True, False])
def test_the_spread_point_keeps_to_the_rows_of_a_component_of_inequalities_only(up):
    # x + y <= 10 and y + z <= 10, each expression seen only at 0 (up) or only at 10 (down):
    # the spread LP moves all three as far as the cap (5) allows, within the rows
    _, lp = lp_of([Linear((("x", 1), ("y", 1)), -INF, 10, "x + y <= 10"),
                   Linear((("y", 1), ("z", 1)), -INF, 10, "y + z <= 10")])
    seen = np.full(3, 0.0 if up else 10.0)
    x = lp._spread(np.eye(3), np.zeros(3), [0, 1, 2], seen, seen, [True] * 3, 5.0, up=up)
    assert (x >= -1e-9).all() and (lp.A_ub @ x <= lp.b_ub + 1e-9).all()
    assert np.minimum(abs(x - seen), 5).sum() == pytest.approx(15)


# --- the check of HiGHS's answer (`_check`): scipy's own, as linprog applies it ---------------

_TOL = sdc._CHECK_TOL
_BOUNDS = np.array([[0.0, 10.0], [0.0, 10.0]])
_CASES = [  # (x, fun, slack, con): a point, then each way it can fail the check, at the edge
    (np.array([1.0, 2.0]), 3.0, np.array([0.0]), np.array([0.0])),
    (np.array([-_TOL, 10 + _TOL]), 3.0, np.array([-_TOL]), np.array([_TOL])),  # just within
    (np.array([-2 * _TOL, 2.0]), 3.0, np.array([0.0]), np.array([0.0])),   # below a bound
    (np.array([1.0, 10 + 2 * _TOL]), 3.0, np.array([0.0]), np.array([0.0])),  # above one
    (np.array([1.0, 2.0]), 3.0, np.array([0.0, -2 * _TOL]), np.array([0.0])),  # a row broken
    (np.array([1.0, 2.0]), 3.0, np.array([0.0]), np.array([2 * _TOL])),   # an equality off
    (np.array([1.0, 2.0]), 3.0, np.array([0.0]), np.array([-2 * _TOL])),  # the other way
    (np.array([np.nan, 2.0]), 3.0, np.array([0.0]), np.array([0.0])),
    (np.array([1.0, 2.0]), np.nan, np.array([0.0]), np.array([0.0])),
    (np.array([1.0, 2.0]), 3.0, np.array([np.nan]), np.array([0.0])),
    (np.array([1.0, 2.0]), 3.0, np.array([0.0]), np.array([np.nan])),
    (None, None, None, None),  # no point
]


@pytest.mark.parametrize("status", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("case", range(len(_CASES)))
def test_the_check_of_an_answer_is_scipys(case, status):
    x, fun, slack, con = _CASES[case]
    ours = sdc._check(x, fun, status, slack, con, _BOUNDS, "as given")
    assert ours == _check_result(x, fun, status, slack, con, _BOUNDS, 1e-9, "as given", None)
