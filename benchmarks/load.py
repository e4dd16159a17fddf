"""Load benchmark: a real dashboard server driven through Streamlit's own websocket protocol (no
browser: these are the server's times from the request to the end of the script run).

For every page: the first visitor after the server starts (arriving as soon as it answers its
health check, alongside the server's own warm-up, whose time is reported too), a new visitor with warm caches
(median of several), a rerun after a filter change on the same connection (a second
`rerun_script` with another query string); then 20 visitors opening the Briefing at the same
moment (p50, p95), 20 visitors opening 20 different area profiles at once (p95), and the
server's peak memory (VmHWM of the server process and its children, from /proc). The sample
data and the scale database (benchmarks/scale.py: about a million indicator values) side by
side, on SQLite and on PostgreSQL, in one run, with ratios and the targets of issue 12.

A page run that ends in an exception element, a compile error, `page_not_found` or a timeout is
reported as FAILED (with the message), never timed as a success.

    python benchmarks/load.py                  # SQLite and PostgreSQL (TEST_DATABASE_URL), sample and scale
    python benchmarks/load.py --quick          # fewer repetitions
    python benchmarks/load.py --backends sqlite
    python benchmarks/load.py --url BASE1 --pid PID,PID --url BASE2 --pid PID,PID   # running servers or clusters
    python benchmarks/load.py --option runner.postScriptGC=true            # a Streamlit option (here: its default)

The scale databases are built once and kept: benchmarks/.cache/scale-<version>.sqlite and the
PostgreSQL database cpip_bench_scale (rebuilt when benchmarks/scale.py's VERSION changes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets
from sqlalchemy import create_engine, make_url, text

from benchmarks import scale
from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.ui import client

# url path, label, the query string of the filter change (CONTRACT.md addresses)
PAGES = [
    ("", "Briefing", "area=S12000047"),
    ("actions", "Action register", "area=S12000047"),
    ("indicators", "Indicators", "indicator=CP_REGISTRATIONS&area=S12000047"),
    ("area", "Area profile", "area=S12000047"),
    ("review", "Planning review", "area=S12000047"),
    ("upload", "Upload", "area=S12000047"),
    ("about", "About", "area=S12000047"),
]
AREAS = ["S12000033", "S12000034", "S12000041", "S12000035", "S12000036", "S12000005",
         "S12000006", "S12000042", "S12000008", "S12000045", "S12000010", "S12000011",
         "S12000014", "S12000047", "S12000049", "S12000017", "S12000018", "S12000019",
         "S12000020", "S12000013"]
TIMEOUT = 300.0
TARGETS = {"new_sample": 0.25, "new_scale_ratio": 2.0, "first_scale": 2.0,
           "briefings_p95": 2.5, "areas_p95": 5.0, "memory_mb": 600}
PORTS = range(8750, 8800)


# --- one visitor ----------------------------------------------------------------------------


class PageFailed(Exception):
    pass


@dataclass
class Run:
    seconds: float | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _timed(run: client.Run) -> Run:
    """A run's time, or why it is not a success (an exception shown, page not found)."""
    if run.page_not_found:
        return Run(None, "page not found")
    if run.exceptions:
        return Run(None, run.exceptions[0][:300])
    return Run(run.seconds)


async def visit(base: str, page: str, query: str = "", then: str | None = None
                ) -> tuple[Run, Run | None]:
    """One new visitor (`cpip_dashboard.ui.client`: the health check for its cookies, then a
    websocket), one run of `page`; with `then`, a second run on the same connection with that
    query string (a filter change). Returns the two runs' times, each from the request to the
    end of the script run."""
    try:
        async with client.Visitor(base, timeout=TIMEOUT) as visitor:
            first = _timed(await visitor.run(page, query))
            if not first.ok or then is None:
                return first, None
            return first, _timed(await visitor.run(page, then))
    except TimeoutError:
        return Run(None, f"timed out after {TIMEOUT:.0f} s"), None
    except (OSError, websockets.WebSocketException) as exc:
        return Run(None, f"connection failed: {exc}"), None


async def crowd(base: str, visits: list[tuple[str, str]]) -> list[Run]:
    """Visitors opening pages at the same moment: each one's own time to its run's end."""
    results = await asyncio.gather(*(visit(base, page, query) for page, query in visits))
    return [first for first, _ in results]


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    import socket  # noqa: PLC0415 (stdlib, only for a free port)

    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8750-8799")


def _wait_healthy(base: str, proc: subprocess.Popen | None, limit: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{base} did not answer /_stcore/health within {limit:.0f} s")


class Memory:
    """Peak resident memory per server process (with its children) from /proc: VmHWM where the
    process is ours to read, and a sampled VmRSS across its process tree; of several processes
    (a cluster), the largest, since the target is per process."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.peaks = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @staticmethod
    def _tree(pid: int) -> list[int]:
        result, todo = [], [pid]
        while todo:
            p = todo.pop()
            result.append(p)
            try:
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return result

    @staticmethod
    def _field(pid: int, name: str) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(name + ":"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            for pid in self.pids:
                total = sum(self._field(p, "VmRSS") for p in self._tree(pid))
                self.peaks[pid] = max(self.peaks[pid], total)

    def peak_mb(self) -> float:
        """The largest process's peak: its sampled peak or the kernel's high-water marks."""
        return max(max(self.peaks[pid], sum(self._field(p, "VmHWM") for p in self._tree(pid)))
                   for pid in self.pids) / 1e6

    def stop(self) -> None:
        self._stop.set()


class Server:
    """`python -m cpip_dashboard.ui.serve` on 127.0.0.1 in local mode, with DATABASE_URL."""

    def __init__(self, url: str, log: Path, options: list[str] = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=url, CPIP_DATABASE_URL=url)
        self.log = log.open("w")  # closed by stop()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cpip_dashboard.ui.serve", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false",
             *(part for option in options for part in (f"--{option.split('=', 1)[0]}",
                                                       option.split("=", 1)[1]))],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.memory = Memory([self.proc.pid])
        _wait_healthy(self.base, self.proc, 600)
        self.start_seconds = time.perf_counter() - started

    def warm_up_seconds(self) -> float | None:
        """How long the server's own warm-up took (its log line), while the first visitors
        above arrived at once: the first visitor's figures are for one who does not wait."""
        self.log.flush()
        found = re.search(r"Warm-up: every page opened once in ([0-9.]+) s",
                          Path(self.log.name).read_text(errors="replace"))
        return float(found.group(1)) if found else None

    def stop(self) -> None:
        self.memory.stop()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# --- databases ------------------------------------------------------------------------------


def _pg_database(admin: str, name: str, fresh: bool) -> str:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).first()
        if exists and fresh:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if fresh or not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def _pg_drop(admin: str, name: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def database(backend: str, dataset: str, pg_admin: str | None, workdir: Path) -> str:
    """The database URL for a backend and data set, built if needed (sample: fresh each run;
    scale: cached until the generator's version changes)."""

    if dataset == "sample":
        if backend == "sqlite":
            url = f"sqlite:///{workdir / 'sample.sqlite'}"
        else:
            url = _pg_database(pg_admin, "cpip_bench_sample", fresh=True)
        engine = make_engine(url)
        init_db(engine, sample=True, user="bench")
        engine.dispose()
        return url
    if backend == "sqlite":
        scale.CACHE.mkdir(exist_ok=True)
        path = scale.CACHE / f"{scale.VERSION}.sqlite"
        url = f"sqlite:///{path}"
        if not scale.complete(url):
            for stale in scale.CACHE.glob(f"{scale.VERSION}.sqlite*"):
                stale.unlink()
    else:
        url = _pg_database(pg_admin, "cpip_bench_scale", fresh=False)
        if not scale.complete(url):
            url = _pg_database(pg_admin, "cpip_bench_scale", fresh=True)
    if not scale.complete(url):
        print(f"  building the {backend} scale database ({scale.VERSION}); kept for later runs",
              flush=True)
        started = time.perf_counter()
        scale.build(url, out=lambda line: print(line, flush=True))
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    first: dict[str, Run] = field(default_factory=dict)
    new: dict[str, list[Run]] = field(default_factory=dict)
    rerun: dict[str, list[Run]] = field(default_factory=dict)
    briefings: list[Run] = field(default_factory=list)
    areas: list[Run] = field(default_factory=list)
    memory_mb: float | None = None
    start_seconds: float | None = None
    warm_up_seconds: float | None = None  # the server's own warm-up (serve.warm_up)
    failures: list[str] = field(default_factory=list)


def _median(runs: list[Run]) -> float | None:
    ok = [r.seconds for r in runs if r.ok]
    return statistics.median(ok) if ok and len(ok) == len(runs) else None


def _percentile(runs: list[Run], q: float) -> float | None:
    ok = sorted(r.seconds for r in runs if r.ok)
    if not ok or len(ok) != len(runs):
        return None
    k = (len(ok) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ok) - 1)
    return ok[lo] + (ok[hi] - ok[lo]) * (k - lo)


def measure(base: str, label: str, repeat: int, crowd_size: int) -> Figures:
    figures = Figures(label)

    def note(what: str, runs: list[Run]) -> None:
        for r in runs:
            if not r.ok:
                figures.failures.append(f"{label}: {what}: {r.error}")

    for path, name, _ in PAGES:  # each page's first visitor after the start
        first, _ = asyncio.run(visit(base, path))
        figures.first[name] = first
        note(f"{name} first visitor", [first])
        print(f"    {name:<16} first visitor {_fmt(first.seconds)}", flush=True)
    for path, name, change in PAGES:
        new, rerun = [], []
        for _ in range(repeat):
            first, second = asyncio.run(visit(base, path, "", then=change))
            new.append(first)
            if second is not None:
                rerun.append(second)
        figures.new[name], figures.rerun[name] = new, rerun
        note(f"{name} new visitor", new)
        note(f"{name} rerun after a filter change", rerun)
        print(f"    {name:<16} new visitor {_fmt(_median(new))}, filter change "
              f"{_fmt(_median(rerun) if rerun else None)}", flush=True)
    figures.briefings = asyncio.run(crowd(base, [("", "")] * crowd_size))
    note("20 Briefings at once", figures.briefings)
    print(f"    {crowd_size} Briefings at once: p50 {_fmt(_percentile(figures.briefings, .5))}"
          f", p95 {_fmt(_percentile(figures.briefings, .95))}", flush=True)
    figures.areas = asyncio.run(crowd(base, [("area", f"area={a}")
                                             for a in (AREAS * 2)[:crowd_size]]))
    note("20 area profiles at once", figures.areas)
    print(f"    {crowd_size} area profiles at once: p95 "
          f"{_fmt(_percentile(figures.areas, .95))}", flush=True)
    return figures


# --- the report ------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "FAILED"
    return f"{value:.2f} {unit}" if unit == "s" else f"{value:.0f} {unit}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}x" if a is not None and b else "-"


def _verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "FAILED"
    return "met" if value < limit else "MISSED"


def report(pairs: list[tuple[str, Figures, Figures | None]], crowd_size: int) -> None:
    for backend, sample, large in pairs:
        print(f"\n== {backend}: sample data against the scale database")
        print(f"{'':<46} {'sample':>9} {'scale':>9} {'ratio':>6}  target")
        rows: list[tuple[str, float | None, float | None, str]] = []
        for _, name, _ in PAGES:
            s_new = _median(sample.new[name])
            l_new = _median(large.new[name]) if large else None
            target = f"sample < 0.25 s: {_verdict(s_new, TARGETS['new_sample'])}"
            if large:
                ok = l_new is not None and s_new is not None and l_new <= 2 * max(s_new, .25)
                target += f"; scale <= 2x: {'met' if ok else 'MISSED'}"
            rows.append((f"{name}: new visitor (median)", s_new, l_new, target))
        for _, name, _ in PAGES:
            l_first = large.first[name].seconds if large else None
            rows.append((f"{name}: first visitor after start", sample.first[name].seconds,
                         l_first, f"scale < 2 s: {_verdict(l_first, TARGETS['first_scale'])}"
                         if large else ""))
        for _, name, _ in PAGES:
            rows.append((f"{name}: rerun after a filter change", _median(sample.rerun[name]),
                         _median(large.rerun[name]) if large else None, ""))
        for q in (.5, .95):
            s, ll = _percentile(sample.briefings, q), \
                _percentile(large.briefings, q) if large else None
            rows.append((f"{crowd_size} Briefings at once, p{int(q * 100)}", s, ll,
                         f"< 2.5 s: sample {_verdict(s, 2.5)}"
                         + (f", scale {_verdict(ll, 2.5)}" if large else "")
                         if q == .95 else ""))
        s, ll = _percentile(sample.areas, .95), _percentile(large.areas, .95) if large else None
        rows.append((f"{crowd_size} area profiles at once, p95", s, ll,
                     f"< 5 s: sample {_verdict(s, 5)}"
                     + (f", scale {_verdict(ll, 5)}" if large else "")))
        for label, s, ll, target in rows:
            print(f"{label:<46} {_fmt(s):>9} {_fmt(ll) if large else '-':>9} "
                  f"{_ratio(ll, s):>6}  {target}")
        if sample.memory_mb is not None:
            ll = large.memory_mb if large else None
            print(f"{'server memory, peak per process (MB)':<46} {sample.memory_mb:>9.0f} "
                  f"{(f'{ll:.0f}' if ll else '-'):>9} {_ratio(ll, sample.memory_mb):>6}  "
                  f"< 600 MB: sample {_verdict(sample.memory_mb, 600)}, "
                  f"scale {_verdict(ll, 600) if ll else '-'}")
        if sample.start_seconds is not None:
            ll = large.start_seconds if large else None
            print(f"{'server start to healthy':<46} {_fmt(sample.start_seconds):>9} "
                  f"{_fmt(ll) if large else '-':>9}")
        if sample.warm_up_seconds is not None:
            ll = large.warm_up_seconds if large else None
            print(f"{'its warm-up (every page once, after healthy)':<46} "
                  f"{_fmt(sample.warm_up_seconds):>9} {_fmt(ll) if large else '-':>9}")
        failures = sample.failures + (large.failures if large else [])
        for failure in failures:
            print(f"FAILED {failure}")


def run_local(backend: str, pg_admin: str | None, datasets: list[str], repeat: int,
              crowd_size: int, workdir: Path, options: list[str]
              ) -> tuple[Figures, Figures | None]:
    results = {}
    for dataset in datasets:
        url = database(backend, dataset, pg_admin, workdir)
        print(f"  {backend} {dataset}: starting a server", flush=True)
        server = Server(url, workdir / f"server-{backend}-{dataset}.log", options)
        try:
            figures = measure(server.base, f"{backend} {dataset}", repeat, crowd_size)
            figures.memory_mb = server.memory.peak_mb()
            figures.start_seconds = server.start_seconds
            figures.warm_up_seconds = server.warm_up_seconds()
        finally:
            server.stop()
        results[dataset] = figures
        if backend == "postgresql" and dataset == "sample":
            _pg_drop(pg_admin, "cpip_bench_sample")
    return results["sample"], results.get("scale")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 new visitors per page instead of 7, and 10 at once instead of 20")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--datasets", default="sample,scale")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="an admin URL of the PostgreSQL server (default TEST_DATABASE_URL)")
    parser.add_argument("--url", action="append", metavar="BASE",
                        help="measure a running server or cluster instead (repeatable); "
                             "first the sample one, then the scale one")
    parser.add_argument("--pid", action="append", default=[],
                        help="with --url: server process ids whose memory to report, comma-"
                             "separated; once per --url for each address's own processes")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a Streamlit option for the servers started here, e.g. "
                             "runner.postScriptGC=true (repeatable)")
    args = parser.parse_args()
    repeat, crowd_size = (3, 10) if args.quick else (7, 20)
    workdir = Path(tempfile.mkdtemp(prefix="cpip-load-"))
    print(f"machine: {os.cpu_count()} cores; {repeat} new visitors per page; {crowd_size} at once",
          flush=True)
    pairs = []
    if args.url:
        measured = []
        for index, base in enumerate(args.url):
            print(f"  {base}", flush=True)
            # --pid 1,2 --pid 3,4: each address's own processes; else every pid given
            given = args.pid[index] if len(args.pid) == len(args.url) else ",".join(args.pid)
            pids = [int(p) for p in given.split(",") if p]
            memory = Memory(pids) if pids else None
            figures = measure(base.rstrip("/"), base, repeat, crowd_size)
            if memory:
                figures.memory_mb = memory.peak_mb()
                memory.stop()
            measured.append(figures)
        pairs.append(("given server", measured[0], measured[1] if len(measured) > 1 else None))
    else:
        datasets = [d for d in args.datasets.split(",") if d]
        for backend in [b for b in args.backends.split(",") if b]:
            if backend == "postgresql" and not args.pg_url:
                print("postgresql skipped: give --pg-url or TEST_DATABASE_URL")
                continue
            sample, large = run_local(backend, args.pg_url, datasets, repeat, crowd_size,
                                      workdir, args.option)
            pairs.append((backend, sample, large))
    report(pairs, crowd_size)
    if any(f.failures for _, s, ll in pairs for f in (s, ll) if f):
        sys.exit(1)


if __name__ == "__main__":
    main()
