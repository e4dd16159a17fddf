"""The worker's side of `worker.read_bounded`: cap the address space, read the file from standard
input, write its rows (plain values, pickled) or the sentence that refuses it to standard output.

Kept apart from `worker` so that a worker's interpreter imports only what reading needs (the
reader, `pickle`, `resource`), not the parent's configuration, logging and subprocess modules.
"""

from __future__ import annotations

import gc
import json
import pickle
import resource
import sys

from .reading import ReadError, read_here


def child_main() -> None:
    """In the worker: cap the address space, read standard input, write plain values."""
    gc.disable()  # a sheet is a million small objects and no cycles (see pipeline.gc_paused)
    header = json.loads(sys.stdin.buffer.readline())
    limit = int(header["memory_mb"]) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS,
                       (limit, limit if hard == resource.RLIM_INFINITY else min(limit, hard)))
    try:
        sheets = read_here(header["name"], sys.stdin.buffer.read(), int(header["max_mb"]))
        payload = pickle.dumps(("sheets", [(s.name, s.rows, s.decimal_comma) for s in sheets]),
                               protocol=pickle.HIGHEST_PROTOCOL)
    except ReadError as exc:
        payload = pickle.dumps(("error", str(exc)))
    except MemoryError:
        payload = pickle.dumps(("memory",))
    sys.stdout.buffer.write(payload)
    sys.stdout.buffer.flush()
