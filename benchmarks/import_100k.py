"""Import of a 100,000-row indicators workbook: read + check + commit, publication included,
divided by the time python-calamine alone takes to read the same file, side by side in one run.
Target (issue 19): at most 3.0 (2.0 is the aim), with the publication's own share printed.
PostgreSQL too when `--pg-url` (an admin URL) or `TEST_DATABASE_URL` is given.

The import pauses Python's cyclic garbage collector while it runs (see
`batches.pipeline.gc_paused`). The ratio is against calamine read as any program would call it;
the last column is against the same read with the collector paused too, the stricter figure.
Machines are shared, so the CPU time of the import is printed too: the importing process's own,
and on PostgreSQL (a server on this machine) its backends'.

    python benchmarks/import_100k.py [--rows 100000] [--pg-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import python_calamine
from sqlalchemy import create_engine, event, make_url, text

from benchmarks.generate import BENCH_DEFINITION, indicator_workbook
from cpip_dashboard.batches.pipeline import gc_paused, run_import
from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.imports.worker import read_file
from cpip_dashboard.protection import publication
from cpip_dashboard.store.db import make_engine


def calamine_read(data: bytes) -> int:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return len(book.get_sheet_by_name("Indicators").to_python(skip_empty_area=False))


def fresh_database(kind: str, pg_admin: str | None, workdir: Path):
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'import-{uuid.uuid4().hex[:8]}.sqlite'}", None
    name = f"cpip_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(pg_admin).set(database=name).render_as_string(hide_password=False), name


def drop(pg_admin: str, name: str) -> None:
    admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def server_cpu(pids: set[int]) -> float | None:
    """CPU seconds the PostgreSQL backends `pids` have used (None when they are not processes
    of this machine, e.g. a remote server)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def backends_of(pids: set[int]):
    """A connect listener adding each new connection's backend pid to `pids`."""
    def listener(dbapi, _record) -> None:
        pids.add(dbapi.info.backend_pid)
    return listener


def run(kind: str, data: bytes, runs: int, pg_admin: str | None, workdir: Path) -> None:
    read_times, strict_times, import_times, publish_times = [], [], [], []
    cpu_times, server_times, read_cpu, bounded_times = [], [], [], []
    for _ in range(runs):
        url, pg_name = fresh_database(kind, pg_admin, workdir)
        engine = make_engine(url)
        backends: set[int] = set()
        if pg_name:
            event.listen(engine, "connect", backends_of(backends))
        init_db(engine, sample=False, user="bench")
        run_import(engine, "definition.csv", BENCH_DEFINITION, user="bench")
        start = time.perf_counter()
        rows = calamine_read(data)
        read_times.append(time.perf_counter() - start)
        with gc_paused():  # the same read, under the import's own conditions
            start, cpu_start = time.perf_counter(), time.process_time()
            calamine_read(data)
            strict_times.append(time.perf_counter() - start)
            read_cpu.append(time.process_time() - cpu_start)
            start = time.perf_counter()  # the import's own read: bounded, in a worker
            read_file("bench.xlsx", data, 200)
            bounded_times.append(time.perf_counter() - start)
        server_before = server_cpu(backends) if pg_name else None
        start, cpu_start = time.perf_counter(), time.process_time()
        report = run_import(engine, "bench.xlsx", data, user="bench", max_mb=200,
                            approval="single")
        import_times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        server_after = server_cpu(backends) if pg_name else None
        if server_before is not None and server_after is not None:
            server_times.append(server_after - server_before)
        assert report.outcome == "committed", report.message
        with engine.connect() as conn:  # the publication's own share (issue 19)
            publish_times.append(publication.summary(conn).get("seconds", float("nan")))
        engine.dispose()
        if pg_name:
            drop(pg_admin, pg_name)
    read_s, strict_s = statistics.median(read_times), statistics.median(strict_times)
    import_s = statistics.median(import_times)
    publish_s = statistics.median(publish_times)
    print(f"{kind:<10} calamine read {read_s:5.2f} s | import (read + check + commit) "
          f"{import_s:5.2f} s | ratio {import_s / read_s:4.2f} | calamine read with the "
          f"collector paused {strict_s:5.2f} s, ratio {import_s / strict_s:4.2f}; of the import, "
          f"building, protecting and storing the figures {publish_s:5.2f} s   "
          f"({rows - 1:,} rows, median of {runs})")
    server = f", the PostgreSQL server {statistics.median(server_times):.2f} s" \
        if server_times else ""
    print(f"{'':<10} CPU time of the import: the importing process "
          f"{statistics.median(cpu_times):.2f} s (the reading worker not counted){server}; "
          f"of calamine's read {statistics.median(read_cpu):.2f} s | the import's bounded "
          f"read alone (worker, wall) {statistics.median(bounded_times):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    data = indicator_workbook(args.rows)
    print(f"workbook: {args.rows:,} rows, {len(data) / 1e6:.1f} MB")
    workdir = Path(tempfile.mkdtemp(prefix="cpip-bench-"))
    run("sqlite", data, args.runs, None, workdir)
    if args.pg_url:
        run("postgresql", data, args.runs, args.pg_url, workdir)
    else:
        print("postgresql skipped: give --pg-url or TEST_DATABASE_URL")


if __name__ == "__main__":
    main()
