"""An import killed at any moment of its commit leaves the database as before, and then commits
whole; two imports started at the same moment both end whole, in some order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from cpip_dashboard.batches.pipeline import PAUSE_POINTS, run_import
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import IndicatorValue, UploadBatch
from cpip_dashboard.store.queries import batches as batch_list
from tests.conftest import ROOT
from tests.files import csv
from tests.snapshots import snapshot

pytestmark = pytest.mark.slow


def indicator_file(rows: int, offset: int = 0, changed_every: int = 1) -> bytes:
    """`rows` indicator values for the councils over many monthly periods of a new indicator.
    Files with different offsets differ in every `changed_every`-th value only."""
    areas = ["Fife", "Angus", "Moray", "Falkirk", "Highland", "Stirling", "Inverclyde", "Orkney"]
    lines = [["Indicator", "Area", "Period", "Value"]]
    for i in range(rows):
        year, month = 1900 + (i // len(areas)) // 12, (i // len(areas)) % 12 + 1
        shift = offset if i % changed_every == 0 else 0
        lines.append(["CALLS", areas[i % len(areas)], f"{year + 100}-{month:02d}",
                      (i * 7 + shift) % 500 + 5])
    return csv(lines)


DEFINITION = csv([["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source",
                   "Relation"],
                  ["CALLS", "Calls", "count", "monthly", "Calls", "neither", "Helpline", "none"]])


def state(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        batches = conn.execute(select(func.count(UploadBatch.id))).scalar_one()
        values = conn.execute(select(func.count(IndicatorValue.id))).scalar_one()
    engine.dispose()
    return batches, values


def start_import(url: str, path, pause: str | None = None, log=None) -> subprocess.Popen:
    """`python -m cpip_dashboard import PATH --json`; with `pause` ("POINT:MARKER") it stops
    inside its commit (`tests/imports/commit_pause.py` injects the step), with its output in
    the open file `log`."""
    env = dict(os.environ, DATABASE_URL=url)
    entry = ["cpip_dashboard"] if pause is None else [
        "tests.imports.commit_pause", *pause.split(":", 1)]
    return subprocess.Popen([sys.executable, "-m", *entry, "import", str(path), "--json"],
                            cwd=ROOT, env=env,
                            stdout=subprocess.PIPE if log is None else log,
                            stderr=subprocess.PIPE if log is None else subprocess.STDOUT)


def next_pause(paused: dict, logs: dict, timeout: float = 120) -> str:
    """The pause point of the next import to reach its pause (it then blocks for good);
    `paused` maps each point to (marker, process). The imports wait for one another's write
    lock, so one at a time reaches its point."""
    deadline = time.monotonic() + timeout
    while True:
        for point, (marker, proc) in paused.items():
            if marker.exists():
                return point
            if proc.poll() is not None:
                raise AssertionError(f"the import to pause after {point} ended "
                                     f"({proc.returncode}) first: {logs[point].read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no import reached its pause in {timeout} s")
        time.sleep(0.02)


def test_an_import_killed_inside_its_commit_leaves_the_database_as_before(db_url, tmp_path):
    """An import paused by a step injected into its commit (`tests/imports/commit_pause.py`,
    `pipeline.commit_step`) inside its write transaction, after it wrote its batch row,
    its rows, its published figures or its audit event (the last step before the commit), and
    killed there (SIGKILL), leaves every table exactly as before. The same file then commits
    whole. The four imports start together (interpreter starts overlap) and take the write
    lock in turn as each holder is killed."""

    engine = make_engine(db_url)
    assert run_import(engine, "def.csv", DEFINITION, user="t").outcome == "committed"
    rows = 2_000
    path = tmp_path / "calls.csv"
    data = indicator_file(rows, offset=1)
    path.write_bytes(data)
    before = snapshot(engine)
    last_batch = max(row[0] for row in before["upload_batch"])
    assert PAUSE_POINTS == ("batch", "values", "published", "audited")  # the steps of `_write`

    paused, logs, files = {}, {}, []
    try:
        for point in PAUSE_POINTS:
            logs[point] = tmp_path / f"import-{point}.log"
            files.append(logs[point].open("wb"))
            marker = tmp_path / f"paused-{point}"
            paused[point] = (marker, start_import(db_url, path, f"{point}:{marker}",
                                                  log=files[-1]))
        while paused:
            point = next_pause(paused, logs)
            marker, proc = paused.pop(point)
            # it is inside the transaction that wrote a new batch row, not finished
            at, batch_id = marker.read_text().split()
            assert at == point and int(batch_id) > last_batch, (point, at, batch_id)
            assert proc.poll() is None, f"the import to pause after {point} finished"
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
            assert snapshot(engine) == before, f"killed after the {point} step, rows stayed"
    finally:
        for _, proc in paused.values():
            proc.kill()
            proc.wait()
        for file in files:
            file.close()

    report = run_import(engine, "calls.csv", data, user="t")  # the lock is free; it commits
    assert report.outcome == "committed", report.message
    assert report.sheets[0]["changes"] == {"added": rows, "changed": 0, "unchanged": 0}
    after = snapshot(engine)
    engine.dispose()
    assert [row[0] for row in after["upload_batch"]] == [
        *(row[0] for row in before["upload_batch"]), report.batch_id]
    assert state(db_url) == (len(before["upload_batch"]) + 1,
                             len(before["indicator_value"]) + rows)
    assert {t for t in after if after[t] != before[t]} >= {
        "upload_batch", "indicator_value", "publication", "audit_event"}


def test_two_imports_at_the_same_moment_both_end_whole(db_url, tmp_path):
    """Two files over the same 2,000 keys, differing in every fifth value, imported at once.
    Whichever commits second must have been compared with the first inside its own write
    transaction: 400 changed and 1,600 unchanged, not 2,000 added against stale data. (The
    two interpreters' start, about as long as the import itself, is what they overlap in.)"""

    engine = make_engine(db_url)
    assert run_import(engine, "def.csv", DEFINITION, user="t").outcome == "committed"
    engine.dispose()
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(indicator_file(2000, offset=1, changed_every=5))
    second.write_bytes(indicator_file(2000, offset=2, changed_every=5))
    procs = [start_import(db_url, first), start_import(db_url, second)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    reports = sorted((json.loads(out) for out, _ in results), key=lambda r: r["batch_id"])
    assert [r["outcome"] for r in reports] == ["committed", "committed"]
    assert [r["batch_id"] for r in reports] == [2, 3]  # after the definition, in some order
    assert [r["sheets"][0]["changes"] for r in reports] == [
        {"added": 2000, "changed": 0, "unchanged": 0},
        {"added": 0, "changed": 400, "unchanged": 1600}]

    engine = make_engine(db_url)
    with engine.connect() as conn:
        recorded = {b["batch_id"]: b["changes"] for b in batch_list(conn)}
        per_batch = dict(conn.execute(select(IndicatorValue.batch_id, func.count())
                                      .group_by(IndicatorValue.batch_id)).all())
    engine.dispose()
    assert recorded[2] == {"added": 2000, "changed": 0, "unchanged": 0}
    assert recorded[3] == {"added": 0, "changed": 400, "unchanged": 1600}
    assert per_batch == {2: 2000, 3: 400}  # the second batch holds only what it changed
