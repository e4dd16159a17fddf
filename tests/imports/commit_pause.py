"""`python -m tests.imports.commit_pause POINT MARKER ARGS...`: the command line (`ARGS`, as
for `python -m cpip_dashboard`) with the pipeline's commit made to stop at POINT (one of
`pipeline.PAUSE_POINTS`). There it writes `POINT BATCH_ID` to the file MARKER and blocks for
good, still inside its write transaction, so that a test can kill the process exactly there.
The dashboard itself never stops: only this test entry sets `pipeline.commit_step`."""

from __future__ import annotations

import os
import sys
import time

from cpip_dashboard import cli
from cpip_dashboard.batches import pipeline


def stopping_at(at: str, marker: str):
    if at not in pipeline.PAUSE_POINTS:
        raise SystemExit(f"POINT must be one of {', '.join(pipeline.PAUSE_POINTS)}, not {at!r}")

    def step(point: str, batch_id: int) -> None:
        if point != at:
            return
        with open(marker + ".part", "w", encoding="utf-8") as file:
            file.write(f"{point} {batch_id}")
        os.replace(marker + ".part", marker)  # the test never reads half a marker
        while True:  # until killed
            time.sleep(0.05)

    return step


if __name__ == "__main__":
    pipeline.commit_step = stopping_at(sys.argv[1], sys.argv[2])
    sys.exit(cli.main(sys.argv[3:]))
