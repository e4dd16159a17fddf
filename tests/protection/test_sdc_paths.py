"""The disclosure solver's fast paths (cpip_dashboard.protection.sdc) against a plain LP over
every variable, on many small tables.

`audit` reaches an interval several ways: the shared LPs over many components at once
(`_prove_together`), the same shared LPs per component and then each expression's own LPs
(`_LP.solve`), and, with ``exact=True``, every extreme solved. Each must give the attacker's
true interval: exactly where a finding says ``exact``, and otherwise two values inside it at
least the threshold apart. The tables are two-way (areas by groups, with both margins and a
grand total that stays shown), whose constraint matrix is totally unimodular, so the LP's
extremes are whole numbers and the plain LP is the whole-number truth. Found by mutation
testing (docs/mutation.md, eighth round): a fast path that sees a point wrongly, or stops
too early, gives a verdict or an interval the plain LP contradicts.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from cpip_dashboard.protection import sdc
from cpip_dashboard.protection.sdc import Figure, Linear, Sensitive, audit, protect
from tests.protection.test_sdc import T, count, inequalities, percent, total


def table(seed: int) -> tuple[list[Figure], list[Linear], list[Sensitive]]:
    """Areas by groups: cells, each area's and group's total and the grand total (shown and
    unsuppressible); some cells and margins hidden. The expressions to keep unknown besides
    the hidden figures: each hidden cell's complement in its area (total minus the cell)."""
    rng = random.Random(seed)
    areas, groups = rng.choice([(2, 3), (3, 4), (4, 4), (4, 5)])
    cells = {(a, g): rng.choice([0, 1, 2, 3, 6, 8, 9, 12, 15, 20, 30]) for a in range(areas)
             for g in range(groups)}
    hidden = {key for key in cells if rng.random() < 0.5}
    figures = [count(f"c{a}{g}", v, cost=v + 1, suppressed=(a, g) in hidden)
               for (a, g), v in cells.items()]
    area_totals = [sum(cells[a, g] for g in range(groups)) for a in range(areas)]
    group_totals = [sum(cells[a, g] for a in range(areas)) for g in range(groups)]
    figures += [count(f"A{a}", v, cost=v + 1, suppressed=rng.random() < 0.2)
                for a, v in enumerate(area_totals)]
    figures += [count(f"G{g}", v, cost=v + 1, suppressed=rng.random() < 0.2)
                for g, v in enumerate(group_totals)]
    if seed % 4 != 3:  # else no grand total: some intervals have no upper end
        figures.append(count("all", sum(area_totals), can_suppress=False))
    relations = [total(f"A{a}", [f"c{a}{g}" for g in range(groups)]) for a in range(areas)]
    relations += [total(f"G{g}", [f"c{a}{g}" for a in range(areas)]) for g in range(groups)]
    relations.append(total("all", [f"A{a}" for a in range(areas)]))
    sensitive = [Sensitive(f"A{a} - c{a}{g}", ((f"A{a}", 1), (f"c{a}{g}", -1)))
                 for a, g in sorted(hidden)]
    # and an expression that is not a whole number: not rounded, nor its interval
    sensitive += [Sensitive(f"c{a}{g} / 2", ((f"c{a}{g}", 0.5),)) for a, g in sorted(hidden)[:1]]
    if hidden:
        # first, a hidden figure over the table and another one (X = x + y, X shown): its
        # target is in two components, one of them the table's
        a, g = min(hidden)
        cross = Linear(((f"c{a}{g}", 1), ("x", 1)), cells[a, g] + 4, cells[a, g] + 4, "cross")
        figures.insert(0, Figure("cross", (cross,), cross.terms, 1.0, suppressed=True))
        figures.append(count("X", 11))
        relations.append(total("X", ["x", "y"]))
    # a component of inequalities only (u + v at most 9), and c00's share of A0 shown as a
    # percentage (two inequalities, and bounds that are not whole numbers)
    figures += [count("u", 3, suppressed=True), count("v", 2, suppressed=True),
                percent("c00 of A0", "c00", "A0",
                        round(100 * cells[0, 0] / max(area_totals[0], 1), 1))]
    relations.append(Linear((("u", 1), ("v", 1)), -math.inf, 9, "u + v at most 9"))
    return figures, relations, sensitive


def truth(figures, relations, terms) -> tuple[float, float]:
    """The least and greatest value of `terms` over every variable at once: the relations,
    the shown figures, every count at least 0."""
    rows = [*relations, *(lin for f in figures if not f.suppressed for lin in f.shows)]
    keys = sorted({k for lin in rows for k, _ in lin.terms} | {k for k, _ in terms})
    pos = {k: i for i, k in enumerate(keys)}
    a_ub, b_ub = inequalities(rows, pos)
    c = np.zeros(len(keys))
    for k, v in terms:
        c[pos[k]] += v
    ends = []
    for sense in (1, -1):
        res = linprog(sense * c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=(0, None),
                      method="highs")
        assert res.status in (0, 3)  # 3: unbounded
        if res.status == 3:
            ends.append(-sense * math.inf)
            continue
        if not np.allclose(res.x, np.round(res.x), atol=1e-6):  # whole numbers: a MILP
            res = milp(sense * c, constraints=LinearConstraint(np.array(a_ub), -np.inf,
                                                               np.array(b_ub)),
                       integrality=np.ones(len(keys)), bounds=Bounds(0, np.inf))
            assert res.status == 0
        ends.append(round(sense * res.fun, 6))
    return ends[0], ends[1]


SEEDS = range(16)


def intervals_of(seed: int) -> tuple:
    """A table with the true interval of every expression to keep unknown."""
    figures, relations, sensitive = table(seed)
    targets = {f.key: f.target for f in figures if f.suppressed}
    targets |= {s.key: s.terms for s in sensitive}
    return (figures, relations, sensitive,
            {key: truth(figures, relations, terms) for key, terms in targets.items()})


# Built once, on import (plain LPs, no solver code): mutation runs fork a process per mutant
# after the tests are collected, so each mutant then costs only the audits.
CASES = [intervals_of(seed) for seed in SEEDS]


@pytest.fixture
def cases() -> list[tuple]:
    return CASES


def check(findings, intervals: dict) -> None:
    assert [f.key for f in findings] == list(intervals)
    for found in findings:
        low, high = intervals[found.key]
        assert found.protected == (high - low >= T), (found, low, high)
        if found.exact:
            assert (found.low, found.high) == (low, high), (found, low, high)
        else:
            assert found.protected, found
            assert low <= found.low and found.high <= high, (found, low, high)
            assert found.high - found.low >= T, found
            if not found.key.endswith(" / 2"):
                assert float(found.low).is_integer() and float(found.high).is_integer(), found


@pytest.fixture
def lps(monkeypatch) -> list[int]:
    """How many LPs the solver runs (every LP goes through `_solve_lp`)."""
    calls = [0]
    real = sdc._solve_lp

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(sdc, "_solve_lp", counted)
    return calls


# The LPs each table takes, by way: the fast paths are there to run few, and a change that
# runs others (a shortcut lost, or a shared LP that no longer proves what it did) shows here.
# A change to the solver that means to change them says why, and updates these numbers.
LPS = {"audit": [9, 4, 4, 9, 4, 12, 4, 4, 13, 5, 4, 13, 19, 13, 4, 4],
       "exact": [17, 5, 5, 19, 15, 26, 5, 28, 14, 33, 5, 34, 27, 14, 5, 5],
       "alone": [9, 5, 5, 9, 7, 11, 5, 8, 14, 9, 5, 12, 18, 14, 5, 5],
       "protect": [71, 9, 32, 14]}
HIDDEN = [11, 2, 8, 3]  # and how many figures protect() hides in the first four


def counted(cases, lps, run) -> list[int]:
    out = []
    for case in cases:
        before = lps[0]
        run(case)
        out.append(lps[0] - before)
    return out


@pytest.mark.parametrize("exact", [False, True])
def test_audit_gives_the_true_interval_of_every_expression(cases, lps, exact):
    def run(case):
        figures, relations, sensitive, intervals = case
        check(audit(figures, relations, T, sensitive, exact=exact), intervals)

    assert counted(cases, lps, run) == LPS["exact" if exact else "audit"]


def test_each_component_alone_gives_the_true_interval_too(cases, lps, monkeypatch):
    # without the shared LPs over many components, every component runs its own shared LPs
    # (`_LP.solve`): the same verdicts, and inner bounds inside the true interval
    monkeypatch.setattr(sdc, "_prove_together", lambda *args: {})

    def run(case):
        figures, relations, sensitive, intervals = case
        check(audit(figures, relations, T, sensitive), intervals)

    assert counted(cases, lps, run) == LPS["alone"]


def test_protect_leaves_every_expression_truly_protected(lps):
    hidden = []

    def run(seed):
        figures, relations, sensitive = table(seed)
        hidden.append(len(protect(figures, relations, T, sensitive)))
        for terms in [*(f.target for f in figures if f.suppressed),
                      *(s.terms for s in sensitive)]:
            low, high = truth(figures, relations, terms)
            assert high - low >= T, (seed, terms, low, high)

    assert counted(SEEDS[:4], lps, run) == LPS["protect"]
    assert hidden == HIDDEN


def test_the_local_relaxation_hides_what_the_whole_component_hides(monkeypatch):
    """`_LP._local_check` (a relaxation over the rows near an expression, tried first in
    components of more than `_LOCAL_MIN` counts) on every component, small ones too: it may
    only say "unprotected" where the whole component says so, with the constant of a pinned
    part and whole-number rounding, so protect() hides the same figures."""
    def protected(seed) -> set:
        figures, relations, sensitive = table(seed)
        return protect(figures, relations, T, sensitive)

    wholes = [protected(seed) for seed in SEEDS[:8]]
    monkeypatch.setattr(sdc, "_LOCAL_MIN", 0)
    local = sdc._LP._local_check
    decided = []

    def noted(self, t, const, *rest):
        found = local(self, t, const, *rest)
        decided.append((const != 0, found is not None))
        return found

    monkeypatch.setattr(sdc._LP, "_local_check", noted)
    for seed, whole in zip(SEEDS[:8], wholes, strict=True):
        assert protected(seed) == whole, seed
    # tried with a pinned part's constant, and deciding (the cases exercise both)
    assert any(pinned for pinned, _ in decided) and any(found for _, found in decided)
