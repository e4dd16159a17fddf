"""Every figure the dashboard can publish, built and protected as one set.

A page, chart, download or pack never computes a figure: it reads the protected set stored for
the current data version (`publication`). This module builds that set from the current data:

1. **Figures.** For every indicator, measure, area and period: counts (councils and Scotland as
   uploaded, committees as uploaded or the sum of their councils), rates per 1,000 children
   (from counts and child populations, or as uploaded), and percentages (a count over another
   indicator's count, e.g. re-registrations as a % of registrations; or as uploaded). Rates
   and percentages are rounded to their **published precision** (`PLACES`, one decimal place)
   here, before anything else sees them, and the checks reason about the rounded values.
2. **Variables.** Behind the figures are counts of children: each count figure shows one; a
   rate shows its count to within the rounding (count = rate x population / 1,000, with the
   population actually used); a percentage ties its numerator to its denominator.
3. **Relations** between those counts are data (`data/reference/relations.csv`, and the
   numerator and denominator fields of the indicator definitions): the area hierarchy
   (Scotland = councils = committees; a committee = its councils), stock and flow across
   periods (within a tolerance), parts within totals (concerns within the register,
   re-registrations within registrations).
4. **Protection** (`sdc`): primary suppression of counts from 1 to the threshold minus one,
   and of rates whose implied count is that small; attribute (group) disclosure: a part within
   a small area's total whose complement (total - part) is below the threshold (every child, or
   all but a few, has concern X) is hidden; the fast per-table secondary suppression of
   `disclosure`; then the attacker problem (linear programmes over the relations and every
   figure shown) adds suppressions, cheapest first, until no suppressed count can be pinned to
   an interval narrower than the threshold.

The result carries its audit (`Protected.findings`): one interval per suppressed figure and
per sensitive expression.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_array
from scipy.sparse import hstack as sparse_hstack
from scipy.sparse import identity as sparse_identity
from scipy.sparse import vstack as sparse_vstack
from scipy.sparse.csgraph import connected_components
from sqlalchemy import Connection, String, func, select, type_coerce

from cpip_dashboard.protection import disclosure, sdc
from cpip_dashboard.rules import relation_forms
from cpip_dashboard.rules.measures import (  # noqa: F401 (re-exported: figures.COUNT, ...)
    COUNT,
    PERCENT,
    PLACES,
    RATE,
    denominator_code,
    measures,
    published,
)
from cpip_dashboard.rules.relation_forms import Declared
from cpip_dashboard.rules.values import HIDING_SYMBOLS
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory
from cpip_dashboard.store.current import current_kind
from cpip_dashboard.store.models import BatchState, IndicatorValue, UploadBatch
from cpip_dashboard.store.queries import (
    VALUE_COLUMNS,
    area_directory,
    current_indicators,
    illustrative_batches,
    populations,
)
from cpip_dashboard.store.reference import read_csv

HALF_STEP = 0.5 * 10 ** -PLACES
SUPPRESSED_SYMBOL = disclosure.SUPPRESSED_SYMBOL

COLUMNS = ["indicator_code", "measure", "area_code", "period", "value", "symbol", "status",
           "batch_id", "suppressed", "count", "population", "population_year", "base",
           "illustrative"]









# --- relations as data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    id: str
    kind: str  # areas | linear | part
    expression: str
    low: float
    high: float
    source: str
    note: str


_TERM = re.compile(r"([+-]?)\s*([A-Z0-9_*]+)@t(?:-(\d+))?")


@lru_cache(maxsize=1)
def relations() -> tuple[Relation, ...]:
    rows = read_csv("relations.csv")
    return tuple(Relation(r["id"], r["kind"], r["expression"],
                          float(r["low"]) if r["low"] else -math.inf,
                          float(r["high"]) if r["high"] else math.inf, r["source"], r["note"])
                 for r in rows)


def parse_terms(expression: str) -> list[tuple[int, str, int]]:
    """'A@t - B@t-1' -> [(+1, 'A', 0), (-1, 'B', 1)]: sign, code pattern, periods back."""
    terms = []
    for sign, pattern, lag in _TERM.findall(expression):
        terms.append((-1 if sign == "-" else 1, pattern, int(lag or 0)))
    return terms


def _matching(pattern: str, codes: list[str]) -> list[str]:
    if pattern.endswith("*"):
        return [c for c in codes if c.startswith(pattern[:-1])]
    return [pattern] if pattern in codes else []


def _back(period: dt.date, lag: int, frequency: str) -> dt.date:
    if lag == 0:
        return period
    if frequency == "annual":
        return period.replace(year=period.year - lag)
    months = lag * (3 if frequency == "quarterly" else 1)
    month_index = period.year * 12 + period.month - 1 - months
    year, month = divmod(month_index, 12)
    first_next = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


# --- inputs --------------------------------------------------------------------------------------


@dataclass
class Inputs:
    definitions: dict[str, dict]
    values: pd.DataFrame  # indicator_code, area_code, period, value, symbol, status, batch_id,
    #                        illustrative
    populations: pd.DataFrame  # area_code, year, children
    directory: AreaDirectory


@dataclass
class Held:
    """The indicator values a commit has just written, as the import holds them (`batch_id`,
    and each `VALUE_COLUMNS` column but `batch_id`, row by row): `load` takes them from here
    instead of reading them back (a 100,000-row upload's values were a tenth of its import)."""
    batch_id: int
    columns: dict[str, list]


def load(conn: Connection, codes: set[str] | None = None, held: Held | None = None) -> Inputs:
    """The current data behind the figures: of every indicator, or of `codes` only (a
    `family`: nothing outside it relates to anything in it). `held`: the values the batch
    being published wrote, when it is the latest committed batch (else they are read back)."""

    definitions = current_indicators(conn)
    if codes is not None:
        definitions = {c: d for c, d in definitions.items() if c in codes}
    return Inputs(definitions, _current_values(conn, codes, held), populations(conn),
                  area_directory(conn))


_KEY = ["indicator_code", "area_code", "period"]


def _current_values(conn: Connection, codes: set[str] | None,
                    held: Held | None = None) -> pd.DataFrame:
    """`queries.indicator_values(conn, codes=codes)`, read a column at a time (only the
    columns it gives: a 100,000-row upload is read back in a third of the time), in key order.
    With `held` (the values the latest committed batch wrote): only the other batches' rows are
    read, those `held` replaces are dropped, and `held`'s rows are added; the same rows as
    reading them all back."""
    if held is not None and conn.execute(select(func.max(UploadBatch.id)).where(
            UploadBatch.state == BatchState.COMMITTED)).scalar() != held.batch_id:
        held = None  # another batch could be current for some of its keys: read them back
    where = [] if codes is None else [IndicatorValue.indicator_code.in_(sorted(codes))]
    if held is not None:
        where.append(IndicatorValue.batch_id != held.batch_id)
    # periods as the driver gives them (SQLite: ISO text), each distinct one made a date once
    rows = conn.execute(current_kind("indicators", *where).with_only_columns(
        *[type_coerce(IndicatorValue.period, String) if c == "period"
          else getattr(IndicatorValue, c) for c in VALUE_COLUMNS])).all()
    columns = {name: list(values) for name, values in zip(
        VALUE_COLUMNS, zip(*rows, strict=True), strict=True)} if rows else {
        name: [] for name in VALUE_COLUMNS}
    if rows:
        dates = {p: dt.date.fromisoformat(p[:10]) if isinstance(p, str) else p
                 for p in set(columns["period"])}
        columns["period"] = list(map(dates.__getitem__, columns["period"]))
    if held is not None:
        columns = _with_held(columns, held, codes)
    frame = pd.DataFrame(columns, columns=VALUE_COLUMNS)
    if len(frame) > 1:  # key order, whatever order the database or the file gave
        frame = frame.sort_values(_KEY, kind="stable", ignore_index=True)
    frame["illustrative"] = frame["batch_id"].isin(illustrative_batches(conn)).astype(bool)
    return frame.astype({"value": "float64", "symbol": object, "status": object})


def _with_held(columns: dict[str, list], held: Held, codes: set[str] | None
               ) -> dict[str, list]:
    """The rows read (`columns`) but those whose key `held` writes again, then `held`'s rows
    (of `codes`) with its batch."""
    mine = dict(held.columns)
    if codes is not None and not set(mine["indicator_code"]) <= codes:
        keep = [i for i, code in enumerate(mine["indicator_code"]) if code in codes]
        mine = {name: [column[i] for i in keep] for name, column in mine.items()}
    mine["batch_id"] = [held.batch_id] * len(mine["indicator_code"])
    if columns["indicator_code"]:
        replaced = set(zip(*(mine[k] for k in _KEY), strict=True))
        keep = [i for i, key in enumerate(zip(*(columns[k] for k in _KEY), strict=True))
                if key not in replaced]
        if len(keep) != len(columns["indicator_code"]):
            columns = {name: [column[i] for i in keep] for name, column in columns.items()}
    return {name: columns[name] + list(mine[name]) for name in VALUE_COLUMNS}


def family(definitions: dict[str, dict], codes: set[str]) -> set[str]:
    """`codes` and every indicator related to them, transitively: through the relations of
    `data/reference/relations.csv`, a rate's count, a percentage's numerator and base, and a
    definition's declared relation. Figures of indicators outside the family neither bound
    nor are bound by theirs, so a change to `codes` is protected over the family alone."""
    known = list(definitions)
    parent = {c: c for c in known}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def join(group: list[str]) -> None:
        group = [c for c in group if c in parent]
        for other in group[1:]:
            parent[find(other)] = find(group[0])

    for relation in relations():
        if relation.kind == "areas":
            continue
        join([m for _, pattern, _ in parse_terms(relation.expression)
              for m in _matching(pattern, known)])
    for code, definition in definitions.items():
        linked = [code, definition.get("numerator"), denominator_code(definition)]
        linked += list(declared_codes(definition))
        join([c for c in linked if isinstance(c, str)])
    roots = {find(c) for c in codes if c in parent}
    return {c for c in known if find(c) in roots} | set(codes)


def declared_codes(definition: dict) -> tuple[str, ...]:
    """The indicators a definition's declared relation (the Definitions sheet's Relation
    column) names."""
    declared = _declared(definition)
    return declared.codes if declared is not None else ()


def _declared(definition: dict) -> Declared | None:
    """A definition's declared relation (stored in its canonical text, so it reads back)."""
    text = definition.get("relation")
    return relation_forms.parse(text) if text else None


# --- building the figures -------------------------------------------------------------------


def illustrative_populations(populations: pd.DataFrame, directory: AreaDirectory) -> set:
    """(area, year) whose child population is illustrative, or summed from one that is."""
    if "illustrative" not in populations:
        return set()
    marked = {(a, int(y)) for a, y, i in zip(populations["area_code"], populations["year"],
                                             populations["illustrative"], strict=True) if i}
    years = {y for _, y in marked}
    for year in years:
        for cpc in directory.cpcs():
            if any((m, year) in marked for m in directory.members(cpc.code)):
                marked.add((cpc.code, year))
        if any((c.code, year) in marked for c in directory.councils()):
            marked.add((SCOTLAND, year))
    return marked


def populations_by_area(populations: pd.DataFrame, directory: AreaDirectory) -> dict:
    """(area, year) -> children aged 0-17, with committees (and Scotland if not uploaded)
    summed from their councils."""
    pop = {(a, int(y)): float(c) for a, y, c in zip(
        populations["area_code"], populations["year"], populations["children"], strict=True)}
    years = {y for _, y in pop}
    for year in years:
        for cpc in directory.cpcs():
            parts = [pop.get((m, year)) for m in directory.members(cpc.code)]
            if (cpc.code, year) not in pop and all(p is not None for p in parts):
                pop[(cpc.code, year)] = sum(parts)
        if (SCOTLAND, year) not in pop:
            parts = [pop.get((c.code, year)) for c in directory.councils()]
            if all(p is not None for p in parts):
                pop[(SCOTLAND, year)] = sum(parts)
    return pop


def population_for(pop: dict, area: str, period: dt.date) -> tuple[float | None, int | None]:
    """The child population for a period and the year it is for: the year the period ends in,
    else the nearest year loaded within two years."""
    if (area, period.year) in pop:
        return pop[(area, period.year)], period.year
    years = [y for a, y in pop if a == area]
    if not years:
        return None, None
    nearest = min(years, key=lambda y: (abs(y - period.year), -y))
    if abs(nearest - period.year) > 2:
        return None, None
    return pop[(area, nearest)], nearest


def with_committees(values: pd.DataFrame, directory: AreaDirectory) -> pd.DataFrame:
    """One count indicator's values plus each committee's count as the sum of its councils,
    where none was uploaded and every council has a value (else `..`). A sum is illustrative
    if any part of it is. Column by column: each committee and period from its councils' rows
    at once (a 100,000-row upload adds about 94,000 committee figures)."""
    if values.empty:
        return values
    cpcs = [cpc.code for cpc in directory.cpcs()]
    pairs = [(k, m) for k, cpc in enumerate(cpcs) for m in directory.members(cpc)]
    if not pairs:
        return values
    size = np.bincount([k for k, _ in pairs], minlength=len(cpcs))
    # the last row of each area and period, as a lookup of them would find it
    rows = values.drop_duplicates(["area_code", "period"], keep="last")
    parts = pd.DataFrame({"cpc": [k for k, _ in pairs], "area_code": [m for _, m in pairs]}) \
        .merge(pd.DataFrame({"area_code": rows["area_code"].to_numpy(dtype=object),
                             "period": rows["period"].to_numpy(dtype=object),
                             "value": rows["value"].to_numpy(dtype=float),
                             "batch_id": rows["batch_id"].to_numpy(),
                             "illustrative": rows["illustrative"].to_numpy(dtype=bool)}),
               on="area_code")
    if parts.empty:
        return values
    grouped = parts.groupby(["cpc", "period"], sort=True).agg(
        valid=("value", "count"), total=("value", "sum"), batch=("batch_id", "max"),
        illustrative=("illustrative", "any"))
    cpc_of = grouped.index.get_level_values(0).to_numpy()
    period_of = grouped.index.get_level_values(1).to_numpy(dtype=object)
    codes = np.array(cpcs, dtype=object)[cpc_of]
    have = set(zip(values["area_code"].tolist(), values["period"].tolist(), strict=True))
    new = np.fromiter(((c, p) not in have for c, p in zip(codes.tolist(), period_of.tolist(),
                                                           strict=True)),
                      dtype=bool, count=len(codes))
    if not new.any():
        return values
    grouped = grouped[new]
    codes, period_of, cpc_of = codes[new], period_of[new], cpc_of[new]
    complete = grouped["valid"].to_numpy() == size[cpc_of]
    batch = grouped["batch"].to_numpy()
    batch_ids = [b if ok else None for b, ok in zip(batch.tolist(), complete.tolist(),
                                                    strict=True)]
    extra_frame = pd.DataFrame({
        "area_code": codes.tolist(), "period": period_of.tolist(),
        "value": np.where(complete, grouped["total"].to_numpy(dtype=float), np.nan),
        "symbol": [None if ok else ".." for ok in complete.tolist()],
        "status": [None] * len(codes), "batch_id": batch_ids,
        "illustrative": grouped["illustrative"].to_numpy(dtype=bool)})
    extra_frame = extra_frame[[c for c in values.columns]] if set(values.columns) == set(
        extra_frame.columns) else extra_frame.reindex(columns=list(values.columns))
    extra_frame = extra_frame.astype({"value": "float64", "symbol": object, "status": object})
    return pd.concat([values, extra_frame], ignore_index=True)


Var = tuple  # ("n", indicator code, area code, period): a count of children


def _var(code: str, area: str, period: dt.date) -> Var:
    return ("n", code, area, period)


@dataclass
class Built:
    """The unprotected figures with what each shows an attacker, the relations over the
    variables, and the true value of every variable we know."""
    frame: pd.DataFrame  # COLUMNS plus var, den_var (for percentages), exact, implied
    truth: dict[Var, float]
    known_vars: set[Var]
    relation_rows: _Relations = field(default_factory=lambda: _Relations([], None, []))
    relation_notes: list[str] = field(default_factory=list)
    sensitive: list[sdc.Sensitive] = field(default_factory=list)
    # relations across tables (an indicator's areas in one period): the variables they link
    links: list[tuple[Var, ...]] = field(default_factory=list)


def _records(frame: pd.DataFrame) -> list[dict]:
    """frame.to_dict("records"), built from each column's Python values at once."""
    columns = list(frame.columns)
    return [dict(zip(columns, values, strict=True))
            for values in zip(*(frame[c].tolist() for c in columns), strict=True)]


class _PopulationFor:
    """`population_for`, remembered per area and year (periods share a year by the dozen)."""

    def __init__(self, pop: dict):
        self.pop = pop
        self.memo: dict = {}

    def __call__(self, pop: dict, area: str, period: dt.date) -> tuple:
        key = (area, period.year)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = population_for(self.pop, area, period)
        return found


_BUILT = [*COLUMNS, "var", "den_var", "exact", "implied"]


def unavailable_symbol(symbol: object) -> str:
    """The symbol of a figure that cannot be computed (a rate or percentage without its base;
    an empty rate stored with its count: `publication`): its count's own (a suppression, a
    reason), else `..`. A count without a symbol may carry None or NaN (pandas reads a column
    of text with gaps as NaN), and NaN is not a symbol."""
    return symbol if isinstance(symbol, str) and symbol else ".."


def _published_array(values: np.ndarray) -> np.ndarray:
    """`published` of every element (the same arithmetic, so the same doubles)."""
    scale = 10 ** PLACES
    return np.floor(np.abs(values) * scale + 0.5) / scale * np.where(values >= 0, 1, -1)


def _counts_and_rates(code: str, counts: pd.DataFrame, variables: list, truth: dict,
                      population_for, generated_pop: set) -> dict[str, object]:
    """`build` for a count indicator published with its rate per 1,000 children: for each
    row, its count, then its rate (the records of `build`'s general path), made a column at
    a time. `variables`: each row's count variable; its value is the truth's."""
    n = len(counts)
    areas = counts["area_code"].tolist()
    periods = counts["period"].tolist()
    symbols = counts["symbol"].tolist()
    value = np.array([truth.get(v, np.nan) for v in variables], dtype=float)
    present = ~np.isnan(value)
    population = np.full(n, np.nan)
    year = np.full(n, np.nan)
    if population_for.pop:  # each area and year looked up once
        keys = list(zip(areas, [period.year for period in periods], strict=True))
        memo = {key: population_for(None, key[0], period)  # (the year is all it reads)
                for key, period in dict(zip(keys, periods, strict=True)).items()}
        found = [memo[key] for key in keys]
        population[:] = [np.nan if p is None else p for p, _ in found]
        year[:] = [np.nan if y is None else y for _, y in found]
    has_year = ~np.isnan(year)
    with np.errstate(divide="ignore", invalid="ignore"):
        rated = present & ~np.isnan(population) & (population != 0)
        rate = np.where(rated, _published_array(value / population * 1000), np.nan)
    illustrative = counts["illustrative"].to_numpy(dtype=bool)
    rate_illustrative = illustrative.copy()
    if generated_pop:  # a year cast as it is only where every row has one (NaN has no int)
        years = year.astype(np.int64, copy=False) if has_year.all() else \
            np.where(has_year, year, 0).astype(np.int64)
        rate_illustrative |= np.fromiter(
            (h and (a, y) in generated_pop for a, y, h in zip(
                areas, years.tolist(), has_year.tolist(), strict=True)), dtype=bool, count=n)

    def both(first, second, dtype=object) -> np.ndarray:
        out = np.empty(2 * n, dtype=dtype)
        out[0::2], out[1::2] = first, second
        return out

    nothing = np.full(n, None, dtype=object)
    count_symbol = np.array(symbols, dtype=object)
    count_symbol[present] = None
    rate_symbol = np.array([unavailable_symbol(s) for s in symbols], dtype=object)
    rate_symbol[rated] = None
    var = np.empty(n, dtype=object)
    var[:] = variables
    pop_object = np.array(population, dtype=object)
    pop_object[np.isnan(population)] = None
    year_object = np.empty(n, dtype=object)
    year_object[:] = [int(y) if h else None for y, h in zip(year.tolist(), has_year.tolist(),
                                                             strict=True)]
    status = np.empty(n, dtype=object)
    status[:] = counts["status"].tolist()
    batch = np.empty(n, dtype=object)
    batch[:] = counts["batch_id"].tolist()
    return {
        "indicator_code": np.full(2 * n, code, dtype=object),
        "measure": np.tile(np.array([COUNT, RATE], dtype=object), n),
        "area_code": both(areas, areas), "period": both(periods, periods),
        "value": both(value, rate, float), "symbol": both(count_symbol, rate_symbol),
        "status": both(status, status), "batch_id": both(batch, batch),
        "suppressed": np.zeros(2 * n, dtype=bool),
        "count": both(value, np.where(rated, value, np.nan), float),
        "population": both(nothing, pop_object), "population_year": both(nothing, year_object),
        "base": np.full(2 * n, np.nan), "illustrative": both(illustrative, rate_illustrative,
                                                             bool),
        "var": both(var, var), "den_var": np.full(2 * n, None, dtype=object),
        "exact": both(present, np.zeros(n, dtype=bool), bool),
        "implied": np.full(2 * n, None, dtype=object)}


def _frame_of(chunks: list[dict]) -> pd.DataFrame:
    """The built figures from their chunks in order (lists from `build`'s general path,
    arrays from `_counts_and_rates`), typed as one frame built from lists would be."""
    chunks = [c for c in chunks if len(c["indicator_code"])]
    if len(chunks) <= 1 and all(isinstance(v, list) for c in chunks for v in c.values()):
        columns = chunks[0] if chunks else {name: [] for name in _BUILT}
        frame = pd.DataFrame(columns, columns=_BUILT)
    else:
        data = {}
        for name in _BUILT:
            parts = []
            for chunk in chunks:
                part = chunk[name]
                if isinstance(part, list):
                    array = np.empty(len(part), dtype=object)
                    array[:] = part
                    part = array
                parts.append(part)
            column = parts[0] if len(parts) == 1 else np.concatenate(
                [p.astype(object) if p.dtype != object and any(
                    q.dtype != p.dtype for q in parts) else p for p in parts])
            data[name] = column
        frame = pd.DataFrame(data, columns=_BUILT)
        # as a frame built from lists infers them
        for name in ("indicator_code", "measure", "area_code", "batch_id", "population_year",
                     "implied", "suppressed", "exact", "illustrative"):
            if frame[name].dtype == object:
                frame[name] = frame[name].infer_objects()
        for name in ("indicator_code", "measure", "area_code"):
            if frame[name].dtype == object:
                frame[name] = frame[name].astype("str")
    return frame.astype({"value": "float64", "count": "float64", "population": "float64",
                         "base": "float64", "symbol": object, "status": object})


def build(inputs: Inputs) -> Built:
    """Every publishable figure, unprotected, at published precision."""
    directory, definitions = inputs.directory, inputs.definitions
    pop = populations_by_area(inputs.populations, directory)
    population_for = _PopulationFor(pop)
    generated_pop = illustrative_populations(inputs.populations, directory)
    by_code = {code: frame for code, frame in inputs.values.groupby("indicator_code", sort=False)}
    empty = inputs.values.iloc[0:0]
    counts: dict[str, pd.DataFrame] = {}
    for code, definition in definitions.items():
        if definition["unit"] == "count":
            counts[code] = with_committees(
                by_code.get(code, empty).drop(columns="indicator_code"), directory)
    truth: dict[Var, float] = {}
    known: set[Var] = set()
    count_vars: dict[str, list] = {}
    for code, frame in counts.items():
        variables = count_vars[code] = [("n", code, area, period) for area, period in zip(
            frame["area_code"].tolist(), frame["period"].tolist(), strict=True)]
        known.update(variables)
        values = frame["value"].to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(values)
        truth.update(zip([v for v, ok in zip(variables, present.tolist(), strict=True) if ok],
                         values[present].tolist(), strict=True))
    counted = set(known)
    chunks: list[dict] = []
    columns: dict[str, list] = {name: [] for name in _BUILT}
    appenders = [columns[name].append for name in _BUILT]

    def add(code, measure, row, value, var, *, count=None, base=None, population=None,
            population_year=None, den_var=None, exact=False, implied=None):
        for append, item in zip(appenders, (
                code, measure, row["area_code"], row["period"], value,
                row.get("symbol") if value is None or pd.isna(value) else None,
                row.get("status"), row.get("batch_id"), False, count, population,
                population_year, base,
                # a rate is illustrative if its count or its child population is
                bool(row.get("illustrative")) or (
                    measure == RATE and population_year is not None
                    and (row["area_code"], population_year) in generated_pop),
                var, den_var, exact, implied), strict=True):
            append(item)

    for code, definition in definitions.items():
        unit = definition["unit"]
        if unit == "count" and not denominator_code(definition):
            chunks.append(dict(columns))
            for name in _BUILT:
                columns[name] = []
            appenders[:] = [columns[name].append for name in _BUILT]
            chunks.append(_counts_and_rates(code, counts[code], count_vars[code], truth,
                                            population_for, generated_pop))
        elif unit == "count":
            den_code = denominator_code(definition)
            for row in _records(counts[code]):
                var = _var(code, row["area_code"], row["period"])
                value = truth.get(var)
                add(code, COUNT, row, value, var, count=value, exact=value is not None)
                if den_code:
                    den_var = _var(den_code, row["area_code"], row["period"])
                    den = truth.get(den_var)
                    if value is not None and den:
                        percent = published(value / den * 100)
                        add(code, PERCENT, row, percent, var, count=value, base=den,
                            den_var=den_var)
                    else:
                        add(code, PERCENT, {**row, "symbol": unavailable_symbol(row.get("symbol"))},
                            None, var, den_var=den_var)
                else:
                    population, year = population_for(pop, row["area_code"], row["period"])
                    if value is not None and population:
                        add(code, RATE, row, published(value / population * 1000), var,
                            count=value, population=population, population_year=year)
                    else:
                        symbol = unavailable_symbol(row.get("symbol"))
                        add(code, RATE, {**row, "symbol": symbol}, None, var,
                            population=population, population_year=year)
        elif unit.startswith("rate"):
            numerator = definition.get("numerator") or code
            uploaded = by_code.get(code, empty)
            have = set()
            for row in _records(uploaded):
                have.add((row["area_code"], row["period"]))
                var = _var(numerator, row["area_code"], row["period"])
                known.add(var)
                population, year = population_for(pop, row["area_code"], row["period"])
                value = row["value"]
                if value is None or pd.isna(value):
                    add(code, RATE, row, None, var, population=population, population_year=year)
                    continue
                add(code, RATE, row, published(value), var, count=truth.get(var),
                    population=population, population_year=year,
                    implied=value * population / 1000 if population else None)
            if numerator in counts:
                for row in _records(counts[numerator]):
                    if (row["area_code"], row["period"]) in have:
                        continue
                    var = _var(numerator, row["area_code"], row["period"])
                    value = truth.get(var)
                    population, year = population_for(pop, row["area_code"], row["period"])
                    if value is not None and population:
                        add(code, RATE, row, published(value / population * 1000), var,
                            count=value, population=population, population_year=year)
                    else:
                        add(code, RATE, {**row, "symbol": unavailable_symbol(row.get("symbol"))}, None,
                            var, population=population, population_year=year)
        else:  # percentages as uploaded
            numerator = definition.get("numerator")
            den_code = denominator_code(definition)
            for row in _records(by_code.get(code, empty)):
                value = row["value"]
                var = _var(numerator, row["area_code"], row["period"]) if numerator else None
                den_var = _var(den_code, row["area_code"], row["period"]) if den_code else None
                add(code, PERCENT, row,
                    None if value is None or pd.isna(value) else published(value), var,
                    den_var=den_var if var else None)
    frame = _frame_of([*chunks, columns])
    # the counts named beyond the count indicators' own (built a row at a time, above)
    others = {v for chunk in [*chunks, columns] if isinstance(chunk["var"], list)
              for v in chunk["var"] + chunk["den_var"] if v is not None} - counted
    built = Built(frame, truth, known)
    _instantiate_relations(built, inputs, counts, count_vars, others)
    return built


def _instantiate_relations(built: Built, inputs: Inputs, counts: dict[str, pd.DataFrame],
                           count_vars: dict[str, list], others: set) -> None:
    """The relation rows over the counts (`Built.relation_rows`). `count_vars`: each count
    indicator's counts, in the order of its figures; `others`: every other count the figures
    name (an uploaded rate's numerator, a percentage's numerator and base)."""
    variables = built.known_vars | others if others else built.known_vars
    frequency = {c: inputs.definitions[c]["frequency"] for c in inputs.definitions}
    by_code: dict[str, list] = {code: list(found) for code, found in count_vars.items()}
    for var in sorted(others, key=str):
        by_code.setdefault(var[1], []).append(var)
    codes = list(counts)
    before: list[sdc.Linear] = []
    after: list[sdc.Linear] = []
    areas = None
    for relation in relations():
        rows = before if areas is None else after
        if relation.kind == "areas":
            areas = _AreaRows(relation.id, inputs.directory, counts, by_code)
            continue
        if relation.kind == "part":
            left, right = relation.expression.split("<=")
            (_, part_pattern, _), = parse_terms(left)
            (_, total_code, _), = parse_terms(right)
            for part_code in _matching(part_pattern, codes):
                for var in by_code.get(part_code, []):
                    total = _var(total_code, var[2], var[3])
                    if total not in variables:
                        continue
                    built.links.append((var, total))
                    rows.append(sdc.Linear(((var, 1.0), (total, -1.0)), -math.inf, 0.0,
                                           f"{relation.id}: {part_code} {var[2]} {var[3]}"))
                    _attribute_rule(built, var, total, relation.id)
            continue
        terms = parse_terms(relation.expression)
        anchor = terms[0][1]
        for var in by_code.get(anchor, []) if terms[0][2] == 0 else []:
            area, period = var[2], var[3]
            instance = []
            for sign, code, lag in terms:
                other = _var(code, area, _back(period, lag, frequency.get(code, "annual")))
                if other not in variables:
                    instance = []
                    break
                instance.append((other, float(sign)))
            if instance:
                built.links.append(tuple(v for v, _ in instance))
                rows.append(sdc.Linear(tuple(instance), relation.low, relation.high,
                                       f"{relation.id}: {area} {period}"))
    (before if areas is None else after).extend(
        _declared_rows(built, inputs, by_code, variables, frequency))
    # Ratio relations (rates and percentages) are carried by the figures themselves.
    built.relation_rows = _Relations(before, areas, after)
    _fit_unknowns(_widened_to_truth(built.relation_rows, built), built)


class _AreaRows:
    """The area sums of every table (an indicator's counts in one period: Scotland = its
    councils, Scotland = its committees, each committee = its councils), as arrays: each
    table's rows are made only when asked for (`of_table`). A hundred thousand uploaded
    counts are about 100,000 such rows of 33 terms; the attacker problem needs the rows of
    the tables with something to protect, and the checks of the rows against the data
    (`_widened_to_truth`, `_fit_unknowns`) are made a column at a time. The rows the data
    made wider are kept as rows (`wider`, by position)."""

    def __init__(self, relation_id: str, directory: AreaDirectory,
                 counts: dict[str, pd.DataFrame], by_code: dict[str, list]):
        self.id = relation_id
        councils = [a.code for a in directory.councils()]
        cpcs = [a.code for a in directory.cpcs()]
        self.areas = [SCOTLAND, *councils, *cpcs]
        at = {a: i for i, a in enumerate(self.areas)}
        self.template = [((0, 1.0), *((at[c], -1.0) for c in councils)),
                         ((0, 1.0), *((at[c], -1.0) for c in cpcs))]
        self.template += [((at[cpc], 1.0), *((at[m], -1.0) for m in directory.members(cpc)))
                          for cpc in cpcs]
        self.per_table = len(self.template)
        self.term_row = np.array([r for r, terms in enumerate(self.template) for _ in terms],
                                 dtype=np.int64)
        self.term_area = np.array([a for terms in self.template for a, _ in terms],
                                  dtype=np.int64)
        self.term_coef = np.array([c for terms in self.template for _, c in terms],
                                  dtype=float)
        # the tables: an indicator and a period with a count of a council or committee
        local = set(councils) | set(cpcs)
        periods: dict[str, set] = defaultdict(set)
        for code, found in by_code.items():
            frame = counts.get(code)
            if frame is not None:
                mine = frame["area_code"].isin(local).to_numpy()
                periods[code].update(frame["period"].to_numpy(dtype=object)[mine].tolist())
                found = found[len(frame):]  # the counts beyond its figures'
            periods[code].update(v[3] for v in found if v[2] in local)
        self.tables = [(code, period) for code in sorted(periods)
                       for period in sorted(periods[code])]
        # each table's true counts, by area (NaN: unknown; only count indicators have them)
        self.value = np.full((len(self.tables), len(self.areas)), np.nan)
        index = {table: t for t, table in enumerate(self.tables)}
        area_index = pd.Index(self.areas)
        for code, frame in counts.items():
            if code not in periods or frame.empty:
                continue
            rows = frame.drop_duplicates(["area_code", "period"], keep="last")
            t = np.fromiter((index.get((code, p), -1) for p in rows["period"].tolist()),
                            dtype=np.int64, count=len(rows))
            a = area_index.get_indexer(rows["area_code"].to_numpy(dtype=object))
            value = rows["value"].to_numpy(dtype=float, na_value=np.nan)
            ok = (t >= 0) & (a >= 0)
            self.value[t[ok], a[ok]] = value[ok]
        self.wider: dict[int, sdc.Linear] = {}

    def __len__(self) -> int:
        return len(self.tables) * self.per_table

    def of_table(self, t: int) -> list[sdc.Linear]:
        code, period = self.tables[t]
        label = f"{self.id}: {code} {period}"
        variables = [("n", code, area, period) for area in self.areas]
        first = t * self.per_table
        return [self.wider.get(first + r) or sdc.Linear(
            tuple((variables[a], c) for a, c in terms), 0.0, 0.0, label)
            for r, terms in enumerate(self.template)]

    def row(self, i: int) -> sdc.Linear:
        return self.of_table(i // self.per_table)[i % self.per_table]

    def terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Every term's value (tables by rows, terms in order; NaN: unknown) and its row."""
        values = self.value[:, self.term_area]
        rows = (np.arange(len(self.tables), dtype=np.int64)[:, None] * self.per_table
                + self.term_row[None, :])
        return values, rows

    def var_of(self, t: int, k: int) -> Var:
        code, period = self.tables[t]
        return ("n", code, self.areas[self.term_area[k]], period)


class _Relations:
    """The relation rows over the counts, in order: those of the relations before the area
    sums, the area sums (`_AreaRows`, made per table on demand), then the rest. Iterating
    gives every row; `where` only the area sums of the tables asked for."""

    def __init__(self, before: list[sdc.Linear], areas: _AreaRows | None,
                 after: list[sdc.Linear]):
        self.before, self.areas, self.after = before, areas, after

    def __len__(self) -> int:
        return len(self.before) + (len(self.areas) if self.areas else 0) + len(self.after)

    def __iter__(self):
        yield from self.before
        if self.areas is not None:
            for t in range(len(self.areas.tables)):
                yield from self.areas.of_table(t)
        yield from self.after

    def where(self, keep: Callable[[tuple], bool]) -> list[sdc.Linear]:
        """Every row but the area sums of the tables (indicator, period) `keep` refuses."""
        rows = list(self.before)
        if self.areas is not None:
            for t, table in enumerate(self.areas.tables):
                if keep(table):
                    rows.extend(self.areas.of_table(t))
        return rows + self.after

    def _place(self, i: int) -> tuple[object, int]:
        if i < len(self.before):
            return self.before, i
        i -= len(self.before)
        size = len(self.areas) if self.areas else 0
        if i < size:
            return self.areas, i
        return self.after, i - size

    def row(self, i: int) -> sdc.Linear:
        part, at = self._place(i)
        return part.row(at) if isinstance(part, _AreaRows) else part[at]

    def replace(self, i: int, row: sdc.Linear) -> None:
        part, at = self._place(i)
        if isinstance(part, _AreaRows):
            part.wider[at] = row
        else:
            part[at] = row


@dataclass
class _Terms:
    """Every term of the relation rows as arrays, in order: each row's known part (summed in
    the order of its terms), bounds and unknowns, and the unknown terms themselves (row,
    count, coefficient): what `_widened_to_truth` and `_fit_unknowns` need of a hundred
    thousand rows, a column at a time."""

    known: np.ndarray
    unknowns: np.ndarray
    unknown_up: np.ndarray
    low: np.ndarray
    high: np.ndarray
    cell_row: np.ndarray
    cell_var: list
    cell_coef: np.ndarray

    @classmethod
    def of(cls, relations: _Relations, truth: dict) -> _Terms:
        parts = [cls._of_rows(relations.before, truth)]
        if relations.areas is not None:
            parts.append(cls._of_areas(relations.areas))
        parts.append(cls._of_rows(relations.after, truth))
        offset = 0
        for part in parts:
            part["cell_row"] = part["cell_row"] + offset
            offset += len(part["known"])
        return cls(**{name: np.concatenate([p[name] for p in parts]) if name != "cell_var"
                      else [v for p in parts for v in p[name]]
                      for name in parts[0]})

    @staticmethod
    def _of_rows(rows: list[sdc.Linear], truth: dict) -> dict:
        lengths = np.fromiter((len(row.terms) for row in rows), dtype=np.int64,
                              count=len(rows))
        flat = [term for row in rows for term in row.terms]
        row = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        coef = np.fromiter((c for _, c in flat), dtype=float, count=len(flat))
        value = np.fromiter((truth.get(var, np.nan) for var, _ in flat), dtype=float,
                            count=len(flat))
        unknown = np.isnan(value)
        cells = np.flatnonzero(unknown)
        return _Terms._sums(row, coef, value, unknown, len(rows)) | {
            "low": np.array([r.low for r in rows], dtype=float),
            "high": np.array([r.high for r in rows], dtype=float),
            "cell_row": row[cells], "cell_var": [flat[i][0] for i in cells.tolist()],
            "cell_coef": coef[cells]}

    @staticmethod
    def _of_areas(areas: _AreaRows) -> dict:
        values, rows = areas.terms()
        coef = np.broadcast_to(areas.term_coef, values.shape)
        unknown = np.isnan(values)
        sums = _Terms._sums(rows.ravel(), coef.ravel(), values.ravel(), unknown.ravel(),
                            len(areas))
        tables, terms = np.nonzero(unknown)
        low, high = np.zeros(len(areas)), np.zeros(len(areas))
        for i, row in areas.wider.items():
            low[i], high[i] = row.low, row.high
        return sums | {"low": low, "high": high, "cell_row": rows[tables, terms],
                       "cell_var": [areas.var_of(t, k) for t, k in zip(
                           tables.tolist(), terms.tolist(), strict=True)],
                       "cell_coef": coef[tables, terms]}

    @staticmethod
    def _sums(row: np.ndarray, coef: np.ndarray, value: np.ndarray, unknown: np.ndarray,
              count: int) -> dict:
        return {"known": np.bincount(row, weights=np.where(unknown, 0.0,
                                                           coef * np.nan_to_num(value)),
                                     minlength=count),
                "unknowns": np.bincount(row, weights=unknown, minlength=count),
                "unknown_up": np.bincount(row, weights=unknown & (coef > 0), minlength=count)}


def _widened_to_truth(relations: _Relations, built: Built) -> _Terms | None:
    """`_widen_to_truth` of every row (the rows it may widen found a column at a time, then
    each of them given to it, in order, so that its notes come in the same order)."""
    if not len(relations):
        return None
    terms = _Terms.of(relations, built.truth)
    # its tests on the same sums (added in the same order, so the same doubles); it decides
    below, above = terms.known < terms.low - 1e-9, terms.known > terms.high + 1e-9
    down = terms.unknowns - terms.unknown_up
    maybe = np.where(terms.unknowns > 0,
                     ((terms.unknown_up == 0) & below) | ((down == 0) & above),
                     below | above)
    for i in np.flatnonzero(maybe).tolist():
        row = relations.row(i)
        wider = _widen_to_truth(row, built)
        if wider is not row:
            relations.replace(i, wider)
            terms.low[i], terms.high[i] = wider.low, wider.high
    return terms


def _fit_unknowns(terms: _Terms | None, built: Built) -> None:
    """Relations over counts nobody knows (withheld by the publisher, or not uploaded) may be
    impossible together when the data around them break the relations (a Scotland total
    uploaded beside councils of another vintage): no count >= 0 fits every row. Then the
    least total widening that lets some whole set of unknown counts fit every row is found
    (one LP over the rows with unknowns: slack on each side, minimised) and each row is
    widened by its slack, with a note, so that no relation is skipped and none is impossible
    (docs/decisions.md)."""
    if terms is None:
        return
    relations = built.relation_rows
    open_rows = np.flatnonzero(terms.unknowns > 0)
    if not len(open_rows):
        return
    # the unknowns as columns, numbered in the order they first appear
    number = {var: i for i, var in enumerate(dict.fromkeys(terms.cell_var))}
    position = np.full(len(terms.known), -1, dtype=np.int64)
    position[open_rows] = np.arange(len(open_rows))
    cells_r = position[terms.cell_row]
    cells_c = np.fromiter(map(number.__getitem__, terms.cell_var), dtype=np.int64,
                          count=len(terms.cell_var))
    cells_v = terms.cell_coef
    known = terms.known[open_rows]
    lows = (terms.low[open_rows] - known).tolist()
    highs = (terms.high[open_rows] - known).tolist()
    open_rows = open_rows.tolist()
    n, m = len(number), len(open_rows)
    # columns: the unknowns, then each row's slack below and above
    a = csr_array((cells_v, (cells_r, cells_c)), shape=(m, n)).tocsc()
    eye = sparse_identity(m, format="csc")
    low_rows = [k for k in range(m) if math.isfinite(lows[k])]
    high_rows = [k for k in range(m) if math.isfinite(highs[k])]
    # a x + s_low >= low  ->  -a x - s_low <= -low ;  a x - s_high <= high
    a_ub = sparse_vstack([
        sparse_hstack([-a[low_rows], -eye[low_rows], csr_array((len(low_rows), m))]),
        sparse_hstack([a[high_rows], csr_array((len(high_rows), m)), -eye[high_rows]])])
    b_ub = np.concatenate([-np.array([lows[k] for k in low_rows]),
                           np.array([highs[k] for k in high_rows])])
    cost = np.concatenate([np.zeros(n), np.ones(2 * m)])
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if result.status != 0 or result.fun <= 1e-7:
        return
    below, above = result.x[n:n + m], result.x[n + m:]
    for k, i in enumerate(open_rows):
        if below[k] > 1e-7 or above[k] > 1e-7:
            row = relations.row(i)
            low = row.low - math.ceil(below[k] - 1e-9) if below[k] > 1e-7 else row.low
            high = row.high + math.ceil(above[k] - 1e-9) if above[k] > 1e-7 else row.high
            built.relation_notes.append(
                f"{row.label} does not hold as declared with counts nobody knows >= 0 "
                f"(widened to {low:g} to {high:g})")
            relations.replace(i, sdc.Linear(row.terms, low, high, row.label))


def _declared_rows(built: Built, inputs: Inputs, by_code: dict, variables: set,
                   frequency: dict) -> list[sdc.Linear]:
    """The relations definitions declare (the Definitions sheet's Relation column), over every
    area and period of the indicator: `part of CODE` (a count at most CODE's, with group
    disclosure as for concerns), `sum of CODE over N periods`, `sum of CODE, CODE, ...`.
    `rate of` and a percentage's `part of` are carried by the figures (numerator, base);
    `none` adds nothing beyond the area sums."""
    rows: list[sdc.Linear] = []
    for code, definition in inputs.definitions.items():
        declared = _declared(definition)
        if declared is None or definition["unit"] != "count" or declared.kind in ("none",
                                                                                "rate"):
            continue
        label = f"declared {code}: {declared.text()}"
        for var in by_code.get(code, []):
            area, period = var[2], var[3]
            if declared.kind == "part":
                total = _var(declared.codes[0], area, period)
                if total not in variables:
                    continue
                built.links.append((var, total))
                rows.append(sdc.Linear(((var, 1.0), (total, -1.0)), -math.inf, 0.0,
                                       f"{label}, {area} {period}"))
                _attribute_rule(built, var, total, label)
                continue
            if declared.kind == "over_periods":
                base = declared.codes[0]
                parts = [_var(base, area, _back(period, k, frequency.get(base, "annual")))
                         for k in range(declared.periods or 0)]
            else:
                parts = [_var(other, area, period) for other in declared.codes]
            built.links.append((var, *parts))
            rows.append(_equation(var, parts, f"{label}, {area} {period}"))
    return rows


def _equation(total: Var, parts: list[Var], label: str) -> sdc.Linear:
    return sdc.Linear(((total, 1.0), *((p, -1.0) for p in parts)), 0.0, 0.0, label)


def _widen_to_truth(row: sdc.Linear, built: Built) -> sdc.Linear:
    """Real data may break a declared relation (a revision, a transfer): where every term is
    known and the data lie outside the declared range, the range is widened to include them,
    so that the truth is always a solution, and the widening is noted for the audit."""
    values = [built.truth.get(var) for var, _ in row.terms]
    if any(v is None for v in values):
        # unknown counts (withheld by the publisher, or never uploaded) are >= 0: where they
        # all enter with one sign, the known ones bound the row on one side, and real data
        # (a total uploaded beside other parts than its own) may lie beyond it
        known = sum(c * v for (_, c), v in zip(row.terms, values, strict=True) if v is not None)
        signs = {c > 0 for (_, c), v in zip(row.terms, values, strict=True) if v is None}
        # (a broken relation with unknowns in it says nothing reliable on the side the data
        # break: that side is dropped, so the unknowns stay free for the other relations)
        if signs == {False} and known < row.low - 1e-9:  # the row is at most `known`
            built.relation_notes.append(f"{row.label} does not hold as declared (the data "
                                        f"give at most {known:g}, declared {row.low:g} to "
                                        f"{row.high:g})")
            return sdc.Linear(row.terms, -math.inf, row.high, row.label)
        if signs == {True} and known > row.high + 1e-9:  # the row is at least `known`
            built.relation_notes.append(f"{row.label} does not hold as declared (the data "
                                        f"give at least {known:g}, declared {row.low:g} to "
                                        f"{row.high:g})")
            return sdc.Linear(row.terms, row.low, math.inf, row.label)
        return row
    total = sum(c * v for (_, c), v in zip(row.terms, values, strict=True))
    if row.low - 1e-9 <= total <= row.high + 1e-9:
        return row
    built.relation_notes.append(f"{row.label} does not hold as declared (the data give "
                                f"{total:g}, declared {row.low:g} to {row.high:g})")
    return sdc.Linear(row.terms, min(row.low, total), max(row.high, total), row.label)


def _attribute_rule(built: Built, part: Var, total: Var, relation: str) -> None:
    """Group disclosure: in a council or committee, when all but fewer than the threshold of
    the children counted in a total are in a part (every child, or all but a few, has concern
    X), the complement total - part is as sensitive as a small count."""
    if part[2] == SCOTLAND:
        return
    p, t = built.truth.get(part), built.truth.get(total)
    if p is None or t is None or t <= 0:
        return
    built.sensitive.append(sdc.Sensitive(
        ("complement", part, total), ((total, 1.0), (part, -1.0)),
        f"{relation}: children counted in {total[1]} but not {part[1]}, {part[2]} {part[3]}"))


# --- protection ------------------------------------------------------------------------------


@dataclass
class Protected:
    frame: pd.DataFrame  # COLUMNS, suppressed figures without their values
    findings: list[sdc.Finding]
    notes: list[str]
    figure_count: int
    suppressed_count: int
    first_pass_unprotected: int
    earlier_only: set = field(default_factory=set)  # unprotected keys earlier releases pin
    protected_afresh: int = 0  # rows whose protection was worked out again

    @property
    def blocking(self) -> list[sdc.Finding]:
        """Unprotected findings that this publication would cause (not those that earlier
        releases alone already give away): a publication with any is refused."""
        return [f for f in self.unprotected if f.key not in self.earlier_only]

    @property
    def unprotected(self) -> list[sdc.Finding]:
        return [f for f in self.findings if not f.protected]


def _figure_key(row) -> tuple:
    return (row.indicator_code, row.measure, row.area_code, row.period)


def _shows_of(code, measure, area, period, value, population, var, den_var,
              count=None, base=None) -> tuple[sdc.Linear, ...]:
    """What a shown figure tells the attacker. A rate or percentage uploaded as published
    (computed by its publisher, perhaps on another population estimate) may disagree with
    the `count` (and `base`) behind it beyond rounding: what it tells is then widened to
    include them, so that the truth always fits (docs/decisions.md)."""
    label = f"{code} {measure} {area} {period}"
    if measure == COUNT:
        return (sdc.Linear(((var, 1.0),), value, value, label),)
    if measure == RATE:
        if not population or pd.isna(population):
            return ()
        low = max(0.0, (value - HALF_STEP) * population / 1000)
        high = (value + HALF_STEP) * population / 1000
        if _known(count):
            low, high = min(low, float(count)), max(high, float(count))
        return (sdc.Linear(((var, 1.0),), low, high, label),)
    if var is None or den_var is None:
        return ()
    low, high = (value - HALF_STEP) / 100, (value + HALF_STEP) / 100
    if _known(count) and _known(base) and base:
        share = float(count) / float(base)
        low, high = min(low, share), max(high, share)
    return (sdc.Linear(((var, 1.0), (den_var, -high)), -math.inf, 0.0, label),
            sdc.Linear(((var, 1.0), (den_var, -low)), 0.0, math.inf, label))


def _known(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _keys(frame: pd.DataFrame) -> list[tuple]:
    """Each row's figure key (indicator, measure, area, period)."""
    return list(zip(frame["indicator_code"].tolist(), frame["measure"].tolist(),
                    frame["area_code"].tolist(), frame["period"].tolist(), strict=True))


def _is_small(value: float | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def _sensitive(built: Built, frame: pd.DataFrame, threshold: int, caps: dict | None = None
               ) -> tuple[list, set]:
    """Every expression that must not be pinned: small counts (known, or implied by an
    uploaded rate), counts the publisher already suppressed (`c`, `[c]`, `*`: unknown to us,
    and as protected as any small count), and the complements of parts within small areas'
    totals. Each kind in the order of its counts (indicator, area, then period as a date)."""
    local = frame["area_code"] != SCOTLAND
    sensitive_vars = {v for v, value in built.truth.items()
                      if v[2] != SCOTLAND and _is_small(value, threshold)}
    implied_small = frame["implied"].map(
        lambda i: i is not None and not pd.isna(i) and 0.5 <= i < threshold - 0.5)
    sensitive_vars |= set(frame.loc[implied_small & local, "var"])
    complements = [s for s in built.sensitive
                   if built.truth[s.terms[0][0]] - built.truth[s.terms[1][0]] < threshold]
    withheld = _publisher_suppressed(built, frame)
    caps = caps or {}
    expressions = complements + [
        sdc.Sensitive(("small", v), _scaled(((v, 1.0),), caps, threshold),
                      f"small count {v[1]} {v[2]} {v[3]}")
        for v in sorted(sensitive_vars)] + [
        sdc.Sensitive(("withheld", v), _scaled(((v, 1.0),), caps, threshold),
                      f"count suppressed by the publisher {v[1]} {v[2]} {v[3]}")
        for v in sorted(withheld - sensitive_vars)]
    return expressions, sensitive_vars


def _publisher_suppressed(built: Built, frame: pd.DataFrame) -> set:
    """Counts uploaded as a suppression symbol (`*`, `c`, `[c]`): real numbers nobody may
    work out."""
    counts = frame[(frame["measure"] == COUNT) & frame["value"].isna()]
    hiding = counts["symbol"].isin(list(HIDING_SYMBOLS)).to_numpy()
    return {v for v in counts.loc[hiding, "var"].tolist()
            if isinstance(v, tuple) and v not in built.truth}


def _small_totals(built: Built, frame: pd.DataFrame, threshold: int) -> dict:
    """Each count below a published total that is itself below the threshold: that total
    (the smallest, where there are several). Such a part is protected when it could be
    anything from 0 to the total: no wider interval exists (CONTRACT.md)."""
    # Scotland's totals: never hidden (a local total this small is itself hidden)
    shown = frame[(frame["measure"] == COUNT) & frame["value"].notna()
                  & (frame["area_code"] == SCOTLAND)]
    small = {v: value for v, value in zip(shown["var"].tolist(), shown["value"].tolist(),
                                          strict=True) if 0 < value < threshold}
    if not small:
        return {}
    caps: dict = {}
    tables = {_table(v) for v in small}
    for row in built.relation_rows.where(tables.__contains__):
        if row.low != 0.0 or row.high != 0.0 or not row.terms or row.terms[0][1] != 1.0:
            continue
        total = small.get(row.terms[0][0])
        if total is None:
            continue
        for var, coef in row.terms[1:]:
            if coef == -1.0 and total < caps.get(var, math.inf):
                caps[var] = total
    return caps


def _scaled(terms: tuple, caps: dict, threshold: int) -> tuple:
    """A one-count target under a published total below the threshold, scaled so that "the
    threshold wide" means "0 to that total" (see `_small_totals`)."""
    if len(terms) != 1:
        return terms
    (var, coef), = terms
    cap = caps.get(var)
    if cap is None or cap <= 0:
        return terms
    return ((var, coef * threshold / cap * (1 + 1e-9)),)


def _model_rows(frame: pd.DataFrame, earlier: _Releases, caps: dict, threshold: int,
                truth: dict | None = None) -> tuple[list[sdc.Figure], list[int]]:
    """The figures of some rows of the frame as the attacker problem sees them (suppressible
    except Scotland's and those an earlier release already showed), then `earlier`'s figures
    on the same tables; with each current figure's position in `frame` (earlier ones have
    none)."""
    result = []
    at = []
    # A count an earlier release showed exactly is public for good: hiding it today protects
    # nothing, so it is neither a target of today's audit nor a candidate to hide.
    public = earlier.public
    truth = truth or {}
    shown = np.flatnonzero(frame["value"].notna().to_numpy())
    rows = frame.iloc[shown]
    columns = [rows[c].tolist() for c in ("indicator_code", "measure", "area_code", "period",
                                          "value", "population", "var", "den_var", "count",
                                          "suppressed")]
    for position, code, measure, area, period, value, population, var, den_var, count, \
            suppressed in zip(shown.tolist(), *columns, strict=True):
        shows = _shows_of(code, measure, area, period, value, population, var, den_var,
                          truth.get(var), truth.get(den_var) if den_var is not None else None)
        if not shows or var is None:
            continue
        base = count if count is not None and not pd.isna(count) else value
        known = var in public
        result.append(sdc.Figure(
            key=(code, measure, area, period), shows=shows,
            target=_scaled(((var, 1.0),), caps, threshold),
            cost=float(abs(base)) + (0.5 if measure != COUNT else 0.0) + 1.0,
            suppressed=bool(suppressed) and not known,
            can_suppress=area != SCOTLAND and not known))
        at.append(position)
    result.extend(earlier.figures)
    at.extend([-1] * len(earlier.figures))
    return result, at


EARLIER = "earlier"  # key prefix of what an earlier release showed or hid


@dataclass
class _Releases:
    """What every earlier release published, as the attacker holds it (CONTRACT.md: every
    data version, rollbacks included; archived packs are releases too).

    Each stored figure row carries the true count behind it at its release (`truth`,
    `den_truth`). A count whose true value is the same as today's is the same quantity (the
    variable of today's figures); a revised one is another quantity, ("was", var, value),
    bound by its own release's relations. Two releases with the same value share the
    quantity: that only tells the attacker something true, so it can only narrow what they
    can prove (conservative). Built from the stored rows of `known`:

    - `figures`: every distinct figure an earlier release showed (never suppressible now);
    - `targets`: every cell an earlier release hid, which must stay protected;
    - `relation_rows`: the relations instantiated over the quantities of each earlier
      release where they differ from today's;
    - `public`: today's counts that an earlier release showed exactly."""

    figures: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    relation_rows: list = field(default_factory=list)
    public: set = field(default_factory=set)
    hidden_before: set = field(default_factory=set)  # today's figure keys hidden before
    shown_before: set = field(default_factory=set)  # and shown before, at today's value

    def stay_hidden(self) -> set:
        """Today's figures an earlier release hid at today's value and none showed: they stay
        hidden (a figure shown once at today's value is public for good: hiding it protects
        nothing, and a rollback then shows what was shown before)."""
        return self.hidden_before - self.shown_before

    @classmethod
    def of(cls, built: Built, known: pd.DataFrame | None) -> _Releases:
        self = cls()
        if known is None or known.empty:
            return self
        kinds = built.frame.drop_duplicates(["indicator_code", "measure"])
        numerator = {(c, m): v[1] for c, m, v in zip(kinds["indicator_code"], kinds["measure"],
                                                     kinds["var"], strict=True)
                     if isinstance(v, tuple)}
        denominator = {(c, m): v[1] for c, m, v in zip(
            kinds["indicator_code"], kinds["measure"], kinds["den_var"], strict=True)
            if isinstance(v, tuple)}
        truth = built.truth
        withheld = {v for v in built.known_vars if v not in truth}

        def quantity(var: Var, value: object) -> object:
            if value is None or pd.isna(value):
                return var if var in withheld else ("was", var, None)
            current = truth.get(var)
            if current is not None and abs(current - float(value)) <= 1e-9:
                return var
            return ("was", var, float(value))

        history: dict[Var, set] = defaultdict(set)  # var -> {(from, to, truth)}
        rows = []
        columns = [known[c].tolist() for c in (
            "indicator_code", "measure", "area_code", "period", "value", "suppressed",
            "population", "truth", "den_truth", "publication_id", "valid_to")]
        for code, measure, area, period, value, suppressed, population, true, den_true, \
                start, end in zip(*columns, strict=True):
            num = numerator.get((code, measure))
            if num is None:
                continue
            var = _var(num, area, period)
            den_code = denominator.get((code, measure))
            den_var = _var(den_code, area, period) if den_code else None
            if true is not None and not pd.isna(true):
                history[var].add((int(start), math.inf if end is None or pd.isna(end)
                                  else int(end), float(true)))
            q = quantity(var, true)
            q_den = quantity(den_var, den_true) if den_var is not None else None
            shown = value is not None and not pd.isna(value)
            if shown and q == var and measure == COUNT:
                self.public.add(var)
            rows.append((code, measure, area, period, value, suppressed, population, true,
                         den_true, var, den_var, q, q_den, shown))
        seen_figures: set = set()
        seen_targets: set = set()
        for code, measure, area, period, value, suppressed, population, true, den_true, var, \
                den_var, q, q_den, shown in rows:
            same = q == var and (den_var is None or q_den == den_var)
            if shown:
                if q == var:
                    self.shown_before.add((code, measure, area, period))
                if same and var in self.public and (den_var is None or den_var in self.public):
                    continue  # today's shown counts say the same (public: never hidden now)
                shown_key = (code, measure, area, period, q, q_den, float(value),
                             None if population is None or pd.isna(population)
                             else float(population))
                if shown_key in seen_figures:
                    continue
                seen_figures.add(shown_key)
                shows = _shows_of(code, measure, area, period, float(value), population, q,
                                  q_den, true, den_true)
                if not shows:
                    continue
                self.figures.append(sdc.Figure(
                    key=(EARLIER, code, measure, area, period, len(self.figures)),
                    shows=shows, target=((q, 1.0),), cost=math.inf, suppressed=False,
                    can_suppress=False))
            elif suppressed:
                if q == var:
                    # today's figure of the same count: it stays hidden (`stay_hidden`) and is
                    # today's target, or an earlier release showed it (public for good)
                    self.hidden_before.add((code, measure, area, period))
                    continue
                if q in seen_targets:
                    continue
                seen_targets.add(q)
                self.targets.append(sdc.Sensitive(
                    (EARLIER, code, measure, area, period, q[2]), ((q, 1.0),),
                    f"hidden in an earlier release: {code} {measure} {area} {period}"))
        self._relations(built, history, quantity)
        return self

    def _relations(self, built: Built, history: dict, quantity) -> None:
        """The relations at each earlier release whose quantities differ from today's."""
        changed = {v for v, spans in history.items()
                   if any(q != v for q in (quantity(v, t) for _, _, t in spans))}
        if not changed:
            return
        seen: set = set()
        tables = {_table(v) for v in changed}  # (an area sum is over one table's counts)
        for row in built.relation_rows.where(tables.__contains__):
            vars_ = [v for v, _ in row.terms]
            if not any(v in changed for v in vars_):
                continue
            starts = sorted({start for v in vars_ for start, _, _ in history.get(v, ())})
            for at in starts:
                terms, values = [], []
                for var, coef in row.terms:
                    value = next((t for start, end, t in history.get(var, ())
                                  if start <= at < end), None)
                    if value is None:
                        terms = None
                        break
                    terms.append((quantity(var, value), coef))
                    values.append(value)
                if not terms or all(q == v for (q, _), v in zip(terms, vars_, strict=True)):
                    continue
                key = (tuple(terms), row.low, row.high)
                if key in seen:
                    continue
                seen.add(key)
                total = sum(c * v for (_, c), v in zip(terms, values, strict=True))
                self.relation_rows.append(sdc.Linear(
                    tuple(terms), min(row.low, total), max(row.high, total),
                    f"{row.label} (an earlier release)"))


def _table(key: object) -> tuple | None:
    """The table (indicator, period) a variable or quantity belongs to."""
    if not isinstance(key, tuple):
        return None
    if key and key[0] == "was":
        key = key[1]
    return (key[1], key[3]) if len(key) == 4 else None


def _without_implied(figures: list[sdc.Figure]) -> list[sdc.Figure]:
    """The figures less the shown rates (one constraint on one count) whose interval holds a
    count that a shown count figure pins: the attacker learns nothing from them."""
    pinned = {}
    for f in figures:
        if not f.suppressed and len(f.key) == 4 and f.key[1] == COUNT and len(f.shows) == 1:
            row = f.shows[0]
            if len(row.terms) == 1 and row.low == row.high:
                pinned[row.terms[0][0]] = row.low
    kept = []
    for f in figures:
        if not f.suppressed and len(f.key) == 4 and f.key[1] == RATE and len(f.shows) == 1:
            row = f.shows[0]
            value = pinned.get(row.terms[0][0]) if len(row.terms) == 1 else None
            if value is not None and row.terms[0][1] == 1.0 and row.low <= value <= row.high:
                continue
        kept.append(f)
    return kept


class _Blocks:
    """The figures, relations and sensitive expressions split into independent blocks: sets
    of counts that no relation and no figure links to any count outside the set (an
    indicator's areas in one period; a series linked across periods by stock and flow; the
    indicators linked by parts within totals or percentages). What an attacker can prove
    about a block, and what protecting it hides, depends on nothing outside it, so `sdc`
    is given only the blocks with something to protect (a hidden figure or a sensitive
    expression), and only the blocks left unprotected go on to `sdc.protect`, one block at
    a time: the same results as the whole set at once, in the same order, for a fraction of
    the work."""

    def __init__(self, model: list[sdc.Figure], relation_rows: list[sdc.Linear],
                 sensitive: list[sdc.Sensitive]):
        self.model, self.relation_rows, self.sensitive = model, relation_rows, sensitive
        index: dict = {}
        heads: list[int] = []
        tails: list[int] = []

        def link(terms) -> None:
            first = index.setdefault(terms[0][0], len(index))
            for var, _ in terms[1:]:
                heads.append(first)
                tails.append(index.setdefault(var, len(index)))

        for row in relation_rows:
            if row.terms:
                link(row.terms)
        for figure in model:
            link(figure.target)
            for shown in figure.shows:
                if len(shown.terms) > 1:
                    link(shown.terms)
        for expression in sensitive:
            if expression.terms:
                link(expression.terms)
        graph = csr_array((np.ones(len(heads)), (heads, tails)), shape=(len(index),) * 2)
        _, labels = connected_components(graph, directed=False)
        self.block = {var: int(labels[i]) for var, i in index.items()}

    def of_terms(self, terms) -> int | None:
        return self.block[terms[0][0]] if terms else None

    def subset(self, blocks: set[int]) -> tuple[list, list, list]:
        """The figures, relation rows and sensitive expressions of `blocks`, in order."""
        return ([f for f in self.model if self.of_terms(f.target) in blocks],
                [r for r in self.relation_rows if self.of_terms(r.terms) in blocks],
                [s for s in self.sensitive if self.of_terms(s.terms) in blocks])

    def each(self, blocks: set[int]) -> dict[int, tuple[list, list, list]]:
        """`subset` of each block on its own, in one pass."""
        result: dict[int, tuple[list, list, list]] = {b: ([], [], []) for b in blocks}
        for k, items in enumerate((self.model, self.relation_rows)):
            for item in items:
                found = result.get(self.of_terms(item.target if k == 0 else item.terms))
                if found is not None:
                    found[k].append(item)
        for expression in self.sensitive:
            found = result.get(self.of_terms(expression.terms))
            if found is not None:
                found[2].append(expression)
        return result

    def with_targets(self) -> set[int]:
        """Blocks holding a hidden figure or a sensitive expression."""
        return ({self.of_terms(f.target) for f in self.model if f.suppressed}
                | {self.of_terms(s.terms) for s in self.sensitive}) - {None}

    def audit(self, blocks: set[int], threshold: int, lean: bool = False) -> dict:
        """sdc.audit over `blocks`. `lean`: without the shown figures that tell the attacker
        nothing a shown count does not (a rate whose interval holds the count shown exactly):
        the same decisions, since the same counts are possible; an unprotected finding's note
        may then name fewer constraints, so only a first look is taken this way."""
        if not blocks:
            return {}
        figures, relations, sensitive = self.subset(blocks)
        if lean:
            figures = _without_implied(figures)
        return {f.key: f for f in sdc.audit(figures, relations, threshold, sensitive)}

    def figure(self, key) -> sdc.Figure:
        if not hasattr(self, "_by_key"):
            self._by_key = {f.key: f for f in self.model}
        return self._by_key[key]

    def block_of_finding(self) -> dict:
        keys = {f.key: self.of_terms(f.target) for f in self.model}
        keys.update((s.key, self.of_terms(s.terms)) for s in self.sensitive)
        return keys


def protect(built: Built, directory: AreaDirectory, threshold: int,
            first_pass: bool = True, audit_only: bool = False, *,
            known: pd.DataFrame | None = None, previous: pd.DataFrame | None = None,
            budget: float | None = None) -> Protected:
    """Suppress until the audit passes, against everything published before.

    `known`: every figure row any earlier release published (`KNOWN_COLUMNS`; the attacker
    holds them all). `previous`: the rows current until now, for a publication that only
    protects again what changed: tables linked (through relations, percentages and earlier
    releases) to a table whose figures changed are protected afresh; every other figure keeps
    what the previous release did with it. `budget`: seconds for the attacker problem; past it
    every local figure of a table still open is hidden (a safe fallback, audited like the
    rest) and `notes` says so.

    `first_pass=False` skips the fast per-table secondary suppression, and `audit_only=True`
    also skips the attacker problem's extra suppressions (so tests can see what each does)."""
    frame = built.frame.copy()
    frame["suppressed"] = False
    shown = frame["value"].notna()
    local = frame["area_code"] != SCOTLAND
    earlier = _Releases.of(built, known)
    caps = _small_totals(built, frame, threshold)
    attack = _Attack(built, frame, earlier, threshold, caps, budget)
    work = attack.rows_to_protect(previous)
    sensitive, sensitive_vars = _sensitive(built, frame[work], threshold, caps)
    # Primary: small counts, and every figure resting on one.
    hide = shown & local & work & (_isin(frame["var"], sensitive_vars)
                                   | _isin(frame["den_var"], sensitive_vars)
                                   & (frame["measure"] == PERCENT))
    # Group disclosure: hide the part whose complement is small.
    parts = {s.terms[1][0] for s in sensitive if s.key[0] == "complement"}
    hide |= shown & work & _isin(frame["var"], parts)
    # A figure an earlier release hid stays hidden while its value is unchanged.
    stay = earlier.stay_hidden()
    if stay:
        hide |= shown & work & local & np.array([k in stay for k in _keys(frame)], dtype=bool)
    if first_pass:
        hide |= _first_pass(frame, hide, directory, threshold, work)
    hide |= attack.carried
    frame.loc[hide, "suppressed"] = True
    attack.sensitive = sensitive
    attack.run(protect=not audit_only, remember=first_pass and not audit_only)
    if attack.extra:
        frame.loc[np.array([k in attack.extra for k in _keys(frame)], dtype=bool),
                  "suppressed"] = True
    result = _published(built, frame, attack.findings(), shown, attack.unprotected_before)
    result.notes.extend(attack.notes)
    result.earlier_only = attack.earlier_only
    result.protected_afresh = int(work.sum())
    return result


def audit(built: Built, published_frame: pd.DataFrame, threshold: int,
          known: pd.DataFrame | None = None) -> tuple[list[sdc.Finding], set]:
    """The attacker problem over figures as they were published (suppressed where stored so)
    and everything earlier releases published (`known`): one finding per suppressed figure,
    sensitive expression and cell an earlier release hid; with the keys of the unprotected
    findings that rest only on earlier releases."""
    frame = built.frame.copy()
    hidden = set(_keys(published_frame[published_frame["suppressed"]]))
    frame["suppressed"] = np.array([k in hidden for k in _keys(frame)], dtype=bool)
    caps = _small_totals(built, frame, threshold)
    sensitive, _ = _sensitive(built, frame, threshold, caps)
    attack = _Attack(built, frame, _Releases.of(built, known), threshold, caps, None)
    attack.sensitive = sensitive
    attack.run(protect=False, remember=False)
    return attack.findings(), attack.earlier_only


CHUNK_ROWS = 150_000  # figures per piece of the attacker problem held in memory at once


class _Attack:
    """The attacker problem over every figure, piece by piece: tables (an indicator's areas
    in one period) joined by the relations and percentages across them are independent of
    the rest, so they are given to `sdc` a chunk of about `CHUNK_ROWS` figures at a time
    (the objects `sdc` needs for a million figures do not all exist at once), and within a
    chunk as `_Blocks`. The findings come out in the order `sdc.audit` gives for the whole
    set: hidden figures in the order of the figures, then the sensitive expressions, then
    the cells earlier releases hid."""

    def __init__(self, built: Built, frame: pd.DataFrame, earlier: _Releases, threshold: int,
                 caps: dict, budget: float | None):
        self.built, self.frame, self.threshold = built, frame, threshold
        self.earlier, self.caps = earlier, caps
        self.sensitive: list[sdc.Sensitive] = []
        self.deadline = None if budget is None else time.perf_counter() + budget
        self.found: dict = {}
        self.extra: set = set()
        self.unprotected_before = 0
        self.hidden_at: dict = {}  # key of a hidden figure -> its position in the frame
        self.earlier_only: set = set()  # unprotected keys that earlier releases alone pin
        self.notes: list[str] = []
        self.carried = pd.Series(False, index=frame.index)
        self.only: set | None = None  # the groups to work on (None: all)
        self._grouped: tuple[list, dict] | None = None  # `tables` and `group`, when first asked

    @property
    def tables(self) -> list:
        """Each frame row's table (indicator, period)."""
        if self._grouped is None:
            self._grouped = self._tables()
        return self._grouped[0]

    @property
    def group(self) -> dict:
        """Every table's group (tables linked, transitively)."""
        if self._grouped is None:
            self._grouped = self._tables()
        return self._grouped[1]

    def _tables(self) -> tuple[list, dict]:
        """Each frame row's table, and every table's group (tables linked, transitively)."""
        tables = [(v[1], v[3]) if isinstance(v, tuple) else None
                  for v in self.frame["var"].tolist()]
        parent: dict = {}

        def find(t):
            root = t
            while parent.get(root, root) != root:
                root = parent[root]
            while parent.get(t, t) != root:
                parent[t], t = root, parent[t]
            return root

        def join(keys) -> None:
            found = [t for t in (_table(k) for k in keys) if t is not None]
            if not found:
                return
            for table in found:  # a member, root or not (a table no row of today's has too)
                parent.setdefault(table, table)
            first = find(found[0])
            for table in found[1:]:
                other = find(table)
                if other != first:
                    parent[other] = first

        for link in self.built.links:
            join(link)
        for var, den in zip(self.frame["var"].tolist(), self.frame["den_var"].tolist(),
                            strict=True):
            if isinstance(var, tuple) and isinstance(den, tuple):
                join((var, den))
        for row in self.earlier.relation_rows:
            join([k for k, _ in row.terms])
        for figure in self.earlier.figures:
            for shown in figure.shows:
                if len(shown.terms) > 1:
                    join([k for k, _ in shown.terms])
        return tables, {t: find(t) for t in set(tables) | set(parent) if t is not None}

    def rows_to_protect(self, previous: pd.DataFrame | None) -> pd.Series:
        """Which rows to protect afresh: every row, unless the previous release's rows are
        given; then the rows of groups with a table whose figures changed (a value, a
        population, a count behind a figure, a figure added or gone). Every other row keeps
        its previous suppression (`carried`), and its group is not worked on."""
        frame = self.frame
        if previous is None or previous.empty:
            return pd.Series(True, index=frame.index)
        before = {}
        for key, true, den_true, population, value, suppressed in zip(
                _keys(previous), previous["truth"].tolist(), previous["den_truth"].tolist(),
                previous["population"].tolist(), previous["value"].tolist(),
                previous["suppressed"].tolist(), strict=True):
            before[key] = (_plain(true), _plain(den_true), _plain(population),
                           None if suppressed else _plain(value), bool(suppressed))
        truth = self.built.truth
        touched: set = set()
        carried = []
        keys = _keys(frame)
        for key, var, den, population, value, table in zip(
                keys, frame["var"].tolist(), frame["den_var"].tolist(),
                frame["population"].tolist(), frame["value"].tolist(), self.tables,
                strict=True):
            old = before.pop(key, None)
            now = (_plain(truth.get(var)) if isinstance(var, tuple) else None,
                   _plain(truth.get(den)) if isinstance(den, tuple) else None,
                   _plain(population))
            if old is None or old[:3] != now or (old[3] is not None and old[3] != _plain(value)):
                touched.add(table)
            carried.append(bool(old[4]) if old is not None else False)
        numerator = {(c, m): v[1] for c, m, v in zip(
            frame["indicator_code"].tolist(), frame["measure"].tolist(),
            frame["var"].tolist(), strict=True) if isinstance(v, tuple)}
        touched |= {(numerator.get((key[0], key[1]), key[0]), key[3])
                    for key in before}  # figures gone
        touched_groups = {self.group.get(t) for t in touched} - {None}
        work = np.array([self.group.get(t) in touched_groups for t in self.tables], dtype=bool)
        self.only = touched_groups
        self.carried = pd.Series(np.array(carried, dtype=bool) & ~work, index=frame.index)
        return pd.Series(work, index=frame.index)

    def run(self, protect: bool, remember: bool) -> None:
        frame = self.frame
        hidden = (frame["suppressed"] & frame["value"].notna()).to_numpy()
        if not hidden.any() and not self.sensitive and not self.earlier.targets:
            return  # nothing hidden and nothing sensitive: nothing for the attacker to find
        tables, group = self.tables, self.group
        row_group = [group.get(t) for t in tables]

        def group_of(terms) -> object:
            return group.get(_table(terms[0][0])) if terms else None

        expressions: dict = defaultdict(list)
        for expression in [*self.sensitive, *self.earlier.targets]:
            expressions[group_of(expression.terms)].append(expression)
        earlier: dict = defaultdict(list)
        for figure in self.earlier.figures:
            earlier[group_of(figure.target)].append(figure)
        # groups with something to protect: a hidden figure or a sensitive expression
        targets = {row_group[i] for i in np.flatnonzero(hidden)} | set(expressions)
        targets.discard(None)
        if self.only is not None:
            targets &= self.only
        # the relations of those groups only (the area sums of the other tables are never
        # made into rows)
        relations: dict = defaultdict(list)
        for row in [*self.built.relation_rows.where(lambda t: group.get(t) in targets),
                    *self.earlier.relation_rows]:
            relations[group_of(row.terms)].append(row)
        size = Counter(row_group)
        positions = defaultdict(list)
        for i, g in enumerate(row_group):
            if g in targets:
                positions[g].append(i)
        chunk: list = []
        rows = 0
        for g in sorted(targets, key=lambda g: positions[g][0] if positions[g] else -1):
            chunk.append(g)
            rows += size[g]
            if rows >= CHUNK_ROWS:
                self._chunk(chunk, positions, relations, expressions, earlier, protect,
                            remember)
                chunk, rows = [], 0
        if chunk:
            self._chunk(chunk, positions, relations, expressions, earlier, protect, remember)

    def _chunk(self, groups: list, positions: dict, relations: dict, expressions: dict,
               earlier: dict, protect: bool, remember: bool) -> None:
        part = self.frame.iloc[sorted(i for g in groups for i in positions[g])]
        model, at = _model_rows(part, _Releases(figures=[f for g in groups for f in earlier[g]],
                                                public=self.earlier.public),
                                self.caps, self.threshold, self.built.truth)
        blocks = _Blocks(model, [r for g in groups for r in relations[g]],
                         [s for g in groups for s in expressions[g]])
        targets = blocks.with_targets()
        memory = _BlockMemory(blocks, targets, self.threshold) if remember else None
        remembered = memory.found if memory else {}
        todo = targets - set(remembered)
        found = blocks.audit(todo, self.threshold, lean=True)
        before = [f for f in found.values() if not f.protected]
        block_of = blocks.block_of_finding()
        extra: set = set()
        if before and protect:
            open_blocks = {block_of[f.key] for f in before}
            # Block by block: the greedy search takes as many rounds as its slowest block
            # needs, and a round over many blocks costs them all.
            for figures, rows, exprs in blocks.each(open_blocks).values():
                if self.deadline is not None and time.perf_counter() > self.deadline:
                    hidden = {f.key for f in figures if f.can_suppress and not f.suppressed}
                    for f in figures:
                        if f.key in hidden:
                            f.suppressed = True
                    extra |= hidden
                    self.notes.append(
                        f"protection ran past its time budget: every local figure of the "
                        f"tables linked to {_block_name(figures)} is hidden")
                    continue
                extra |= sdc.protect(figures, rows, self.threshold, exprs)
            found.update(blocks.audit(open_blocks, self.threshold))
        self.unprotected_before += len(before)
        if memory:
            memory.remember(todo, found, {f.key for f in before}, extra, block_of)
        for block in remembered.values():
            found.update(block.findings)
            extra |= block.extra
            self.unprotected_before += block.unprotected_before
            for key in block.extra:  # hidden by protect when the block was first met
                blocks.figure(key).suppressed = True
        self._earlier_only(blocks, found, block_of)
        self.found.update(found)
        self.extra |= extra
        index = part.index
        for figure, position in zip(model, at, strict=True):
            if figure.suppressed and position >= 0:
                self.hidden_at[figure.key] = index[position]

    def _earlier_only(self, blocks: _Blocks, found: dict, block_of: dict) -> None:
        """Unprotected findings that the earlier releases alone already give away: nothing
        published now can change them (they are reported, and do not stop a publication)."""
        bad = [f for f in found.values() if not f.protected]
        if not bad:
            return
        for block, (figures, rows, exprs) in blocks.each({block_of[f.key] for f in bad}).items():
            # what earlier releases showed: their own figures, and today's counts that they
            # showed at the same value (`_Releases` keeps only today's figure of those)
            public = self.earlier.public
            old = [f for f in figures if isinstance(f.key, tuple) and (
                f.key[0] == EARLIER or (len(f.key) == 4 and f.key[1] == COUNT
                and f.target and f.target[0][0] in public))]
            terms = {f.key: f.target for f in figures}
            terms.update((e.key, e.terms) for e in exprs)
            keys = [f.key for f in bad if block_of[f.key] == block]
            checks = [sdc.Sensitive(key, terms[key]) for key in keys]
            for finding in sdc.audit(old, rows, self.threshold, checks):
                if not finding.protected:
                    self.earlier_only.add(finding.key)

    def findings(self) -> list[sdc.Finding]:
        hidden = sorted(self.hidden_at, key=self.hidden_at.__getitem__)
        ordered = [self.found[k] for k in hidden] + [
            self.found[s.key] for s in [*self.sensitive, *self.earlier.targets]
            if s.key in self.found]
        return [self._unscaled(f) for f in ordered]

    def _unscaled(self, finding: sdc.Finding) -> sdc.Finding:
        """A finding on a count under a small published total, in counts again."""
        var = _finding_var(finding.key)
        if var is None and finding.key in self.hidden_at:
            var = self.frame.at[self.hidden_at[finding.key], "var"]
        cap = self.caps.get(var) if var is not None else None
        if not cap or cap <= 0:
            return finding
        factor = self.threshold / cap * (1 + 1e-9)
        return dataclasses.replace(finding, low=round(finding.low / factor, 6),
                                   high=round(finding.high / factor, 6))


def _finding_var(key: object) -> Var | None:
    """The count a sensitive expression's finding is about (figures: see `_unscaled`)."""
    if isinstance(key, tuple) and len(key) == 2 and key[0] in ("small", "withheld"):
        return key[1]
    return None


def _block_name(figures: list[sdc.Figure]) -> str:
    for figure in figures:
        if isinstance(figure.key, tuple) and len(figure.key) == 4:
            code, _, _, period = figure.key
            return f"{code} {period}"
    return "a table"


def _plain(value: object) -> object:
    """A stored or built number as a plain float (None for missing), for comparison."""
    if value is None:
        return None
    try:
        return None if pd.isna(value) else round(float(value), 9)
    except (TypeError, ValueError):
        return value


@dataclass
class _Remembered:
    findings: dict
    extra: set
    unprotected_before: int


_MEMORY: OrderedDict = OrderedDict()  # block content key -> _Remembered
_MEMORY_LOCK = threading.Lock()
_MEMORY_LIMIT = 100_000  # blocks


class _BlockMemory:
    """What protecting a block gave, remembered by the block's whole content (its figures
    as the attacker problem sees them, with their costs and what is hidden before the
    attacker problem; its relations and sensitive expressions; the threshold), so that a
    publication that changes a few indicators only works on their blocks. In this process
    only (an upload through the Upload page; a command-line import starts afresh). The same
    content gives the same result: the attacker problem is deterministic. The key is two
    independent 64-bit hashes of the content and its size (a false match is less likely
    than 1 in 10^9 over a lifetime of uploads)."""

    def __init__(self, blocks: _Blocks, targets: set[int], threshold: int):
        self.keys: dict[int, tuple] = {}
        self.found: dict[int, _Remembered] = {}
        for block, (figures, relations, sensitive) in blocks.each(targets).items():
            rows = tuple((f.key, f.shows, f.target, f.cost, f.suppressed, f.can_suppress)
                         for f in figures)
            content = (threshold, rows, tuple(relations), tuple(sensitive))
            key = (hash(content), hash((tuple(reversed(rows)), content[2][::-1],
                                        content[3][::-1], -threshold)), len(rows))
            self.keys[block] = key
            with _MEMORY_LOCK:
                hit = _MEMORY.get(key)
                if hit is not None:
                    _MEMORY.move_to_end(key)
                    self.found[block] = hit

    def remember(self, todo: set[int], found: dict, unprotected: set, extra: set,
                 where: dict) -> None:
        per_block = {b: _Remembered({}, set(), 0) for b in todo if b in self.keys}
        for key, finding in found.items():
            block = per_block.get(where.get(key))
            if block is not None:
                block.findings[key] = finding
                block.unprotected_before += key in unprotected
        for key in extra:
            block = per_block.get(where.get(key))
            if block is not None:
                block.extra.add(key)
        with _MEMORY_LOCK:
            for block, result in per_block.items():
                _MEMORY[self.keys[block]] = result
            while len(_MEMORY) > _MEMORY_LIMIT:
                _MEMORY.popitem(last=False)


def _published(built: Built, frame: pd.DataFrame, findings: list, shown: pd.Series,
               first_pass_unprotected: int) -> Protected:
    hidden = frame["suppressed"]
    frame.loc[hidden, "value"] = np.nan
    frame.loc[hidden, "symbol"] = SUPPRESSED_SYMBOL
    # A count shown beside a rate or percentage only where its own figure is shown; and the
    # counts behind each figure, kept with it (never shown): what a later release's attacker
    # problem ties its earlier quantities to (`_Releases`). Each count variable's row is its
    # count figure's (every true count has one, with the true value before suppression).
    variables = frame["var"].tolist()
    rows = np.flatnonzero(frame["measure"].to_numpy(dtype=object) == COUNT).tolist()
    count_at = dict(zip([variables[i] for i in rows], rows, strict=True))
    shown_value = frame["value"].to_numpy(dtype=float)
    true_value = built.frame["value"].to_numpy(dtype=float)

    def of_counts(column: list) -> tuple[np.ndarray, np.ndarray]:
        """The shown and the true count of each variable in `column` (NaN: none)."""
        at = np.fromiter((count_at.get(v, -1) if isinstance(v, tuple) else -1 for v in column),
                         dtype=np.int64, count=len(column))
        found, at = at >= 0, np.maximum(at, 0)
        return (np.where(found, shown_value[at], np.nan),
                np.where(found, true_value[at], np.nan))

    frame["count"], frame["truth"] = of_counts(variables)
    dens = frame["den_var"].tolist()
    if any(v is not None for v in dens):
        frame["base"], frame["den_truth"] = of_counts(dens)
    else:
        frame["base"] = frame["den_truth"] = np.nan
    frame = frame.astype({"count": "float64", "base": "float64", "truth": "float64",
                          "den_truth": "float64"})
    return Protected(frame[[*COLUMNS, "truth", "den_truth"]].reset_index(drop=True), findings,
                     list(built.relation_notes),
                     int(shown.sum()), int(hidden.sum()), first_pass_unprotected)


def _first_pass(frame: pd.DataFrame, hide: pd.Series, directory: AreaDirectory,
                threshold: int, work: pd.Series | None = None) -> pd.Series:
    """The fast per-table secondary suppression (`disclosure.protect_counts`) over the count
    figures (of the rows in `work`), and every rate or percentage resting on a count it
    hides."""
    counts = frame[(frame["measure"] == COUNT) & (True if work is None else work)]
    hidden_vars: set = set(frame.loc[hide & (frame["measure"] == COUNT), "var"])
    for _code, table in counts.groupby("indicator_code", sort=False):
        pre_hidden = _isin(table["var"], hidden_vars)
        # only the periods with something concealed (hidden, withheld or small) can need more
        values = table["value"].to_numpy(dtype=float)
        concealed = pre_hidden | table["symbol"].isin(list(HIDING_SYMBOLS)).to_numpy() | (
            (values > 0) & (values < threshold) & (table["area_code"] != SCOTLAND).to_numpy())
        if not concealed.any():
            continue
        periods = set(table["period"].to_numpy()[concealed].tolist())
        keep = np.fromiter((p in periods for p in table["period"].tolist()), dtype=bool,
                           count=len(table))
        table, pre_hidden = table[keep], pre_hidden[keep]
        work = table[["area_code", "period", "value", "symbol"]].copy()
        work.loc[pre_hidden, "value"] = np.nan
        work.loc[pre_hidden, "symbol"] = SUPPRESSED_SYMBOL  # counts as a hidden part
        protected = disclosure.protect_counts(work, directory, threshold)
        hidden_vars |= set(table.loc[protected["suppressed"].to_numpy(), "var"])
    result = frame["value"].notna() & (_isin(frame["var"], hidden_vars)
                                       | _isin(frame["den_var"], hidden_vars))
    return result & (frame["area_code"] != SCOTLAND)


def _isin(column: pd.Series, values: set) -> np.ndarray:
    """column.isin(values) for a column of counts' variables: looked up in the set (pandas
    would hash the whole set again on every call)."""
    if not values:
        return np.zeros(len(column), dtype=bool)
    return np.fromiter((v in values for v in column.tolist()), dtype=bool, count=len(column))
