"""Small adversarial sets for disclosure tests, and an attacker written independently of the
code under test: a tiny directory (Scotland, six councils, five committees, one joint), the
relations stated in plain Python, and linear programmes for the least and greatest value of a
hidden count given everything published."""


from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from cpip_dashboard.protection import figures
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory, AreaInfo

T = 5
Y1, Y2 = dt.date(2023, 7, 31), dt.date(2024, 7, 31)
ORKNEY, SHETLAND, SIAR, CLACKS, STIRLING, FIFE = (
    "S12000023", "S12000027", "S12000013", "S12000005", "S12000030", "S12000047")
JOINT = "CPC05"  # Clackmannanshire & Stirling
COUNCILS = [ORKNEY, SHETLAND, SIAR, CLACKS, STIRLING, FIFE]
CPCS = {"CPC22": [ORKNEY], "CPC23": [SHETLAND], "CPC24": [SIAR], JOINT: [CLACKS, STIRLING],
        "CPC14": [FIFE]}


def directory() -> AreaDirectory:
    areas = [AreaInfo(SCOTLAND, "Scotland", "scotland", None, 0)]
    for i, code in enumerate(COUNCILS, start=1):
        parent = next(c for c, members in CPCS.items() if code in members)
        areas.append(AreaInfo(code, code, "council", parent, i))
    areas += [AreaInfo(c, c, "cpc", None, 100 + i) for i, c in enumerate(CPCS)]
    return AreaDirectory(areas, {})


def definition(code, unit="count", numerator=None, denominator=None):
    return {"code": code, "name": code, "unit": unit, "frequency": "annual",
            "numerator": numerator, "denominator": denominator, "polarity": "neither"}


DEFINITIONS = {
    "CP_REGISTER": definition("CP_REGISTER"),
    "CP_REGISTER_RATE": definition("CP_REGISTER_RATE", "rate per 1,000", "CP_REGISTER",
                                   "children aged 0-17"),
    "CP_REGISTRATIONS": definition("CP_REGISTRATIONS"),
    "CP_DEREGISTRATIONS": definition("CP_DEREGISTRATIONS"),
    "CP_REREGISTRATIONS": definition("CP_REREGISTRATIONS", denominator="CP_REGISTRATIONS"),
    "CONCERN_NEGLECT": definition("CONCERN_NEGLECT"),
}
POPULATION = {ORKNEY: 3_900, SHETLAND: 4_600, SIAR: 4_300, CLACKS: 10_000, STIRLING: 17_000,
              FIFE: 70_000}


def inputs(values: dict[tuple[str, str, dt.date], float | str],
           populations: dict[tuple[str, int], float] | None = None) -> figures.Inputs:
    """Uploaded values (a number or a symbol) for councils and Scotland."""
    rows = [{"indicator_code": c, "area_code": a, "period": p,
             "value": v if not isinstance(v, str) else None,
             "symbol": v if isinstance(v, str) else None, "status": None, "batch_id": 1,
             "illustrative": False} for (c, a, p), v in values.items()]
    frame = pd.DataFrame(rows).astype({"value": "float64", "symbol": object, "status": object})
    if populations is None:
        populations = {(a, y): n for a, n in POPULATION.items() for y in (2023, 2024)}
    pops = pd.DataFrame([{"area_code": a, "year": y, "children": n}
                         for (a, y), n in populations.items()])
    return figures.Inputs(DEFINITIONS, frame, pops, directory())


def table(code: str, period: dt.date, counts: dict[str, float]) -> dict:
    """Council counts for one indicator and period, with Scotland as their sum."""
    result = {(code, a, period): v for a, v in counts.items()}
    result[(code, SCOTLAND, period)] = float(sum(counts.values()))
    return result


def release_rows(rows: list[dict], publication_id: int = 1,
                 valid_to: int | None = None) -> pd.DataFrame:
    """Figure rows as an earlier release stored them (publication.KNOWN): each row's
    indicator, measure, area, period, the value shown (None: hidden) and the count behind it
    (`truth`); optional population, den_truth."""
    frame = pd.DataFrame([{"value": None, "suppressed": r.get("value") is None,
                           "population": None, "den_truth": None, **r,
                           "publication_id": publication_id, "valid_to": valid_to}
                          for r in rows])
    return frame.astype({"value": "float64", "truth": "float64", "den_truth": "float64",
                         "population": "float64", "valid_to": "float64"})


def run(values, populations=None, threshold=T, **options) -> figures.Protected:
    data = inputs(values, populations)
    return figures.protect(figures.build(data), data.directory, threshold, **options)


# --- the independent attacker ------------------------------------------------------------------


def attacker_interval(published: pd.DataFrame, target: tuple[str, str, dt.date],
                      stock_flow_tolerance: float = 2.0) -> tuple[float, float]:
    """Least and greatest value of a count given everything published (see module doc)."""
    areas = [SCOTLAND, *COUNCILS, *CPCS]
    codes = sorted({c for c in DEFINITIONS if DEFINITIONS[c]["unit"] == "count"})
    periods = sorted(set(published["period"]))
    keys = [(c, a, p) for c in codes for a in areas for p in periods]
    index = {k: i for i, k in enumerate(keys)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []

    def row(terms):
        r = np.zeros(len(keys))
        for k, coef in terms:
            r[index[k]] += coef
        return r

    for c in codes:
        for p in periods:
            a_eq.append(row([((c, SCOTLAND, p), 1)] + [((c, x, p), -1) for x in COUNCILS]))
            b_eq.append(0)
            a_eq.append(row([((c, SCOTLAND, p), 1)] + [((c, x, p), -1) for x in CPCS]))
            b_eq.append(0)
            for cpc, members in CPCS.items():
                a_eq.append(row([((c, cpc, p), 1)] + [((c, m, p), -1) for m in members]))
                b_eq.append(0)
    for a in areas:  # register(t) - register(t-1) - registrations(t) + de-registrations(t)
        terms = [(("CP_REGISTER", a, Y2), 1), (("CP_REGISTER", a, Y1), -1),
                 (("CP_REGISTRATIONS", a, Y2), -1), (("CP_DEREGISTRATIONS", a, Y2), 1)]
        if Y1 in periods and Y2 in periods:
            a_ub.append(row(terms))
            b_ub.append(stock_flow_tolerance)
            a_ub.append(-row(terms))
            b_ub.append(stock_flow_tolerance)
        for p in periods:  # parts within totals
            a_ub.append(row([(("CONCERN_NEGLECT", a, p), 1), (("CP_REGISTER", a, p), -1)]))
            b_ub.append(0)
            a_ub.append(row([(("CP_REREGISTRATIONS", a, p), 1),
                             (("CP_REGISTRATIONS", a, p), -1)]))
            b_ub.append(0)
    for f in published[published["value"].notna()].itertuples():
        code = f.indicator_code
        if f.measure == "count":
            a_eq.append(row([((code, f.area_code, f.period), 1)]))
            b_eq.append(f.value)
        elif f.measure == "rate":
            numerator = DEFINITIONS[code]["numerator"] or code
            k = (numerator, f.area_code, f.period)
            a_ub.append(row([(k, 1)]))
            b_ub.append((f.value + 0.05) * f.population / 1000)
            a_ub.append(row([(k, -1)]))
            b_ub.append(-(f.value - 0.05) * f.population / 1000)
        elif f.measure == "percent":
            den = DEFINITIONS[code]["denominator"]
            n, d = (code, f.area_code, f.period), (den, f.area_code, f.period)
            a_ub.append(row([(n, 1), (d, -(f.value + 0.05) / 100)]))
            b_ub.append(0)
            a_ub.append(row([(n, -1), (d, (f.value - 0.05) / 100)]))
            b_ub.append(0)
    bounds = []
    for _ in keys:
        bounds.append((0, None))
    result = []
    for sign in (1, -1):
        objective = np.zeros(len(keys))
        objective[index[target]] = sign
        solved = linprog(objective, A_ub=np.array(a_ub) if a_ub else None,
                         b_ub=b_ub or None, A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds,
                         method="highs")
        assert solved.status in (0, 3), solved.message
        result.append(math.inf if solved.status == 3 else sign * solved.fun)
    low, high = result
    return math.ceil(low - 1e-6), (high if math.isinf(high) else math.floor(high + 1e-6))


def published_view(protected: figures.Protected) -> pd.DataFrame:
    return protected.frame


def assert_every_hidden_count_protected(protected: figures.Protected, truth: dict) -> None:
    shown = published_view(protected)
    for (code, area, period), value in truth.items():
        if area == SCOTLAND or isinstance(value, str):
            continue
        mine = shown[(shown["indicator_code"] == code) & (shown["measure"] == "count")
                     & (shown["area_code"] == area) & (shown["period"] == period)]
        if len(mine) and pd.isna(mine.iloc[0]["value"]):
            low, high = attacker_interval(shown, (code, area, period))
            assert high - low >= T, f"{code} {area} {period} pinned to [{low}, {high}]"
        elif 0 < value < T:
            pytest.fail(f"small count {code} {area} = {value} is shown")


def value_of(protected: figures.Protected, code, measure, area, period=Y2):
    f = protected.frame
    mine = f[(f["indicator_code"] == code) & (f["measure"] == measure)
             & (f["area_code"] == area) & (f["period"] == period)]
    return None if mine.empty or pd.isna(mine.iloc[0]["value"]) else mine.iloc[0]["value"]


# --- the attacker holding every release, in whole numbers ----------------------------------


def release_attacker(releases: list[tuple[pd.DataFrame, dict]], target: tuple,
                     at: int = -1, stock_flow_tolerance: float = 2.0,
                     extra: list | None = None) -> tuple[float, float]:
    """Least and greatest whole-number value of `target` ((code, area, period)) at release
    `at`, given every release: each is (what it published, the true counts then). A count
    is the same unknown in two releases when its true value is the same in both (the
    attacker is told which figures were revised), another unknown when it was revised. Each
    release's relations hold among its own counts: area sums, stock and flow within the
    tolerance, parts within totals, and `extra` ((code, [(code, lag)...]) sums: code = the sum
    of the others over the same area, `lag` periods back). Written from CONTRACT.md's
    relations alone, with scipy's MILP, independently of the code under test."""

    areas = [SCOTLAND, *COUNCILS, *CPCS]
    codes = sorted({c for c in DEFINITIONS if DEFINITIONS[c]["unit"] == "count"}
                   | {c for c, _ in extra or ()})
    columns: dict = {}

    def col(release: int, key: tuple) -> int:
        value = releases[release][1].get(key)
        return columns.setdefault((key, value), len(columns))

    rows: list[tuple[dict, float, float]] = []

    def add(release, terms, low, high):
        row: dict = {}
        for key, coef in terms:
            j = col(release, key)
            row[j] = row.get(j, 0.0) + coef
        rows.append((row, low, high))

    for r, (published, truth) in enumerate(releases):
        periods = sorted({p for (_, _, p) in truth} | set(published["period"]))
        for c in codes:
            for p in periods:
                add(r, [((c, SCOTLAND, p), 1)] + [((c, x, p), -1) for x in COUNCILS], 0, 0)
                add(r, [((c, SCOTLAND, p), 1)] + [((c, x, p), -1) for x in CPCS], 0, 0)
                for cpc, members in CPCS.items():
                    add(r, [((c, cpc, p), 1)] + [((c, m, p), -1) for m in members], 0, 0)
        for a in areas:
            for p in periods:
                back = p.replace(year=p.year - 1)
                if back in periods and "CP_REGISTRATIONS" in codes:
                    add(r, [(("CP_REGISTER", a, p), 1), (("CP_REGISTER", a, back), -1),
                            (("CP_REGISTRATIONS", a, p), -1), (("CP_DEREGISTRATIONS", a, p), 1)],
                        -stock_flow_tolerance, stock_flow_tolerance)
                add(r, [(("CONCERN_NEGLECT", a, p), 1), (("CP_REGISTER", a, p), -1)],
                    -math.inf, 0)
                add(r, [(("CP_REREGISTRATIONS", a, p), 1), (("CP_REGISTRATIONS", a, p), -1)],
                    -math.inf, 0)
                for code, parts in extra or ():
                    terms = [((code, a, p), 1)]
                    for other, lag in parts:
                        terms.append(((other, a, p.replace(year=p.year - lag)), -1))
                    add(r, terms, 0, 0)
        for f in published[published["value"].notna()].itertuples():
            code = f.indicator_code
            if f.measure == "count":
                add(r, [((code, f.area_code, f.period), 1)], f.value, f.value)
            elif f.measure == "rate":
                k = (DEFINITIONS.get(code, {}).get("numerator") or code, f.area_code, f.period)
                add(r, [(k, 1)], (f.value - 0.05) * f.population / 1000,
                    (f.value + 0.05) * f.population / 1000)
            elif f.measure == "percent":
                den = DEFINITIONS[code]["denominator"]
                n, d = (code, f.area_code, f.period), (den, f.area_code, f.period)
                add(r, [(n, 1), (d, -(f.value + 0.05) / 100)], -math.inf, 0)
                add(r, [(n, 1), (d, -(f.value - 0.05) / 100)], 0, math.inf)
    width = len(columns)
    matrix = np.zeros((len(rows), width))
    for i, (row, _, _) in enumerate(rows):
        for j, coef in row.items():
            matrix[i, j] = coef
    constraint = LinearConstraint(matrix, [low for _, low, _ in rows],
                                  [high for _, _, high in rows])
    goal = col(at % len(releases), target)
    result = []
    for sign in (1, -1):
        objective = np.zeros(width)
        objective[goal] = sign
        solved = milp(objective, constraints=[constraint], integrality=np.ones(width),
                      bounds=Bounds(0, 10**6))
        assert solved.status == 0, solved.message
        result.append(round(sign * solved.fun))
    return tuple(result)


def hidden_counts(protected: figures.Protected) -> list[tuple]:
    """The (code, area, period) of every count a protected set hides."""
    f = protected.frame
    hidden = f[f["suppressed"] & (f["measure"] == "count")]
    return list(zip(hidden["indicator_code"], hidden["area_code"], hidden["period"],
                    strict=True))


def as_release(protected: figures.Protected, publication_id: int,
               valid_to: int | None = None) -> pd.DataFrame:
    """A protected set's rows as a release stores them (publication.KNOWN)."""
    frame = protected.frame.copy()
    frame["publication_id"] = publication_id
    frame["valid_to"] = np.nan if valid_to is None else float(valid_to)
    return frame


def truth_of(values: dict) -> dict:
    """The true counts behind uploaded council and Scotland values, committees summed."""
    truth = {k: float(v) for k, v in values.items() if not isinstance(v, str)}
    for (code, _, period) in {(c, None, p) for c, _, p in values}:
        for cpc, members in CPCS.items():
            parts = [truth.get((code, m, period)) for m in members]
            if all(v is not None for v in parts):
                truth[(code, cpc, period)] = float(sum(parts))
    return truth
