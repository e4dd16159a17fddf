"""Trend query for one indicator and all 63 areas on 1,000,000 indicator values (SQLite).

Prints the median time of the app's query (current value per key, then the protected series
for 63 areas with CPCs summed) beside a baseline run in the same process: a plain indexed
`SELECT` of the indicator's rows with no versioning. Target (issue 4): under 50 ms.

    python benchmarks/trend_query.py [--values 1000000] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from benchmarks.generate import indicator_database
from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.protection.publication import publish
from cpip_dashboard.protection.publication import series as stored_series
from cpip_dashboard.protection.publication import summary as publication_summary
from cpip_dashboard.store.db import make_engine, write_transaction
from cpip_dashboard.store.models import IndicatorValue
from cpip_dashboard.store.queries import indicator_values


def timed(fn, runs: int = 15) -> float:
    fn()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cpip-bench-"))
    url = args.url or f"sqlite:///{workdir / 'bench.sqlite'}"
    engine = make_engine(url)
    init_db(engine, sample=False, user="bench")
    start = time.perf_counter()
    code = indicator_database(engine, args.values)
    build = time.perf_counter() - start
    start = time.perf_counter()
    with write_transaction(engine) as conn:
        publish(conn, "benchmark", None, None)  # protect and audit every figure, then store
    protect_s = time.perf_counter() - start
    with engine.connect() as conn:
        total = conn.execute(select(func.count(IndicatorValue.id))).scalar_one()
        summary = publication_summary(conn)

        def app_query():
            return indicator_values(conn, code)

        def app_series():
            return stored_series(conn, code, "count")

        def baseline():
            return conn.execute(select(IndicatorValue).where(
                IndicatorValue.indicator_code == code)).all()

        rows = len(app_query())
        series_rows = len(app_series())
        base_ms, query_ms, series_ms = timed(baseline), timed(app_query), timed(app_series)
    print(f"database: {engine.dialect.name}, {total:,} indicator values (built in {build:.1f} s)")
    print(f"indicator {code}: {rows:,} current values; series for 63 areas: {series_rows:,} rows")
    print(f"baseline (plain indexed SELECT of all its versions): {base_ms:8.1f} ms")
    print(f"app query (current value per key):                  {query_ms:8.1f} ms"
          f"  ratio {query_ms / base_ms:.2f}")
    print(f"app series (the stored protected figures):          {series_ms:8.1f} ms"
          f"  ratio {series_ms / base_ms:.2f}")
    print(f"protect + audit + store every figure (once per data change): {protect_s:.1f} s "
          f"({summary['figures']:,} figures, {summary['suppressed']:,} suppressed, "
          f"{len(summary['unprotected'])} unprotected)")
    print(f"target: query under 50 ms -> {'met' if query_ms < 50 else 'NOT met'}")
    engine.dispose()


if __name__ == "__main__":
    main()
