"""Running `python -m cpip_dashboard` from tests.

`cli(url, *args)`          the command line in this process: `cpip_dashboard.cli.main(args)` with
                           `DATABASE_URL=url`, its standard output and error captured. No
                           interpreter start (1 to 2 s a call); `main` disposes its engine.
`run_cli(url, *args)`      the real entry point in a subprocess. Keep it to one test per exit
                           code (0, 1, 2): the rest of the suite uses `cli`.
Both return an object with `returncode`, `stdout` and `stderr`.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from cpip_dashboard.cli import main

ROOT = Path(__file__).resolve().parent.parent
PROG = "python -m cpip_dashboard"


def cli(url: str, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess:
    """`python -m cpip_dashboard ARGS` run in-process, as the interpreter would run it: the
    environment (`DATABASE_URL=url` and `env`), the working directory and `sys.argv` (the CLI's
    argument errors read it) are set for the call and restored after it; an exit by
    `SystemExit` (argparse) gives its code, as the process would."""

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        patch.setenv("DATABASE_URL", url)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        patch.chdir(ROOT)
        patch.setattr(sys, "argv", [PROG, *args])
        try:
            code = main(list(args))
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:  # sys.exit("message"): the message on standard error, exit 1
                print(exc.code, file=sys.stderr)
                code = 1
    return subprocess.CompletedProcess([PROG, *args], code, out.getvalue(), err.getvalue())


def run_cli(url: str, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess:
    """`python -m cpip_dashboard ARGS` in a subprocess (the real entry point)."""
    return subprocess.run([sys.executable, "-m", "cpip_dashboard", *args], check=False, cwd=ROOT,
                          env=dict(os.environ, DATABASE_URL=url, **(env or {})),
                          capture_output=True, text=True, timeout=120)
