"""Check mutants against chosen test files: one pytest session, collected once, and a fork per
mutant that runs only its tests' items (`mutate_by_hand.py` starts a pytest session, and
collects the files again, in every fork).

    cd mutants && CPIP_TEST_TEMPLATES=templates TESTMAP=../figures_map.json \\
        python ../tools/mutate_fast.py tests/protection/test_figures_edges.py \\
        < names.txt > results.txt

The same input and output as `mutate_by_hand.py` (its docstring says how to get the names and
the map): each line `NAME killed|survived|timeout|notests|exitN SECONDS`. A fork runs the items
in the map's order (every collected item of the files, in file order, without TESTMAP) through
pytest's own protocol (fixtures set up and torn down as in a run), stops at the first item that
fails, and is stopped once it has used LIMIT seconds of CPU time (default 40: a timeout, which
mutmut counts as killed). The mutant is chosen by mutmut's own switch, `MUTANT_UNDER_TEST`, read
when a mutated function is called. The names are read before the session starts (pytest takes
standard input over). The tests run on SQLite only (`TEST_DATABASE_URL` dropped) unless
`MUTATE_POSTGRESQL=1`: then their PostgreSQL copies run too, for a mutant only PostgreSQL
can show (a row order SQLite gives by its index, a column name in another case).
"""

from __future__ import annotations

import json
import os
import sys
import time

from mutate_by_hand import fork_as, verdict


class _Runner:
    """A pytest plugin: collect once, then fork per mutant instead of the run loop."""

    def __init__(self, names: list[str], tests: list[str], testmap: dict | None,
                 limit: float, out) -> None:
        self.names, self.tests, self.testmap = names, tests, testmap
        self.limit, self.out = limit, out

    def _items(self, items: dict, name: str) -> list | None:
        if self.testmap is None:
            return list(items.values())
        path, _, function = name.rpartition("__mutmut_")[0].rpartition(".")
        ids = [t for t in self.testmap.get(f"{path.rpartition('.')[2]}:{function}", ())
               if t.split("::")[0] in self.tests and t in items]
        return [items[t] for t in ids] or None

    def pytest_runtestloop(self, session) -> bool:
        from _pytest.runner import runtestprotocol  # noqa: PLC0415 (pytest's own, loaded)

        items = {item.nodeid: item for item in session.items}
        null = os.open(os.devnull, os.O_WRONLY)
        for name in self.names:
            chosen = self._items(items, name)
            if chosen is None:
                print(f"{name} notests 0.0", file=self.out, flush=True)
                continue
            started = time.monotonic()
            pid = fork_as(name, null)
            if pid == 0:
                failed = False
                try:
                    for index, item in enumerate(chosen):
                        following = chosen[index + 1] if index + 1 < len(chosen) else None
                        reports = runtestprotocol(item, nextitem=following, log=False)
                        if any(report.failed for report in reports):
                            failed = True
                            break
                except BaseException:  # noqa: BLE001 (anything a mutant raises kills it)
                    failed = True
                os._exit(1 if failed else 0)
            result = verdict(pid, self.limit, started)
            print(f"{name} {result} {time.monotonic() - started:.1f}", file=self.out, flush=True)
        return True


def main() -> int:
    tests = sys.argv[1:]
    if not tests:
        print(__doc__)
        return 2
    names = [line.strip().split(" ")[0] for line in sys.stdin if line.strip()]
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("CPIP_MUTATION", "1")
    if not os.environ.get("MUTATE_POSTGRESQL"):  # SQLite only, unless asked
        os.environ.pop("TEST_DATABASE_URL", None)
    os.environ["HYPOTHESIS_PROFILE"] = "ci"
    import pytest  # noqa: PLC0415 (after the environment is set)

    testmap = None
    if os.environ.get("TESTMAP"):
        with open(os.environ["TESTMAP"]) as given:
            testmap = json.load(given)
    out = os.fdopen(os.dup(1), "w")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    runner = _Runner(names, tests, testmap, float(os.environ.get("LIMIT", "40")), out)
    pytest.main([*tests, "-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider",
                 "-W", "ignore", "--no-header", "--tb=no", "-m", "not browser and not slow"],
                plugins=[runner])
    return 0


if __name__ == "__main__":
    sys.exit(main())
