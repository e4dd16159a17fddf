"""What reading an upload in a worker process adds (issue 20): a small workbook and a small CSV
read by a fork of the reader server (the default), against a fresh interpreter per file (what
every read did before, and still does when the server cannot be had), against reading in this
process (no bounds: the floor). Medians over `--runs`, the three interleaved.

    python benchmarks/worker_start.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cpip_dashboard.imports import worker
from cpip_dashboard.imports.reading import read_here
from tests.files import csv, xlsx

ROWS = [["Action ID", "Reporting date", "RAG", "Commentary"],
        ["NEG-1", "2024-10-01", "Red", "Stalled"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    files = {"updates.xlsx": xlsx({"Updates": ROWS}), "updates.csv": csv(ROWS)}
    started = time.perf_counter()
    worker._reader_server()
    print(f"reader server start (once per process): {1000 * (time.perf_counter() - started):.0f} ms")

    def bounded(use_server: bool):
        def read(name: str, data: bytes):
            worker.USE_SERVER = use_server
            return worker.read_bounded(name, data, 20)
        return read

    ways = {"fork of the reader server": bounded(True),
            "fresh interpreter": bounded(False),
            "in this process (no bounds)": lambda name, data: read_here(name, data, 20)}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(runs):
        for way, read in ways.items():
            for name, data in files.items():
                started = time.perf_counter()
                read(name, data)
                times.setdefault((name, way), []).append(time.perf_counter() - started)
    worker.USE_SERVER = True
    for (name, way), values in times.items():
        print(f"{name:13} {way:28} median {1000 * statistics.median(values):6.1f} ms, "
              f"min {1000 * min(values):6.1f} ms")


if __name__ == "__main__":
    main()
