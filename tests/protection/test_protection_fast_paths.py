"""The fast paths of the protection give exactly what the plain ones give.

- `sdc._solve_lp` hands HiGHS the model scipy's `linprog(method="highs")` hands it, with the
  same options: every LP met while protecting real data gets the same status, point, optimum
  and dual values from both, bit for bit.
- `figures.protect` gives `sdc` only the independent blocks with something to protect, and
  only the unprotected ones to `sdc.protect`: the same suppressions and the same findings, in
  the same order, as `sdc` run over the whole set of figures at once (the reference below).
- `sdc` proves components protected many at a time in shared LPs (`_prove_together`) and
  leaves the rest to each component's own LPs: the same decisions, and the same unprotected
  findings, as every component on its own.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_array

from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.protection import figures, sdc
from cpip_dashboard.store.db import make_engine
from tests.adversary import (
    CLACKS,
    FIFE,
    ORKNEY,
    SHETLAND,
    SIAR,
    STIRLING,
    Y1,
    Y2,
    inputs,
    table,
)

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("protection_fast_paths")


@pytest.fixture(autouse=True)
def forgetful(monkeypatch):
    """Every test here protects afresh (figures remembers blocks within a process)."""
    monkeypatch.setattr(figures, "_MEMORY", figures.OrderedDict())


def same_result(fast, plain) -> bool:
    def same(a, b) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return np.array_equal(np.asarray(a), np.asarray(b))

    return (fast.status == plain.status and fast.message == plain.message
            and same(fast.x, plain.x) and same(fast.fun, plain.fun)
            and all(same(getattr(fast, side).marginals, getattr(plain, side).marginals)
                    for side in ("eqlin", "ineqlin", "lower", "upper")))


@pytest.fixture(scope="module")
def sample_inputs(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fast') / 'sample.sqlite'}")
    init_db(engine, sample=True, user="test")
    with engine.connect() as conn:
        data = figures.load(conn)
    engine.dispose()
    return data, None  # nothing published before (earlier releases: test_releases.py)


def test_the_lean_lp_call_is_linprog_bit_for_bit(sample_inputs, monkeypatch):
    data, archived = sample_inputs
    seen: list[bool] = []
    calls = [0]
    fast = sdc._solve_lp

    def both(c, a_ub, b_ub, a_eq, b_eq, bounds, prepared=None):
        result = fast(c, a_ub, b_ub, a_eq, b_eq, bounds, prepared)
        calls[0] += 1
        if calls[0] % 3 == 0:  # every third LP solved twice: 7.1 s for all of them, 4.4 s so
            seen.append(same_result(result, linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq,
                                                    b_eq=b_eq, bounds=bounds, method="highs")))
        return result

    monkeypatch.setattr(sdc, "_solve_lp", both)
    built = figures.build(data)
    figures.protect(built, data.directory, 5, known=archived)  # shared LPs, then alone
    shared = len(seen)
    figures._MEMORY.clear()
    monkeypatch.setattr(sdc, "_prove_together", lambda st, pending, threshold: {})
    figures.protect(built, data.directory, 5, known=archived)  # every component alone
    assert shared > 3 and len(seen) - shared > 30 and all(seen)


@pytest.mark.parametrize("case", ["infeasible", "unbounded", "equalities only",
                                  "inequalities only", "no rows"])
def test_the_lean_lp_call_reports_as_linprog_does(case):
    bounds = np.array([[0.0, np.inf], [0.0, np.inf], [-np.inf, np.inf]])
    a = csr_array(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
    c, a_ub, b_ub, a_eq, b_eq = np.array([1.0, -1.0, 0.5]), None, None, None, None
    if case == "infeasible":
        a_ub, b_ub, a_eq, b_eq = a, np.array([-1.0, 3.0]), a, np.array([2.0, 2.0])
    elif case == "unbounded":
        a_ub, b_ub = a, np.array([4.0, 4.0])
    elif case == "equalities only":
        a_eq, b_eq = a, np.array([4.0, 7.0])
    elif case == "inequalities only":
        a_ub, b_ub, bounds = a, np.array([4.0, 7.0]), np.array([[0.0, 9.0]] * 3)
    else:
        bounds = np.array([[0.0, 9.0]] * 3)
    plain = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                    method="highs")
    assert same_result(sdc._solve_lp(c, a_ub, b_ub, a_eq, b_eq, bounds), plain)
    assert plain.status == {"infeasible": 2, "unbounded": 3}.get(case, 0)


def reference_protect(built, directory, threshold, archived=None):
    """The protection with `sdc` over the whole set at once: audit, protect, audit again."""
    frame = built.frame.copy()
    frame["suppressed"] = False
    shown = frame["value"].notna()
    local = frame["area_code"] != figures.SCOTLAND
    caps = figures._small_totals(built, frame, threshold)
    sensitive, sensitive_vars = figures._sensitive(built, frame, threshold, caps)
    hide = shown & local & (frame["var"].isin(sensitive_vars)
                            | frame["den_var"].isin(sensitive_vars)
                            & (frame["measure"] == figures.PERCENT))
    for s in sensitive:
        if s.key[0] == "complement":
            hide |= shown & (frame["var"] == s.terms[1][0])
    hide |= figures._first_pass(frame, hide, directory, threshold)
    frame.loc[hide, "suppressed"] = True
    earlier = figures._Releases.of(built, archived)
    model = figures._model_rows(frame, earlier, caps, threshold, built.truth)[0]
    relations = [*built.relation_rows, *earlier.relation_rows]
    sensitive = [*sensitive, *earlier.targets]
    findings = sdc.audit(model, relations, threshold, sensitive)
    extra = set()
    if any(not f.protected for f in findings):
        extra = sdc.protect(model, relations, threshold, sensitive)
        findings = sdc.audit(model, relations, threshold, sensitive)
    hidden = {figures._figure_key(r) for r in frame[frame["suppressed"]]
              .itertuples(index=False)} | extra
    return hidden, findings


def as_compared(findings):
    """A finding as the audit reports it: an unprotected one whole (its exact interval and
    why); a protected one by its expression (its interval is then only an inner bound: two
    values the expression can take, which depend on the feasible points the LPs met)."""
    return [(f.key, f.low, f.high, f.protected, f.exact, f.note) if not f.protected
            else (f.key, f.protected) for f in findings]


def hidden_keys(protected: figures.Protected) -> set:
    frame = protected.frame
    return {figures._figure_key(r) for r in frame[frame["suppressed"]].itertuples(index=False)}


@pytest.mark.parametrize("chunk", [None, 2_000])
def test_blocks_give_what_the_whole_set_gives_on_the_sample(sample_inputs, chunk, monkeypatch):
    if chunk:
        monkeypatch.setattr(figures, "CHUNK_ROWS", chunk)
    data, archived = sample_inputs
    built = figures.build(data)
    hidden, findings = reference_protect(built, data.directory, 5, archived)
    protected = figures.protect(built, data.directory, 5, known=archived)
    assert hidden_keys(protected) == hidden
    assert as_compared(protected.findings) == as_compared(findings)


def islands_and_stock_flow() -> dict:
    """Small islands in two years with stock and flow: the first pass leaves counts the
    attacker problem must hide more for, in some blocks and not others."""
    values = {}
    for year, shift in ((Y1, 0), (Y2, 2)):
        values |= table("CP_REGISTER", year, {ORKNEY: 3 + shift, SHETLAND: 30, SIAR: 6,
                                              CLACKS: 60, STIRLING: 80, FIFE: 300 + shift})
        values |= table("CP_REGISTRATIONS", year, {ORKNEY: 4, SHETLAND: 20, SIAR: 2,
                                                   CLACKS: 70, STIRLING: 100, FIFE: 400})
        values |= table("CP_DEREGISTRATIONS", year, {ORKNEY: 2, SHETLAND: 20, SIAR: 2,
                                                     CLACKS: 70, STIRLING: 100,
                                                     FIFE: 398 - shift})
        values |= table("CONCERN_NEGLECT", year, {ORKNEY: 3, SHETLAND: 28, SIAR: 6, CLACKS: 20,
                                                  STIRLING: 30, FIFE: 100})
    return values


@pytest.mark.parametrize("threshold,chunk", [(3, None), (5, None), (10, None), (5, 40)])
def test_blocks_give_what_the_whole_set_gives_when_more_must_be_hidden(threshold, chunk,
                                                                      monkeypatch):
    if chunk:  # the attacker problem in many small pieces
        monkeypatch.setattr(figures, "CHUNK_ROWS", chunk)
    data = inputs(islands_and_stock_flow())
    built = figures.build(data)
    hidden, findings = reference_protect(built, data.directory, threshold)
    protected = figures.protect(built, data.directory, threshold)  # afresh (see forgetful)
    assert hidden_keys(protected) == hidden
    assert as_compared(protected.findings) == as_compared(findings)
    assert protected.first_pass_unprotected > 0  # the attacker problem had work to do


@pytest.mark.parametrize("case", ["sample", 3, 5, 10])
def test_shared_lps_decide_as_each_component_alone(sample_inputs, monkeypatch, case):
    if case == "sample":
        data, archived = sample_inputs
        threshold = 5
    else:
        data, archived, threshold = inputs(islands_and_stock_flow()), None, case
    built = figures.build(data)
    together = figures.protect(built, data.directory, threshold, known=archived)
    figures._MEMORY.clear()
    monkeypatch.setattr(sdc, "_prove_together", lambda st, pending, threshold: {})
    alone = figures.protect(built, data.directory, threshold, known=archived)
    assert hidden_keys(together) == hidden_keys(alone)
    assert as_compared(together.findings) == as_compared(alone.findings)


def test_remembered_blocks_give_what_protecting_them_again_gives(monkeypatch):
    """A publication in the same process reuses the blocks whose content it has protected
    before: an unchanged set needs no attacker problem at all, and after a change the result
    is what protecting everything afresh gives."""
    values = islands_and_stock_flow()
    data = inputs(values)
    first = figures.protect(figures.build(data), data.directory, 5)
    assert first.first_pass_unprotected > 0 and len(figures._MEMORY) > 0

    def no_attacker_problem(*args, **kwargs):
        raise AssertionError("a remembered block was protected again")

    with monkeypatch.context() as patch:
        patch.setattr(sdc, "audit", no_attacker_problem)
        patch.setattr(sdc, "protect", no_attacker_problem)
        again = figures.protect(figures.build(data), data.directory, 5)
    assert hidden_keys(again) == hidden_keys(first)
    assert as_compared(again.findings) == as_compared(first.findings)
    assert again.first_pass_unprotected == first.first_pass_unprotected

    changed = inputs({**values, ("CP_REGISTER", SHETLAND, Y2): 4})  # a new small count
    remembered = figures.protect(figures.build(changed), changed.directory, 5)
    figures._MEMORY.clear()
    afresh = figures.protect(figures.build(changed), changed.directory, 5)
    assert hidden_keys(remembered) == hidden_keys(afresh) != hidden_keys(first)
    assert as_compared(remembered.findings) == as_compared(afresh.findings)
    assert remembered.first_pass_unprotected == afresh.first_pass_unprotected
