"""Statistical disclosure control across related figures: the attacker problem and protection.

Plain Python (numpy, scipy); no database and no Streamlit. The caller builds the figures and the
relations between them; this module says what an attacker can prove and what more to hide.

**The attacker** knows

- every declared *relation* between the underlying counts (``Linear`` rows: a total equals the
  sum of its parts, a stock and flow agrees within a tolerance, a part is at most its total),
- what every *shown* figure tells (``Figure.shows``: a count pins its variable; a rate or a
  percentage rounded to one decimal place confines its count to an interval),
- that counts are non-negative (the default variable bounds ``[0, inf)``; ``bounds`` overrides),
- that counts are whole numbers (every variable is a count).

For every suppressed figure's *target* and every ``Sensitive`` expression the attacker's interval
``[low, high]`` is the least and greatest value of the expression over the whole-number points
that satisfy all of this, as in the attacker problem of tau-ARGUS and R's sdcTable.

**Whole numbers.** The linear programme (LP) relaxation alone is not enough: its interval
contains the whole-number one, so "unprotected" on the relaxation carries over to whole numbers
but "protected" does not (rates that pin each of two counts to less than one unit leave the
relaxation 7 wide where the whole-number attacker gets [0, 4]). So:

- each variable's bounds from a single row (a shown count, a rate's interval) are rounded
  inward to whole numbers before anything else, so a rate that confines a count to less than
  one unit pins it;
- a spread proves "protected" only when it is seen between whole-number points (an LP
  solution whose every count is within 1e-6 of a whole number, then the same point in whole
  numbers); the simplex returns vertices, which over these area sums are mostly whole;
- an expression's minimum or maximum whose LP optimum is not a whole-number point is solved
  again as a mixed-integer programme (``scipy.optimize.milp``, HiGHS's branch and bound); if
  that fails, the expression is not proven protected (fail closed);
- an interval of an expression whose coefficients are all integers is rounded inward
  (``ceil(low - 1e-9)``, ``floor(high + 1e-9)``).

So every "protected" verdict is witnessed by two whole-number points at least the threshold
apart, and every "unprotected" one is at least as narrow for whole numbers.

**Protection level**: an expression is protected when ``high - low >= threshold`` (a protection
interval of fixed width, tau-ARGUS's "protection interval" with equal lower and upper levels
summing to the threshold). With threshold 5, ``[0, 5]`` is protected and ``[0, 4]`` is not.

**Secondary suppression** (``protect``) is a cost-based greedy search, in the spirit of
tau-ARGUS's modular/hypercube methods rather than its optimal (MIP) method: while some target is
unprotected, it looks at the constraints that bind the target's LP optimum (non-zero dual values,
or the tightest bounds of a single variable), maps them to the shown figures that supply them,
and hides the cheapest of those figures (``Figure.cost``), one per unprotected target per round;
a figure whose own target is the unprotected expression is hidden first, and a figure whose value
is known to be below the threshold (a zero) last, as hiding it makes one more expression to
protect. It repeats until the
audit passes or nothing suppressible is left. Each round hides at least one figure, so it
terminates; unsuppressible figures (``can_suppress=False``) are never hidden, and an expression
that only they pin stays unprotected and is reported by ``audit``.

**How it stays fast** (14,000 figures and 17,000 relation rows, on a shared 2-core machine:
protect from primary suppression alone about 5 s, then audit about 1 s; protect and audit again
on a pattern already protected about 1 s each; ``audit(exact=True)`` about 25 s):

1. a variable pinned exactly by a shown figure is substituted as a constant, and so,
   transitively, is one that a relation then pins (Scotland minus every other council); a
   relation left with no unknown is only a check (it may be violated slightly by real data and is
   then reported in ``messages``, never fatal);
2. the remaining unknowns are split into connected components of the relations (union-find); a
   component of one variable is solved by interval intersection, without an LP;
3. interval propagation (bound tightening) gives an outer bound: narrower than the threshold
   proves "unprotected" without solving for that expression's interval;
4. every LP solution is a feasible point: the spread of an expression over the points seen so far
   is an inner bound, and once it reaches the threshold the expression is proven protected.
   Shared LPs make such points for many expressions at once: one pushes all of them down, then
   ones that maximise sum(min(t_i - lowest_i, threshold)) (each pushed up by at most the
   threshold, so the room is shared), then ones over two copies of the component that maximise
   sum(min(t_i(x) - t_i(x'), threshold)). Only the few left get their own minimum and maximum;
   a point that reaches the outer bound of step 3 is already the exact extreme;
5. ``protect`` only ever hides more, which only widens intervals: an expression proven protected
   is never solved again, one-variable bounds are updated only where a figure was newly hidden,
   each component's result is cached by its content, and in big components an expression is
   first tried on the rows within two steps of it (a relaxation: too narrow there means
   unprotected, with the binding rows to act on);
6. an LP this small costs mostly its call, so the shared LPs of step 4 are first solved for
   many components at once, as one block-diagonal LP (``_prove_together``); a component whose
   every expression that proves protected is done, any other runs step 4 on its own as
   before (the same decisions and the same unprotected findings; a protected expression's
   inner bound comes from other feasible points). HiGHS is called as ``linprog`` calls it,
   without ``linprog``'s per-call parsing (``_solve_lp``: the same results bit for bit).

**Infeasible data**: if a component's constraints contradict one another (beyond 1e-6), no
interval is proven there: its expressions are reported with ``low = high = nan``,
``protected=False`` and ``note`` naming the component's constraints ("infeasible: ..."); the
same text is appended to ``messages`` when the caller passes a list. Nothing raises.

**Findings**: for an unprotected expression ``low``/``high`` are the exact LP interval
(``exact=True``). For a protected one they are, unless ``audit(..., exact=True)`` is asked for,
two values the expression provably can take (an inner bound of the attacker's interval, already
at least the threshold apart; ``exact=False``). An expression with no terms has nothing to hide
and is reported protected.

References: A. Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, chapter 5
(tabular data: the attacker problem, protection intervals, secondary cell suppression);
the tau-ARGUS manual (CBS / Statistics Netherlands), sections on secondary suppression and the
audit; B. Meindl, R package sdcTable (``protectTable``, ``attack``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csc_array, csr_array, hstack, identity, vstack

log = logging.getLogger(__name__)

Key = Hashable
Terms = tuple[tuple[Key, float], ...]

INF = math.inf
ROUNDING_SLACK = 1e-9   # integer expressions: ceil(low - slack), floor(high + slack)
_PIN = 1e-9             # bounds closer than this (relative) pin a variable
_FEASIBILITY = 1e-6     # bounds crossing by more than this (relative) are a contradiction
_DUAL = 1e-9            # a dual value larger than this marks a binding constraint
_CAP = 1e7              # stands in for +inf in LPs that only look for feasible points
_SPREAD_ROUNDS = 8      # shared LPs per component before per-expression LPs
_PAIRED_ROUNDS = 3      # then LPs over two copies of the component
_FEW = 2                # this many open expressions or fewer: straight to their own LPs
_LOCAL_MIN = 150        # protect(): in components bigger than this, try a local relaxation first
_LOCAL_DEPTH = 2
_PROPAGATION_PASSES = 3
_WHOLE = 1e-6           # a point within this of whole numbers is a whole-number point
_MILP_SECONDS = 20.0    # one MILP's time limit (a failure leaves the LP's outer bound)
_TOGETHER_COLUMNS = 3000  # columns of one shared LP over many components (_prove_together)


@dataclass(frozen=True)
class Linear:
    """low <= sum(coef * var for var, coef in terms) <= high (low may be -inf, high +inf)."""

    terms: Terms
    low: float
    high: float
    label: str = ""  # where it comes from, for messages


@dataclass
class Figure:
    """One published cell (a count, a rate or a percentage shown somewhere).

    ``shows`` is what an attacker learns when it is shown: a count v is
    ``Linear(((var, 1),), v, v)``; a rate r to 1 dp per 1,000 of population P is
    ``(r - 0.05) * P / 1000 <= var <= (r + 0.05) * P / 1000``; a percentage p to 1 dp of num/den is
    ``num - (p + 0.05) / 100 * den <= 0`` and ``num - (p - 0.05) / 100 * den >= 0``.
    ``target`` is what hiding it must keep unknown (the count it reveals); ``cost`` the
    information lost by hiding it (low-cost figures are hidden first).
    """

    key: Hashable
    shows: tuple[Linear, ...]
    target: Terms
    cost: float
    suppressed: bool = False
    can_suppress: bool = True


@dataclass(frozen=True)
class Sensitive:
    """An expression that must never be pinned down, even if no single figure shows it: e.g. a
    small count, or the complement total - part (attribute disclosure)."""

    key: Hashable
    terms: Terms
    label: str = ""


@dataclass(frozen=True)
class Finding:
    """The attacker's interval for one expression (see the module docstring for ``exact``)."""

    key: Hashable  # Figure.key or Sensitive.key
    low: float     # attacker's minimum (rounded up for integer expressions); nan if infeasible
    high: float    # attacker's maximum (rounded down), inf when unbounded; nan if infeasible
    protected: bool  # high - low >= threshold
    exact: bool = True  # False: [low, high] is an inner bound (both values are attainable)
    note: str = ""      # unprotected: the constraints that bind it; infeasible: "infeasible: ..."


# ---------------------------------------------------------------------------------------------
# The LP solver: HiGHS, as scipy's linprog(method="highs") calls it, without its per-call costs


class _Marginals:
    __slots__ = ("marginals",)

    def __init__(self, marginals: np.ndarray | None):
        self.marginals = marginals


class _LPResult:
    """What linprog returns, for the fields used here."""

    __slots__ = ("eqlin", "fun", "ineqlin", "lower", "message", "status", "upper", "x")


try:  # scipy's own HiGHS binding (scipy 1.15 to 1.17)
    from scipy.optimize._highspy import _core as _highs
    from scipy.optimize._linprog_highs import _highs_to_scipy_status_message

    _HIGHS_OPTIONS = _highs.HighsOptions()
    # linprog(method="highs")'s options with its defaults (scipy's _linprog_highs)
    _HIGHS_OPTIONS.presolve = "on"
    _HIGHS_OPTIONS.highs_debug_level = _highs.HighsDebugLevel.kHighsDebugLevelNone
    _HIGHS_OPTIONS.log_to_console = False
    _HIGHS_OPTIONS.output_flag = False
    _HIGHS_OPTIONS.simplex_strategy = _highs.simplex_constants.SimplexStrategy \
        .kSimplexStrategyDual
    _LOWER = int(_highs.HighsBasisStatus.kLower)
    _UPPER = int(_highs.HighsBasisStatus.kUpper)
except (ImportError, AttributeError):  # another scipy: linprog itself
    _highs = None


def _solve_lp(c: np.ndarray, A_ub, b_ub, A_eq, b_eq, bounds: np.ndarray,
              prepared: tuple | None = None):
    """linprog(c, A_ub, b_ub, A_eq, b_eq, bounds, method="highs"): the same HiGHS model with
    the same options, so the same result bit for bit (tests/protection/test_protection_fast_paths.py
    checks it), without linprog's input parsing, option checking and per-column loops, which
    cost several times the solve itself on the small LPs of the attacker problem. `A_ub`/`A_eq`
    are sparse or None; `bounds` an (n, 2) array; `prepared` what `_prepare` made of the same
    constraints before (an LP solved for several objectives)."""
    if _highs is None:
        return linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds,
                       method="highs")
    c = np.asarray(c, dtype=float)
    n = c.size
    A, lhs, rhs, m_ub = prepared or _prepare(A_ub, b_ub, A_eq, b_eq, n)
    m = A.shape[0]
    lp = _highs.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.format_ = _highs.MatrixFormat.kColwise
    lp.col_cost_ = c
    lp.col_lower_ = np.array(bounds[:, 0], dtype=float)
    lp.col_upper_ = np.array(bounds[:, 1], dtype=float)
    lp.row_lower_ = lhs
    lp.row_upper_ = rhs
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    solver = _highs._Highs()
    solver.passOptions(_HIGHS_OPTIONS)
    result = _LPResult()
    result.x = result.fun = None
    result.ineqlin = result.eqlin = result.lower = result.upper = _Marginals(None)
    slack = con = None
    if solver.passModel(lp) == _highs.HighsStatus.kError:
        model_status = _highs.HighsModelStatus.kModelError
        message = solver.modelStatusToString(model_status)
    elif solver.run() == _highs.HighsStatus.kError:
        model_status = solver.getModelStatus()
        message = solver.modelStatusToString(model_status)
    else:
        model_status = solver.getModelStatus()
        info = solver.getInfo()
        if model_status != _highs.HighsModelStatus.kOptimal:
            message = (f"model_status is {solver.modelStatusToString(model_status)}; "
                       "primal_status is "
                       f"{solver.solutionStatusToString(info.primal_solution_status)}")
        else:
            message = solver.modelStatusToString(model_status)
            solution = solver.getSolution()
            status = np.array([int(s) for s in solver.getBasis().col_status])
            dual = np.array(solution.col_dual)
            row_slack = rhs - np.array(solution.row_value)
            row_dual = np.array(solution.row_dual)
            slack, con = row_slack[:m_ub], row_slack[m_ub:]
            result.x = np.array(solution.col_value)
            result.fun = info.objective_function_value
            result.ineqlin = _Marginals(row_dual[:m_ub])
            result.eqlin = _Marginals(row_dual[m_ub:])
            result.lower = _Marginals(np.where(status == _LOWER, dual, 0.0))
            result.upper = _Marginals(np.where(status == _UPPER, dual, 0.0))
    status, message = _highs_to_scipy_status_message(model_status, message)
    result.status, result.message = _check(result.x, result.fun, status, slack, con, bounds,
                                           message)
    return result


def _prepare(A_ub, b_ub, A_eq, b_eq, n: int) -> tuple:
    """The constraints as HiGHS takes them: one column-wise matrix (the <= rows, then the =
    rows, as linprog stacks them) and its row bounds."""
    m_ub = 0 if A_ub is None else A_ub.shape[0]
    b_ub = np.zeros(0) if A_ub is None else np.asarray(b_ub, dtype=float).reshape(-1)
    b_eq = np.zeros(0) if A_eq is None else np.asarray(b_eq, dtype=float).reshape(-1)
    if A_ub is None and A_eq is None:
        A = csc_array((0, n))
    elif A_eq is None:
        A = csc_array(A_ub)
    elif A_ub is None:
        A = csc_array(A_eq)
    else:
        A = csc_array(vstack((A_ub, A_eq)))
    return (A, np.concatenate((np.full(m_ub, -np.inf), b_eq)), np.concatenate((b_ub, b_eq)),
            m_ub)


_CHECK_TOL = np.sqrt(1e-9) * 10  # linprog's tolerance for its check (tol 1e-9)


def _check(x, fun, status: int, slack, con, bounds: np.ndarray, message: str
           ) -> tuple[int, str]:
    """scipy's `_check_result` for a continuous LP, as linprog applies it after HiGHS."""
    tol = _CHECK_TOL
    if x is None:
        if status == 0:
            return 4, ("The solver did not provide a solution nor did it report a failure. "
                       "Please submit a bug report.")
        return status, message
    if np.isnan(x).any() or np.isnan(fun) or np.isnan(slack).any() or np.isnan(con).any():
        feasible = False
    else:
        in_bounds = bool(np.all((x >= bounds[:, 0] - tol) & (x <= bounds[:, 1] + tol)))
        feasible = in_bounds and not (status != 3 and (slack < -tol).any()) \
            and not (status != 3 and (np.abs(con) > tol).any())
    if status == 0 and not feasible:
        return 4, ("The solution does not satisfy the constraints within the required "
                   f"tolerance of {tol:.2E}, yet no errors were raised and there is no "
                   "certificate of infeasibility or unboundedness. Check whether the slack "
                   "and constraint residuals are acceptable; if not, consider enabling "
                   "presolve, adjusting the tolerance option(s), and/or using a different "
                   "method. Please consider submitting a bug report.")
    if status == 2 and feasible:
        return 4, ("The solution is feasible, but the solver did not report that the "
                   "solution was optimal. Please try a different method.")
    return status, message


# ---------------------------------------------------------------------------------------------
# Internal results


@dataclass
class _Part:
    """One expression restricted to one component: its interval and what binds it."""

    low: float = -INF
    high: float = INF
    exact: bool = False
    protected: bool | None = None   # decided here (single-component expressions) or later
    infeasible: bool = False
    note: str = ""
    binding: set[int] = field(default_factory=set)  # row ids whose removal could widen it


@dataclass
class _Result:
    low: float
    high: float
    exact: bool
    protected: bool
    infeasible: bool = False
    note: str = ""
    binding: set[int] = field(default_factory=set)
    fixed_vars: tuple[int, ...] = ()
    roots: tuple[int, ...] = ()


def _integral(x: np.ndarray) -> bool:
    """Whether a point's counts are all whole numbers (to the LP's tolerance)."""
    return bool(np.all(np.abs(x - np.round(x)) <= _WHOLE))


def _round_in(low: float, high: float, integer: bool) -> tuple[float, float]:
    if not integer:
        return low, high
    if math.isfinite(low):
        low = float(math.ceil(low - ROUNDING_SLACK))
    if math.isfinite(high):
        high = float(math.floor(high + ROUNDING_SLACK))
    return low, high


def _wide(low: float, high: float, integer: bool, threshold: float) -> bool:
    low, high = _round_in(low, high, integer)
    if math.isinf(high) or math.isinf(low):
        return True
    return high - low >= threshold


def _tol(value: float, rel: float) -> float:
    return rel * max(1.0, abs(value)) if math.isfinite(value) else rel


# ---------------------------------------------------------------------------------------------
# The model: keys turned into integers once, rows and targets normalised once


class _Model:
    def __init__(self, figures: Sequence[Figure], relations: Iterable[Linear],
                 sensitive: Iterable[Sensitive], bounds: dict[Key, tuple[float, float]] | None):
        self.figures = list(figures)
        self.sensitive = list(sensitive)
        self.index: dict[Key, int] = {}
        self.keys: list[Key] = []
        self.row_vars: list[tuple[int, ...]] = []
        self.row_coefs: list[tuple[float, ...]] = []
        self.row_low: list[float] = []
        self.row_high: list[float] = []
        self.row_fig: list[int] = []
        self.row_label: list[str] = []
        for lin in relations:
            self._add_row(lin, -1)
        self.fig_rows: list[list[int]] = []
        for i, fig in enumerate(self.figures):
            self.fig_rows.append([self._add_row(lin, i) for lin in fig.shows])
        self.t_key: list[Hashable] = []
        self.t_vars: list[tuple[int, ...]] = []
        self.t_coefs: list[tuple[float, ...]] = []
        self.t_int: list[bool] = []
        self.t_sig: list[frozenset] = []
        for fig in self.figures:
            self._add_target(fig.key, fig.target)
        for s in self.sensitive:
            self._add_target(s.key, s.terms)
        self.nfig = len(self.figures)
        # (hidden figures, lo, hi, lo_src, hi_src) after the rows of one variable, last state
        self.first_stage: tuple | None = None
        n = len(self.keys)
        self.lo0 = [0.0] * n
        self.hi0 = [INF] * n
        for key, (low, high) in (bounds or {}).items():
            j = self.index.get(key)
            if j is not None:
                self.lo0[j] = -INF if low is None else float(low)
                self.hi0[j] = INF if high is None else float(high)
        self.single_rows = [r for r, v in enumerate(self.row_vars) if len(v) == 1]
        self.multi_rows = [r for r, v in enumerate(self.row_vars) if len(v) >= 2]
        self.empty_rows = [r for r, v in enumerate(self.row_vars) if not v]
        self.multi_array = np.array(self.multi_rows, dtype=int)
        mi, mj, mv = [], [], []
        for k, r in enumerate(self.multi_rows):
            mi += [k] * len(self.row_vars[r])
            mj += self.row_vars[r]
            mv += self.row_coefs[r]
        shape = (len(self.multi_rows), n)
        self.multi_matrix = csr_array((mv, (mi, mj)), shape=shape)
        self.multi_indicator = csr_array((np.ones(len(mv)), (mi, mj)), shape=shape)
        self.multi_low = np.array([self.row_low[r] for r in self.multi_rows])
        self.multi_high = np.array([self.row_high[r] for r in self.multi_rows])
        self.var_rows: list[list[int]] = [[] for _ in range(n)]
        for r, vs in enumerate(self.row_vars):
            for j in vs:
                self.var_rows[j].append(r)
        self.by_sig: dict[frozenset, list[int]] = {}
        for i in range(self.nfig):
            if self.t_sig[i]:
                self.by_sig.setdefault(self.t_sig[i], []).append(i)

    def _var(self, key: Key) -> int:
        j = self.index.get(key)
        if j is None:
            j = self.index[key] = len(self.keys)
            self.keys.append(key)
        return j

    def _norm(self, terms: Terms) -> tuple[tuple[int, ...], tuple[float, ...]]:
        if len(terms) == 1:  # most rows and targets: the same result without the dictionary
            (key, coef), = terms
            j = self._var(key)
            c = 0.0 + float(coef)
            return ((j,), (c,)) if c != 0.0 else ((), ())
        acc: dict[int, float] = {}
        for key, coef in terms:
            j = self._var(key)
            acc[j] = acc.get(j, 0.0) + float(coef)
        items = [(j, c) for j, c in acc.items() if c != 0.0]
        return tuple(j for j, _ in items), tuple(c for _, c in items)

    def _add_row(self, lin: Linear, fig: int) -> int:
        vs, cs = self._norm(lin.terms)
        self.row_vars.append(vs)
        self.row_coefs.append(cs)
        self.row_low.append(-INF if lin.low is None else float(lin.low))
        self.row_high.append(INF if lin.high is None else float(lin.high))
        self.row_fig.append(fig)
        label = lin.label or (f"{self.figures[fig].key!r}" if fig >= 0 else "relation")
        self.row_label.append(label)
        return len(self.row_vars) - 1

    def _add_target(self, key: Hashable, terms: Terms) -> None:
        vs, cs = self._norm(terms)
        self.t_key.append(key)
        self.t_vars.append(vs)
        self.t_coefs.append(cs)
        self.t_int.append(all(float(c).is_integer() for c in cs))
        self.t_sig.append(frozenset(zip(vs, cs, strict=True)))

    # -----------------------------------------------------------------------------------------

    def analyse(self, hidden: list[bool], threshold: float, *, exact: bool,
                cache: dict | None = None, messages: list[str] | None = None,
                known: set[int] = frozenset(), quick: bool = False
                ) -> tuple[dict[int, _Result], _State]:
        """Every active target's interval given which figures are hidden. Targets in `known`
        are already proven protected (hiding more only widens intervals) and are not solved."""
        st = _State(self, hidden)
        tids = [i for i in range(self.nfig) if hidden[i]]
        tids += list(range(self.nfig, self.nfig + len(self.sensitive)))
        # Split each target into a constant and one part per component.
        jobs: dict[int, list[tuple[int, dict[int, float], float, bool, str]]] = {}
        plan: dict[int, tuple[float, list[int], tuple[int, ...]]] = {}
        for tid in tids:
            if not self.t_vars[tid] or tid in known:
                continue  # nothing to keep unknown, or proven protected before
            const = 0.0
            parts: dict[int, dict[int, float]] = {}
            fixed = []
            for j, a in zip(self.t_vars[tid], self.t_coefs[tid], strict=True):
                if st.fixed[j]:
                    const += a * st.val[j]
                    fixed.append(j)
                else:
                    parts.setdefault(st.find(j), {})[j] = a
            plan[tid] = (const, list(parts), tuple(fixed))
            if len(parts) == 1:
                (root, coefs), = parts.items()
                jobs.setdefault(root, []).append((tid, coefs, const, self.t_int[tid], "decide"))
            else:
                for root, coefs in parts.items():
                    jobs.setdefault(root, []).append((tid, coefs, 0.0, False, "exact"))
        solved: dict[tuple[int, int], _Part] = {}
        found: dict[int, dict[int, _Part]] = {}
        signatures: dict[int, tuple] = {}
        for root, subs in jobs.items():
            sig = signatures[root] = st.signature(root, subs) if cache is not None else None
            got = cache.get(sig) if cache is not None else None
            if got is not None:
                found[root] = got
        if not exact:
            found.update(_prove_together(st, [(root, subs) for root, subs in jobs.items()
                                              if root not in found], threshold))
        for root, subs in jobs.items():
            got = found.get(root)
            if got is None:
                got = _solve_component(st, root, subs, threshold, exact=exact, quick=quick)
            if cache is not None:
                cache[signatures[root]] = got
            for tid, part in got.items():
                solved[(tid, root)] = part
        results: dict[int, _Result] = {}
        for tid in tids:
            if tid in known:
                results[tid] = _Result(-INF, INF, False, True, note="proven before")
                continue
            if tid not in plan:
                results[tid] = _Result(0.0, 0.0, True, True, note="no target")
                continue
            const, roots, fixed = plan[tid]
            parts = [solved[(tid, root)] for root in roots]
            integer = self.t_int[tid]
            if any(p.infeasible for p in parts):
                note = "; ".join(p.note for p in parts if p.infeasible)
                res = _Result(math.nan, math.nan, True, False, True, note)
            elif len(parts) == 1 and parts[0].protected is not None:
                p = parts[0]
                low, high = _round_in(p.low, p.high, integer)
                res = _Result(low, high, p.exact, p.protected, binding=set(p.binding))
            else:
                low = const + sum(p.low for p in parts)
                high = const + sum(p.high for p in parts)
                exact_all = all(p.exact for p in parts)
                protected = _wide(low, high, integer, threshold)
                low, high = _round_in(low, high, integer)
                binding = set().union(*(p.binding for p in parts)) if parts else set()
                res = _Result(low, high, exact_all, protected, binding=binding)
            res.fixed_vars = fixed
            res.roots = tuple(roots)
            if not res.protected and not res.infeasible:
                res.note = st.describe(res)
            results[tid] = res
        if messages is not None:
            messages.extend(st.messages)
        return results, st


class _State:
    """Which variables are pinned, the bounds of the others and their components."""

    def __init__(self, model: _Model, hidden: list[bool]):
        m = self.model = model
        n = len(m.keys)
        self.messages: list[str] = []
        row_fig = m.row_fig

        def active(r: int) -> bool:
            f = row_fig[r]
            return f < 0 or not hidden[f]

        self.active = active
        # Bounds from rows of one variable. protect() only ever hides more, so the previous
        # state's are reused and only the variables of newly hidden figures recomputed.
        prev = m.first_stage
        if prev is not None and all(hidden[i] for i in prev[0]):
            newly = [i for i in range(m.nfig) if hidden[i] and i not in prev[0]]
            lo, hi = self.lo, self.hi = list(prev[1]), list(prev[2])
            self.lo_src, self.hi_src = list(prev[3]), list(prev[4])
            redo = {m.row_vars[r][0] for i in newly for r in m.fig_rows[i]
                    if len(m.row_vars[r]) == 1}
            for j in redo:
                lo[j], hi[j], self.lo_src[j], self.hi_src[j] = m.lo0[j], m.hi0[j], None, None
                for r in m.var_rows[j]:
                    if len(m.row_vars[r]) == 1 and active(r):
                        self._bound(r, j, m.row_coefs[r][0], m.row_low[r], m.row_high[r])
        else:
            lo = self.lo = list(m.lo0)
            hi = self.hi = list(m.hi0)
            self.lo_src: list[list[int] | None] = [None] * n
            self.hi_src: list[list[int] | None] = [None] * n
            for r in m.single_rows:
                if active(r):
                    self._bound(r, m.row_vars[r][0], m.row_coefs[r][0], m.row_low[r],
                                m.row_high[r])
        m.first_stage = ({i for i in range(m.nfig) if hidden[i]}, list(lo), list(hi),
                         list(self.lo_src), list(self.hi_src))
        fixed = self.fixed = [False] * n
        val = self.val = [0.0] * n
        for j in range(n):
            gap = hi[j] - lo[j]
            if gap <= _tol(lo[j], _PIN) and lo[j] - hi[j] <= _tol(lo[j], _FEASIBILITY):
                fixed[j] = True
                val[j] = lo[j] if gap >= 0 else (lo[j] + hi[j]) / 2
            elif gap < 0:
                labels = sorted({m.row_label[r] for r in self.fixers(j)})
                self.messages.append(f"contradictory bounds on {m.keys[j]!r}: "
                                     + "; ".join(labels))
        self.parent = list(range(n))
        self.rows: dict[int, tuple[tuple[int, ...], tuple[float, ...], float, float]] = {}
        for r in m.empty_rows:
            if active(r):
                self._check(r, 0.0)
        # Substitute pinned variables; a row left with one unknown bounds it, and when that pins
        # it, the rows it appears in are substituted again (a worklist, each row settled once).
        # Rows whose variables are all pinned already are checks: found with one sparse
        # product rather than row by row.
        multi = m.multi_array
        is_fixed = np.array(fixed, dtype=bool)
        unknowns = m.multi_indicator @ (~is_fixed).astype(float)
        consts = m.multi_matrix @ np.where(is_fixed, np.array(val), 0.0)
        live = np.array([active(r) for r in m.multi_rows], dtype=bool)
        done = live & (unknowns == 0)
        low, high = m.multi_low, m.multi_high
        bad = done & ((consts < low - _FEASIBILITY * np.maximum(1.0, np.abs(low)))
                      | (consts > high + _FEASIBILITY * np.maximum(1.0, np.abs(high))))
        for k in np.flatnonzero(bad):
            self._check(int(multi[k]), float(consts[k]))
        settled: set[int] = set(multi[done].tolist())
        pending = multi[live & ~done].tolist()
        while pending:
            r = pending.pop()
            if r in settled:
                continue
            c = 0.0
            uv: list[int] = []
            uc: list[float] = []
            for j, a in zip(m.row_vars[r], m.row_coefs[r], strict=True):
                if fixed[j]:
                    c += a * val[j]
                else:
                    uv.append(j)
                    uc.append(a)
            if len(uv) >= 2:
                self.rows[r] = (tuple(uv), tuple(uc), m.row_low[r] - c, m.row_high[r] - c)
                continue
            settled.add(r)
            self.rows.pop(r, None)
            if not uv:
                low, high = m.row_low[r], m.row_high[r]
                if c < low - _FEASIBILITY * max(1.0, abs(low)) or \
                        c > high + _FEASIBILITY * max(1.0, abs(high)):
                    self._check(r, c)
                continue
            j = uv[0]
            self._bound(r, j, uc[0], m.row_low[r] - c, m.row_high[r] - c)
            gap = hi[j] - lo[j]
            if gap <= _tol(lo[j], _PIN) and -gap <= _tol(lo[j], _FEASIBILITY):
                fixed[j] = True
                val[j] = lo[j] if gap >= 0 else (lo[j] + hi[j]) / 2
                pending.extend(rr for rr in m.var_rows[j]
                               if rr not in settled and len(m.row_vars[rr]) >= 2 and active(rr))
        for uv, _, _, _ in self.rows.values():
            first = self.find(uv[0])
            for j in uv[1:]:
                root = self.find(j)
                if root != first:
                    self.parent[root] = first
        self.comp_rows: dict[int, list[int]] = {}
        self.comp_vars: dict[int, set[int]] = {}
        for r, (uv, _, _, _) in self.rows.items():
            root = self.find(uv[0])
            self.comp_rows.setdefault(root, []).append(r)
            self.comp_vars.setdefault(root, set()).update(uv)

    def find(self, j: int) -> int:
        parent = self.parent
        root = j
        while parent[root] != root:
            root = parent[root]
        while parent[j] != root:
            parent[j], j = root, parent[j]
        return root

    def _bound(self, r: int, j: int, a: float, low: float, high: float) -> None:
        l, h = (low / a, high / a) if a > 0 else (high / a, low / a)
        l, h = _round_in(l, h, True)  # every variable is a count: a whole number
        lo, hi = self.lo, self.hi
        if l != -INF:
            t = _PIN * abs(l) if 1.0 < abs(l) else _PIN
            if l > lo[j] + t:
                lo[j] = l
                self.lo_src[j] = [r]
            elif l >= lo[j] - t and self.lo_src[j] is not None:
                self.lo_src[j] = [*self.lo_src[j], r]
        if h != INF:
            t = _PIN * abs(h) if 1.0 < abs(h) else _PIN
            if h < hi[j] - t:
                hi[j] = h
                self.hi_src[j] = [r]
            elif h <= hi[j] + t and self.hi_src[j] is not None:
                self.hi_src[j] = [*self.hi_src[j], r]

    def _check(self, r: int, value: float) -> None:
        m = self.model
        low, high = m.row_low[r], m.row_high[r]
        if value < low - _tol(low, _FEASIBILITY) or value > high + _tol(high, _FEASIBILITY):
            self.messages.append(f"check not met: {m.row_label[r]} ({value:g} not in "
                                 f"[{low:g}, {high:g}])")

    def vars_of(self, root: int) -> list[int]:
        return sorted(self.comp_vars.get(root, {root}))

    def signature(self, root: int, subs: list) -> tuple:
        vs = self.vars_of(root)
        rows = sorted(self.comp_rows.get(root, []))
        return (
            tuple(vs),
            tuple((r, self.rows[r][2], self.rows[r][3]) for r in rows),
            tuple((self.lo[j], self.hi[j], tuple(self.lo_src[j] or ()),
                   tuple(self.hi_src[j] or ())) for j in vs),
            tuple((tid, tuple(sorted(coefs.items())), const, integer, mode)
                  for tid, coefs, const, integer, mode in subs),
        )

    def fixers(self, j: int) -> set[int]:
        """Row ids of the single-variable rows that pin variable j."""
        return set(self.lo_src[j] or ()) | set(self.hi_src[j] or ())

    def figures_of_rows(self, rows: Iterable[int]) -> set[int]:
        """The shown figures behind rows: each row's own figure and, transitively, those that pin
        the variables substituted into it."""
        m = self.model
        out: set[int] = set()
        seen_rows: set[int] = set()
        seen_vars: set[int] = set()
        stack = list(rows)
        while stack:
            r = stack.pop()
            if r in seen_rows:
                continue
            seen_rows.add(r)
            if m.row_fig[r] >= 0:
                out.add(m.row_fig[r])
            for j in m.row_vars[r]:
                if self.fixed[j] and j not in seen_vars:
                    seen_vars.add(j)
                    stack.extend(self.fixers(j))
        return out

    def binding_figures(self, res: _Result) -> set[int]:
        rows = set(res.binding)
        for j in res.fixed_vars:
            rows |= self.fixers(j)
        return self.figures_of_rows(rows)

    def adjacent_figures(self, tid: int, res: _Result) -> set[int]:
        """Every shown figure with a row touching the expression or its components."""
        m = self.model
        vs = set(m.t_vars[tid])
        for root in res.roots:
            vs |= set(self.vars_of(root))
        rows = {r for j in vs for r in m.var_rows[j] if self.active(r)}
        return self.figures_of_rows(rows)

    def describe(self, res: _Result) -> str:
        m = self.model
        rows = set(res.binding)
        for j in res.fixed_vars:
            rows |= self.fixers(j)
        labels = sorted({m.row_label[r] for r in rows})
        if not labels:
            return "bounded by the variable bounds only"
        more = f" and {len(labels) - 8} more" if len(labels) > 8 else ""
        return "bounded by: " + "; ".join(labels[:8]) + more


# ---------------------------------------------------------------------------------------------
# One component


def _solve_component(st: _State, root: int, subs: list, threshold: float, *, exact: bool,
                     quick: bool = False) -> dict[int, _Part]:
    vs = st.vars_of(root)
    rows = sorted(st.comp_rows.get(root, []))
    lo = [st.lo[j] for j in vs]
    hi = [st.hi[j] for j in vs]
    out = {tid: _Part() for tid, *_ in subs}
    bad = [k for k in range(len(vs)) if lo[k] - hi[k] > _tol(lo[k], _FEASIBILITY)]
    if bad:
        return _infeasible(st, vs, rows, out)
    if not rows:  # one variable: interval intersection is exact
        j = vs[0]
        binding = st.fixers(j)
        for tid, coefs, const, integer, mode in subs:
            a = coefs[j]
            low, high = (a * lo[0], a * hi[0]) if a > 0 else (a * hi[0], a * lo[0])
            part = out[tid]
            part.low, part.high, part.exact = low + const, high + const, True
            if mode == "decide":
                part.protected = _wide(part.low, part.high, integer, threshold)
                if not part.protected:
                    part.binding = set(binding)
            else:
                part.binding = set(binding)
        return out
    return _LP(st, vs, rows, lo, hi).solve(subs, out, threshold, exact=exact, quick=quick)


class _Together:
    """One component in a shared LP: its LP, its expressions and the values seen so far."""

    def __init__(self, root: int, subs: list, lp: _LP, T: np.ndarray, consts: np.ndarray,
                 integer: np.ndarray):
        self.root, self.subs, self.lp = root, subs, lp
        # The same expression often comes several times (a hidden count, its rate, the small
        # count itself): each distinct one is proven once.
        distinct: dict[tuple, int] = {}
        self.of = [distinct.setdefault((T[i].tobytes(), float(consts[i]), bool(integer[i])),
                                       len(distinct)) for i in range(len(subs))]
        first = sorted({u: i for i, u in reversed(list(enumerate(self.of)))}.items())
        rows = [i for _, i in first]
        self.T, self.consts, self.integer = T[rows], consts[rows], integer[rows]
        self.seen_lo = np.full(len(rows), INF)
        self.seen_hi = np.full(len(rows), -INF)
        self.open = list(range(len(rows)))

    def see(self, x: np.ndarray, threshold: float) -> None:
        if not _integral(x):
            return  # a witness only where every count is a whole number
        values = self.T @ x + self.consts
        np.minimum(self.seen_lo, values, out=self.seen_lo)
        np.maximum(self.seen_hi, values, out=self.seen_hi)
        self.open = [i for i in self.open
                     if not (self.seen_hi[i] >= self.seen_lo[i]
                             and _wide(self.seen_lo[i], self.seen_hi[i], bool(self.integer[i]),
                                       threshold))]

    def parts(self) -> dict[int, _Part]:
        return {tid: _Part(float(self.seen_lo[u]), float(self.seen_hi[u]), False, True)
                for u, (tid, *_) in zip(self.of, self.subs, strict=True)}


def _prove_together(st: _State, pending: list[tuple[int, list]], threshold: float
                    ) -> dict[int, dict[int, _Part]]:
    """Prove components protected many at a time: the shared LPs of `_LP.solve` (push every
    open expression down, spread them up and down, pairs of points), each solved for up to
    `_TOGETHER_COLUMNS` columns of many components at once as one block-diagonal LP. Its
    solution is a feasible point of every component in it, so a spread it shows is attained.
    A component whose every expression is proven protected this way is done (with the inner
    bounds seen, as `_LP.solve` reports a protected expression); any other (an expression
    that is not, or may not be, protected; an expression over several components; an
    infeasible one) is left to `_LP.solve` alone, which then runs exactly as before. One LP per
    many components instead of several per component: the audit of a million values is
    mostly components that are protected, and the cost of an LP this small is mostly the
    call, not the solve."""
    items: list[_Together] = []
    for root, subs in pending:
        rows = st.comp_rows.get(root)
        if not rows or any(sub[4] != "decide" for sub in subs):
            continue
        vs = st.vars_of(root)
        lo = [st.lo[j] for j in vs]
        hi = [st.hi[j] for j in vs]
        if any(lo[k] - hi[k] > _tol(lo[k], _FEASIBILITY) for k in range(len(vs))):
            continue
        lp = _LP(st, vs, sorted(rows), lo, hi)
        outer = lp._propagate()
        if outer is None:
            continue
        olo, ohi = np.array(outer[0]), np.array(outer[1])
        T = np.zeros((len(subs), len(vs)))
        for i, (_, coefs, _, _, _) in enumerate(subs):
            for j, a in coefs.items():
                T[i, lp.pos[j]] = a
        consts = np.array([sub[2] for sub in subs], dtype=float)
        integer = np.array([sub[3] for sub in subs], dtype=bool)
        narrow = False
        for i, row in enumerate(T):
            pos_, neg_ = row > 0, row < 0
            o_lo = consts[i] + row[pos_] @ olo[pos_] + row[neg_] @ ohi[neg_]
            o_hi = consts[i] + row[pos_] @ ohi[pos_] + row[neg_] @ olo[neg_]
            narrow = narrow or not _wide(o_lo, o_hi, bool(integer[i]), threshold)
        if narrow:
            continue  # propagation already shows one unprotected: _LP.solve names why
        items.append(_Together(root, subs, lp, T, consts, integer))
    done: dict[int, dict[int, _Part]] = {}
    start = 0
    while start < len(items):
        batch, columns = [], 0
        while start < len(items) and (not batch or columns < _TOGETHER_COLUMNS):
            batch.append(items[start])
            columns += len(items[start].lp.vs)
            start += 1
        _prove_batch(batch, threshold)
        done.update((item.root, item.parts()) for item in batch if not item.open)
    return done


def _triplets(matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    if matrix is None:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0), 0
    coo = matrix.tocoo()
    return coo.row.astype(int), coo.col.astype(int), coo.data, matrix.shape[0]


class _Stack:
    """Rows of one shared LP, added block by block as triplets (no scipy stacking per block)."""

    def __init__(self):
        self.rows, self.cols, self.data, self.rhs = [], [], [], []
        self.count = 0

    def add(self, row: np.ndarray, col: np.ndarray, data: np.ndarray, height: int,
            rhs: np.ndarray, column: int) -> None:
        self.rows.append(row + self.count)
        self.cols.append(col + column)
        self.data.append(data)
        self.rhs.append(rhs)
        self.count += height

    def matrix(self, width: int):
        if not self.count:
            return None, np.zeros(0)
        return (csr_array((np.concatenate(self.data), (np.concatenate(self.rows),
                                                        np.concatenate(self.cols))),
                          shape=(self.count, width)), np.concatenate(self.rhs))


def _prove_batch(batch: list[_Together], threshold: float) -> None:
    """The shared LPs of `_LP.solve` for the components of `batch`, each as one LP over all of
    them (see `_prove_together`)."""
    for item in batch:
        lp = item.lp
        item.ub = _triplets(lp.A_ub)
        item.eq = _triplets(lp.A_eq)
        item.b_ub = lp.b_ub if lp.A_ub is not None else np.zeros(0)
        item.b_eq = lp.b_eq if lp.A_eq is not None else np.zeros(0)

    def solve(live: list[_Together], layout) -> bool:
        """layout(item, ub, eq, column) adds the item's rows and returns (c, bounds) of its
        columns; every item's point is then seen."""
        ub, eq = _Stack(), _Stack()
        costs, bounds, widths = [], [], []
        column = 0
        for item in live:
            c, b = layout(item, ub, eq, column)
            costs.append(c)
            bounds.append(b)
            widths.append(len(c))
            column += len(c)
        a_ub, b_ub = ub.matrix(column)
        a_eq, b_eq = eq.matrix(column)
        res = _solve_lp(np.concatenate(costs), a_ub, b_ub, a_eq, b_eq, np.vstack(bounds))
        if res.status != 0:
            return False
        for item, x in zip(live, np.split(res.x, np.cumsum(widths)[:-1]), strict=True):
            n = len(item.lp.vs)
            item.see(x[:n], threshold)
            if item.paired:
                item.see(x[n:2 * n], threshold)
        return True

    def copy_rows(item, ub: _Stack, eq: _Stack, column: int) -> None:
        ub.add(*item.ub[:3], item.ub[3], item.b_ub, column)
        eq.add(*item.eq[:3], item.eq[3], item.b_eq, column)

    def push_down(item, ub, eq, column):
        item.paired = False
        copy_rows(item, ub, eq, column)
        return item.T[item.open].sum(axis=0), item.lp.capped

    def spread(up: bool):
        def layout(item, ub, eq, column):
            item.paired = False
            idx, k, n = item.open, len(item.open), len(item.lp.vs)
            rounded = item.integer[idx]
            if up:
                ref = np.where(rounded, np.ceil(item.seen_lo[idx] - ROUNDING_SLACK),
                               item.seen_lo[idx])
                block, rhs = -item.T[idx], item.consts[idx] - ref
            else:
                ref = np.where(rounded, np.floor(item.seen_hi[idx] + ROUNDING_SLACK),
                               item.seen_hi[idx])
                block, rhs = item.T[idx], ref - item.consts[idx]
            copy_rows(item, ub, eq, column)
            r, c = np.nonzero(block)
            ub.add(np.concatenate([r, np.arange(k)]), np.concatenate([c, n + np.arange(k)]),
                   np.concatenate([block[r, c], np.ones(k)]), k, rhs, column)
            cap = np.where(rounded, float(threshold), threshold * (1 + 1e-6) + 1e-6)
            return (np.concatenate([np.zeros(n), -np.ones(k)]),
                    np.vstack([item.lp.capped, np.column_stack([np.full(k, -_CAP), cap])]))
        return layout

    def paired(item, ub, eq, column):
        item.paired = True
        idx, k, n = item.open, len(item.open), len(item.lp.vs)
        sign = np.random.default_rng(n).choice([-1.0, 1.0], size=k)
        cap = np.where(item.integer[idx], float(threshold), threshold * (1 + 1e-6) + 1e-6)
        d = sign[:, None] * item.T[idx]
        copy_rows(item, ub, eq, column)
        copy_rows(item, ub, eq, column + n)
        r, c = np.nonzero(d)
        ub.add(np.concatenate([r, r, np.arange(k)]),
               np.concatenate([c, n + c, 2 * n + np.arange(k)]),
               np.concatenate([-d[r, c], d[r, c], np.ones(k)]), k, np.zeros(k), column)
        return (np.concatenate([np.zeros(2 * n), -np.ones(k)]),
                np.vstack([item.lp.capped, item.lp.capped,
                           np.column_stack([np.full(k, -_CAP), cap])]))

    live = [item for item in batch if item.open]
    if not solve(live, push_down):
        return
    for rnd in range(_SPREAD_ROUNDS):
        live = [item for item in batch if item.open]
        if not live:
            return
        before = sum(len(item.open) for item in live)
        if not solve(live, spread(rnd % 2 == 0)):
            return
        if sum(len(item.open) for item in batch) == before and rnd:
            break
    for _ in range(_PAIRED_ROUNDS):
        live = [item for item in batch if item.open]
        if not live:
            return
        before = sum(len(item.open) for item in live)
        if not solve(live, paired):
            return
        if sum(len(item.open) for item in batch) == before:
            return


def _infeasible(st: _State, vs: list[int], rows: list[int], out: dict[int, _Part]
                ) -> dict[int, _Part]:
    m = st.model
    labels = {m.row_label[r] for r in rows}
    for j in vs:
        labels |= {m.row_label[r] for r in st.fixers(j)}
    labels_sorted = sorted(labels)
    more = f" and {len(labels_sorted) - 8} more" if len(labels_sorted) > 8 else ""
    note = "infeasible: " + "; ".join(labels_sorted[:8]) + more
    log.warning("sdc: %s", note)
    for part in out.values():
        part.low = part.high = math.nan
        part.infeasible = True
        part.protected = False
        part.note = note
    return out


class _LP:
    """The LP of one component: eq rows, <= rows, variable bounds from single rows."""

    def __init__(self, st: _State, vs: list[int], rows: list[int], lo: list[float],
                 hi: list[float]):
        self.st, self.vs, self.rows = st, vs, rows
        self.pos = {j: k for k, j in enumerate(vs)}
        self.lo, self.hi = lo, hi
        n = len(vs)
        eq_i, eq_j, eq_v, eq_b, self.eq_rows = [], [], [], [], []
        ub_i, ub_j, ub_v, ub_b, self.ub_rows = [], [], [], [], []
        for r in rows:
            uv, uc, low, high = st.rows[r]
            cols = [self.pos[j] for j in uv]
            if high - low <= _tol(low, _PIN):
                k = len(eq_b)
                eq_i += [k] * len(cols)
                eq_j += cols
                eq_v += uc
                eq_b.append((low + high) / 2)
                self.eq_rows.append(r)
                continue
            if math.isfinite(high):
                k = len(ub_b)
                ub_i += [k] * len(cols)
                ub_j += cols
                ub_v += uc
                ub_b.append(high)
                self.ub_rows.append(r)
            if math.isfinite(low):
                k = len(ub_b)
                ub_i += [k] * len(cols)
                ub_j += cols
                ub_v += [-a for a in uc]
                ub_b.append(-low)
                self.ub_rows.append(r)
        self.A_eq = (csr_array((eq_v, (eq_i, eq_j)), shape=(len(eq_b), n)) if eq_b else None)
        self.b_eq = np.array(eq_b) if eq_b else None
        self.A_ub = (csr_array((ub_v, (ub_i, ub_j)), shape=(len(ub_b), n)) if ub_b else None)
        self.b_ub = np.array(ub_b) if ub_b else None
        self.bounds = np.array([lo, hi], dtype=float).T
        capped = self.bounds.copy()
        capped[:, 1] = np.minimum(capped[:, 1], np.maximum(_CAP, capped[:, 0] + _CAP))
        capped[:, 0] = np.maximum(capped[:, 0], np.minimum(-_CAP, capped[:, 1] - _CAP))
        self.capped = capped
        self.prepared: tuple | None = None

    def _run(self, c: np.ndarray, capped: bool):
        if self.prepared is None:
            self.prepared = _prepare(self.A_ub, self.b_ub, self.A_eq, self.b_eq, len(self.vs))
        return _solve_lp(c, self.A_ub, self.b_ub, self.A_eq, self.b_eq,
                         self.capped if capped else self.bounds, self.prepared)

    def _binding(self, res) -> set[int]:
        out: set[int] = set()
        st = self.st
        if self.A_eq is not None:
            for k in np.flatnonzero(np.abs(res.eqlin.marginals) > _DUAL):
                out.add(self.eq_rows[k])
        if self.A_ub is not None:
            for k in np.flatnonzero(np.abs(res.ineqlin.marginals) > _DUAL):
                out.add(self.ub_rows[k])
        for k in np.flatnonzero(np.abs(res.lower.marginals) > _DUAL):
            out.update(st.lo_src[self.vs[k]] or ())
        for k in np.flatnonzero(np.abs(res.upper.marginals) > _DUAL):
            out.update(st.hi_src[self.vs[k]] or ())
        return out

    def _propagate(self) -> tuple[list[float], list[float]] | None:
        """Bound tightening over the rows: outer bounds on every variable (None: infeasible)."""
        lo, hi = list(self.lo), list(self.hi)
        rows = [self.st.rows[r] for r in self.rows]
        pos = self.pos
        for _ in range(_PROPAGATION_PASSES):
            changed = False
            for uv, uc, low, high in rows:
                ks = [pos[j] for j in uv]
                mins = [a * lo[k] if a > 0 else a * hi[k] for k, a in zip(ks, uc, strict=True)]
                maxs = [a * hi[k] if a > 0 else a * lo[k] for k, a in zip(ks, uc, strict=True)]
                n_min_inf = sum(1 for v in mins if v == -INF)
                n_max_inf = sum(1 for v in maxs if v == INF)
                s_min = sum(v for v in mins if v != -INF)
                s_max = sum(v for v in maxs if v != INF)
                for k, a, mn, mx in zip(ks, uc, mins, maxs, strict=True):
                    # activity of the other terms
                    if mn == -INF:
                        rest_min = s_min if n_min_inf == 1 else -INF
                    else:
                        rest_min = s_min - mn if n_min_inf == 0 else -INF
                    if mx == INF:
                        rest_max = s_max if n_max_inf == 1 else INF
                    else:
                        rest_max = s_max - mx if n_max_inf == 0 else INF
                    up = (high - rest_min) / a if math.isfinite(rest_min) else None
                    dn = (low - rest_max) / a if math.isfinite(rest_max) else None
                    if a > 0:
                        new_hi, new_lo = up, dn
                    else:
                        new_hi, new_lo = dn, up
                    moved = False
                    if new_hi is not None and new_hi < hi[k] - 1e-7 * max(1.0, abs(new_hi)):
                        hi[k] = new_hi
                        moved = True
                    if new_lo is not None and new_lo > lo[k] + 1e-7 * max(1.0, abs(new_lo)):
                        lo[k] = new_lo
                        moved = True
                    if moved:
                        changed = True
                        if lo[k] - hi[k] > _tol(lo[k], _FEASIBILITY):
                            return None
            if not changed:
                break
        return lo, hi

    def _spread(self, T: np.ndarray, consts: np.ndarray, idx: list[int], seen_lo: np.ndarray,
                seen_hi: np.ndarray, integer: list[bool], threshold: float, up: bool
                ) -> np.ndarray | None:
        """A feasible point maximising sum(min(t_i - lowest_i, cap)) over the expressions idx
        (or sum(min(highest_i - t_i, cap)) when not up): an LP with one extra column each."""
        n, k = len(self.vs), len(idx)
        rounded = np.array([integer[i] for i in idx])
        if up:
            ref = np.where(rounded, np.ceil(seen_lo[idx] - ROUNDING_SLACK), seen_lo[idx])
            block, rhs = -T[idx], consts[idx] - ref
        else:
            ref = np.where(rounded, np.floor(seen_hi[idx] + ROUNDING_SLACK), seen_hi[idx])
            block, rhs = T[idx], ref - consts[idx]
        cap = np.where(rounded, float(threshold), threshold * (1 + 1e-6) + 1e-6)
        extra = hstack([csr_array(block), identity(k, format="csr")], format="csr")
        if self.A_ub is not None:
            a_ub = vstack([hstack([self.A_ub, csr_array((self.A_ub.shape[0], k))]), extra],
                          format="csr")
            b_ub = np.concatenate([self.b_ub, rhs])
        else:
            a_ub, b_ub = extra, rhs
        a_eq = (hstack([self.A_eq, csr_array((self.A_eq.shape[0], k))], format="csr")
                if self.A_eq is not None else None)
        bounds = np.vstack([self.capped, np.column_stack([np.full(k, -_CAP), cap])])
        c = np.concatenate([np.zeros(n), -np.ones(k)])
        res = _solve_lp(c, a_ub, b_ub, a_eq, self.b_eq, bounds)
        return res.x[:n] if res.status == 0 else None

    def _paired(self, T: np.ndarray, idx: list[int], sign: np.ndarray, integer: list[bool],
                threshold: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Two feasible points x, x' maximising sum(min(sign_i * (t_i(x) - t_i(x')), cap)) over
        the expressions idx: no reference values needed, so it proves expressions whose values
        seen so far all lie in the middle of their range."""
        n, k = len(self.vs), len(idx)
        rounded = np.array([integer[i] for i in idx])
        cap = np.where(rounded, float(threshold), threshold * (1 + 1e-6) + 1e-6)
        d = sign[:, None] * T[idx]
        zeros_k = lambda rows: csr_array((rows, k))
        extra = hstack([csr_array(-d), csr_array(d), identity(k, format="csr")], format="csr")
        blocks_ub, b_ub = [extra], [np.zeros(k)]
        if self.A_ub is not None:
            m = self.A_ub.shape[0]
            blocks_ub = [hstack([self.A_ub, csr_array((m, n)), zeros_k(m)]),
                         hstack([csr_array((m, n)), self.A_ub, zeros_k(m)]), extra]
            b_ub = [self.b_ub, self.b_ub, np.zeros(k)]
        a_eq = b_eq = None
        if self.A_eq is not None:
            m = self.A_eq.shape[0]
            a_eq = vstack([hstack([self.A_eq, csr_array((m, n)), zeros_k(m)]),
                           hstack([csr_array((m, n)), self.A_eq, zeros_k(m)])], format="csr")
            b_eq = np.concatenate([self.b_eq, self.b_eq])
        bounds = np.vstack([self.capped, self.capped, np.column_stack([np.full(k, -_CAP), cap])])
        c = np.concatenate([np.zeros(2 * n), -np.ones(k)])
        res = _solve_lp(c, vstack(blocks_ub, format="csr"), np.concatenate(b_ub), a_eq, b_eq,
                        bounds)
        return (res.x[:n], res.x[n:2 * n]) if res.status == 0 else None

    def _milp(self, c: np.ndarray) -> tuple[float, np.ndarray] | None:
        """min c.x over the component's constraints with every count a whole number
        (HiGHS's branch and bound through scipy.optimize.milp): (value, point), or None when
        the MILP is infeasible or fails (then the LP's value, an outer bound, stands)."""
        constraints = []
        if self.A_ub is not None:
            constraints.append(LinearConstraint(self.A_ub, -np.inf, self.b_ub))
        if self.A_eq is not None:
            constraints.append(LinearConstraint(self.A_eq, self.b_eq, self.b_eq))
        res = milp(c, constraints=constraints, integrality=np.ones(len(self.vs)),
                   bounds=Bounds(self.bounds[:, 0], self.bounds[:, 1]),
                   options={"time_limit": _MILP_SECONDS})
        if res.status != 0 or res.x is None:
            if res.status not in (0, 2):
                self.st.messages.append(f"whole-number check failed ({res.message})")
            return None
        return float(res.fun), np.round(res.x)

    def _local_check(self, t: np.ndarray, const: float, integer: bool, threshold: float,
                     outer_low: float) -> tuple[float, float, set[int]] | None:
        """The expression's interval over only the rows within two steps of its variables: a
        relaxation, so if that is narrower than the threshold the expression is unprotected.
        Returns (low, high, binding rows) then, else None. Used by protect() in big components."""
        if not hasattr(self, "var_rows"):
            self.var_rows: dict[int, list[int]] = {}
            for r in self.rows:
                for j in self.st.rows[r][0]:
                    self.var_rows.setdefault(j, []).append(r)
        start = [self.vs[k] for k in np.flatnonzero(t)]
        vars_, rows_, frontier = set(start), set(), set(start)
        for _ in range(_LOCAL_DEPTH):
            new_rows = {r for j in frontier for r in self.var_rows.get(j, ())} - rows_
            rows_ |= new_rows
            frontier = {j for r in new_rows for j in self.st.rows[r][0]} - vars_
            vars_ |= frontier
        if len(vars_) * 2 > len(self.vs):
            return None
        vs = sorted(vars_)
        sub = _LP(self.st, vs, sorted(rows_), [self.st.lo[j] for j in vs],
                  [self.st.hi[j] for j in vs])
        t_sub = np.array([t[self.pos[j]] for j in vs])
        res = sub._run(-t_sub, capped=False)
        if res.status != 0:
            return None
        high, binding = -res.fun + const, sub._binding(res)
        if not _wide(outer_low, high, integer, threshold):  # the outer lower bound is enough
            return outer_low, high, binding
        res = sub._run(t_sub, capped=False)
        if res.status != 0:
            return None
        low = res.fun + const
        if _wide(low, high, integer, threshold):
            return None
        return low, high, binding | sub._binding(res)

    def solve(self, subs: list, out: dict[int, _Part], threshold: float, *, exact: bool,
              quick: bool = False) -> dict[int, _Part]:
        """quick: an expression already proven unprotected by propagation gets only its
        maximum solved (for the binding constraints), unless that names none."""
        n = len(self.vs)
        tids = [s[0] for s in subs]
        T = np.zeros((len(subs), n))
        consts = np.array([s[2] for s in subs], dtype=float)
        for i, (_, coefs, _, _, _) in enumerate(subs):
            for j, a in coefs.items():
                T[i, self.pos[j]] = a
        integer = [s[3] for s in subs]
        decide = [s[4] == "decide" for s in subs]
        outer = self._propagate()
        if outer is None:
            return _infeasible(self.st, self.vs, self.rows, out)
        olo, ohi = np.array(outer[0]), np.array(outer[1])
        seen_lo = np.full(len(subs), INF)
        seen_hi = np.full(len(subs), -INF)
        ex_lo: list[float | None] = [None] * len(subs)
        ex_hi: list[float | None] = [None] * len(subs)
        binding: list[set[int]] = [set() for _ in subs]
        status = [None] * len(subs)  # True protected, False unprotected, None open
        o_lows = [-INF] * len(subs)
        o_his = [INF] * len(subs)
        unsure = [False] * len(subs)  # an extreme the whole-number check could not confirm

        def see(x: np.ndarray) -> None:
            if not _integral(x):
                return  # a witness only where every count is a whole number
            vals = T @ x + consts
            np.minimum(seen_lo, vals, out=seen_lo)
            np.maximum(seen_hi, vals, out=seen_hi)

        def proven(i: int) -> bool:
            return seen_hi[i] >= seen_lo[i] and _wide(seen_lo[i], seen_hi[i], integer[i],
                                                      threshold)

        # Outer bounds from propagation: too narrow proves "unprotected".
        for i in range(len(subs)):
            if not decide[i]:
                continue
            row = T[i]
            pos_, neg_ = row > 0, row < 0
            o_lo = consts[i] + row[pos_] @ olo[pos_] + row[neg_] @ ohi[neg_]
            o_hi = consts[i] + row[pos_] @ ohi[pos_] + row[neg_] @ olo[neg_]
            o_lows[i], o_his[i] = o_lo, o_hi
            if not _wide(o_lo, o_hi, integer[i], threshold):
                status[i] = False
        # Shared LPs that spread the open expressions: all pushed down together, then as many
        # as possible pushed the threshold above the lowest value seen (or below the highest),
        # each capped at the threshold so that one cannot take all the room.
        open_ = [i for i in range(len(subs)) if decide[i] and status[i] is None]

        def settle() -> list[int]:
            for i in open_:
                if proven(i):
                    status[i] = True
            return [i for i in open_ if status[i] is None]

        if open_:
            res = self._run(T[open_].sum(axis=0), capped=True)
            if res.status == 2:
                return _infeasible(self.st, self.vs, self.rows, out)
            if res.status == 0:
                see(res.x)
                open_ = settle()
                for rnd in range(_SPREAD_ROUNDS):
                    if len(open_) <= _FEW:
                        break
                    x = self._spread(T, consts, open_, seen_lo, seen_hi, integer, threshold,
                                     up=rnd % 2 == 0)
                    if x is None:
                        break
                    see(x)
                    before = len(open_)
                    open_ = settle()
                    if len(open_) == before and rnd:
                        break
                rng = np.random.default_rng(len(self.vs))
                for _ in range(_PAIRED_ROUNDS):
                    if len(open_) <= _FEW:
                        break
                    pair = self._paired(T, open_, rng.choice([-1.0, 1.0], size=len(open_)),
                                        integer, threshold)
                    if pair is None:
                        break
                    see(pair[0])
                    see(pair[1])
                    before = len(open_)
                    open_ = settle()
                    if len(open_) == before:
                        break
        # Per-expression minimum and maximum where still needed.
        for i in range(len(subs)):
            if decide[i] and status[i] is True and not exact:
                continue
            quick_i = quick and decide[i] and status[i] is False and not exact
            if quick and decide[i] and not exact and status[i] is not True and \
                    len(self.vs) > _LOCAL_MIN:
                local = self._local_check(T[i], consts[i], integer[i], threshold, o_lows[i])
                if local is not None:  # a relaxation already too narrow: unprotected
                    status[i] = False
                    ex_lo[i], ex_hi[i], binding[i] = local
                    continue
            for sense in (-1.0, 1.0) if quick_i else (1.0, -1.0):
                if status[i] is True and decide[i] and not exact:
                    break
                if quick_i and sense > 0 and binding[i]:
                    ex_lo[i] = o_lows[i]  # the propagation bound: enough to say "unprotected"
                    break
                if sense > 0 and seen_lo[i] <= o_lows[i] + _tol(o_lows[i], _PIN):
                    ex_lo[i] = seen_lo[i]  # a point attains the outer bound: the exact minimum
                    continue
                res = self._run(sense * T[i], capped=False)
                if res.status == 2:
                    if seen_hi[i] >= seen_lo[i]:  # feasible before: HiGHS says unbounded
                        value = -sense * INF
                    else:
                        return _infeasible(self.st, self.vs, self.rows, out)
                elif res.status == 3:
                    value = -sense * INF
                elif res.status == 0:
                    value = sense * res.fun + consts[i]
                    see(res.x)
                    binding[i] |= self._binding(res)
                    if not _integral(res.x):
                        # the LP's optimum is not a whole-number point: the whole-number
                        # extreme may lie inside it (docstring, "Whole numbers")
                        whole = self._milp(sense * T[i])
                        if whole is None:
                            unsure[i] = True  # only the LP's outer bound: proves nothing
                        else:
                            value = sense * whole[0] + consts[i]
                            see(whole[1])
                else:
                    value = None
                    self.st.messages.append(f"LP failed ({res.message}); not proven")
                if sense > 0:
                    ex_lo[i] = value
                else:
                    ex_hi[i] = value
                if decide[i] and status[i] is None and proven(i):
                    status[i] = True
            if ex_lo[i] is not None and ex_hi[i] is not None:
                if decide[i] and status[i] is None:
                    status[i] = _wide(ex_lo[i], ex_hi[i], integer[i], threshold) and (
                        not unsure[i] or proven(i))
            elif decide[i] and status[i] is None:
                status[i] = False  # an LP failed: nothing proven
        for i, tid in enumerate(tids):
            part = out[tid]
            if ex_lo[i] is not None and ex_hi[i] is not None:
                part.low, part.high, part.exact = float(ex_lo[i]), float(ex_hi[i]), True
                if status[i] is False and quick:
                    part.exact = False  # (partly) the propagation enclosure
            else:
                part.low, part.high, part.exact = float(seen_lo[i]), float(seen_hi[i]), False
            part.protected = status[i] if decide[i] else None
            part.binding = binding[i]
        return out


# ---------------------------------------------------------------------------------------------
# Public API


def audit(figures: list[Figure], relations: list[Linear], threshold: int,
          sensitive: Sequence[Sensitive] = (), bounds: dict[Key, tuple[float, float]] | None = None,
          *, exact: bool = False, messages: list[str] | None = None) -> list[Finding]:
    """For every suppressed figure's target and every sensitive expression: the interval an
    attacker can prove from the relations, the constraints of every SHOWN figure, and the
    variable bounds (default: every variable >= 0, no upper bound). Returns one Finding each,
    suppressed figures first (in the order given), then the sensitive expressions.

    ``exact=True`` solves the exact interval of protected expressions too (slower); otherwise a
    protected finding carries an inner bound (``exact=False``). Unprotected findings are exact
    and their ``note`` names the constraints that bind them. Checks not met (relations with
    every variable shown) and infeasible components are appended to ``messages`` if given.
    """
    model = _Model(figures, relations, sensitive, bounds)
    hidden = [f.suppressed for f in figures]
    results, _ = model.analyse(hidden, threshold, exact=exact, messages=messages)
    if messages is not None:
        messages.extend(sorted({r.note for r in results.values() if r.infeasible}))
    return [Finding(model.t_key[tid], res.low, res.high, res.protected, res.exact, res.note)
            for tid, res in sorted(results.items())]


def protect(figures: list[Figure], relations: list[Linear], threshold: int,
            sensitive: Sequence[Sensitive] = (), bounds: dict[Key, tuple[float, float]] | None = None,
            ) -> set[Hashable]:
    """Suppress more figures (setting .suppressed=True on them, and returning their keys) until
    audit() finds every target protected, preferring figures of lowest cost.

    Each round, for every unprotected expression: the shown, suppressible figures behind the
    constraints that bind it (LP duals, or the tightest bounds of a lone variable); if one of them
    has this very expression as its target (the figure that shows it), that one; else the
    cheapest. An expression that already shares a candidate with one chosen this round waits for
    the next round. Figures whose own value is known to be below the threshold (a zero, say) are
    tried last, since hiding them makes one more expression to protect. When nothing binding can
    be hidden, any shown figure touching the expression's component is tried. Stops when
    everything is protected or nothing more can be hidden.
    """
    model = _Model(figures, relations, sensitive, bounds)
    hidden = [f.suppressed for f in figures]
    added: set[Hashable] = set()
    cache: dict = {}
    known: set[int] = set()  # targets proven protected: they stay so as more is hidden

    def can_hide(i: int) -> bool:
        return not hidden[i] and figures[i].can_suppress

    def small(i: int) -> bool:
        """Whether hiding figure i would hide a value known to be below the threshold, which
        would then need protecting itself (a zero, say): such figures go last."""
        vs = model.t_vars[i]
        if not vs or not all(st.fixed[j] for j in vs):
            return False
        value = sum(a * st.val[j] for j, a in zip(vs, model.t_coefs[i], strict=True))
        return abs(value) < threshold

    while True:
        results, st = model.analyse(hidden, threshold, exact=False, cache=cache,
                                    known=known, quick=True)
        known |= {tid for tid, res in results.items() if res.protected}
        chosen: list[int] = []
        chosen_set: set[int] = set()
        for tid, res in sorted(results.items()):
            if res.protected or res.infeasible:
                continue
            cands = {i for i in st.binding_figures(res) if can_hide(i)}
            if not cands:
                cands = {i for i in st.adjacent_figures(tid, res) if can_hide(i)}
            if not cands or cands & chosen_set:
                continue
            direct = [i for i in cands if model.t_sig[i] == model.t_sig[tid]]
            pick = min(direct or cands, key=lambda i: (small(i), figures[i].cost, i))
            chosen.append(pick)
            chosen_set.add(pick)
        if not chosen:
            break
        for i in chosen:
            hidden[i] = True
            figures[i].suppressed = True
            added.add(figures[i].key)
        if len(cache) > 200_000:
            cache.clear()
    return added
