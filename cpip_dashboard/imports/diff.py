"""Compare checked records with the current data: added / changed / unchanged, and the
warnings that only a comparison can give (revised figures, RAG jumps, moved due dates, values
far from the previous period's)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from .. import rag
from ..current import KIND_TABLES, current_kind
from ..models import Indicator
from ..values import as_text
from .checks import Record
from .problems import Problem


@dataclass
class Change:
    record: Record
    change: str  # added / changed
    old: dict | None  # the current values, for "changed"

    def fields_changed(self) -> list[str]:
        if self.old is None:
            return []
        return [k for k, v in self.record.values.items() if self.old.get(k) != v]


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (sheet, kind)
    problems: list[Problem] = field(default_factory=list)


def _same(old: object, new: object) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) <= 1e-9 * max(1.0, abs(old), abs(new))
    if isinstance(old, dt.datetime) and isinstance(new, dt.date):
        return old.date() == new
    return old == new


def load_current(conn: Connection, kind: str, records: list[Record]) -> dict[tuple, dict]:
    """Current values for the keys these records might touch, keyed like `Record.key`."""
    model, keys = KIND_TABLES[kind]
    fields = list(records[0].values) if records else []
    where = []
    if kind == "indicators":
        codes = sorted({r.values["indicator_code"] for r in records})
        where.append(model.indicator_code.in_(codes))
    elif kind == "updates":
        refs = sorted({r.values["action_ref"] for r in records})
        where.append(model.action_ref.in_(refs))
    rows = conn.execute(current_kind(kind, *where)).all()
    result = {tuple(getattr(row, k) for k in keys): {f: getattr(row, f) for f in fields}
              for row in rows}
    if kind == "definitions":  # built-in versions count as current where none was uploaded
        for row in conn.execute(select(Indicator).where(Indicator.batch_id.is_(None))):
            result.setdefault((row.code,), {f: getattr(row, f) for f in fields})
    return result


def compute(conn: Connection, records: list[Record]) -> Diff:
    diff = Diff()
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
        diff.counts.setdefault((record.sheet, record.kind),
                               {"rows": 0, "added": 0, "changed": 0, "unchanged": 0})
    currents: dict[str, dict[tuple, dict]] = {}
    changes = diff.changes
    for kind, kind_records in by_kind.items():
        current = currents[kind] = load_current(conn, kind, kind_records)
        tally: dict[str, Counter] = defaultdict(Counter)
        for record in kind_records:
            old = current.get(record.key)
            if old is None:
                changes.append(Change(record, "added", None))
                tally[record.sheet]["added"] += 1
            elif all(_same(old.get(k), v) for k, v in record.values.items()):
                tally[record.sheet]["unchanged"] += 1
            else:
                changes.append(Change(record, "changed", old))
                tally[record.sheet]["changed"] += 1
        for sheet, counted in tally.items():
            counts = diff.counts[(sheet, kind)]
            for name in ("added", "changed", "unchanged"):
                counts[name] += counted[name]
                counts["rows"] += counted[name]
    warn_changes(diff, currents)
    return diff


# --- warnings -------------------------------------------------------------------------------


def _header(record: Record, column: str) -> str:
    """The column as written in the file (the canonical name when the column is absent)."""
    cell = record.cells.get(column)
    return cell.header if cell else column


def _fmt(value: object) -> str:
    if value is None:
        return "blank"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return as_text(value) or "blank"


def warn_changes(diff: Diff, currents: dict[str, dict[tuple, dict]]) -> None:
    by_kind: dict[str, list[Change]] = defaultdict(list)
    for change in diff.changes:
        by_kind[change.record.kind].append(change)
    for change in by_kind.get("indicators", []):
        if change.change == "changed":
            warn_revised_figure(change, diff.problems)
    if by_kind.get("indicators"):
        warn_far_from_previous(by_kind["indicators"], currents["indicators"], diff.problems)
    if by_kind.get("updates"):
        warn_rag_moves(by_kind["updates"], currents["updates"], diff.problems)
    for change in by_kind.get("actions", []):
        if change.change == "changed" and change.old["due_date"] != change.record.values["due_date"]:
            r = change.record
            diff.problems.append(Problem.warning(
                r.sheet, r.row, _header(r, "Due date"),
                _fmt(r.values["due_date"]),
                f"{r.values['ref']}: due date moved from {_fmt(change.old['due_date'])} to "
                f"{_fmt(r.values['due_date'])}"))


def warn_revised_figure(change: Change, problems: list[Problem]) -> None:
    """A current published figure replaced by a different one."""
    r, old = change.record, change.old
    v = r.values
    old_text = old["symbol"] if old["value"] is None else _fmt(old["value"])
    new_text = v["symbol"] if v["value"] is None else _fmt(v["value"])
    if old_text == new_text:
        return  # only the status or notes changed
    problems.append(Problem.warning(
        r.sheet, r.row, r.cells["Value"].header, as_text(r.cells["Value"].value),
        f"{v['indicator_code']} for {v['area_code']} in {v['period'].isoformat()}: the current "
        f"figure {old_text} is replaced by {new_text}"))


def warn_far_from_previous(changes: list[Change], current: dict[tuple, dict],
                           problems: list[Problem]) -> None:
    """A value more than 50% away from the previous period's."""
    touched = {(c.record.values["indicator_code"], c.record.values["area_code"])
               for c in changes}
    series: dict[tuple, dict[dt.date, float | None]] = defaultdict(dict)
    for (code, area, period), values in current.items():
        if (code, area) in touched:
            series[(code, area)][period] = values["value"]
    new_at: dict[tuple, Change] = {}
    for change in changes:
        v = change.record.values
        series[(v["indicator_code"], v["area_code"])][v["period"]] = v["value"]
        new_at[(v["indicator_code"], v["area_code"], v["period"])] = change
    for key, points in series.items():
        previous_period, previous = None, None
        for period in sorted(points):
            value = points[period]
            change = new_at.get((*key, period))
            if (change is not None and value is not None and previous is not None
                    and previous > 0 and abs(value - previous) / previous > 0.5):
                r = change.record
                cell = r.data.cell("Value")
                problems.append(Problem.warning(
                    r.sheet, r.row, cell.header, as_text(cell.value),
                    f"{key[0]} for {key[1]}: {_fmt(value)} is more than 50% away from the "
                    f"previous period's {_fmt(previous)} ({previous_period.isoformat()}); "
                    "check it"))
            previous_period, previous = period, value


def warn_rag_moves(changes: list[Change], current: dict[tuple, dict],
                   problems: list[Problem]) -> None:
    """RAG moved two steps or more; RAG changed without commentary; revised due date moved."""
    timeline: dict[str, dict[dt.date, dict]] = defaultdict(dict)
    for (ref, when), values in current.items():
        timeline[ref][when] = values
    for change in changes:
        timeline[change.record.values["action_ref"]][change.record.values["reporting_date"]] = (
            change.record.values)
    for change in changes:
        r, v = change.record, change.record.values
        dates = sorted(timeline[v["action_ref"]])
        index = dates.index(v["reporting_date"])
        if index == 0:
            continue
        previous_date = dates[index - 1]
        previous = timeline[v["action_ref"]][previous_date]
        moved = rag.steps(previous["rag"], v["rag"])
        rag_cell = r.cells["RAG"]
        if moved is not None and abs(moved) >= 2:
            problems.append(Problem.warning(
                r.sheet, r.row, rag_cell.header, as_text(rag_cell.value),
                f"{v['action_ref']} moved from {previous['rag']} to {v['rag']} since "
                f"{previous_date.isoformat()}"))
        if previous["rag"] != v["rag"] and not v["commentary"]:
            problems.append(Problem.warning(
                r.sheet, r.row, _header(r, "Commentary"), None,
                f"{v['action_ref']}: RAG changed from {previous['rag']} to {v['rag']} without "
                "commentary (flagged on the register)"))
        old_due, new_due = previous.get("revised_due_date"), v["revised_due_date"]
        if new_due is not None and old_due is not None and new_due != old_due:
            problems.append(Problem.warning(
                r.sheet, r.row, _header(r, "Revised due date"), _fmt(new_due),
                f"{v['action_ref']}: due date moved from {_fmt(old_due)} to {_fmt(new_due)}"))
