"""Check mutants against chosen test files, one warm process and a fork per mutant.

`make mutate` measures a module with every test that covers it; a survivor there runs them
all (the sample-database tests: a minute or two each under load). To see which of a run's
survivors, or of the mutants a budget did not reach, a fast test file kills, run this inside
`mutants/` (left by the last `make mutate`), with the mutant names on standard input:

    cd mutants && python ../tools/mutate_by_hand.py tests/protection/test_figures_edges.py \\
        < names.txt > results.txt

Each line of the output is `NAME killed|survived|timeout|exitN SECONDS`. The imports, the
conftest and the test files are loaded once; each mutant is a fork running pytest with
`MUTANT_UNDER_TEST` set (mutmut's own switch), stopping at the first failure, without
tracebacks. A mutant that has used LIMIT seconds of CPU time (default 40) is stopped and
reported as a timeout (mutmut counts a timeout as killed). Set CPIP_TEST_TEMPLATES to
`mutants/templates` so that the database templates are not built again per mutant.

Names: `python ../tools/mutate.py MODULE --score-only` lists a run's survivors; the names of
every mutant of a function are the `def x_FUNCTION__mutmut_N` in `mutants/<module path>`.

TESTMAP=map.json (made by `tools/mutate_map.py`): each mutant runs only the tests of the files
given that call its function (in the map's order); a function no such test calls is reported
`notests` without a run.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def cpu_seconds(pid: int) -> float:
    """The CPU time a process and its waited-for children have used (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def fork_as(name: str, null: int) -> int:
    """Fork: in the child (0 returned) mutmut's switch chooses mutant `name` and the output
    goes to `null`; in the parent, the child's pid."""
    pid = os.fork()
    if pid == 0:
        os.environ["MUTANT_UNDER_TEST"] = name
        os.dup2(null, 1)
        os.dup2(null, 2)
    return pid


def verdict(pid: int, limit: float, started: float) -> str:
    """Wait for the fork `pid` running a mutant's tests: killed (a test failed), survived,
    exitN, or timeout once it has used `limit` seconds of CPU time (then it is stopped). The
    limit is on CPU time, not the clock: on a shared machine a process may be paused or starved
    for minutes, which is not a mutant that loops (a wall-clock bound of 20 times the limit
    still stops one that waits on something forever)."""
    status = None
    while cpu_seconds(pid) < limit and time.monotonic() < started + 20 * limit:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
            break
        time.sleep(0.02)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return "timeout"
    return {0: "survived", 1: "killed"}.get(status, f"exit{status}")


def main() -> int:
    tests = sys.argv[1:]
    if not tests:
        print(__doc__)
        return 2
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("CPIP_MUTATION", "1")
    os.environ.pop("TEST_DATABASE_URL", None)
    os.environ["HYPOTHESIS_PROFILE"] = "ci"
    import pytest  # noqa: PLC0415 (after the environment is set)

    limit = float(os.environ.get("LIMIT", "40"))
    args = [*tests, "-x", "-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider",
            "-W", "ignore", "--no-header", "--tb=no", "-o", "console_output_style=classic",
            "-m", "not browser and not slow"]
    # warm: the conftest, the test files and what they import, once, in this process
    null = os.open(os.devnull, os.O_WRONLY)
    out, err = os.dup(1), os.dup(2)
    os.dup2(null, 1)
    os.dup2(null, 2)
    pytest.main([*tests, "--collect-only", "-q", "-n", "0", "-p", "no:randomly", "-p",
                 "no:cacheprovider"])
    os.dup2(out, 1)
    os.dup2(err, 2)
    testmap = None
    if os.environ.get("TESTMAP"):
        with open(os.environ["TESTMAP"]) as given:
            testmap = json.load(given)
    for line in sys.stdin:
        name = line.strip().split(" ")[0]
        if not name:
            continue
        run = args
        if testmap is not None:  # "pkg.module.x_f__mutmut_3" -> "module:x_f"
            path, _, function = name.rpartition("__mutmut_")[0].rpartition(".")
            ids = [t for t in testmap.get(f"{path.rpartition('.')[2]}:{function}", ())
                   if t.split("::")[0] in tests]
            if not ids:
                print(f"{name} notests 0.0", flush=True)
                continue
            run = [*ids, *args[len(tests):]]
        started = time.monotonic()
        pid = fork_as(name, null)
        if pid == 0:
            os._exit(int(pytest.main(run)))
        result = verdict(pid, limit, started)
        print(f"{name} {result} {time.monotonic() - started:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
