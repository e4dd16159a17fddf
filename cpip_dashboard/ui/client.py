"""A visitor without a browser: Streamlit's own websocket protocol (RECIPES.md, "Timing a page").

One `Visitor` is one new browser tab: as Streamlit's page does, a GET of `/_stcore/health` (for
its cookies), then a websocket to `/_stcore/stream` (one Streamlit session on whichever process
answers it), on which `run(page, query)` asks for a script run and reads what
the page draws until the run finishes. The same visitor's next `run` is that session's next run.
Used by `serve` (each process opens every page once as soon as it answers, so the first real
visitor finds the caches warm), `deploy/serve_cluster.py`, the load benchmark
(`benchmarks/load.py`) and the cluster tests (through nginx: a page renders, the websocket stays
up, a commit is seen by every process).
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

FINISHED = ForwardMsg.ScriptFinishedStatus.Name


@dataclass
class Run:
    """What one script run drew, in order, as text (headings, markdown, alerts, metrics, table
    cells), and how it ended."""

    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    page_not_found: bool = False
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id
    auth_redirect: str | None = None  # st.login(): where the browser would be sent
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.exceptions and not self.page_not_found

    def contains(self, text: str) -> bool:
        return any(text in t for t in self.texts)


def _arrow_cells(data: bytes) -> list[str]:
    import pyarrow as pa  # noqa: PLC0415 (only to read table cells)

    if not data:
        return []
    table = pa.ipc.open_stream(data).read_all()
    cells = [str(name) for name in table.column_names]
    for column in table.columns:
        cells += [str(v) for v in column.to_pylist()]
    return cells


def _element_texts(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind in ("markdown", "heading", "alert", "text"):
        return [getattr(element, kind).body]
    if kind == "metric":
        return [element.metric.label, element.metric.body]
    if kind in ("dataframe", "table"):
        return _arrow_cells(getattr(element, kind).arrow_data.data)
    if kind in ("button", "download_button", "selectbox", "file_uploader"):
        return [getattr(element, kind).label]
    return []


class Visitor:
    """One new visitor of `base` (http://host:port), optionally with cookies already set."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None, timeout: float = 120):
        self.base = base.rstrip("/")
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.ws = None

    def _health(self) -> None:
        """GET /_stcore/health, as Streamlit's page does before it opens the websocket: the
        answer sets the XSRF cookie (and, through nginx, the route cookie)."""
        request = urllib.request.Request(f"{self.base}/_stcore/health")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=self.timeout) as response:
            response.read()
            self._take_cookies(response.headers.get_all("Set-Cookie") or [])

    def _take_cookies(self, set_cookies: list[str]) -> None:
        for value in set_cookies:
            name, _, rest = value.partition("=")
            self.cookies.setdefault(name.strip(), rest.split(";", 1)[0])

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self._health)
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        headers = {"Origin": f"{parts.scheme}://{parts.netloc}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        # as the browser does: the XSRF cookie's token rides in the subprotocol list, and
        # Streamlit reads the sign-in cookie only when the two agree
        subprotocols = ["streamlit"]
        if "_streamlit_xsrf" in self.cookies:
            subprotocols.append(self.cookies["_streamlit_xsrf"])
        self.ws = await connect(
            f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream",
            subprotocols=subprotocols,
            additional_headers=headers, max_size=None, open_timeout=self.timeout,
            ping_interval=None, proxy=None)
        self._take_cookies(self.ws.response.headers.get_all("Set-Cookie"))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def clear_caches(self) -> None:
        """Send Streamlit's clear-cache message (as the browser's menu would)."""
        message = BackMsg()
        message.clear_cache = True
        await self.ws.send(message.SerializeToString())

    async def run(self, page: str = "", query: str = "", click: str | None = None) -> Run:
        """Ask for a run of `page` (its URL path: "" for the default page) and read it to the
        end (a run that reruns itself is followed to its last run). `click`: the id of a button
        the previous run drew, pressed for this run."""
        message = BackMsg()
        message.rerun_script.page_name = page
        message.rerun_script.query_string = query
        if click is not None:
            widget = message.rerun_script.widget_states.widgets.add()
            widget.id = click
            widget.trigger_value = True
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        run = Run()
        async with asyncio.timeout(self.timeout):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self.ws.recv())
                kind = forward.WhichOneof("type")
                if kind == "new_session":
                    run = Run()  # a fresh run (after a rerun): what it draws starts here
                elif kind == "page_not_found":
                    run.page_not_found = True
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    element = forward.delta.new_element
                    if element.WhichOneof("type") == "exception":
                        run.exceptions.append(
                            f"{element.exception.type}: {element.exception.message}")
                    else:
                        run.texts += _element_texts(element)
                        if element.WhichOneof("type") == "button":
                            run.buttons[element.button.label] = element.button.id
                elif kind == "auth_redirect":
                    run.auth_redirect = forward.auth_redirect.url
                elif kind == "script_finished":
                    status = FINISHED(forward.script_finished)
                    if status in ("FINISHED_SUCCESSFULLY", "FINISHED_WITH_COMPILE_ERROR"):
                        if status == "FINISHED_WITH_COMPILE_ERROR":
                            run.exceptions.append("the script did not compile")
                        break
        run.seconds = time.perf_counter() - started
        return run


async def visit(base: str, page: str = "", query: str = "",
                cookies: dict[str, str] | None = None) -> Run:
    """One new visitor opening one page."""
    async with Visitor(base, cookies) as visitor:
        return await visitor.run(page, query)
