"""Compare checked records with the current data: added / changed / unchanged, and the
warnings that only a comparison can give (revised figures, RAG jumps, moved due dates, values
far from the previous period's)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, select

from cpip_dashboard.imports.checks import Records
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.rules import rag
from cpip_dashboard.rules.values import as_text
from cpip_dashboard.store.current import KIND_TABLES, current_kind
from cpip_dashboard.store.models import Indicator


def _same(old: object, new: object) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) <= 1e-9 * max(1.0, abs(old), abs(new))
    if isinstance(old, dt.datetime) and type(new) is dt.date:  # not two datetimes
        return old.date() == new
    return old == new


@dataclass
class SheetChanges:
    """What one sheet's records would change, as indexes into `records`."""

    records: Records
    added: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    old: dict[int, dict] = field(default_factory=dict)  # current values of each changed record
    unchanged: int = 0

    @property
    def kind(self) -> str:
        return self.records.kind

    def written(self) -> list[int]:
        """The records to write (added and changed), in sheet order."""
        if len(self.added) == len(self.records):
            return self.added
        return sorted(self.added + self.changed)

    def fields_changed(self, i: int) -> list[str]:
        old = self.old[i]
        return [k for k, v in self.records.values(i).items() if not _same(old.get(k), v)]


@dataclass
class Diff:
    sheets: list[SheetChanges] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def count(self, what: str) -> int:
        return sum(len(getattr(s, what)) for s in self.sheets)

    def counts(self, sheet: str, kind: str) -> dict[str, int] | None:
        for s in self.sheets:
            if s.records.sheet == sheet and s.kind == kind:
                return {"added": len(s.added), "changed": len(s.changed),
                        "unchanged": s.unchanged}
        return None


def load_current(conn: Connection, kind: str, record_sets: list[Records]) -> dict[tuple, tuple]:
    """Current values (in the records' field order) for the keys these records might touch."""
    model, keys = KIND_TABLES[kind]
    fields = record_sets[0].fields
    where = []
    if kind == "indicators":
        codes = sorted({c for r in record_sets for c in set(r.columns["indicator_code"])})
        where.append(model.indicator_code.in_(codes))
    elif kind == "updates":
        refs = sorted({c for r in record_sets for c in set(r.columns["action_ref"])})
        where.append(model.action_ref.in_(refs))
    rows = conn.execute(current_kind(kind, *where)).all()
    result = {tuple(getattr(row, k) for k in keys): tuple(getattr(row, f) for f in fields)
              for row in rows}
    if kind == "definitions":  # built-in versions count as current where none was uploaded
        for row in conn.execute(select(Indicator).where(Indicator.batch_id.is_(None))):
            result.setdefault((row.code,), tuple(getattr(row, f) for f in fields))
    return result


def compare(records: Records, current: dict[tuple, tuple]) -> SheetChanges:
    changes = SheetChanges(records)
    if not current:
        changes.added = list(range(len(records)))
        return changes
    get = current.get
    for i, (key, row) in enumerate(zip(records.keys, records.tuples(), strict=True)):
        old = get(key)
        if old is None:
            changes.added.append(i)
        elif old == row or all(map(_same, old, row)):
            changes.unchanged += 1
        else:
            changes.changed.append(i)
            changes.old[i] = dict(zip(records.fields, old, strict=True))
    return changes


def compute(conn: Connection, record_sets: list[Records],
            area_name: Callable[[str], str] = str) -> Diff:
    """The changes and the comparison's warnings (which name areas with `area_name`)."""
    diff = Diff()
    by_kind: dict[str, list[Records]] = defaultdict(list)
    for records in record_sets:
        by_kind[records.kind].append(records)
    currents: dict[str, dict[tuple, tuple]] = {}
    for kind, sets in by_kind.items():
        currents[kind] = load_current(conn, kind, sets)
        diff.sheets.extend(compare(records, currents[kind]) for records in sets)
    warn_changes(diff, currents, area_name)
    return diff


# --- warnings -------------------------------------------------------------------------------


def _fmt(value: object) -> str:
    if value is None:
        return "blank"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return as_text(value) or "blank"


def warn_changes(diff: Diff, currents: dict[str, dict[tuple, tuple]],
                 area_name: Callable[[str], str] = str) -> None:
    by_kind: dict[str, list[SheetChanges]] = defaultdict(list)
    for changes in diff.sheets:
        by_kind[changes.kind].append(changes)
    for changes in by_kind.get("indicators", []):
        for i in changes.changed:
            warn_revised_figure(changes, i, diff.problems, area_name)
    if by_kind.get("indicators"):
        warn_far_from_previous(by_kind["indicators"], currents["indicators"], diff.problems,
                               area_name)
    if by_kind.get("updates"):
        warn_rag_moves(by_kind["updates"], currents["updates"], diff.problems)
        warn_unlikely_reporting_dates(by_kind["updates"], currents["updates"], diff.problems)
    for changes in by_kind.get("actions", []):
        for i in changes.changed:
            r, old = changes.records, changes.old[i]
            due = r.columns["due_date"][i]
            if old["due_date"] != due:
                diff.problems.append(Problem.warning(
                    r.sheet, r.row(i), r.cell(i, "Due date").header, _fmt(due),
                    f"{r.columns['ref'][i]}: due date moved from {_fmt(old['due_date'])} to "
                    f"{_fmt(due)}"))


def warn_revised_figure(changes: SheetChanges, i: int, problems: list[Problem],
                        area_name: Callable[[str], str] = str) -> None:
    """A current published figure replaced by a different one."""
    r, old = changes.records, changes.old[i]
    v = r.values(i)
    old_text = old["symbol"] if old["value"] is None else _fmt(old["value"])
    new_text = v["symbol"] if v["value"] is None else _fmt(v["value"])
    if old_text == new_text:
        return  # only the status or notes changed
    cell = r.cell(i, "Value")
    problems.append(Problem.warning(
        r.sheet, r.row(i), cell.header, as_text(cell.value),
        f"{v['indicator_code']} for {area_name(v['area_code'])} in {v['period'].isoformat()}: "
        f"the current figure {old_text} is replaced by {new_text}"))


def warn_far_from_previous(sheets: list[SheetChanges], current: dict[tuple, tuple],
                           problems: list[Problem],
                           area_name: Callable[[str], str] = str) -> None:
    """A new value more than 50% away from its series' previous period's value (which may
    be a current value, or another new one). Done column-wise: every point of the touched
    series is sorted by series and period once, and each compared with the one before."""
    pairs: list[tuple[str, str]] = []
    periods: list[dt.date] = []
    values: list[float | None] = []
    sheet_of: list[np.ndarray] = []  # which sheet each point comes from; -1 for current data
    index_of: list[np.ndarray] = []  # its record index in that sheet
    for number, changes in enumerate(sheets):
        columns = changes.records.columns
        written = changes.written()
        code, area, period, value = (
            [columns[name][i] for i in written] if len(written) != len(changes.records)
            else columns[name] for name in ("indicator_code", "area_code", "period", "value"))
        pairs.extend(zip(code, area, strict=True))
        periods.extend(period)
        values.extend(value)
        sheet_of.append(np.full(len(written), number))
        index_of.append(np.array(written, dtype=int))
    if not pairs:
        return
    if current:
        touched = set(pairs)
        new_keys = {(*pair, period) for pair, period in zip(pairs, periods, strict=True)}
        value_field = sheets[0].records.fields.index("value")
        old = [(key, row[value_field]) for key, row in current.items()
               if key[:2] in touched and key not in new_keys]
        pairs.extend(key[:2] for key, _ in old)
        periods.extend(key[2] for key, _ in old)
        values.extend(value for _, value in old)
        sheet_of.append(np.full(len(old), -1))
        index_of.append(np.full(len(old), -1))
    series = {pair: n for n, pair in enumerate(dict.fromkeys(pairs))}
    ordinal = {p: p.toordinal() for p in dict.fromkeys(periods)}
    sid = np.array([series[pair] for pair in pairs])
    day = np.array([ordinal[p] for p in periods])
    value = np.array(values, dtype=float)  # a symbol (no value) is NaN: never compared
    order = np.lexsort((day, sid))
    sid, day, value = sid[order], day[order], value[order]
    sheet, index = np.concatenate(sheet_of)[order], np.concatenate(index_of)[order]
    previous = np.roll(value, 1)
    same_series = sid == np.roll(sid, 1)
    same_series[0] = False
    with np.errstate(invalid="ignore"):
        far = same_series & (previous > 0) & (np.abs(value - previous) > 0.5 * previous)
    for at in np.flatnonzero(far & (sheet >= 0)):  # current values are not this upload's
        r, i = sheets[sheet[at]].records, int(index[at])
        cell = r.cell(i, "Value")
        before = dt.date.fromordinal(int(day[at - 1]))
        problems.append(Problem.warning(
            r.sheet, r.row(i), cell.header, as_text(cell.value),
            f"{r.columns['indicator_code'][i]} for {area_name(r.columns['area_code'][i])}: "
            f"{_fmt(float(value[at]))} is more than 50% away from the previous period's "
            f"{_fmt(float(previous[at]))} ({before.isoformat()}); check it"))


def warn_rag_moves(sheets: list[SheetChanges], current: dict[tuple, tuple],
                   problems: list[Problem]) -> None:
    """RAG moved two steps or more; RAG changed without commentary; revised due date moved."""
    fields = sheets[0].records.fields
    timeline: dict[str, dict[dt.date, dict]] = defaultdict(dict)
    for (ref, when), old in current.items():
        timeline[ref][when] = dict(zip(fields, old, strict=True))
    written = [(changes.records, i) for changes in sheets for i in changes.written()]
    for r, i in written:
        v = r.values(i)
        timeline[v["action_ref"]][v["reporting_date"]] = v
    for r, i in written:
        v = r.values(i)
        dates = sorted(timeline[v["action_ref"]])
        index = dates.index(v["reporting_date"])
        if index == 0:
            continue
        previous_date = dates[index - 1]
        previous = timeline[v["action_ref"]][previous_date]
        moved = rag.steps(previous["rag"], v["rag"])
        rag_cell = r.cell(i, "RAG")
        if moved is not None and abs(moved) >= 2:
            problems.append(Problem.warning(
                r.sheet, r.row(i), rag_cell.header, as_text(rag_cell.value),
                f"{v['action_ref']} moved from {previous['rag']} to {v['rag']} since "
                f"{previous_date.isoformat()}"))
        if previous["rag"] != v["rag"] and not v["commentary"]:
            problems.append(Problem.warning(
                r.sheet, r.row(i), r.cell(i, "Commentary").header, None,
                f"{v['action_ref']}: RAG changed from {previous['rag']} to {v['rag']} without "
                "commentary (flagged on the register)"))
        old_due, new_due = previous.get("revised_due_date"), v["revised_due_date"]
        if new_due is not None and old_due is not None and new_due != old_due:
            problems.append(Problem.warning(
                r.sheet, r.row(i), r.cell(i, "Revised due date").header, _fmt(new_due),
                f"{v['action_ref']}: due date moved from {_fmt(old_due)} to {_fmt(new_due)}"))


LONE_DATE_DAYS = 90  # CONTRACT.md: a reporting date this far from every other stands alone


def warn_unlikely_reporting_dates(sheets: list[SheetChanges], current: dict[tuple, tuple],
                                  problems: list[Problem]) -> None:
    """Plausibility of the reporting dates of the rows this upload writes:
    - a date more than 90 days from every other reporting date in the file (one that stands
      alone: often a day and month swapped, e.g. 3/10/2024 among rows dated March 2025);
    - a new update dated before the action's latest current update (it joins the history but
      does not become the action's status)."""
    dates = sorted(d for changes in sheets for d in changes.records.columns["reporting_date"]
                   if d is not None)
    counts: dict[dt.date, int] = defaultdict(int)
    for day in dates:
        counts[day] += 1
    distinct = sorted(counts)
    nearest: dict[dt.date, tuple[int, dt.date] | None] = {}
    for n, day in enumerate(distinct):
        if counts[day] > 1:
            nearest[day] = None  # another row has the same date
            continue
        around = [other for other in (distinct[n - 1] if n else None,
                                      distinct[n + 1] if n + 1 < len(distinct) else None)
                  if other is not None]
        gaps = sorted((abs((other - day).days), other) for other in around)
        nearest[day] = gaps[0] if gaps else None
    latest: dict[str, dt.date] = {}
    for ref, when in current:
        if ref not in latest or when > latest[ref]:
            latest[ref] = when
    for changes in sheets:
        r = changes.records
        added = set(changes.added)
        for i in changes.written():
            ref, day = r.columns["action_ref"][i], r.columns["reporting_date"][i]
            if day is None:
                continue
            cell = r.cell(i, "Reporting date")
            gap = nearest.get(day)
            if gap is not None and gap[0] > LONE_DATE_DAYS:
                problems.append(Problem.warning(
                    r.sheet, r.row(i), cell.header, as_text(cell.value),
                    f"{ref}: reporting date {day.isoformat()} is more than {LONE_DATE_DAYS} "
                    f"days from every other reporting date in this file (the nearest is "
                    f"{gap[1].isoformat()}); check it (dates are read day first, as "
                    "31/07/2024)"))
            last = latest.get(ref)
            if i in added and last is not None and day < last:
                problems.append(Problem.warning(
                    r.sheet, r.row(i), cell.header, as_text(cell.value),
                    f"{ref}: reporting date {day.isoformat()} is before its latest update "
                    f"({last.isoformat()}), so this update joins its history but does not "
                    "change its current status; check the date"))
