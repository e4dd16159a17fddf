"""Reading an upload in a worker process, within `CPIP_PARSE_MEMORY_MB` and `CPIP_PARSE_SECONDS`
(CONTRACT.md "Configuration"): the server and the command line alike.

A parser bug or a crafted file can make a reader allocate without limit (calamine aborts the
whole process when an allocation fails) or run for minutes. So the file is read in a child
process whose address space is capped (`RLIMIT_AS`) and which is killed when the time is up; a
child that runs out of memory, dies or is killed gives `ReadError` with one plain sentence (the
outcome `unreadable`), and the server or command line that asked carries on.

The worker is a fresh interpreter (`python -I`, the project root on its path), so it shares
nothing with the server or command line that started it; its bytes go in on standard input and
its rows come back pickled on standard output, unpickled with a loader that accepts only plain
values (lists, tuples, text, numbers, dates and times): a worker subverted by a file still
cannot make the parent build any other object. Starting it costs about 0.1 s
(README Performance).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

from .. import config
from .reading import RawSheet, ReadError

log = logging.getLogger(__name__)

ROOT = str(Path(__file__).resolve().parent.parent.parent)
# the worker imports only what it reads with (`worker_child`): not this module, whose
# configuration, logging and subprocess imports cost it about 50 ms of a 170 ms start
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from cpip_dashboard.imports.worker_child import child_main; child_main()")


def read_bounded(name: str, data: bytes, max_mb: int, *, memory_mb: int | None = None,
                 seconds: float | None = None) -> list[RawSheet]:
    """`read_here` in a worker process: the sheets, or `ReadError` with one sentence."""
    try:
        memory_mb = config.parse_memory_mb() if memory_mb is None else memory_mb
        seconds = config.parse_seconds() if seconds is None else seconds
    except ValueError as exc:
        raise ReadError(str(exc)) from None
    header = json.dumps({"name": name, "max_mb": max_mb, "memory_mb": memory_mb}).encode()
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-I", "-c", BOOT, ROOT],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, close_fds=True,
                               # no backtrace when an allocation fails: printing one allocates,
                               # and the worker then hangs instead of ending at once
                               env={**os.environ, "RUST_BACKTRACE": "0"})
    try:
        payload, _ = process.communicate(header + b"\n" + data, timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        log.warning("reading %r took more than %s s: worker %s killed", name, seconds,
                    process.pid)
        raise ReadError(
            f"{name} took more than {seconds:g} seconds to read, so it was stopped and "
            "nothing was loaded: delete unused rows, columns and sheets (or split it into "
            "smaller files) and upload it again.") from None
    finally:
        if process.poll() is None:  # interrupted while waiting: never leave it running
            process.kill()
            process.wait()
    if process.returncode != 0 or not payload:
        log.warning("reading %r: the worker ended with exit status %s after %.1f s", name,
                    process.returncode, time.monotonic() - started)
        raise ReadError(_memory_sentence(name, memory_mb))
    result = _loads(payload)
    if result[0] == "sheets":
        return [RawSheet(sheet_name, rows, decimal_comma)
                for sheet_name, rows, decimal_comma in result[1]]
    if result[0] == "memory":
        raise ReadError(_memory_sentence(name, memory_mb))
    raise ReadError(result[1])


def _memory_sentence(name: str, memory_mb: int) -> str:
    return (f"{name} needs more than the {memory_mb:,} MB of memory allowed for reading a file, "
            "so it was stopped and nothing was loaded: delete unused rows, columns and sheets "
            "(or split it into smaller files) and upload it again.")


_ALLOWED = {("datetime", "datetime"): dt.datetime, ("datetime", "date"): dt.date,
            ("datetime", "time"): dt.time, ("datetime", "timedelta"): dt.timedelta}


class _PlainValues(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not a plain value") from None


def _loads(payload: bytes):
    try:
        return _PlainValues(io.BytesIO(payload)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError) as exc:  # a child that sent something else: refuse the file
        log.warning("reading: the worker sent something unreadable (%s)", exc)
        return ("error", ("The file could not be read: save it again from Excel and upload it "
                          "again."))
