"""The worker's side of `worker.read_bounded`: cap the address space, read one file, write its
rows (plain values, pickled) or the sentence that refuses it.

Kept apart from `worker` so that a worker's interpreter imports only what reading needs (the
reader, `pickle`, `resource`), not the parent's configuration, logging and subprocess modules.

Two ways in. `child_main`: a fresh interpreter reads one file from standard input and writes to
standard output. `serve_main`: the *reader server*, a fresh interpreter that has imported the
reader and reads nothing itself; for each connection to its Unix socket it forks a child that
sends its pid, then reads one file from the connection exactly as `child_main` does and ends.
A fork of a ready interpreter starts in a few milliseconds instead of about 0.1 s, and each
file is still read in a process of its own, under the same limits, that has seen no other file.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import resource
import select
import shutil
import signal
import socket
import struct
import sys

from cpip_dashboard.imports.reading import ReadError, read_here

PID = struct.Struct("<Q")  # a forked child's first bytes: its pid, sent before it reads a file


def _cap(header: dict) -> None:
    limit = int(header["memory_mb"]) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS,
                       (limit, limit if hard == resource.RLIM_INFINITY else min(limit, hard)))


def _read(header: dict, data: bytes) -> bytes:
    try:
        sheets = read_here(header["name"], data, int(header["max_mb"]))
        return pickle.dumps(("sheets", [(s.name, s.rows, s.decimal_comma) for s in sheets]),
                            protocol=pickle.HIGHEST_PROTOCOL)
    except ReadError as exc:
        return pickle.dumps(("error", str(exc)))
    except MemoryError:
        return pickle.dumps(("memory",))


def child_main() -> None:
    """In a fresh worker: cap the address space, read standard input, write plain values."""
    gc.disable()  # a sheet is a million small objects and no cycles (see pipeline.gc_paused)
    header = json.loads(sys.stdin.buffer.readline())
    _cap(header)
    payload = _read(header, sys.stdin.buffer.read())
    sys.stdout.buffer.write(payload)
    sys.stdout.buffer.flush()


def serve_main() -> None:
    """The reader server on the Unix socket `sys.argv[2]`: says `ready` on standard output,
    then forks a child per connection, until its standard input (a pipe from the process that
    started it) closes; then it removes its socket and folder and ends."""
    path = sys.argv[2]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    for stop in (signal.SIGTERM, signal.SIGHUP):  # stopped with its process group: tidy up
        signal.signal(stop, _exit)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    try:
        while True:
            ready, _, _ = select.select([server, 0], [], [])
            if 0 in ready and not os.read(0, 4096):
                return  # the process that started it has ended
            if server in ready:
                conn, _ = server.accept()
                if os.fork() == 0:
                    server.close()
                    try:
                        _serve_one(conn)
                    finally:
                        os._exit(0)
                conn.close()
    finally:
        server.close()
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def _exit(*_args) -> None:
    sys.exit(0)


def _serve_one(conn: socket.socket) -> None:
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    gc.disable()
    conn.sendall(PID.pack(os.getpid()))  # before any byte of the file: the parent's to kill
    stream = conn.makefile("rb")
    header = json.loads(stream.readline())
    _cap(header)
    payload = _read(header, stream.read())
    conn.sendall(payload)
    conn.close()
