"""Several app processes behind nginx (`make serve-cluster`, deploy/serve_cluster.py), on one
PostgreSQL database, with sign-in configured: one cluster of two processes for the module,
started and stopped exactly as an operator does (the command, then Ctrl-C).

Visitors speak Streamlit's websocket protocol (cpip_dashboard/ui/client.py); nginx's access log
says which process answered each request. Each test needs only the cluster (and a signed-in
browser's cookies); the killed process and the stop come last in the file, so last on whichever
pytest worker runs them (each worker starts its own cluster). The sign-in is a real OpenID
Connect flow against oidc-provider-mock, driven without a browser: the protocol for the "Log in"
button, HTTP for the redirects.
"""

from __future__ import annotations

import asyncio
import json as json_module
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, func, make_url, select, text

from cpip_dashboard.store.models import Publication
from cpip_dashboard.ui.client import Visitor, visit
from cpip_dashboard.ui.frame import PAGE_FAILED
from deploy.serve_cluster import main as serve_cluster_main
from tests.cli_helpers import cli
from tests.conftest import (
    PG_ADMIN_URL,
    ROOT,
    auth_secrets,
    free_port,
    require_or_skip,
    run_async,
    start_oidc_provider,
)
from tests.files import bomb_xlsx, csv, doctype_xlsx, far_cell_xlsx

# one cluster for the module: every test of it on one worker (--dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]

NGINX = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
SECRETARY = {"sub": "sec", "email": "sec@gov.scot", "email_verified": True,
             "name": "Sam Secretary"}
SIGNED_IN = "Signed in as Sam Secretary (Secretariat)"
BRIEFING = "Programme status at"  # the Briefing's first heading, "Programme status at <date>"
ROUND_FILE = "cluster-round-5.csv"


# --- the cluster -------------------------------------------------------------------------------


def consecutive_free_ports(n: int) -> int:
    """The first of n consecutive ports free on 127.0.0.1."""

    for _ in range(50):
        first = free_port()
        try:
            for port in range(first, first + n):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError("no run of free ports")


@dataclass
class Cluster:
    proc: subprocess.Popen
    base: str
    workdir: Path
    db_url: str
    lines: queue.Queue
    output: list[str] = field(default_factory=list)
    apps: dict[int, tuple[int, int]] = field(default_factory=dict)  # number -> (port, pid)
    nginx_pid: int = 0
    stopped: bool = False

    def read_until(self, pattern: str, timeout: float = 120) -> re.Match:
        """The launcher's output up to the first line matching `pattern`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            if line is None:
                break
            self.output.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matching {pattern!r} in the launcher's output:\n"
                             + "".join(self.output))

    def access_log(self) -> list[dict[str, str]]:
        pattern = re.compile(r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ '
                             r'route=(?P<route>\S+) upstream="(?P<upstream>[^"]*)"')
        log = self.workdir / "access.log"
        return [m.groupdict() for m in map(pattern.search, log.read_text().splitlines()) if m]

    def answered_by(self, route: str, path_start: str, at_least: int = 1,
                    timeout: float = 10) -> list[str]:
        """The upstreams (`127.0.0.1:port`, or `a, b` when nginx went on from a to b) that
        answered `path_start...` for `route`, oldest first. nginx logs a request when it ends
        (a websocket when it closes), so this waits a little for `at_least` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [line["upstream"] for line in self.access_log()
                     if line["route"] == route and line["path"].startswith(path_start)]
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def route_to(self, port: int) -> str:
        """A route cookie value that nginx's consistent hash sends to the process on `port`."""
        for n in range(64):
            route = f"probe-{n}"
            if not self.answered_by(route, "/_stcore/health", at_least=0, timeout=0):
                get(f"{self.base}/_stcore/health", {"cpip_route": route})
            if self.answered_by(route, "/_stcore/health")[0] == f"127.0.0.1:{port}":
                return route
        raise AssertionError(f"no route reaches port {port}")


def get(url: str, cookies: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode(errors="replace")


@pytest.fixture(scope="module")
def cluster(databases, tmp_path_factory):
    require_or_skip(NGINX is not None, "nginx (apt-get install nginx)")
    require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
    workdir = tmp_path_factory.mktemp("cluster")
    db_url = databases.fresh("postgresql", sample=True)
    provider, metadata = start_oidc_provider([SECRETARY])
    port, first = free_port(), consecutive_free_ports(2)
    secrets = auth_secrets(workdir / "secrets.toml", port, metadata, f"""
[cpip.roles]
secretariat = ["{SECRETARY['email']}"]
""", cookie_secret="5d0c8e2a7f4b19e63ac05d7b2e9f1c48a6b3d7e0f25c9a14")
    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy.serve_cluster", "--processes", "2", "--port", str(port),
         "--first-port", str(first), "--secrets", str(secrets), "--workdir",
         str(workdir / "run"), "--no-warm"],
        cwd=ROOT, env=dict(os.environ, DATABASE_URL=db_url, CPIP_APPROVAL="single"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    running = Cluster(proc, f"http://127.0.0.1:{port}", workdir / "run", db_url, lines)
    try:
        running.read_until(r"Ctrl-C stops everything")
        for line in running.output:
            match = re.search(r"app (\d+): http://127\.0\.0\.1:(\d+) pid (\d+)", line)
            if match:
                running.apps[int(match[1])] = (int(match[2]), int(match[3]))
        assert sorted(running.apps) == [1, 2]
        running.nginx_pid = int(re.search(r"\(nginx, pid (\d+)\)", "".join(running.output))[1])
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for _port, pid in running.apps.values():  # never leave a process behind
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        provider.terminate()
        provider.wait(timeout=10)


async def _signed_in_cookies(base: str) -> tuple[dict[str, str], str]:
    """A real OpenID Connect sign-in through the cluster, without a browser: the sign-in page's
    "Log in" button (pressed over the websocket) gives the login address; then the login, the
    provider's user choice and the callback go over HTTP with one cookie jar. Returns the
    cookies a signed-in browser holds, and the route cookie the flow ran on."""
    async with Visitor(base) as visitor:
        page = await visitor.run()
        assert page.ok and "Log in" in page.buttons, page.texts
        pressed = await visitor.run(click=page.buttons["Log in"])
        assert pressed.auth_redirect, "st.login() sent no redirect"
        cookies = dict(visitor.cookies)
    jar = CookieJar()
    for name, value in cookies.items():  # the browser's cookies so far (route, xsrf)
        jar.set_cookie(Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True,
                              False, None, False, None, None, {}))
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = urllib.parse.urljoin(base + "/", pressed.auth_redirect.lstrip("/"))
    with opener.open(login, timeout=30) as response:  # -> the provider's "choose a user" form
        authorize = response.url
        assert urllib.parse.urlsplit(authorize).path == "/oauth2/authorize"
        assert SECRETARY["sub"] in response.read().decode()
    form = urllib.parse.urlencode({"sub": SECRETARY["sub"]}).encode()
    with opener.open(urllib.request.Request(authorize, data=form), timeout=60) as response:
        assert response.status == 200  # the callback redirected back to the dashboard
        assert urllib.parse.urlsplit(response.url).path == "/"
    cookies |= {c.name: c.value for c in jar if c.name.startswith("_streamlit")}
    assert "_streamlit_user" in cookies, sorted(cookies)
    return cookies, cookies["cpip_route"]


@pytest.fixture(scope="module")
def signed_in(cluster) -> tuple[dict[str, str], str]:
    return run_async(_signed_in_cookies(cluster.base))


def without_route(cookies: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in cookies.items() if k != "cpip_route"}


# --- the tests, in order -----------------------------------------------------------------------


def test_a_page_renders_through_nginx_and_its_websocket_stays_up(cluster, signed_in):
    status, html = get(cluster.base + "/")
    assert status == 200 and '<div id="root">' in html  # Streamlit's page, through nginx

    async def scenario():
        async with Visitor(cluster.base, signed_in[0]) as visitor:
            first = await visitor.run()
            await asyncio.sleep(2)  # idle: nginx keeps the websocket open
            await asyncio.wait_for(await visitor.ws.ping(), 10)
            second = await visitor.run("about")
            return visitor, first, second

    route = signed_in[1]
    earlier = cluster.answered_by(route, "/_stcore/stream", at_least=0, timeout=0)
    visitor, first, second = run_async(scenario())
    assert first.ok and first.contains(BRIEFING) and first.contains(SIGNED_IN), first.texts
    assert second.ok and second.contains("About this dashboard"), second.texts
    assert visitor.cookies["cpip_route"] == route
    # both runs went over one websocket, proxied as one upgraded connection to one process
    streams = cluster.answered_by(route, "/_stcore/stream", at_least=len(earlier) + 1)
    assert len(streams) == len(earlier) + 1
    assert streams[-1] in {f"127.0.0.1:{port}" for port, _pid in cluster.apps.values()}


def test_sign_in_completes_through_the_cluster_on_the_process_that_started_it(
        cluster, signed_in):
    cookies, route = signed_in
    login = cluster.answered_by(route, "/auth/login")
    callback = cluster.answered_by(route, "/oauth2callback")
    assert len(login) == 1 and callback == login  # the callback reached the same process
    # and the sign-in cookie one process signed is read by every process (one cookie_secret)
    for port, _pid in cluster.apps.values():
        run = run_async(visit(cluster.base, cookies=without_route(cookies)
                                | {"cpip_route": cluster.route_to(port)}))
        assert run.ok and run.contains(SIGNED_IN), (port, run.texts[:6])


def test_a_commit_is_seen_by_every_process_on_its_next_run(cluster, signed_in, tmp_path):
    cookies = without_route(signed_in[0])
    routes = [cluster.route_to(port) for port, _pid in cluster.apps.values()]
    round_file = tmp_path / ROUND_FILE
    round_file.write_bytes(csv([["Action ID", "Reporting date", "RAG", "Commentary"],
                                ["NEG-1", "2024-10-01", "Amber", "Slipping"]]))

    async def scenario():
        visitors = [Visitor(cluster.base, cookies | {"cpip_route": r}) for r in routes]
        for v in visitors:
            await v.__aenter__()
        try:
            before = [await v.run("about") for v in visitors]
            imported = cli(cluster.db_url, "import", str(round_file), "--user", "sec@gov.scot",
                           env={"CPIP_APPROVAL": "single"})
            after = [await v.run("about") for v in visitors]  # the same sessions' next runs
        finally:
            for v in visitors:
                await v.__aexit__(None, None, None)
        return before, imported, after

    before, imported, after = run_async(scenario())
    assert imported.returncode == 0 and "Loaded as batch" in imported.stdout, imported.stdout
    for route, run in zip(routes, before, strict=True):
        assert run.ok and not run.contains(ROUND_FILE)
        assert len(set(cluster.answered_by(route, "/_stcore/stream"))) == 1
    for run in after:
        assert run.ok and run.contains(ROUND_FILE), run.texts
    answered = {cluster.answered_by(r, "/_stcore/stream")[0] for r in routes}
    assert len(answered) == 2  # the two sessions were on the two processes


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_processes_starting_at_once_migrate_a_fresh_database_once(kind, tmp_path):
    if kind == "postgresql":
        require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
        name = f"cpip_t_race_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    try:
        env = dict(os.environ, DATABASE_URL=url)
        procs = [subprocess.Popen([sys.executable, "-m", "cpip_dashboard", "init-db"], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
        for out, err, code in results:
            assert code == 0 and "Traceback" not in err and "Error" not in err, err
            assert "is at the latest schema" in out
        migrated = [out for out, _err, _code in results if "Migrated the database" in out]
        assert len(migrated) == 1 and "from no schema to" in migrated[0]



        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.set_main_option("script_location", str(ROOT / "migrations"))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        engine = create_engine(url)
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            publications = conn.execute(select(func.count()).select_from(Publication)).scalar()
        engine.dispose()
        assert [tuple(v) for v in versions] == [(head,)]
        assert publications == 1  # the first start published; the second found it done
    finally:
        if kind == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _post_upload(cluster, cookies: dict[str, str], route: str) -> tuple[int, list[str]]:
    """A POST to Streamlit's upload route through nginx: (status, the upstreams that answered
    it as nginx logged them)."""
    body = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nA\r\n--x--\r\n"
    request = urllib.request.Request(
        f"{cluster.base}/_stcore/upload_file/session/file", data=body, method="PUT",
        headers={"Content-Type": "multipart/form-data; boundary=x",
                 "Cookie": "; ".join(f"{k}={v}" for k, v in (cookies | {"cpip_route": route})
                                     .items()),
                 "X-Xsrftoken": cookies.get("_streamlit_xsrf", "")})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, cluster.answered_by(route, "/_stcore/upload_file/")


def test_the_upload_route_is_only_for_a_signed_in_secretariat(cluster, signed_in):
    """nginx asks deploy/upload_check.py first: signed out, or with a cookie signed by another
    secret, the upload is refused by nginx (no process sees it); with a secretariat sign-in
    cookie it goes on to a process."""


    app_ports = {f"127.0.0.1:{port}" for port, _ in cluster.apps.values()}
    claims = {"email": SECRETARY["email"], "sub": "sec", "iat": int(time.time()),
              "iss": "http://127.0.0.1", "email_verified": True}

    def cookie(secret: str) -> str:
        return URLSafeTimedSerializer(secret, salt="_streamlit_user").dumps(
            json_module.dumps(claims))

    status, upstreams = _post_upload(cluster, {}, "upload-signed-out")
    assert status == 401 and not app_ports & set(", ".join(upstreams).split(", "))
    status, upstreams = _post_upload(
        cluster, {"_streamlit_user": cookie("a-forged-secret-of-enough-length-0123456789")},
        "upload-forged")
    assert status == 401 and not app_ports & set(", ".join(upstreams).split(", "))
    xsrf = {k: v for k, v in signed_in[0].items() if k == "_streamlit_xsrf"}
    status, upstreams = _post_upload(
        cluster, xsrf | {"_streamlit_user": cookie(
            "5d0c8e2a7f4b19e63ac05d7b2e9f1c48a6b3d7e0f25c9a14")}, "upload-secretariat")
    assert status not in (401, 429), status
    assert app_ports & set(", ".join(upstreams).split(", ")), upstreams  # a process answered
    log = (cluster.workdir / "upload-check.log").read_text()
    assert log.count("upload refused") == 2, log


def _crafted_files() -> list[tuple[str, str, bytes, str, str]]:
    """Issue 20's crafted uploads, each kind once: (kind, file name, bytes, the alert the Upload
    page must show, the start of its sentence)."""
    header = ["Action ID", "Reporting date", "RAG", "Commentary"]
    long_commentary = ("word " * 6_600)[:32_764] + "END"  # Excel's most in a cell: 32,767
    many_problems = csv([header] + [["NEG-1", "2024-10-01", f"Amberish{i}", ""]
                                    for i in range(50_000)])
    return [
        ("huge declared range", "far-cell.xlsx", far_cell_xlsx(), "ERROR",
         "far-cell.xlsx is oversized: its sheet Updates is declared to use 1,048,576 rows"),
        ("many rows", "many-rows.csv",
         b"Action ID,Reporting date,RAG\r\n" + b"NEG-1,2024-10-01,Red\r\n" * 250_000,
         "ERROR", "many-rows.csv is oversized: its sheet many-rows has at least 200,001 rows"),
        ("many problems", "many-problems.csv", many_problems, "ERROR",
         "50,000 problems: nothing was loaded."),
        ("billion laughs", "laughs.xlsx", doctype_xlsx("laughs"), "ERROR",
         "laughs.xlsx could not be read as an Excel workbook"),
        ("external entity", "external.xlsx", doctype_xlsx("external"), "ERROR",
         "external.xlsx could not be read as an Excel workbook"),
        ("zip bomb", "bomb.xlsx", bomb_xlsx(300), "ERROR",
         "bomb.xlsx is oversized: its parts are declared to add up to more than 200 MB"),
        ("zip bomb, sizes lied", "bomb-lie.xlsx", bomb_xlsx(300, lie=True), "ERROR",
         "bomb-lie.xlsx is oversized"),
        ("long commentary", "long-commentary.csv",
         csv([header, ["NEG-1", "2024-10-02", "Amber", long_commentary]]), "SUCCESS",
         "Checks passed: 1 added"),
    ]


def _memory_kb(pid: int) -> dict[str, int]:
    """A process's resident memory now and at its peak (VmRSS, VmHWM), in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE)[1])
            for key in ("VmRSS", "VmHWM")}


# the most an app process may hold at its peak while taking the crafted files one after
# another (README "Deployment": measured 440 MB, from 308 MB before the files)
CRAFTED_PEAK_MB = 700


def test_the_upload_page_takes_every_crafted_file_and_stays_up(cluster, signed_in):
    """Issue 20: each crafted file, one after another, through nginx (the upload check),
    Streamlit's upload route and the Upload page of one app process, as the signed-in
    secretariat: each gets its one sentence (never the page-failed sentence), the process
    answers throughout and is never restarted, and its peak resident memory stays bounded."""
    cookies = without_route(signed_in[0])
    port, pid = cluster.apps[1]
    route = cluster.route_to(port)
    files = _crafted_files()
    before = _memory_kb(pid)

    async def scenario():
        results = []
        async with Visitor(cluster.base, cookies | {"cpip_route": route}, timeout=180) as v:
            page = await v.run("upload")
            assert page.ok and page.contains("2. Upload and check"), page.texts[:8]
            uploader = next(i for label, i in page.uploaders.items()
                            if label.startswith("Spreadsheet"))
            for kind, name, data, _, _ in files:
                started = time.perf_counter()
                run = await v.upload(uploader, name, data, "upload")
                health = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/_stcore/health")
                results.append((kind, run, time.perf_counter() - started, health,
                                _memory_kb(pid)))
        return results

    results = run_async(scenario())
    report = [f"{kind}: {len(data):,} bytes, {seconds:.1f} s, RSS {memory['VmRSS'] // 1024} MB "
              f"(peak {memory['VmHWM'] // 1024} MB): {run.alerts}"
              for (kind, _, data, _, _), (_, run, seconds, _, memory)
              in zip(files, results, strict=True)]
    print(f"\napp process {pid}: RSS {before['VmRSS'] // 1024} MB, peak "
          f"{before['VmHWM'] // 1024} MB before the crafted files\n" + "\n".join(report))
    for (kind, name, _, level, sentence), (_, run, _, health, _) in zip(
            files, results, strict=True):
        assert run.ok and PAGE_FAILED not in run.texts, (kind, run.texts[:10])
        assert health == (200, "ok"), kind
        alerts = [(alert_level, re.sub(r"\\(.)", r"\1", body))  # as text, not Markdown
                  for alert_level, body in run.alerts]
        shown = [(alert_level, body) for alert_level, body in alerts
                 if body.startswith((name, sentence))]
        assert len(shown) == 1 and shown[0][0] == level, (kind, alerts)
        assert shown[0][1].startswith(sentence), (kind, shown[0][1])
        if kind == "many problems":  # the problems listed, and the marked copy built (linear)
            assert run.contains("Download the file with problem cells marked"), run.texts[:12]
            assert run.contains("49,000 more errors not listed: correct the 1,000 listed and "
                                "upload the file again to see the rest"), run.texts[:12]
    # the same process served them all (a process that died would have been restarted)
    assert _memory_kb(pid) and not any(
        re.search(rf"app process 1 \(port {port}.*exited", line) for line in cluster.output)
    assert all(upstream == f"127.0.0.1:{port}"
               for upstream in cluster.answered_by(route, "/_stcore/upload_file/",
                                                   at_least=len(files)))
    peak = max(memory["VmHWM"] for *_, memory in results) // 1024
    assert peak < CRAFTED_PEAK_MB, "\n".join(report)


def test_a_killed_process_leaves_the_others_serving_new_visitors(cluster, signed_in, tmp_path):
    cookies = without_route(signed_in[0])
    (live_port, _), (dead_port, dead_pid) = cluster.apps[1], cluster.apps[2]
    dead_route = cluster.route_to(dead_port)
    committed = tmp_path / "cluster-round-6.csv"
    committed.write_bytes(csv([["Action ID", "Reporting date", "RAG", "Commentary"],
                               ["NEG-1", "2024-10-08", "Red", "Stalled"]]))
    assert cli(cluster.db_url, "import", str(committed), "--user", "sec@gov.scot",
               env={"CPIP_APPROVAL": "single"}).returncode == 0
    os.kill(dead_pid, signal.SIGKILL)
    cluster.read_until(rf"app process 2 \(port {dead_port}, pid {dead_pid}\) exited")

    async def visitors():
        aimed = visit(cluster.base, cookies=cookies | {"cpip_route": dead_route})
        new = [visit(cluster.base, cookies=cookies) for _ in range(3)]
        return await asyncio.gather(aimed, *new)

    runs = run_async(visitors())
    for run in runs:
        assert run.ok and run.contains(BRIEFING) and run.contains(SIGNED_IN), run.texts[:6]
    # the visitor whose route hashes onto the dead process was answered by the live one
    assert cluster.answered_by(dead_route, "/_stcore/stream")[-1].endswith(
        f"127.0.0.1:{live_port}")
    assert get(cluster.base + "/_stcore/health") == (200, "ok")
    # nothing lost: what was committed before the kill is served by the others
    run = run_async(visit(cluster.base, "about", cookies=cookies | {"cpip_route": dead_route}))
    assert run.ok and run.contains(committed.name)
    # the launcher started it again: its own address answers once more
    match = cluster.read_until(rf"app process 2 \(port {dead_port}\) restarted as pid (\d+)")
    cluster.apps[2] = (dead_port, int(match[1]))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if get(f"http://127.0.0.1:{dead_port}/_stcore/health") == (200, "ok"):
                break
        except OSError:
            time.sleep(0.5)
    assert get(f"http://127.0.0.1:{dead_port}/_stcore/health") == (200, "ok")


def test_ctrl_c_stops_nginx_and_every_process(cluster):
    cluster.proc.send_signal(signal.SIGINT)
    assert cluster.proc.wait(timeout=30) == 0
    cluster.read_until(r"^Stopped\.")
    for pid in [cluster.nginx_pid, *(pid for _port, pid in cluster.apps.values())]:
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} is still running"
    with pytest.raises(OSError):
        get(cluster.base + "/_stcore/health")


# --- refusals (no cluster needed) --------------------------------------------------------------


@pytest.mark.parametrize(("env", "args", "said"), [
    ({"DATABASE_URL": ""}, [],
     "A cluster needs PostgreSQL, and the database is the embedded SQLite default"),
    ({"DATABASE_URL": "sqlite:////tmp/x.sqlite"}, [], "A cluster needs PostgreSQL"),
    ({"DATABASE_URL": "postgresql+psycopg://u@db.example:5432/cpip"},
     ["--address", "0.0.0.0"], "local mode, which only serves this machine"),
    ({"DATABASE_URL": "postgresql+psycopg://u@db.example:5432/cpip"}, ["--processes", "0"],
     "--processes must be at least 1"),
])
def test_refuses_what_cannot_work_with_one_sentence(monkeypatch, capsys, tmp_path, env, args,
                                                    said):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    empty_secrets = tmp_path / "secrets.toml"
    empty_secrets.write_text("")
    try:
        code = serve_cluster_main([*args, "--secrets", str(empty_secrets)])
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and said in err and "Traceback" not in err
