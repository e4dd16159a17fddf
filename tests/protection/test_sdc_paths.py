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

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from cpip_dashboard.protection import sdc
from cpip_dashboard.protection.sdc import Figure, Linear, Sensitive, audit, protect
from tests.protection.test_sdc import T, count, total


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
    figures.append(count("all", sum(area_totals), can_suppress=False))
    relations = [total(f"A{a}", [f"c{a}{g}" for g in range(groups)]) for a in range(areas)]
    relations += [total(f"G{g}", [f"c{a}{g}" for a in range(areas)]) for g in range(groups)]
    relations.append(total("all", [f"A{a}" for a in range(areas)]))
    sensitive = [Sensitive(f"A{a} - c{a}{g}", ((f"A{a}", 1), (f"c{a}{g}", -1)))
                 for a, g in sorted(hidden)]
    return figures, relations, sensitive


def truth(figures, relations, terms) -> tuple[float, float]:
    """The least and greatest value of `terms` over every variable at once: the relations,
    the shown figures, every count at least 0."""
    rows = [*relations, *(lin for f in figures if not f.suppressed for lin in f.shows)]
    keys = sorted({k for lin in rows for k, _ in lin.terms} | {k for k, _ in terms})
    pos = {k: i for i, k in enumerate(keys)}
    a_eq = np.zeros((len(rows), len(keys)))
    b_eq = np.zeros(len(rows))
    for r, lin in enumerate(rows):  # every row here is an equality
        assert lin.low == lin.high
        for k, c in lin.terms:
            a_eq[r, pos[k]] += c
        b_eq[r] = lin.low
    c = np.zeros(len(keys))
    for k, v in terms:
        c[pos[k]] += v
    ends = []
    for sense in (1, -1):
        res = linprog(sense * c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert res.status == 0
        ends.append(round(sense * res.fun, 6))
    return ends[0], ends[1]


SEEDS = range(16)


@pytest.fixture(scope="module")
def cases() -> list[tuple]:
    """Each table with the true interval of every expression to keep unknown."""
    out = []
    for seed in SEEDS:
        figures, relations, sensitive = table(seed)
        targets = {f.key: f.target for f in figures if f.suppressed}
        targets |= {s.key: s.terms for s in sensitive}
        out.append((figures, relations, sensitive,
                    {key: truth(figures, relations, terms) for key, terms in targets.items()}))
    return out


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


# The fast paths are there to run fewer LPs: on these tables no more than they run now (a
# change to the solver that needs more should say why, and change these numbers).
MOST_LPS = {"audit": 111, "exact": 232, "alone": 96, "protect": 135}
MOST_HIDDEN = 24  # nor does protect() hide more figures


@pytest.mark.parametrize("exact", [False, True])
def test_audit_gives_the_true_interval_of_every_expression(cases, lps, exact):
    for figures, relations, sensitive, intervals in cases:
        check(audit(figures, relations, T, sensitive, exact=exact), intervals)
    assert lps[0] <= MOST_LPS["exact" if exact else "audit"]


def test_each_component_alone_gives_the_true_interval_too(cases, lps, monkeypatch):
    # without the shared LPs over many components, every component runs its own shared LPs
    # (`_LP.solve`): the same verdicts, and inner bounds inside the true interval
    monkeypatch.setattr(sdc, "_prove_together", lambda *args: {})
    for figures, relations, sensitive, intervals in cases:
        check(audit(figures, relations, T, sensitive), intervals)
    assert lps[0] <= MOST_LPS["alone"]


def test_protect_leaves_every_expression_truly_protected(lps):
    outcomes = []
    for seed in SEEDS[:4]:
        figures, relations, sensitive = table(seed)
        outcomes.append(protect(figures, relations, T, sensitive))
        for terms in [*(f.target for f in figures if f.suppressed),
                      *(s.terms for s in sensitive)]:
            low, high = truth(figures, relations, terms)
            assert high - low >= T, (seed, terms, low, high)
    assert lps[0] <= MOST_LPS["protect"]
    assert sum(map(len, outcomes)) <= MOST_HIDDEN
