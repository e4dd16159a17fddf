"""A visitor without a browser: Streamlit's own websocket protocol (RECIPES.md, "Timing a page").

One `Visitor` is one new browser tab: as Streamlit's page does, a GET of `/_stcore/health` (for
its cookies), then a websocket to `/_stcore/stream` (one Streamlit session on whichever process
answers it), on which `run(page, query)` asks for a script run and reads what
the page draws until the run finishes. The same visitor's next `run` is that session's next run;
`upload` puts a file in a file uploader as the browser does (Streamlit's upload route, then a
run).
Used by `serve` (each process opens every page once as soon as it answers, so the first real
visitor finds the caches warm), `deploy/serve_cluster.py`, the load benchmark
(`benchmarks/load.py`) and the cluster tests (through nginx: a page renders, the websocket stays
up, a commit is seen by every process, the Upload page takes every crafted file).
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import urlsplit

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
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
    uploaders: dict[str, str] = field(default_factory=dict)  # file uploader label -> widget id
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (ERROR/INFO/..., body)
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
        self.session_id = ""  # this visitor's Streamlit session, known after its first run

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

    async def upload(self, uploader: str, name: str, data: bytes, page: str = "") -> Run:
        """Put a file in the file uploader whose widget id is `uploader` (drawn by the previous
        run of `page`), as the browser does: ask the session for an upload address, PUT the file
        there (Streamlit's upload route, `/_stcore/upload_file/<session>/<file>`, with the
        cookies and the XSRF token), then rerun with the uploader holding it. Returns that run.
        An upload refused by the route raises `urllib.error.HTTPError`."""
        request = BackMsg()
        request.file_urls_request.request_id = request_id = uuid.uuid4().hex
        request.file_urls_request.session_id = self.session_id
        request.file_urls_request.file_names.append(name)
        await self.ws.send(request.SerializeToString())
        async with asyncio.timeout(self.timeout):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self.ws.recv())
                if (forward.WhichOneof("type") == "file_urls_response"
                        and forward.file_urls_response.response_id == request_id):
                    urls = forward.file_urls_response.file_urls[0]
                    break
        await asyncio.to_thread(self._put, urls.upload_url, name, data)
        state = WidgetState()
        state.id = uploader
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        return await self.run(page, widgets=[state])

    def _put(self, path: str, name: str, data: bytes) -> None:
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            f"{self.base}{path}", data=body, method="PUT",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                     "X-Xsrftoken": self.cookies.get("_streamlit_xsrf", "")})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=self.timeout) as response:
            response.read()

    async def run(self, page: str = "", query: str = "", click: str | None = None,
                  widgets: list | None = None) -> Run:
        """Ask for a run of `page` (its URL path: "" for the default page) and read it to the
        end (a run that reruns itself is followed to its last run). `click`: the id of a button
        the previous run drew, pressed for this run; `widgets`: `WidgetState`s sent with it."""
        message = BackMsg()
        message.rerun_script.page_name = page
        message.rerun_script.query_string = query
        if click is not None:
            widget = message.rerun_script.widget_states.widgets.add()
            widget.id = click
            widget.trigger_value = True
        for state in widgets or ():
            message.rerun_script.widget_states.widgets.append(state)
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
                    self.session_id = forward.new_session.initialize.session_id
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
                        elif element.WhichOneof("type") == "file_uploader":
                            run.uploaders[element.file_uploader.label] = (
                                element.file_uploader.id)
                        elif element.WhichOneof("type") == "alert":
                            run.alerts.append((Alert.Format.Name(element.alert.format),
                                               element.alert.body))
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
