"""Publications: the data version, and the protected figures stored for it.

Every commit and every rollback is a publication; its id is the data version every cache is
keyed on, so it moves exactly when what the pages show changes. When the change touches
indicator values, populations or definitions, the whole set of publishable figures is built,
protected and audited (`figures.protect`) inside the same transaction, and stored; otherwise the
publication keeps the figures it had (`figures_from`). Pages, downloads and packs read the
stored rows (`series`); nothing of the protection runs on a page request.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from . import config, figures
from .imports.pipeline import insert_rows
from .models import MeetingPack, Publication, PublishedFigure
from .sdc import Finding

FIGURE_KINDS = frozenset({"indicators", "populations", "definitions"})
# Bump when the way figures are built or protected changes: stored figures are rebuilt on start.
METHOD = "figures-2"


def latest(conn: Connection) -> Publication | None:
    return conn.execute(select(Publication).order_by(Publication.id.desc()).limit(1)).first()


def version(conn: Connection) -> str:
    """The data version: the latest publication's id ("0" before the first)."""
    found = conn.execute(select(func.max(Publication.id))).scalar()
    return str(found or 0)


def publish(conn: Connection, event: str, batch_id: int | None, kinds: set[str] | None,
            threshold: int | None = None) -> int:
    """Record a publication; rebuild and store the protected figures when `kinds` (the sheet
    kinds the change touched; None = all) can change a figure, or the method or threshold
    differs from the stored figures'."""
    threshold = threshold or config.suppress_below()
    previous = latest(conn)
    stale = previous is None or previous.figures_from is None or _summary(previous).get(
        "method") != METHOD or previous.threshold != threshold
    rebuild = stale or kinds is None or bool(set(kinds) & FIGURE_KINDS)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if not rebuild:
        return conn.execute(Publication.__table__.insert().values(
            at=now, event=event, batch_id=batch_id, figures_from=previous.figures_from,
            threshold=threshold, summary_json=previous.summary_json)).inserted_primary_key[0]
    started = time.perf_counter()
    inputs = figures.load(conn)
    protected = figures.protect(figures.build(inputs), inputs.directory, threshold,
                                archived=archived_figures(conn))
    summary = {
        "method": METHOD, "figures": protected.figure_count,
        "suppressed": protected.suppressed_count,
        "unprotected_after_first_pass": protected.first_pass_unprotected,
        "unprotected": [finding_text(f) for f in protected.unprotected],
        "checked": len(protected.findings), "notes": protected.notes,
        "seconds": round(time.perf_counter() - started, 2),
    }
    publication_id = conn.execute(Publication.__table__.insert().values(
        at=now, event=event, batch_id=batch_id, figures_from=None, threshold=threshold,
        summary_json=json.dumps(summary, default=str))).inserted_primary_key[0]
    conn.execute(Publication.__table__.update().where(Publication.id == publication_id)
                 .values(figures_from=publication_id))
    _store(conn, publication_id, protected.frame)
    return publication_id


def ensure(conn: Connection, threshold: int | None = None) -> None:
    """On start: publish when there is no publication yet, or the stored figures were built by
    another method or for another threshold."""
    threshold = threshold or config.suppress_below()
    previous = latest(conn)
    if previous is None or _summary(previous).get("method") != METHOD \
            or previous.threshold != threshold:
        publish(conn, "start", None, None, threshold)


def archived_figures(conn: Connection, exclude: int | None = None) -> pd.DataFrame:
    """The figures shown at the data versions of archived meeting packs (except `exclude`):
    whoever holds a pack knows them for good."""
    versions = {int(v) for v in conn.execute(select(MeetingPack.data_version).distinct())
                .scalars() if str(v).isdigit()}
    if not versions:
        return pd.DataFrame(columns=["indicator_code", "measure", *SERIES_COLUMNS])
    sets = set(conn.execute(select(Publication.figures_from).where(
        Publication.id.in_(versions))).scalars()) - {None, exclude}
    if not sets:
        return pd.DataFrame(columns=["indicator_code", "measure", *SERIES_COLUMNS])
    columns = ["indicator_code", "measure", *SERIES_COLUMNS]
    rows = conn.execute(select(*[getattr(PublishedFigure, c) for c in columns]).where(
        PublishedFigure.publication_id.in_(sets), PublishedFigure.value.is_not(None)))
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def audit_current(conn: Connection) -> dict:
    """Rerun the attacker problem over every figure published at the current data version
    (as stored, suppressions included) and the figures of archived packs: the result of
    `audit-disclosure`."""
    current = latest(conn)
    if current is None or current.figures_from is None:
        return {"ok": True, "data_version": version(conn), "threshold": config.suppress_below(),
                "cells": 0, "suppressed": 0, "checked": 0, "unprotected": []}
    columns = ["indicator_code", "measure", *SERIES_COLUMNS]
    rows = conn.execute(select(*[getattr(PublishedFigure, c) for c in columns]).where(
        PublishedFigure.publication_id == current.figures_from))
    stored = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    stored["suppressed"] = stored["suppressed"].astype(bool)
    inputs = figures.load(conn)
    findings = figures.audit(figures.build(inputs), stored, current.threshold,
                             archived=archived_figures(conn, exclude=current.figures_from))
    unprotected = [finding_json(f) for f in findings if not f.protected]
    return {"ok": not unprotected, "data_version": str(current.id),
            "threshold": current.threshold, "cells": int(stored["value"].notna().sum()
                                                          + stored["suppressed"].sum()),
            "suppressed": int(stored["suppressed"].sum()), "checked": len(findings),
            "unprotected": unprotected}


def finding_json(finding: Finding) -> dict:
    """One unprotected cell as `audit-disclosure --json` names it."""
    key = finding.key
    if isinstance(key, tuple) and key and key[0] == "archived":
        key = key[1:]
    if isinstance(key, tuple) and len(key) == 4 and isinstance(key[3], dt.date):
        code, measure, area, period = key
    elif isinstance(key, tuple) and key and key[0] == "small":
        _, code, area, period = key[1]
        measure = "count"
    elif isinstance(key, tuple) and key and key[0] == "complement":
        part, total = key[1], key[2]
        code, area, period = f"{total[1]} - {part[1]}", part[2], part[3]
        measure = "count"
    else:
        return {"indicator": str(key), "area": None, "period": None, "measure": None,
                "interval": [finding.low, finding.high], "relations": [], "why": finding.note}
    relations = sorted({part.split(":")[0].strip() for part in
                        finding.note.replace("bounded by:", "").split(";") if ":" in part})
    return {"indicator": code, "area": area, "period": period.isoformat(), "measure": measure,
            "interval": [_number(finding.low), _number(finding.high)], "relations": relations,
            "why": finding.note}


def _number(value: float) -> float | int | None:
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return None
    return int(value) if float(value).is_integer() else value


def _summary(publication: Publication) -> dict:
    return json.loads(publication.summary_json or "{}")


def summary(conn: Connection) -> dict:
    """The latest publication's figures and audit, for the About page and the command line."""
    previous = latest(conn)
    if previous is None:
        return {}
    result = _summary(previous)
    result.update(data_version=str(previous.id), figures_from=previous.figures_from,
                  threshold=previous.threshold, at=previous.at)
    return result


def finding_text(finding: Finding) -> str:
    """An unprotected cell in words, for the stored audit summary."""
    cell = finding_json(finding)
    if cell["area"] is None:
        return f"{cell['indicator']}: could be pinned down"
    low, high = cell["interval"]
    return (f"{cell['indicator']} ({cell['measure']}) for {cell['area']}, period ending "
            f"{cell['period']}: could be pinned to {low} to {high}")


_STORE = ["indicator_code", "measure", "area_code", "period", "value", "symbol", "status",
          "suppressed", "count", "population", "population_year", "base", "illustrative",
          "batch_id"]


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float | int) and not isinstance(value, bool) and pd.isna(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and pd.isna(value):
            return None
    return value


def _store(conn: Connection, publication_id: int, frame: pd.DataFrame) -> None:
    insert_rows(conn, PublishedFigure.__table__, _store_columns(publication_id, frame))


def _store_columns(publication_id: int, frame: pd.DataFrame) -> dict[str, list]:
    """The rows to store, column by column, as plain Python values (None for missing),
    converted a column at a time (a million figures are fourteen million values)."""
    columns: dict[str, list] = {"publication_id": [publication_id] * len(frame)}
    for name in _STORE:
        series = frame[name]
        if name in ("suppressed", "illustrative"):
            columns[name] = [bool(v) for v in series.tolist()]
            continue
        missing = series.isna().to_numpy()
        if name in ("population_year", "batch_id"):
            values = np.empty(len(series), dtype=object)
            present = ~missing
            values[present] = series[present].to_numpy().astype(np.int64).tolist()
        else:
            values = series.to_numpy(dtype=object, copy=True)
            if series.dtype.kind in "fiub":  # numpy numbers: Python ones
                values[:] = series.to_numpy().tolist()
        values[missing] = None
        columns[name] = values.tolist()
    return columns


SERIES_COLUMNS = ["area_code", "period", "value", "symbol", "status", "batch_id", "suppressed",
                  "count", "population", "population_year", "base", "illustrative"]


def area_series(conn: Connection, pairs: list[tuple[str, str]],
                areas: tuple[str, ...]) -> dict[tuple[str, str], pd.DataFrame]:
    """`series` of several indicators and measures for a few areas, in one query (an area
    profile: its own figures and Scotland's, for every indicator): (code, measure) -> frame."""
    empty = pd.DataFrame(columns=SERIES_COLUMNS)
    current = latest(conn)
    if current is None or current.figures_from is None or not pairs:
        return {pair: empty for pair in pairs}
    rows = conn.execute(select(PublishedFigure.indicator_code, PublishedFigure.measure,
                               *[getattr(PublishedFigure, c) for c in SERIES_COLUMNS]).where(
        PublishedFigure.publication_id == current.figures_from,
        PublishedFigure.indicator_code.in_(sorted({code for code, _ in pairs})),
        PublishedFigure.measure.in_(sorted({measure for _, measure in pairs})),
        PublishedFigure.area_code.in_(areas)).order_by(PublishedFigure.id))
    every = _typed(pd.DataFrame([tuple(r) for r in rows],
                                columns=["indicator_code", "measure", *SERIES_COLUMNS]))
    groups = {key: rows for key, rows in every.groupby(["indicator_code", "measure"], sort=False)}
    return {pair: groups[pair][SERIES_COLUMNS].reset_index(drop=True) if pair in groups
            else _typed(empty) for pair in pairs}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"value": "float64", "count": "float64", "population": "float64",
                         "base": "float64", "symbol": object, "status": object,
                         "suppressed": bool, "illustrative": bool})


def series(conn: Connection, code: str, measure: str,
           areas: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The protected figures of one indicator and measure for every area (or the `areas`
    given) and period, as stored for the current data version."""
    current = latest(conn)
    if current is None or current.figures_from is None:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    rows = conn.execute(select(*[getattr(PublishedFigure, c) for c in SERIES_COLUMNS]).where(
        PublishedFigure.publication_id == current.figures_from,
        PublishedFigure.indicator_code == code, PublishedFigure.measure == measure,
        *([] if areas is None else [PublishedFigure.area_code.in_(areas)]))
        .order_by(PublishedFigure.id))  # the order they were published in
    return _typed(pd.DataFrame([tuple(r) for r in rows], columns=SERIES_COLUMNS))
