"""Other app sessions see a commit on their next rerun (CONTRACT.md "What the checks decide"):
two open sessions, and a commit made by another process (the command line), so no session
cleared its own cache; the pages are cached on the data version."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.apptest import assert_frame_ran, tables
from tests.conftest import ROOT
from tests.files import xlsx

ROUND = xlsx({
    "Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                ["NEG-1", "2024-09-16", "Red", "Escalated: partner withdrew"]],
    "Indicators": [["Indicator", "Area", "Period", "Value"],
                   ["CP_REGISTER", "Fife", "2024-25", 777]],
})


def neg1(at) -> str:
    return tables(at)[0].set_index("Ref").loc["NEG-1", "RAG"]


def fife_periods(at) -> list[str]:
    return list(at.dataframe[0].value["Period"])


def test_other_sessions_see_a_commit_on_their_next_rerun(make_app, sqlite_sample_url,
                                                         tmp_path):
    register = make_app(sqlite_sample_url, page="pages/actions.py")
    figures = make_app(sqlite_sample_url, page="pages/indicators.py",
                       query={"area": "S12000047", "indicator": "CP_REGISTER",
                              "measure": "count"})
    assert_frame_ran(register)
    assert_frame_ran(figures)
    assert neg1(register) != "■ Red"
    assert "2024-25" not in fife_periods(figures)
    # the same reruns again: still cached, still the old data
    assert neg1(register.run()) != "■ Red"

    path = tmp_path / "round-6.xlsx"
    path.write_bytes(ROUND)
    done = subprocess.run([sys.executable, "-m", "cpip_dashboard", "import", str(path)],
                          cwd=ROOT, env=dict(os.environ, DATABASE_URL=sqlite_sample_url),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    assert neg1(register.run()) == "■ Red"
    figures.run()
    table = figures.dataframe[0].value.set_index("Period")
    assert table.loc["2024-25", "Fife"].startswith("777")
