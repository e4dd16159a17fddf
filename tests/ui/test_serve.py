"""`python -m cpip_dashboard.ui.serve` opens every page once as soon as it answers (its own
warm-up), so the first person to arrive finds the caches warm (benchmarks/load.py measures it)."""

from __future__ import annotations

import platform
import time

from cpip_dashboard.ui.client import Visitor, visit
from cpip_dashboard.ui.serve import limit_malloc_arenas
from tests.conftest import SERVER_LOGS, run_async

WARMED = "Warm-up: every page opened once in"


def _wait_for_line(log, texts: tuple[str, ...], limit: float = 120) -> str:
    deadline = time.time() + limit
    while time.time() < deadline:
        content = log.read_text(errors="replace")
        for text in texts:
            if text in content:
                return content
        time.sleep(0.2)
    return log.read_text(errors="replace")


def test_the_server_opens_every_page_once_at_start(server):
    """The browser tests' server (`make run`'s launcher), whose log tells its warm-up."""
    log = SERVER_LOGS[server]
    content = _wait_for_line(log, (WARMED, "Warm-up: some pages failed"))
    assert WARMED in content, content[-2000:]
    assert "Traceback" not in content, content[-2000:]
    run = run_async(visit(server))  # a visitor after the warm-up is served as before
    assert run.ok, run.exceptions
    assert run.contains("Programme status at"), run.texts[:20]


def test_the_server_limits_malloc_arenas_on_glibc():
    """Sessions run in threads of their own; unlimited glibc arenas kept each one's freed
    memory apart (658 MB against 445 MB at a million values, 20 area profiles at once)."""


    assert limit_malloc_arenas() is (platform.libc_ver()[0] == "glibc")


def test_a_clear_cache_message_is_refused(server):
    """Streamlit's clear-cache message over the websocket, as any signed-out visitor may send
    it: the server logs it and clears nothing; the visitor is served as before."""

    log = SERVER_LOGS[server]
    _wait_for_line(log, (WARMED, "Warm-up: some pages failed"))

    async def clear_then_visit():
        async with Visitor(server) as visitor:
            await visitor.clear_caches()
            return await visitor.run()

    run = run_async(clear_then_visit())
    assert run.ok, run.exceptions
    content = _wait_for_line(log, ("Refused a clear-cache message",), limit=20)
    assert "Refused a clear-cache message from session" in content, content[-2000:]
