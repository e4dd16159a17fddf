"""A revision's publication, incremental against whole, side by side (issue 19 targets).

1. The sample with every 2023-24 council count of every count indicator raised by one (an
   ordinary annual revision, about 400 figures) and two archived packs, imported through the
   pipeline (`run_import`, what the CLI calls): the whole import, and its publication's share.
   Target: under 5 s.
2. With `--url` of a scale database (`benchmarks/scale.py`; ten archived packs are added if it
   has fewer): one series (one measure, one council, every period) revised by one, imported
   the same way. Target: under 10 s, and the database grows by rows in proportion to the
   change.

Each is run on a copy of a SQLite database, and beside it a baseline: every figure of every
indicator loaded, built and protected from scratch, as every publication did before issue 19
(less the archived packs and the full copy it then stored), so the ratio shows what
incremental publication saves. Nothing is asserted; figures are printed.

    python benchmarks/revision.py
    python benchmarks/revision.py --url sqlite:///benchmarks/.cache/scale-2.sqlite   # as load.py keeps it
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from cpip_dashboard import config
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.protection import figures, publication
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import MeetingPack, PublishedFigure
from cpip_dashboard.store.queries import current_indicators, indicator_values
from cpip_dashboard.views.pack import make_and_archive

YEAR = dt.date(2024, 7, 31)


def revision_csv(engine, codes: set[str] | None, areas: set[str] | None,
                 period: dt.date | None) -> tuple[bytes, int]:
    """Every current value of `codes` (all count indicators), `areas` (all councils) and
    `period` (all) raised by one, as an Indicators CSV."""
    with engine.connect() as conn:
        definitions = current_indicators(conn)
        values = indicator_values(conn, codes=codes)
    counts = {c for c, d in definitions.items() if d["unit"] == "count"}
    rows = values[values["indicator_code"].isin(counts) & values["value"].notna()
                  & values["area_code"].str.startswith("S12")]
    if areas is not None:
        rows = rows[rows["area_code"].isin(areas)]
    if period is not None:
        rows = rows[rows["period"] == period]
    lines = ["Indicator,Area,Period,Value"]
    for row in rows.itertuples(index=False):
        lines.append(f"{row.indicator_code},{row.area_code},{row.period.isoformat()},"
                     f"{int(row.value) + 1}")
    return ("\n".join(lines) + "\n").encode(), len(rows)


def stored(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count(PublishedFigure.id))).scalar_one()


def ensure_packs(engine, wanted: int) -> int:
    """Archive meeting packs until there are `wanted` (each at the data version then)."""

    with engine.connect() as conn:
        have = conn.execute(select(func.count(MeetingPack.id))).scalar_one()
    areas = ["S92000003", "S12000047", "S12000049", "S12000036", "S12000023", "CPC05",
             "S12000030", "S12000005", "S12000013", "S12000027"]
    for area in areas[have:wanted]:
        make_and_archive(engine, None, area, "benchmark")
    return max(have, wanted)


def timed_import(url: str, data: bytes) -> tuple[float, float, int, str]:
    engine = make_engine(url)
    before = stored(engine)
    start = time.perf_counter()
    report = run_import(engine, "revision.csv", data, user="bench", approval="single",
                        max_mb=200)
    seconds = time.perf_counter() - start
    with engine.connect() as conn:
        summary = publication.summary(conn)
    grown = stored(engine) - before
    engine.dispose()
    return seconds, summary.get("seconds", float("nan")), grown, report.outcome


def whole_publication(url: str) -> float:
    """The baseline: what every publication did before issue 19 (less the archived packs and
    the store): every figure of every indicator loaded, built and protected from scratch."""
    engine = make_engine(url)
    start = time.perf_counter()
    with engine.connect() as conn:
        inputs = figures.load(conn)
        figures.protect(figures.build(inputs), inputs.directory, config.suppress_below())
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def copy_of(path: Path, workdir: Path, name: str) -> str:
    target = workdir / name
    shutil.copyfile(path, target)
    return f"sqlite:///{target}"


def case(label: str, source: Path, data: bytes, changed: int, workdir: Path) -> None:
    seconds, published, grown, outcome = timed_import(copy_of(source, workdir, "a.sqlite"), data)
    incremental_url = copy_of(source, workdir, "b.sqlite")
    run_import(make_engine(incremental_url), "revision.csv", data, user="bench",
               approval="single", max_mb=200)
    whole = whole_publication(incremental_url)
    total = stored(make_engine(incremental_url))
    print(f"{label}: {changed:,} values revised -> {outcome}; import {seconds:.2f} s "
          f"(publication {published:.2f} s); baseline, every figure protected from scratch "
          f"{whole:.2f} s (baseline / publication {whole / published:.1f}); rows written "
          f"{grown:,} of {total:,} stored")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="a scale database (SQLite) for the one-series case")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cpip-revision-"))
    sample = workdir / "sample.sqlite"
    engine = make_engine(f"sqlite:///{sample}")
    init_db(engine, sample=True, user="bench")
    packs = ensure_packs(engine, 2)
    data, changed = revision_csv(engine, None, None, YEAR)
    engine.dispose()
    case(f"sample, {packs} archived packs", sample, data, changed, workdir)
    if args.url:
        path = Path(args.url.removeprefix("sqlite:///"))
        kept = make_engine(args.url)
        init_db(kept, sample=False, user="bench")  # a cache built by older code is migrated
        kept.dispose()
        scale = workdir / "scale.sqlite"
        shutil.copyfile(path, scale)
        engine = make_engine(f"sqlite:///{scale}")
        packs = ensure_packs(engine, 10)
        with engine.connect() as conn:
            mds = sorted(c for c in current_indicators(conn) if c.startswith("MDS_"))
        data, changed = revision_csv(engine, {mds[0]}, {"S12000047"}, None)
        engine.dispose()
        case(f"scale, {packs} archived packs, one series", scale, data, changed, workdir)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
