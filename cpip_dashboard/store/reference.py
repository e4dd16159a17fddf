"""Reference data every installation knows, synchronised from `data/reference/` on start.

Areas (Scotland, 32 councils with superseded codes and name variants, 30 CPCs), the nine
workstreams, the 17 planning-review criteria and the built-in versions of the 17 indicators.
Uploaded definitions add newer indicator versions on top (see `queries.indicators`).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, delete, select

from cpip_dashboard.config import REFERENCE_DIR
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory, AreaInfo, normalise_name
from cpip_dashboard.store.models import Area, AreaAlias, Indicator, ReviewCriterion, Workstream

# where child populations come from when the Populations sheet leaves `Source` blank
POPULATION_SOURCE = "NRS mid-year population estimates"


def read_csv(name: str, directory: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    with (directory / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def area_rows() -> tuple[list[dict], list[tuple[str, str, str]]]:
    """(areas, aliases) as plain rows: aliases are (alias, area code, kind)."""
    areas: list[dict] = [
        dict(code=SCOTLAND, name="Scotland", kind="scotland", parent_code=None, sort_order=0,
             name_verified=True, source_url="http://statistics.gov.scot/id/statistical-geography/S92000003")
    ]
    aliases: list[tuple[str, str, str]] = []
    councils = sorted(read_csv("local_authorities.csv"), key=lambda r: r["area_name"])
    for order, row in enumerate(councils, start=1):
        code = row["gss_code"]
        areas.append(dict(code=code, name=row["area_name"], kind="council",
                          parent_code=row["cpc_id"], sort_order=order, name_verified=True,
                          source_url=row["source_url"]))
        aliases.append((normalise_name(row["area_name"]), code, "name"))
        aliases.append((normalise_name(row["council_corporate_name"]), code, "name"))
        if row["previous_gss_code"]:
            aliases.append((row["previous_gss_code"].upper(), code, "superseded code"))
    # CONTRACT.md: S12000046 and S12000043 both superseded by Glasgow City; S12000009 is
    # East Dunbartonshire's earlier code.
    aliases += [("S12000043", "S12000049", "superseded code"),
                ("S12000046", "S12000049", "superseded code"),
                ("S12000009", "S12000045", "superseded code")]
    for order, row in enumerate(read_csv("child_protection_committees.csv"), start=100):
        name = re.sub(r"\s*\([^)]*\)$", "", row["cpc_name"])  # drop a trailing remark
        areas.append(dict(code=row["cpc_id"], name=name, kind="cpc", parent_code=None,
                          sort_order=order, name_verified=row["name_verified"].startswith("yes"),
                          source_url=row["source_url"]))
        aliases.append((normalise_name(name), row["cpc_id"], "name"))
        short = normalise_name(name.replace("Child Protection Committee", "CPC"))
        aliases.append((short, row["cpc_id"], "name"))
    for row in read_csv("area_name_variants.csv"):
        aliases.append((normalise_name(row["variant"]), row["area_code"], "variant"))
    seen: dict[str, tuple[str, str, str]] = {}
    for alias in aliases:
        # The first meaning wins: a council's own name before a CPC's short name.
        if alias[0] and alias[0] not in seen:
            seen[alias[0]] = alias
    return areas, list(seen.values())


def directory() -> AreaDirectory:
    """The area directory straight from the reference files (no database needed)."""
    areas, aliases = area_rows()
    infos = [AreaInfo(a["code"], a["name"], a["kind"], a["parent_code"], a["sort_order"])
             for a in areas]
    return AreaDirectory(infos, {alias: code for alias, code, _ in aliases})


def workstream_rows() -> list[dict]:
    return [dict(code=r["code"], name=r["name"], sort_order=i)
            for i, r in enumerate(read_csv("workstreams.csv"))]


def criterion_rows() -> list[dict]:
    groups = {r["code"]: r["planning_process"] for r in read_csv("review_criterion_groups.csv")}
    return [dict(code=r["code"], planning_process=groups[r["code"]], dimension=r["dimension"],
                 question=r["what_to_review"], basis=r["basis"], source_url=r["source_url"],
                 sort_order=i)
            for i, r in enumerate(read_csv("planning_review_dimensions.csv"))]


def indicator_rows() -> list[dict]:
    rows = []
    for r in read_csv("indicators.csv"):
        rows.append(dict(
            code=r["code"], name=r["name"], unit=r["unit"], frequency=r["frequency"],
            definition=r["definition"], polarity=r["polarity"], source=r["source"],
            source_url=r["source_url"], headline=r["headline"] == "yes",
            numerator=r["numerator"] or None,
            denominator=r["denominator"] or None,
            series_notes=r["series_notes"] or None, batch_id=None))
    return rows


def sync(conn: Connection) -> None:
    """Make the reference tables match `data/reference/` (idempotent; built-ins only).

    Only rows that differ are written, and never their keys: every process start runs this,
    and in SQLite an UPDATE that sets a parent key checks every child row (at a million
    indicator values that was five seconds of each start)."""
    areas, aliases = area_rows()
    _upsert(conn, Area, "code", areas)
    wanted = {(a, c, k) for a, c, k in aliases}
    if {tuple(r) for r in conn.execute(select(AreaAlias.alias, AreaAlias.area_code,
                                              AreaAlias.kind))} != wanted:
        conn.execute(delete(AreaAlias))
        conn.execute(AreaAlias.__table__.insert(),
                     [dict(alias=a, area_code=c, kind=k) for a, c, k in aliases])
    _upsert(conn, Workstream, "code", workstream_rows())
    _upsert(conn, ReviewCriterion, "code", criterion_rows())
    table = Indicator.__table__
    rows = indicator_rows()
    columns = [table.c[c] for c in rows[0]] if rows else []
    existing = {row.code: row for row in conn.execute(
        select(table.c.id, *columns).where(Indicator.batch_id.is_(None)))}
    for row in rows:
        old = existing.get(row["code"])
        if old is None:
            conn.execute(table.insert().values(**row))
        elif _differs(old._mapping, row):
            conn.execute(table.update().where(table.c.id == old.id)
                         .values(**{k: v for k, v in row.items() if k != "code"}))


def _differs(stored, row: dict) -> bool:
    return any(stored[key] != value for key, value in row.items())


def _upsert(conn: Connection, model, key: str, rows: list[dict]) -> None:
    if not rows:
        return
    table = model.__table__
    existing = {r._mapping[key]: r._mapping
                for r in conn.execute(select(*[table.c[c] for c in rows[0]]))}
    for row in rows:
        stored = existing.get(row[key])
        if stored is None:
            conn.execute(table.insert().values(**row))
        elif _differs(stored, row):
            conn.execute(table.update().where(table.c[key] == row[key])
                         .values(**{k: v for k, v in row.items() if k != key}))
