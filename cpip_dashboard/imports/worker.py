"""Reading an upload in a worker process, within `CPIP_PARSE_MEMORY_MB` and `CPIP_PARSE_SECONDS`
(CONTRACT.md "Configuration"): the server and the command line alike.

A parser bug or a crafted file can make a reader allocate without limit (calamine aborts the
whole process when an allocation fails) or run for minutes. So the file is read in a child
process whose address space is capped (`RLIMIT_AS`) and which is killed when the time is up; a
child that runs out of memory, dies or is killed gives `ReadError` with one plain sentence (the
outcome `unreadable`), and the server or command line that asked carries on.

The worker shares nothing with the server or command line that asked. It is a fork of this
process's *reader server* (`worker_child.serve_main`): a fresh interpreter (`python -I`, the
project root on its path), started on the first read, that has imported the reader and never
reads a file itself; per file it forks a child, which sends its pid (before it reads a byte, so
the pid can be trusted: it is what the parent kills when the time is up), caps its address
space, reads the file from a Unix socket (in a folder of this user's only) and answers on it,
then ends. A fork starts in about 10 ms where a fresh interpreter took 170 to 250 ms (README
Performance). When the server cannot be had (it could not start, or died), the worker is a
fresh interpreter fed on standard input, as before; a server that died is started again on the
next read. The server ends when the process that started it does (its standard input closes).

Either way the rows come back pickled, unpickled with a loader that accepts only plain values
(lists, tuples, text, numbers, dates and times): a worker subverted by a file still cannot make
the parent build any other object.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import json
import logging
import os
import pickle
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cpip_dashboard import config
from cpip_dashboard.imports.reading import RawSheet, ReadError, precheck
from cpip_dashboard.imports.worker_child import PID

log = logging.getLogger(__name__)

ROOT = str(Path(__file__).resolve().parent.parent.parent)
# the worker (or reader server) imports only what it reads with (`worker_child`): not this
# module, whose configuration, logging and subprocess imports cost about 50 ms of a 250 ms start
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from cpip_dashboard.imports.worker_child import child_main; child_main()")


SERVER_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
               "from cpip_dashboard.imports.worker_child import serve_main; serve_main()")
USE_SERVER = True  # False: every read starts a fresh interpreter (tests compare the two)
_server_lock = threading.Lock()
_server: tuple[subprocess.Popen, str, int] | None = None  # process, socket, the pid it serves


def read_file(name: str, data: bytes, max_mb: int, *, memory_mb: int | None = None,
              seconds: float | None = None) -> list[RawSheet]:
    """The sheets of an uploaded file, read in a worker process within `memory_mb` and
    `seconds` (default `CPIP_PARSE_MEMORY_MB`, `CPIP_PARSE_SECONDS`); `ReadError` otherwise."""
    precheck(name, data, max_mb)  # the cheap refusals need no worker
    return read_bounded(name, data, max_mb, memory_mb=memory_mb, seconds=seconds)


def read_bounded(name: str, data: bytes, max_mb: int, *, memory_mb: int | None = None,
                 seconds: float | None = None) -> list[RawSheet]:
    """`read_here` in a worker process: the sheets, or `ReadError` with one sentence. The
    worker is a fork of this process's reader server (`worker_child.serve_main`), or, when that
    cannot be had, a fresh interpreter; either way a process of its own for this one file."""
    try:
        memory_mb = config.parse_memory_mb() if memory_mb is None else memory_mb
        seconds = config.parse_seconds() if seconds is None else seconds
    except ValueError as exc:
        raise ReadError(str(exc)) from None
    header = json.dumps({"name": name, "max_mb": max_mb, "memory_mb": memory_mb}).encode()
    started = time.monotonic()
    payload = _through_server(name, header, data, seconds) if USE_SERVER else None
    if payload is None:
        payload = _in_new_interpreter(name, header, data, seconds)
    if not payload:
        log.warning("reading %r: the worker ended without an answer after %.1f s", name,
                    time.monotonic() - started)
        raise ReadError(_memory_sentence(name, memory_mb))
    result = _loads(payload)
    if result[0] == "sheets":
        return [RawSheet(sheet_name, rows, decimal_comma)
                for sheet_name, rows, decimal_comma in result[1]]
    if result[0] == "memory":
        raise ReadError(_memory_sentence(name, memory_mb))
    raise ReadError(result[1])


def _too_slow(name: str, seconds: float, pid: int | None) -> ReadError:
    log.warning("reading %r took more than %s s: worker %s killed", name, seconds,
                "(not started)" if pid is None else pid)
    return ReadError(
        f"{name} took more than {seconds:g} seconds to read, so it was stopped and "
        "nothing was loaded: delete unused rows, columns and sheets (or split it into "
        "smaller files) and upload it again.")


def _environment() -> dict[str, str]:
    # no backtrace when an allocation fails: printing one allocates, and the worker then hangs
    # instead of ending at once
    return {**os.environ, "RUST_BACKTRACE": "0"}


def _in_new_interpreter(name: str, header: bytes, data: bytes, seconds: float) -> bytes:
    """The payload of a fresh interpreter reading the file (b"" when it failed)."""
    process = subprocess.Popen([sys.executable, "-I", "-c", BOOT, ROOT],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, close_fds=True, env=_environment())
    try:
        payload, _ = process.communicate(header + b"\n" + data, timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise _too_slow(name, seconds, process.pid) from None
    finally:
        if process.poll() is None:  # interrupted while waiting: never leave it running
            process.kill()
            process.wait()
    if process.returncode != 0:
        log.warning("reading %r: the worker ended with exit status %s", name, process.returncode)
        return b""
    return payload


def _reader_server() -> str | None:
    """The socket of this process's reader server, started on first use (about 0.1 s, once);
    None when it cannot start."""
    global _server
    with _server_lock:
        if _server is not None:
            process, path, owner = _server
            if owner == os.getpid() and process.poll() is None:
                return path
            if owner == os.getpid():  # it died (killed): its folder is left behind
                shutil.rmtree(os.path.dirname(path), ignore_errors=True)
            _server = None
        try:
            folder = tempfile.mkdtemp(prefix="cpip-reader-")  # this user's only (0700)
            path = os.path.join(folder, "socket")
            process = subprocess.Popen([sys.executable, "-I", "-c", SERVER_BOOT, ROOT, path],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, close_fds=True,
                                       env=_environment())
        except OSError as exc:
            log.warning("the reader server could not start (%s): a new process reads each "
                        "file", exc)
            return None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        if not ready or process.stdout.readline() != b"ready\n":
            process.kill()
            process.wait()
            shutil.rmtree(folder, ignore_errors=True)
            log.warning("the reader server did not start: a new process reads each file")
            return None
        process.stdout.close()
        _server = (process, path, os.getpid())
        return path


def _stop_server() -> None:
    """At exit: close the server's standard input (it then ends and removes its socket)."""
    with _server_lock:
        if _server is not None and _server[2] == os.getpid():
            _server[0].stdin.close()
            try:
                _server[0].wait(timeout=5)
            except subprocess.TimeoutExpired:
                _server[0].kill()
                _server[0].wait()
            shutil.rmtree(os.path.dirname(_server[1]), ignore_errors=True)


atexit.register(_stop_server)


def _through_server(name: str, header: bytes, data: bytes, seconds: float) -> bytes | None:
    """The payload of a fork of the reader server reading the file (b"" when the fork died);
    None when there is no server to ask (the caller starts a fresh interpreter)."""
    path = _reader_server()
    if path is None:
        return None
    deadline = time.monotonic() + seconds
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.settimeout(min(seconds, 30))
            conn.connect(path)
            pid = PID.unpack(_exactly(conn, PID.size))[0]  # sent before it reads a byte
        except TimeoutError:  # the time allowed is over before the fork even answered
            raise _too_slow(name, seconds, None) from None
        except (OSError, struct.error):  # the server is gone: a fresh interpreter this time
            log.warning("the reader server did not answer: a new process reads %r", name)
            return None
        chunks = []

        def time_left() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            return left

        try:
            conn.settimeout(time_left())
            conn.sendall(header + b"\n" + data)
            conn.shutdown(socket.SHUT_WR)
            while chunk := conn.recv(1 << 20):
                chunks.append(chunk)
                conn.settimeout(time_left())
        except TimeoutError:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            raise _too_slow(name, seconds, pid) from None
        except OSError:  # the fork died while reading (an allocation calamine could not make)
            return b""
    return b"".join(chunks)


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("the reader server closed the connection")
        data += chunk
    return data


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
