"""One publication: build, protect, audit and store every figure (what every commit that
changes indicator values does), timed step by step with the process's peak memory, in a
transaction that is rolled back (the database is left as it was).

With `--against REV`, the same figures are also protected by the code of git revision REV
(in a separate process) and the two published sets are compared: the same suppressed cells,
the same values and symbols. Nothing is asserted; the comparison is printed.

    python benchmarks/publish.py                          # the sample data
    python benchmarks/publish.py --url sqlite:///benchmarks/.cache/scale-1.sqlite
    python benchmarks/publish.py --against b5190d3        # sample data, against that revision
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.store.db import make_engine

ROOT = Path(__file__).resolve().parent.parent

# Runs in a child process with the code under test first on sys.path: protect (no writes),
# then a real publish rolled back; prints timings and writes the published frame.
WORKER = r'''
import json, os, pickle, sys, time
sys.path.insert(0, os.getcwd())
url, out = sys.argv[1], sys.argv[2]
from cpip_dashboard.protection import figures
from cpip_dashboard.protection import publication
from cpip_dashboard.store.db import make_engine
engine = make_engine(url)

def peak_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024

times, cpu = {}, {}

class step:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
    def __exit__(self, *exc):
        times[self.name] = time.perf_counter() - self.wall
        cpu[self.name] = time.process_time() - self.cpu

with engine.connect() as conn:
    with step("load"):
        inputs = figures.load(conn)
        if hasattr(publication, "stored_rows"):  # every earlier release (issue 19)
            earlier = {"known": publication.stored_rows(conn)}
        else:  # code before it: archived packs only
            earlier = {"archived": publication.archived_figures(conn)}
    with step("build"):
        built = figures.build(inputs)
    with step("protect"):
        protected = figures.protect(built, inputs.directory,
                                    publication.config.suppress_below(), **earlier)
frame = protected.frame
with open(out, "wb") as f:
    pickle.dump(frame[["indicator_code", "measure", "area_code", "period", "value", "symbol",
                       "suppressed"]], f)
summary = {"figures": protected.figure_count, "suppressed": protected.suppressed_count,
           "unprotected": len(protected.unprotected), "checked": len(protected.findings),
           "rows": len(frame)}
del inputs, built, protected, frame
with engine.connect() as conn:
    transaction = conn.begin()
    with step("publish"):
        publication.publish(conn, "benchmark", None, None)
    transaction.rollback()
engine.dispose()
print(json.dumps({"times": times, "cpu": cpu, "summary": summary, "peak_mb": peak_mb()}))
'''


def run_worker(cwd: Path, url: str, out: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", WORKER, url, str(out)], check=False, cwd=cwd,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"the worker failed in {cwd}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def sample_database(folder: Path) -> str:
    sys.path.insert(0, str(ROOT))

    url = f"sqlite:///{folder / 'sample.sqlite'}"
    engine = make_engine(url)
    init_db(engine, sample=True, user="bench")
    engine.dispose()
    return url


def report(label: str, result: dict) -> None:
    t, c, s = result["times"], result["cpu"], result["summary"]
    print(f"{label}: {s['figures']:,} figures shown or hidden ({s['rows']:,} rows), "
          f"{s['suppressed']:,} suppressed, {s['checked']:,} expressions audited, "
          f"{s['unprotected']} unprotected")
    print(f"  seconds (elapsed / CPU): load {t['load']:.1f} / {c['load']:.1f}, build "
          f"{t['build']:.1f} / {c['build']:.1f}, protect and audit {t['protect']:.1f} / "
          f"{c['protect']:.1f}; a whole publish (all of that again, and the store) "
          f"{t['publish']:.1f} / {c['publish']:.1f}; peak memory {result['peak_mb']:.0f} MB")


def compare(mine: Path, theirs: Path) -> None:
    import pandas as pd  # noqa: PLC0415 (only the comparison needs pandas)

    a, b = pickle.loads(mine.read_bytes()), pickle.loads(theirs.read_bytes())
    key = ["indicator_code", "measure", "area_code", "period"]
    hidden_a = set(map(tuple, a.loc[a["suppressed"], key].itertuples(index=False, name=None)))
    hidden_b = set(map(tuple, b.loc[b["suppressed"], key].itertuples(index=False, name=None)))
    print(f"suppressed cells: {len(hidden_a):,} here, {len(hidden_b):,} there; "
          f"{len(hidden_a - hidden_b)} only here, {len(hidden_b - hidden_a)} only there -> "
          f"{'the same' if hidden_a == hidden_b else 'DIFFERENT'}")
    merged = a.merge(b, on=key, how="outer", suffixes=("", "_them"), indicator=True)
    unmatched = int((merged["_merge"] != "both").sum())
    both = merged[merged["_merge"] == "both"]
    values = ~((both["value"] == both["value_them"])
               | (both["value"].isna() & both["value_them"].isna()))
    symbols = ~((both["symbol"] == both["symbol_them"])
                | (both["symbol"].isna() & both["symbol_them"].isna()))
    same = not unmatched and not values.any() and not symbols.any()
    print(f"published figures: {len(a):,} here, {len(b):,} there; {unmatched} without a "
          f"match, {int(values.sum())} values and {int(symbols.sum())} symbols differ -> "
          f"{'the same' if same else 'DIFFERENT'}")
    del pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a database to publish (default: the sample data)")
    parser.add_argument("--against", metavar="REV", help="compare with git revision REV")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cpip-publish-"))
    url = args.url or sample_database(folder)
    print(f"database: {url}", flush=True)
    mine = run_worker(ROOT, url, folder / "mine.pkl")
    report("this code", mine)
    if args.against:
        tree = folder / "against"
        tree.mkdir()
        archive = subprocess.run(["git", "archive", args.against], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        theirs = run_worker(tree, url, folder / "theirs.pkl")
        report(f"revision {args.against}", theirs)
        print("  CPU time there / here: " + ", ".join(
            f"{step} {theirs['cpu'][step] / max(mine['cpu'][step], 1e-9):.1f}x"
            for step in ("build", "protect", "publish")))
        compare(folder / "mine.pkl", folder / "theirs.pkl")


if __name__ == "__main__":
    main()
