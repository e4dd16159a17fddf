"""Mutation testing of one rule module at a time (`make mutate MODULE=rag`).

mutmut 3 copies the package into `mutants/`, makes small changes to one module (a boundary, a
dropped branch, a flipped comparison) and runs the tests that cover each changed function.
A mutant the tests do not notice "survives". This script keeps the one place that says which
tests cover which module (MODULES), runs mutmut on one module with a time budget, and prints
the score: killed / total, with each survivor named (`mutmut show NAME` inside `mutants/`'s
parent shows its diff). Survivors judged equivalent are listed in docs/mutation.md.

Never in CI: a module takes minutes. The project's pytest options are overridden for these
runs: no xdist (`-n 0`; mutmut forks its own workers), warnings not errors (mutmut's
trampolines are not ours to judge), SQLite only (no TEST_DATABASE_URL), no browser, slow or
page (AppTest) tests: the rules are tested by plain tests, and a page test takes seconds.

    python tools/mutate.py rag               run, then print the score
    python tools/mutate.py rag --budget 600  stop after 600 s (unchecked mutants are counted)
    python tools/mutate.py rag --resume      carry on that run where the budget stopped it
    python tools/mutate.py --list            the modules and their tests
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> (its file, the test files that cover it). The one mapping: keep it here.
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "rag": ("cpip_dashboard/rules/rag.py", ("tests/rules/test_rag.py",)),
    "register": ("cpip_dashboard/rules/register.py", ("tests/rules/test_register.py",)),
    "review": ("cpip_dashboard/rules/review.py", ("tests/rules/test_review.py",)),
    "stats": ("cpip_dashboard/rules/stats.py", ("tests/rules/test_stats.py", "tests/rules/test_trend.py")),
    "provenance": ("cpip_dashboard/rules/provenance.py", ("tests/rules/test_provenance.py",)),
    "rollback": ("cpip_dashboard/batches/rollback.py", ("tests/batches/test_rollback.py",)),
    "approval": ("cpip_dashboard/batches/approval.py",
                 ("tests/batches/test_approval_rules.py", "tests/batches/test_approval.py",
                  "tests/test_auth.py")),
    "auth": ("cpip_dashboard/auth.py",
             ("tests/test_auth_rules.py", "tests/test_auth.py", "tests/test_sign_in_rules.py")),
    "checks": ("cpip_dashboard/imports/checks.py",
               ("tests/imports/test_import_checks.py", "tests/imports/test_import_rules.py",
                "tests/imports/test_import_promises.py")),
    "schemas": ("cpip_dashboard/imports/schemas.py", ("tests/imports/test_schemas.py",)),
    "diff": ("cpip_dashboard/imports/diff.py", ("tests/imports/test_diff.py",)),
    # the disclosure solver: its own unit and property tests, then the attacker tests through
    # figures and releases, then the fast paths on the sample (slowest, so checked last)
    "sdc": ("cpip_dashboard/protection/sdc.py",
            ("tests/protection/test_sdc_edges.py", "tests/protection/test_sdc_paths.py",
             "tests/protection/test_sdc.py",
             "tests/protection/test_figures.py",
             "tests/protection/test_releases.py", "tests/protection/test_disclosure.py",
             "tests/protection/test_protection_fast_paths.py")),
    "values": ("cpip_dashboard/rules/values.py",
               ("tests/rules/test_values.py", "tests/imports/test_import_checks.py")),
    "measures": ("cpip_dashboard/rules/measures.py",
                 ("tests/rules/test_measures.py", "tests/rules/test_tiles.py")),
    "links": ("cpip_dashboard/rules/links.py", ("tests/rules/test_links.py",)),
    "disagreement": ("cpip_dashboard/rules/disagreement.py",
                     ("tests/rules/test_disagreement.py",)),
    "continuity": ("cpip_dashboard/rules/continuity.py", ("tests/rules/test_continuity.py",)),
    # the builder's helpers and a small set's frame without a database first (about a second
    # in all), then the attacker tests, then the sample's (slowest)
    "figures": ("cpip_dashboard/protection/figures.py",
                ("tests/protection/test_figures_edges.py", "tests/protection/test_attack_steps.py",
                 "tests/protection/test_held_values.py",
                 "tests/protection/test_figures.py", "tests/protection/test_relations.py",
                 "tests/protection/test_disclosure.py",
                 "tests/protection/test_releases.py", "tests/protection/test_committee_figures.py",
                 "tests/protection/test_figure_storage.py",
                 "tests/protection/test_protection_fast_paths.py")),
    "publication": ("cpip_dashboard/protection/publication.py",
                    ("tests/protection/test_publication_edges.py",
                     "tests/protection/test_held_values.py",
                     "tests/protection/test_publication.py",
                     "tests/protection/test_publication_releases.py",
                     "tests/protection/test_figure_storage.py",
                     "tests/protection/test_releases.py")),
}

PYTEST_ARGS = ["-n", "0", "-W", "ignore", "-p", "no:randomly", "-m", "not browser and not slow",
               "-q", "--no-header", "-o", "console_output_style=classic"]
EXIT_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
               34: "skipped", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout",
               255: "timeout", None: "not checked"}


def settings(module: str) -> dict:
    path, tests = MODULES[module]
    return {
        "source_paths": ["cpip_dashboard"],
        "only_mutate": [path],
        "also_copy": ["app.py", "pages", "migrations", "alembic.ini", "data", "tools",
                      ".streamlit"],
        "pytest_add_cli_args": PYTEST_ARGS,
        "pytest_add_cli_args_test_selection": [t for t in tests if (ROOT / t).exists()],
        "timeout_multiplier": 10.0,
        "use_git_change_detection": False,
        "track_dependencies": True,
    }


def inner(module: str, argv: list[str]) -> None:
    """Run mutmut in this process with this module's settings (called as a child)."""
    from mutmut import configuration  # before mutmut.__main__, which reads the settings  # noqa: PLC0415 (in the child, before mutmut reads its settings)

    values = settings(module)
    configuration._config_reader = lambda: (lambda key, default: values.get(key, default))
    configuration._config = None
    from mutmut import __main__ as mutmut_main  # noqa: PLC0415 (in the child, after its settings)
    from mutmut.runners.harness import PytestRunner  # noqa: PLC0415 (in the child)
    from mutmut.state import state  # noqa: PLC0415 (in the child)

    # mutmut passes a mutant's tests in set order and stops at the first failure (-x): run
    # the fastest first, so a mutant a unit test kills costs that test, not the slow ones.
    regular = PytestRunner._pytest_args_regular_run

    def fastest_first(self, tests):
        durations = state().duration_by_test
        return regular(self, sorted(tests, key=lambda t: (durations.get(t, 0.0), t)))

    PytestRunner._pytest_args_regular_run = fastest_first
    sys.argv = ["mutmut", *argv]
    mutmut_main.cli()


def score(module: str) -> tuple[int, int, list[str], dict[str, int]]:
    """(killed, total, survivors, count by status) from mutmut's results file."""
    meta = ROOT / "mutants" / (MODULES[module][0] + ".meta")
    if not meta.exists():
        raise SystemExit(f"No results for {module}: {meta} is missing.")
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    counts: dict[str, int] = {}
    survivors = []
    for name, code in sorted(codes.items()):
        status = EXIT_STATUS.get(code, "suspicious")
        counts[status] = counts.get(status, 0) + 1
        if status in ("survived", "no tests", "not checked", "suspicious", "skipped"):
            survivors.append(f"{name} ({status})")
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    return killed, len(codes), survivors, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", choices=sorted(MODULES))
    parser.add_argument("--budget", type=int, default=int(os.environ.get("BUDGET", "1200")),
                        help="seconds before the run stops (default 1200)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")),
                        help="mutants tested at once (default 1; the machine is shared)")
    parser.add_argument("--inner", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--resume", action="store_true",
                        default=os.environ.get("RESUME", "") not in ("", "0"),
                        help="carry on the last run of this module: mutants already judged "
                             "keep their result, the budget goes to the rest")
    parser.add_argument("--only", default=os.environ.get("ONLY", ""),
                        help="only these functions, comma-separated (e.g. figures,source_of): "
                             "a module measured in parts; the others count as not checked")
    parser.add_argument("--score-only", action="store_true",
                        help="print the score of the last run without running")
    parser.add_argument("--show", action="store_true",
                        help="after the score, print each survivor's change (mutmut show)")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    args = parser.parse_args()
    if args.list or not args.module:
        for name, (path, tests) in MODULES.items():
            print(f"{name:<11} {path:<36} {' '.join(tests)}")
        return 0
    os.chdir(ROOT)
    if args.inner:
        inner(args.module, args.inner)
        return 0
    log = ROOT / "mutants" / "mutmut.log"
    if not args.score_only:
        meta = ROOT / "mutants" / (MODULES[args.module][0] + ".meta")
        if args.resume and not meta.exists():
            raise SystemExit(f"Nothing to resume: the last run was not of {args.module}.")
        if not args.resume:
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # one module at a time
        log.parent.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "CI")}
        env["HYPOTHESIS_PROFILE"] = "ci"
        # no tracebacks: mutmut reads only the exit code, and pytest parses the source of each
        # frame it shows; a mutated module is megabytes (figures: 13 MB), so a failure through
        # it took seconds to report. (Not in PYTEST_ARGS: a change there resets every result.)
        env["PYTEST_ADDOPTS"] = (env.get("PYTEST_ADDOPTS", "") + " --tb=no").strip()
        env["CPIP_MUTATION"] = "1"  # tests/conftest.py leaves the page (AppTest) tests out
        # ...and keeps the template databases its first session builds for every later one
        # (a session per mutant: building the sample once per mutant took most of the time)
        env["CPIP_TEST_TEMPLATES"] = str(ROOT / "mutants" / "templates")
        only = [f"*.x*{name.strip()}__mutmut_*" for name in args.only.split(",") if name.strip()]
        started = time.monotonic()
        print(f"mutmut on {MODULES[args.module][0]} (budget {args.budget} s, "
              f"{args.workers} worker(s)); its output goes to {log.relative_to(ROOT)}")
        with log.open("a" if args.resume else "w") as out:
            child = subprocess.Popen(
                [sys.executable, __file__, args.module, "--inner", "run", *only, "--max-children",
                 str(args.workers)], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            child.wait(timeout=args.budget)
        except subprocess.TimeoutExpired:
            print(f"\nTime budget of {args.budget} s reached: stopping (unchecked mutants are "
                  "counted as not killed).")
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        print(f"mutmut ran for {time.monotonic() - started:.0f} s")
        if child.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
            print(log.read_text()[-3000:])
            print(f"mutmut failed (exit {child.returncode}); its output is above.")
            return 1
    killed, total, survivors, counts = score(args.module)
    percent = 100 * killed / total if total else 0.0
    print(f"\n{args.module}: {killed} / {total} mutants killed ({percent:.1f}%)  "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for name in survivors:
        print(f"  survived: {name}")
    if args.show:
        for name in survivors:
            subprocess.run([sys.executable, __file__, args.module, "--inner", "show",
                            name.split(" ")[0]], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
