"""Where a page's run spends its time on a real server: py-spy samples the server while new
visitors open the page through Streamlit's websocket protocol (as benchmarks/load.py does),
and the samples of script runs are summed by function (inclusive), ours first.

    pip install py-spy   # not a dependency of the dashboard
    python benchmarks/profile_page.py --database-url sqlite:///benchmarks/.cache/scale-2.sqlite
    python benchmarks/profile_page.py --database-url ... --page area --query area=S12000047
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import Server, visit

OURS = ("pages/", "cpip_dashboard/", "app.py",
        *(f"({page.name}" for page in (ROOT / "pages").glob("*.py")))


def summarise(raw: Path, top: int) -> None:
    inclusive: Counter = Counter()
    own: Counter = Counter()
    runs = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "_run_script" not in stack:  # only the script runner's samples
            continue
        n = int(count)
        runs += n
        frames = stack.split(";")
        seen = set()
        for frame in frames:
            name, _, where = frame.partition(" (")
            path = where.rsplit(":", 1)[0]
            key = f"{name} ({path.split('site-packages/')[-1]})"
            if key not in seen:
                seen.add(key)
                inclusive[key] += n
        name, _, where = frames[-1].partition(" (")
        own[f"{name} ({where.rstrip(')').split('site-packages/')[-1]})"] += n
    if not runs:
        print("no samples of a script run: was the page opened?")
        return
    print(f"{runs} samples in script runs; inclusive share by function, ours first:")
    ours = [(k, v) for k, v in inclusive.most_common() if any(o in k for o in OURS)]
    for key, n in ours[:top]:
        print(f"  {n / runs:6.1%}  {key}")
    print("libraries and Streamlit (inclusive):")
    for key, n in [(k, v) for k, v in inclusive.most_common()
                   if not any(o in k for o in OURS)][:top]:
        print(f"  {n / runs:6.1%}  {key}")
    print("own time (the line that was running):")
    for key, n in own.most_common(top // 2):
        print(f"  {n / runs:6.1%}  {key}")


async def keep_visiting(base: str, page: str, query: str, visitors: int, until: float
                        ) -> list[float]:
    times = []
    while time.perf_counter() < until:
        runs = await asyncio.gather(*(visit(base, page, query) for _ in range(visitors)))
        times += [first.seconds for first, _ in runs if first.ok]
        failed = [first.error for first, _ in runs if not first.ok]
        if failed:
            raise SystemExit(f"the page failed: {failed[0]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--page", default="", help='URL path: "" (Briefing), area, ...')
    parser.add_argument("--query", default="")
    parser.add_argument("--seconds", type=int, default=25)
    parser.add_argument("--visitors", type=int, default=1, help="at the same moment")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    folder = Path(tempfile.mkdtemp(prefix="cpip-profile-"))
    server = Server(args.database_url, folder / "server.log")
    try:
        first, _ = asyncio.run(visit(server.base, args.page, args.query))  # warm the caches
        print(f"first visitor after start: {first.seconds or float('nan'):.2f} s "
              f"{first.error or ''}")
        raw = folder / "profile.txt"
        recorder = subprocess.Popen([spy, "record", "-p", str(server.proc.pid), "-d",
                                     str(args.seconds), "-r", "100", "-f", "raw", "-o",
                                     str(raw)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        times = asyncio.run(keep_visiting(server.base, args.page, args.query, args.visitors,
                                          time.perf_counter() + args.seconds))
        recorder.wait()
        times.sort()
        print(f"{len(times)} runs of /{args.page}?{args.query} while sampling; median "
              f"{times[len(times) // 2]:.2f} s")
        summarise(raw, args.top)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
