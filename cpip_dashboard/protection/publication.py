"""Publications: the data version, and the protected figures of every release.

Every commit, approval and rollback is a publication (a release); its id is the data version
every cache is keyed on, so it moves exactly when what the pages show changes. A figure is
stored once per value: a row holds one figure as shown from the publication that first showed
it (`publication_id`) until the one that replaced or withdrew it (`valid_to`; None while
current). So the figures of data version N are the rows with `publication_id <= N` and no
`valid_to` or one after N, a publication writes rows in proportion to what changed, and the
rows together are everything ever published: the attacker's knowledge (CONTRACT.md
`audit-disclosure`). A count row may also stand for its rate when that rate is empty (`..`,
nothing behind it: no child population loaded), over the same validity (`rate_empty`,
migration 0010): `stored_rows`, `series` and `area_series` give that rate back as a row of its
own, so every reader sees the figures as built.

When a change touches indicator values, populations or definitions, the figures of the
indicators it touches and of every indicator related to them (`figures.family`) are built,
protected against everything published before (`figures.protect`) and audited inside the same
transaction; a change whose figures cannot be protected raises `Unpublishable` and nothing
is written (the caller rolls back and refuses, naming the cells). Pages, downloads and packs
read the stored rows (`series`); nothing of the protection runs on a page request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, or_, select, update

from cpip_dashboard import config
from cpip_dashboard.protection import figures
from cpip_dashboard.protection.sdc import Finding
from cpip_dashboard.rules.measures import SERIES_COLUMNS
from cpip_dashboard.store.db import insert_rows
from cpip_dashboard.store.models import Indicator, IndicatorValue, Publication, PublishedFigure
from cpip_dashboard.store.queries import current_indicators
from cpip_dashboard.store.releases import shown_in

log = logging.getLogger(__name__)

FIGURE_KINDS = frozenset({"indicators", "populations", "definitions"})
# Bump when the way figures are built or protected changes: stored figures are rebuilt on start.
# figures-4: an uncomputable rate or percentage reads ".." whatever its count's symbols hold
METHOD = "figures-4"
BUDGET_SECONDS = 60.0  # the attacker problem's time budget per publication (then a fallback)
_UPDATE_CHUNK = 5_000  # rows whose validity ends, per UPDATE


class Unpublishable(Exception):
    """A change whose figures cannot be protected: nothing is published."""

    def __init__(self, cells: list[dict], notes: list[str]):
        self.cells, self.notes = cells, notes
        super().__init__(f"{len(cells)} figures could not be protected")

    def sentences(self) -> list[str]:
        """One sentence per unprotected cell, as the import's file-level errors."""
        return [cell_sentence(cell) for cell in self.cells]


def cell_finding(cell: dict) -> str:
    """An unprotected cell in words: which figure, what it could be worked out to, through
    what."""
    low, high = cell["interval"]
    where = (f"{cell['indicator']} ({cell['measure']}) for {cell['area']}, period ending "
             f"{cell['period']}" if cell["area"] else str(cell["indicator"]))
    span = ("cannot be bounded" if low is None or high is None
            else f"could be worked out to {low} to {high}")
    relations = ", ".join(cell["relations"]) or "the figures shown"
    return f"{where} {span} from what would be published ({relations})"


def cell_sentence(cell: dict) -> str:
    """An unprotected cell as an import's file-level error."""
    return (f"{cell_finding(cell)}, so this change cannot be published: nothing was loaded. "
            "Ask the analyst who prepared the figures to suppress or combine them first.")


def refusal_text(refused: Unpublishable, most: int = 3) -> str:
    """Why approving or rolling back is refused, in words: the first cells, and how many
    more."""
    found = [cell_finding(cell) for cell in refused.cells]
    more = len(found) - most
    return ("the figures left would not be protected from disclosure: "
            + "; ".join(found[:most]) + (f"; and {more} more" if more > 0 else "") + ".")


def latest(conn: Connection) -> Publication | None:
    return conn.execute(select(Publication).order_by(Publication.id.desc()).limit(1)).first()


def version(conn: Connection) -> str:
    """The data version: the latest publication's id ("0" before the first)."""
    found = conn.execute(select(func.max(Publication.id))).scalar()
    return str(found or 0)


def touched_codes(conn: Connection, batch_id: int | None, kinds: set[str] | None,
                  held: figures.Held | None = None) -> set[str] | None:
    """The indicators a batch's change can move (None: all of them: a population changes
    every rate, and a change of unknown extent is taken as total). `held`: the values the
    batch wrote, as its import holds them."""
    if batch_id is None or kinds is None or "populations" in kinds:
        return None
    codes = set(held.columns["indicator_code"]) if held is not None and \
        held.batch_id == batch_id else set(conn.execute(select(
            IndicatorValue.indicator_code).where(IndicatorValue.batch_id == batch_id)
            .distinct()).scalars())
    codes |= set(conn.execute(select(Indicator.code).where(
        Indicator.batch_id == batch_id).distinct()).scalars())
    return codes


def publish(conn: Connection, event: str, batch_id: int | None, kinds: set[str] | None,
            threshold: int | None = None, *, budget: float | None = None,
            check_only: bool = False, held: figures.Held | None = None) -> int | None:
    """Record a publication; protect again and store the figures that change when `kinds`
    (the sheet kinds the change touched; None = all) can change a figure, or the method or
    threshold differs from the stored figures'. Raises `Unpublishable` (nothing written) when
    the figures cannot be protected. `check_only`: protect and audit, write nothing (None).
    `held`: the indicator values batch `batch_id` wrote, as its import holds them (not read
    back: `figures.load`)."""
    threshold = threshold or config.suppress_below()
    if held is not None and held.batch_id != batch_id:
        held = None  # another batch's values: read them back
    previous = latest(conn)
    stale = previous is None or _summary(previous).get("method") != METHOD \
        or previous.threshold != threshold
    rebuild = stale or kinds is None or bool(set(kinds) & FIGURE_KINDS)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if not rebuild and check_only:
        return None
    if not rebuild:
        return conn.execute(Publication.__table__.insert().values(
            at=now, event=event, batch_id=batch_id, figures_from=previous.figures_from,
            threshold=threshold, summary_json=previous.summary_json)).inserted_primary_key[0]
    started = time.perf_counter()
    codes = None if stale else touched_codes(conn, batch_id, kinds, held)
    definitions = None
    if codes is not None:
        definitions = current_indicators(conn)
        codes = figures.family(definitions, codes)
    inputs = figures.load(conn, codes, held)
    built = figures.build(inputs)
    stored = stored_rows(conn, codes=codes)
    current = stored[stored["valid_to"].isna()]
    protected = figures.protect(
        built, inputs.directory, threshold, known=stored,
        previous=None if stale else current,
        budget=BUDGET_SECONDS if budget is None else budget)
    blocking = protected.blocking
    if blocking:
        raise Unpublishable([finding_json(f) for f in blocking], protected.notes)
    if check_only:
        return None
    for note in protected.notes:
        if note.startswith("protection ran past"):
            log.warning("%s", note)
    summary = {
        "method": METHOD, "figures": protected.figure_count,
        "suppressed": protected.suppressed_count,
        "unprotected_after_first_pass": protected.first_pass_unprotected,
        "unprotected": [finding_text(f) for f in protected.unprotected],
        "checked": len(protected.findings), "notes": protected.notes,
        "indicators": "all" if codes is None else sorted(codes),
        "protected_afresh": protected.protected_afresh,
    }
    publication_id = conn.execute(Publication.__table__.insert().values(
        at=now, event=event, batch_id=batch_id, figures_from=None, threshold=threshold,
        summary_json="{}")).inserted_primary_key[0]
    written, ended = _store_changes(conn, publication_id, current, protected.frame)
    summary.update(rows_written=written, rows_ended=ended,
                   seconds=round(time.perf_counter() - started, 2))
    if codes is not None and not stale:  # with what the rest were last protected by
        frame = protected.frame  # (the current rows of `codes` now)
        summary["figures"] = int((frame["value"].notna() | frame["suppressed"]).sum()) \
            + _count_current(conn, besides=codes)
        summary["suppressed"] = int(frame["suppressed"].sum()) \
            + _count_current(conn, suppressed=True, besides=codes)
    conn.execute(Publication.__table__.update().where(Publication.id == publication_id)
                 .values(figures_from=publication_id,
                         summary_json=json.dumps(summary, default=str)))
    return publication_id


def ensure(conn: Connection, threshold: int | None = None) -> None:
    """On start: publish when there is no publication yet, or the stored figures were built by
    another method or for another threshold. Figures that cannot be protected are not
    published: the error is logged and the figures stay as they were."""
    threshold = threshold or config.suppress_below()
    previous = latest(conn)
    if previous is None or _summary(previous).get("method") != METHOD \
            or previous.threshold != threshold:
        try:
            with conn.begin_nested():
                publish(conn, "start", None, None, threshold)
        except Unpublishable as exc:
            log.error("The figures could not be protected, so they were not published again: "
                      "%s", "; ".join(exc.sentences()[:5]))


KNOWN = ["id", "indicator_code", "measure", "area_code", "period", "value", "symbol",
         "status", "suppressed", "count", "population", "population_year", "base",
         "illustrative", "batch_id", "truth", "den_truth", "publication_id", "valid_to"]


def stored_rows(conn: Connection, codes: set[str] | None = None,
                version: int | None = None) -> pd.DataFrame:
    """Stored figure rows: every row ever published (of `codes`, or all), or with `version`
    those of that data version."""
    where = []
    if codes is not None:
        where.append(PublishedFigure.indicator_code.in_(sorted(codes)))
    if version is not None:
        where += shown_in(conn, version)
    rows = conn.execute(select(*[getattr(PublishedFigure, c) for c in KNOWN],
                               PublishedFigure.rate_empty).where(*where)
                        .order_by(PublishedFigure.id))
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[*KNOWN, "rate_empty"])
    frame = _with_empty_rates(frame)
    frame = frame.astype({"value": "float64", "count": "float64", "population": "float64",
                          "base": "float64", "truth": "float64", "den_truth": "float64",
                          "valid_to": "float64", "symbol": object, "status": object})
    frame["suppressed"] = frame["suppressed"].astype(bool)
    return frame


# the columns of a rate that an empty-rate count row stands for, beyond the count's own
_EMPTY_RATE = {"measure": "rate", "value": None, "suppressed": False, "population": None,
               "population_year": None, "base": None, "den_truth": None}


def _with_empty_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Stored rows with, after each count row that also stands for its empty rate
    (`rate_empty`), that rate's row (its id the count's, negated): the rows as written."""
    flagged = frame["rate_empty"].fillna(False).astype(bool).to_numpy() if len(frame) \
        else np.zeros(0, dtype=bool)
    frame = frame.drop(columns="rate_empty")
    if not flagged.any():
        return frame
    rates = frame[flagged].copy()
    rates["id"] = -rates["id"]
    rates["symbol"] = [figures.unavailable_symbol(symbol) for symbol in rates["symbol"].tolist()]
    for name, value in _EMPTY_RATE.items():
        rates[name] = value
    order = np.concatenate([np.arange(len(frame)) * 2, np.flatnonzero(flagged) * 2 + 1])
    both = pd.concat([frame, rates], ignore_index=True)
    return both.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


MARKERS = {"provisional": "p", "revised": "r"}  # the status shown beside a figure


def figures_of(conn: Connection, version: int | None = None) -> list[dict] | None:
    """Every figure published at data version `version` (default: the current one) exactly
    as pages and downloads show it: its value, or no value and its symbol when suppressed or
    missing; None when there is no such version (`figures` on the command line)."""
    current = latest(conn)
    if version is None:
        if current is None:
            return None
        version = current.id
    exists = conn.execute(select(Publication.id).where(Publication.id == version)).first()
    if exists is None:
        return None
    frame = stored_rows(conn, version=version)
    result = []
    for row in frame.sort_values(["indicator_code", "measure", "period", "area_code"],
                                 kind="stable").itertuples(index=False):
        value = None if pd.isna(row.value) else float(row.value)
        if value is not None and row.measure == "count" and value.is_integer():
            value = int(value)
        result.append({
            "indicator": row.indicator_code, "measure": row.measure, "area": row.area_code,
            "period": row.period.isoformat(), "value": value,
            "symbol": None if value is not None or row.symbol is None else str(row.symbol),
            "marker": MARKERS.get(row.status) if isinstance(row.status, str) else None,
            "status": "illustrative" if row.illustrative else "official",
            "data_version": str(version)})
    return result


def _count_current(conn: Connection, suppressed: bool = False,
                   besides: set[str] | None = None) -> int:
    """The current figures shown or suppressed (`suppressed`: suppressed only), of every
    indicator but those `besides`."""
    where = [PublishedFigure.valid_to.is_(None)]
    if besides:
        where.append(PublishedFigure.indicator_code.not_in(sorted(besides)))
    if suppressed:
        where.append(PublishedFigure.suppressed.is_(True))
    else:
        where.append(or_(PublishedFigure.value.is_not(None), PublishedFigure.suppressed))
    return int(conn.execute(select(func.count(PublishedFigure.id)).where(*where)).scalar())


def audit_current(conn: Connection) -> dict:
    """Rerun the attacker problem over every figure of every release, as stored
    (suppressions included): the result of `audit-disclosure`. Findings that earlier
    releases alone give away are reported too, marked `"earlier": true`."""
    current = latest(conn)
    if current is None or current.figures_from is None:
        return {"ok": True, "data_version": version(conn), "threshold": config.suppress_below(),
                "cells": 0, "suppressed": 0, "checked": 0, "unprotected": []}
    stored = stored_rows(conn)
    now = stored[stored["valid_to"].isna()]
    inputs = figures.load(conn)
    # what the releases before the current one showed (its own rows are first shown by it)
    before = stored[stored["publication_id"] < current.figures_from]
    findings, earlier = figures.audit(figures.build(inputs), now, current.threshold,
                                      known=before)
    unprotected = []
    for finding in findings:
        if not finding.protected:
            cell = finding_json(finding)
            cell["earlier"] = finding.key in earlier
            unprotected.append(cell)
    return {"ok": not unprotected, "data_version": str(current.id),
            "threshold": current.threshold,
            "cells": int(now["value"].notna().sum() + now["suppressed"].sum()),
            "suppressed": int(now["suppressed"].sum()), "checked": len(findings),
            "releases": int(conn.execute(select(func.count(Publication.id))).scalar()),
            "unprotected": unprotected}


def finding_json(finding: Finding) -> dict:
    """One unprotected cell as `audit-disclosure --json` names it."""
    key = finding.key
    if isinstance(key, tuple) and key and key[0] == figures.EARLIER:
        key = key[1:5]  # a cell an earlier release hid: (code, measure, area, period)
    if isinstance(key, tuple) and len(key) == 4 and isinstance(key[3], dt.date):
        code, measure, area, period = key
    elif isinstance(key, tuple) and key and key[0] in ("small", "withheld"):
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
          "batch_id", "truth", "den_truth"]


def _store_changes(conn: Connection, publication_id: int, current: pd.DataFrame,
                   frame: pd.DataFrame) -> tuple[int, int]:
    """Store the figures of `frame` that differ from the `current` rows (the current rows of
    the indicators `frame` was built for), and end the validity of the rows they replace or
    that are gone: rows written in proportion to what changed. Returns (written, ended)."""
    count = len(frame)
    keep: list[int] = []
    ended: list[int] = []
    if not len(current):  # nothing stored of these indicators yet: every row is new
        keep = list(range(count))
    else:
        columns = _store_columns(publication_id, frame)
        rows = list(zip(*(columns[c] for c in _STORE), strict=True))
        before: dict[tuple, tuple[int, tuple]] = {}
        stored = _store_columns(0, current)
        for row_id, row in zip(current["id"].tolist(),
                               zip(*(stored[c] for c in _STORE), strict=True), strict=True):
            before[row[:4]] = (int(row_id), row)
        at = {row[:4]: i for i, row in enumerate(rows)}
        for i, row in enumerate(rows):
            old = before.pop(row[:4], None)
            if old is not None and old[1] == row:
                continue
            if old is not None:
                ended.append(old[0])
            keep.append(i)
        ended += [row_id for row_id, _ in before.values()]  # figures no longer published
        if ended:
            keep, ended = _ended_together(keep, ended, current, at)
    for start in range(0, len(ended), _UPDATE_CHUNK):
        conn.execute(update(PublishedFigure).where(
            PublishedFigure.id.in_(ended[start:start + _UPDATE_CHUNK]))
            .values(valid_to=publication_id))
    if not keep:
        return 0, len(ended)
    rows_kept, flagged = _empty_rates_kept(keep, frame)
    columns = _store_columns(publication_id, frame if len(rows_kept) == count
                             else frame.iloc[rows_kept])
    columns["rate_empty"] = np.isin(np.asarray(rows_kept), flagged).tolist()
    insert_rows(conn, PublishedFigure.__table__, columns, binary=True)
    return len(keep), len(ended)


def _ended_together(keep: list[int], ended: list[int], current: pd.DataFrame,
                    at: dict) -> tuple[list[int], list[int]]:
    """A count row standing for its empty rate (`rate_empty`; the rate's id is the count's,
    negated) ends with it: when only one of the two changes, the row ends and the other one
    is written again (`keep`, positions in the new rows `at` their keys). Returns `keep`
    and the stored ids to end."""
    ending = set(ended)
    stored = set(current["id"].tolist())
    carriers = {abs(i) for i in ending if i < 0} | {
        i for i in ending if i > 0 and -i in stored}
    if not carriers:
        return keep, ended
    keys = {int(i): (c, m, a, p) for i, c, m, a, p in zip(
        current["id"].tolist(), current["indicator_code"].tolist(),
        current["measure"].tolist(), current["area_code"].tolist(),
        current["period"].tolist(), strict=True)}
    again = set()
    for carrier in carriers:
        for row_id in (carrier, -carrier):
            if row_id not in ending and row_id in keys:
                position = at.get(keys[row_id])
                if position is not None:
                    again.add(position)
    kept = sorted(set(keep) | again)
    return kept, sorted({abs(i) for i in ending})


def _empty_rates_kept(keep: list[int], frame: pd.DataFrame) -> tuple[list[int], list[int]]:
    """The rows of `keep` to write, and those of them that stand for their empty rate: a
    rate with nothing behind it (`..`, no value or population, not suppressed) whose count is
    written too, with the same status, batch, illustrative mark, truth and count shown beside
    it, is not written; its count's `rate_empty` says it instead (half the rows of an upload
    without child populations). Found a column at a time."""
    kept = np.asarray(keep, dtype=np.int64)
    measure = frame["measure"].to_numpy(dtype=object)[kept]
    empty = (measure == "rate") & ~frame["suppressed"].to_numpy(dtype=bool)[kept]
    for name in ("value", "population", "population_year", "base", "den_truth"):
        empty &= frame[name].isna().to_numpy()[kept]
    counts = measure == "count"
    if not empty.any() or not counts.any():
        return keep, []
    keys = ["indicator_code", "area_code", "period"]
    key = {k: frame[k].to_numpy(dtype=object) for k in keys}
    # a rate is built right after its count: paired so first, then by key for any other
    rates = kept[empty]
    before = rates - 1
    written = np.zeros(len(frame), dtype=bool)
    written[kept[counts]] = True
    beside = (before >= 0) & written[np.maximum(before, 0)]
    for k in keys:
        beside &= key[k][np.maximum(before, 0)] == key[k][rates]
    rate, count = rates[beside], before[beside]
    if not beside.all():
        written[count] = False
        pairs = pd.DataFrame({**{k: key[k][rates[~beside]] for k in keys},
                              "rate": rates[~beside]}).merge(
            pd.DataFrame({**{k: key[k][written] for k in keys},
                          "count": np.flatnonzero(written)}), on=keys, how="inner")
        rate = np.concatenate([rate, pairs["rate"].to_numpy(dtype=np.int64)])
        count = np.concatenate([count, pairs["count"].to_numpy(dtype=np.int64)])
    if not len(rate):
        return keep, []
    same = np.ones(len(rate), dtype=bool)
    for name in ("status", "batch_id", "illustrative", "truth", "count"):
        column = frame[name]
        gone = column.isna().to_numpy()
        values = column.to_numpy()  # (missing ones are not compared)
        same &= (gone[rate] & gone[count]) | (~gone[rate] & ~gone[count]
                                               & (values[rate] == values[count]))
    # the rate's symbol: its count's, else `..` (`figures.unavailable_symbol`)
    symbols = frame["symbol"].to_numpy(dtype=object)
    gone = frame["symbol"].isna().to_numpy()
    blank = gone[count] | (symbols[count] == "")
    expected = np.where(blank, "..", symbols[count])
    same &= ~gone[rate] & (symbols[rate] == expected)
    if not same.any():
        return keep, []
    dropped = np.zeros(len(frame), dtype=bool)
    dropped[rate[same]] = True
    return kept[~dropped[kept]].tolist(), count[same].tolist()


def _store_columns(publication_id: int, frame: pd.DataFrame) -> dict[str, list]:
    """The rows to store, column by column, as plain Python values (None for missing),
    converted a column at a time (a million figures are fourteen million values)."""
    count = len(frame)
    columns: dict[str, list] = {"publication_id": [publication_id] * count}
    for name in _STORE:
        series = frame[name]
        if name in ("suppressed", "illustrative"):
            columns[name] = series.to_numpy(dtype=bool).tolist()
            continue
        missing = series.isna().to_numpy()
        if missing.all():
            columns[name] = [None] * count
            continue
        if name in ("population_year", "batch_id"):
            numbers = series.to_numpy(dtype=float, na_value=np.nan)
            values = np.where(missing, 0, numbers).astype(np.int64).tolist()
        elif series.dtype.kind in "fiub":  # numpy numbers: Python ones
            values = series.to_numpy().tolist()
        else:
            values = series.tolist()
        for i in np.flatnonzero(missing).tolist():
            values[i] = None
        columns[name] = values
    return columns




def area_series(conn: Connection, pairs: list[tuple[str, str]],
                areas: tuple[str, ...]) -> dict[tuple[str, str], pd.DataFrame]:
    """`series` of several indicators and measures for a few areas, in one query (an area
    profile: its own figures and Scotland's, for every indicator): (code, measure) -> frame."""
    empty = pd.DataFrame(columns=SERIES_COLUMNS)
    current = latest(conn)
    if current is None or current.figures_from is None or not pairs:
        return {pair: empty for pair in pairs}
    measures = {measure for _, measure in pairs}
    rows = conn.execute(select(PublishedFigure.indicator_code, PublishedFigure.measure,
                               *[getattr(PublishedFigure, c) for c in SERIES_COLUMNS],
                               PublishedFigure.rate_empty).where(
        PublishedFigure.valid_to.is_(None),
        PublishedFigure.indicator_code.in_(sorted({code for code, _ in pairs})),
        PublishedFigure.measure.in_(sorted(measures | ({"count"} if "rate" in measures
                                                       else set()))),
        PublishedFigure.area_code.in_(areas)).order_by(PublishedFigure.period,
                                                       PublishedFigure.area_code))
    every = _typed(_series_rows(rows, ["indicator_code", "measure", *SERIES_COLUMNS],
                                measures))
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
    rows = conn.execute(select(PublishedFigure.measure,
                               *[getattr(PublishedFigure, c) for c in SERIES_COLUMNS],
                               PublishedFigure.rate_empty).where(
        PublishedFigure.valid_to.is_(None),
        PublishedFigure.indicator_code == code,
        PublishedFigure.measure.in_([measure, "count"]) if measure == "rate"
        else PublishedFigure.measure == measure,
        *([] if areas is None else [PublishedFigure.area_code.in_(areas)]))
        .order_by(PublishedFigure.period, PublishedFigure.area_code))
    return _typed(_series_rows(rows, ["measure", *SERIES_COLUMNS], {measure})[SERIES_COLUMNS])


def _series_rows(rows, columns: list[str], measures: set[str]) -> pd.DataFrame:
    """Stored rows (`columns`, then `rate_empty`) as the figures of `measures`: a count row
    that stands for its empty rate gives that rate when rates are asked for (and itself only
    when counts are)."""
    result = []
    at = columns.index("measure")
    names = {name: columns.index(name) for name in _EMPTY_RATE if name in columns}
    symbol = columns.index("symbol")
    for row in rows:
        *values, rate_empty = tuple(row)
        if values[at] == "count" and rate_empty and "rate" in measures:
            rate = list(values)
            for name, position in names.items():
                rate[position] = _EMPTY_RATE[name]
            rate[symbol] = figures.unavailable_symbol(values[symbol])
            result.append(rate)
        if values[at] in measures:
            result.append(values)
    return pd.DataFrame(result, columns=columns)
