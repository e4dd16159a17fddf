"""Serve the dashboard: `python -m cpip_dashboard.ui.serve [streamlit options]`.

Streamlit decides on its first session whether `pages/` is an old-style pages directory; until
some session has reached `st.navigation`, an address such as `/review` is looked up as a file
name and answered "Page not found". This launcher tells Streamlit up front that the app uses
`st.navigation`, so every visitor, the first included, gets the frame and the contract's
addresses. (Run through plain `streamlit run app.py`, each page still switches the server over
on its first run; see `frame.require`.)

Before the server starts, what the pages import is loaded (`PRELOAD`); as soon as it answers,
a thread opens every page once as a visitor would
(`client.Visitor`, one session): the imports, the engine, the register and each page's default
view are then ready when the first person arrives (at a million values the first Briefing
took 1.8 s cold, 0.1 s warm). With sign-in configured the warm-up visitor is not signed in and
warms only what precedes sign-in.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import importlib
import sys
import threading
import time
import urllib.request

from streamlit import config as st_config
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from cpip_dashboard.config import PROJECT_ROOT

WARM_UP_LIMIT = 600.0  # seconds to wait for the server to answer
M_ARENA_MAX = -8  # glibc's mallopt parameter
MALLOC_ARENAS = 2


def limit_malloc_arenas() -> bool:
    """At most two glibc malloc arenas (what MALLOC_ARENA_MAX=2 does), before any thread
    starts. glibc gives threads that allocate at the same moment arenas of their own, up to
    eight per core, and memory freed in one is not reused by another: each session runs in its
    own thread, so at a million values 20 area profiles opened at once left the process at
    658 MB against 445 MB with two arenas (no slower). False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return bool(libc and libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS))
    except (OSError, AttributeError):
        return False


# What the pages import, loaded before the server answers (pandas, Altair, SQLAlchemy, fpdf2,
# the upload pipeline): about a second the first visitor would otherwise wait for. Not the
# `ui` modules, whose Streamlit caches belong to the running server.
PRELOAD = ("cpip_dashboard.views.about", "cpip_dashboard.views.actions",
           "cpip_dashboard.views.area_profile", "cpip_dashboard.views.briefing",
           "cpip_dashboard.views.indicators", "cpip_dashboard.views.review",
           "cpip_dashboard.views.pack", "cpip_dashboard.views.upload")


def refuse_clear_cache() -> None:
    """Any visitor's browser can send Streamlit's clear-cache message, which empties every
    session's caches (the engine and the database start-up run again; five a second made
    everyone 2.5 times slower) and has no setting to turn it off. The message is logged and
    does nothing: the dashboard's caches are cleared by its own code when the data change."""
    from streamlit.runtime.app_session import AppSession  # noqa: PLC0415 (Streamlit's runtime, patched once the server starts)

    def refused(session) -> None:
        print(f"Refused a clear-cache message from session {session.id}", file=sys.stderr,
              flush=True)

    AppSession._handle_clear_cache_request = refused


def main(argv: list[str] | None = None) -> None:
    limit_malloc_arenas()
    refuse_clear_cache()
    for module in PRELOAD:
        importlib.import_module(module)
    PagesManager.uses_pages_directory = False
    args = sys.argv[1:] if argv is None else argv
    sys.argv = ["streamlit", "run", str(PROJECT_ROOT / "app.py"), *args]
    threading.Thread(target=warm_up, name="cpip-warm-up", daemon=True).start()
    cli.main()


def own_address() -> str | None:
    """This server's address once it answers its health check, else None."""
    if not Runtime.exists():
        return None
    host = st_config.get_option("server.address") or "127.0.0.1"
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    host = f"[{host}]" if ":" in host else host
    path = (st_config.get_option("server.baseUrlPath") or "").strip("/")
    base = f"http://{host}:{st_config.get_option('server.port')}" + (f"/{path}" if path else "")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{base}/_stcore/health", timeout=5) as response:
            response.read()
    except OSError:
        return None
    return base


def warm_up() -> None:
    from cpip_dashboard.ui.client import Visitor  # noqa: PLC0415 (the warm-up visit, after the server starts)
    from cpip_dashboard.ui.frame import PAGES  # noqa: PLC0415 (the pages, after the server starts)

    deadline = time.monotonic() + WARM_UP_LIMIT
    base = None
    while base is None and time.monotonic() < deadline:
        time.sleep(0.2)
        base = own_address()
    if base is None:
        return
    started = time.perf_counter()

    async def every_page() -> list[str]:
        problems = []
        async with Visitor(base) as visitor:
            for _, _, title, url in PAGES:
                run = await visitor.run(url)
                if not run.ok:
                    problems.append(f"{title}: " + ("; ".join(run.exceptions)
                                                    or "page not found"))
        return problems

    try:
        problems = asyncio.run(every_page())
    except Exception as exc:  # noqa: BLE001 - a failed warm-up leaves a cold cache, no more
        problems = [f"{type(exc).__name__}: {exc}"]
    took = time.perf_counter() - started
    if problems:
        print(f"Warm-up: some pages failed ({'; '.join(problems)}) after {took:.1f} s",
              file=sys.stderr, flush=True)
    else:
        print(f"Warm-up: every page opened once in {took:.1f} s", flush=True)


if __name__ == "__main__":
    main()
