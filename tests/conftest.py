"""Shared fixtures.

Databases
    `backend`        "sqlite" and "postgresql": every database test runs on both. PostgreSQL
                     needs `TEST_DATABASE_URL` (an admin URL; `.ci/run` starts one). Outside CI a
                     missing PostgreSQL skips those tests with a reason; in CI (`CI=true`) it
                     fails them.
    PostgreSQL roles as deployed (README "Deployment"): the fixtures create `cpip_owner`, which
                     owns every test database and runs the migrations (`init_db`, as `init-db`
                     does), and `cpip_app`, granted `audit.app_role_grants` by the owner. A
                     PostgreSQL URL handed to a test is `cpip_app`'s: the dashboard's writes
                     in the tests (imports, approvals, rollbacks, packs, the audit trail) run
                     with the app's grants, never as a superuser. `as_role(url, "owner")` (to
                     migrate, or to change the history behind the dashboard's back) and
                     `as_role(url, "admin")` (the superuser) name the same database;
                     `behind_the_dashboard(engine)` a transaction as the owner (or, on SQLite,
                     on `engine`) for a test that changes stored rows itself.
    `db_url`         a fresh database at the latest schema with the reference data, no batches.
    `sample_url`     a fresh database holding the sample data (batch 1, illustrative).
    `engine`, `sample_engine`   engines on those, disposed after the test.
    Fresh databases are copied from templates built once per session (a file copy on SQLite,
    `CREATE DATABASE ... TEMPLATE` on PostgreSQL), so each test starts from a known state.

Streamlit
    `make_app(db_url, user=None, secrets=None, query=None)` an `AppTest` of `app.py` that renders
                     pages through the frame, as a real server does (see `tests/apptest.py`).

Hypothesis
    profiles `ci` (derandomised, 25 examples; chosen when CI=true) and `dev` (100 examples,
                     random); HYPOTHESIS_PROFILE names one explicitly.

Browser
    `server`         `streamlit run app.py` on a free port over a sample SQLite database.
    `browser_type_launch_args`  Playwright uses Debian's Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.store.audit import app_role_grants
from cpip_dashboard.store.db import make_engine
from tests.apptest import AppFactory

IN_CI = os.environ.get("CI", "").lower() == "true"

# Hypothesis: in CI the same examples every run (a verdict must not depend on the seed), with
# the blob to reproduce a failure; locally it explores more. Cases it finds are kept as
# `@example`s beside their tests. HYPOTHESIS_PROFILE=dev|ci chooses one explicitly.
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None,
                          database=None, max_examples=25)
settings.register_profile("dev", print_blob=True, deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "")
# tools/mutate.py runs one pytest session per mutant: it names a folder where the SQLite
# templates, built by its first (unmutated) session, are kept for the sessions after.
SHARED_TEMPLATES = os.environ.get("CPIP_TEST_TEMPLATES", "")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def require_or_skip(available: bool, what: str) -> None:
    """Outside CI a missing service skips the test with a reason; in CI it fails."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available on this machine")


OWNER_ROLE, APP_ROLE = "cpip_owner", "cpip_app"
# only used where the server asks for one (`.ci/run` and pg_start.sh trust loopback)
ROLE_PASSWORDS = {OWNER_ROLE: "cpip-owner-test", APP_ROLE: "cpip-app-test"}
ROLES_LOCK_KEY = 720_499  # advisory lock: one pytest worker at a time creates the roles


def as_role(url: str, role: str) -> str:
    """The PostgreSQL database of `url` as `role`: "app" (`cpip_app`), "owner" (`cpip_owner`)
    or "admin" (the superuser of TEST_DATABASE_URL)."""
    parsed = make_url(url)
    if role == "admin":
        admin = make_url(PG_ADMIN_URL)
        parsed = parsed.set(username=admin.username, password=admin.password)
    else:
        name = {"app": APP_ROLE, "owner": OWNER_ROLE}[role]
        parsed = parsed.set(username=name, password=ROLE_PASSWORDS[name])
    return parsed.render_as_string(hide_password=False)


@contextmanager
def behind_the_dashboard(engine):
    """One transaction on `engine`'s database with the rights of someone changing stored rows
    behind the dashboard's back (a test setting up what the dashboard itself never writes): on
    PostgreSQL as the owner role, since the tests' own role, the app's, may not
    (test_app_role.py); on SQLite through `engine` itself."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            yield conn
        return
    owner = make_engine(as_role(engine.url.render_as_string(hide_password=False), "owner"))
    try:
        with owner.begin() as conn:
            yield conn
    finally:
        owner.dispose()


def ensure_roles(admin) -> None:
    """Create `cpip_owner` and `cpip_app` on the test server if missing: ordinary login roles
    (no superuser, no CREATEDB, no CREATEROLE), as README "Deployment" creates them."""
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ROLES_LOCK_KEY})
        try:
            have = set(conn.execute(text(
                "SELECT rolname FROM pg_roles WHERE rolname IN (:owner, :app)"),
                {"owner": OWNER_ROLE, "app": APP_ROLE}).scalars())
            for role, password in ROLE_PASSWORDS.items():
                if role not in have:
                    conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB '
                                      f"NOCREATEROLE PASSWORD '{password}'"))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ROLES_LOCK_KEY})


class Databases:
    """Builds template databases once, then hands out fresh copies."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.templates: dict[tuple[str, bool], str] = {}
        self.created_pg: list[str] = []
        self.roles_ready = False
        # a test's PostgreSQL database is dropped by a thread while the next test runs (a DROP
        # takes 0.05-0.2 s, once per PostgreSQL test); `drop_all` waits for it
        self._dropping: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None

    def _admin(self):
        return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def _pg_url(self, name: str, role: str = "app") -> str:
        return as_role(make_url(PG_ADMIN_URL).set(database=name).render_as_string(False), role)

    def _build(self, backend: str, sample: bool) -> str:
        key = (backend, sample)
        if key in self.templates:
            return self.templates[key]
        name = f"template_{'sample' if sample else 'empty'}"
        shared = Path(SHARED_TEMPLATES) / f"{name}.sqlite" if SHARED_TEMPLATES else None
        if backend == "sqlite" and shared is not None and shared.exists():
            self.templates[key] = f"sqlite:///{shared}"
            return self.templates[key]
        if backend == "sqlite":
            url = f"sqlite:///{self.workdir / (name + '.sqlite')}"
        else:
            db = f"cpip_tpl_{'sample' if sample else 'empty'}_{os.getpid()}"
            admin = self._admin()
            if not self.roles_ready:
                ensure_roles(admin)
                self.roles_ready = True
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{db}" OWNER "{OWNER_ROLE}"'))
            admin.dispose()
            self.created_pg.append(db)
            url = self._pg_url(db, "owner")  # the owner migrates, as `init-db` in deployment
        engine = make_engine(url)
        init_db(engine, sample=sample, user="test fixture")
        if backend == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # then grants the app role its privileges (copied with the template)

            with engine.begin() as conn:
                for statement in app_role_grants(APP_ROLE):
                    conn.exec_driver_sql(statement)
        engine.dispose()
        if backend == "sqlite" and shared is not None:
            shared.parent.mkdir(parents=True, exist_ok=True)
            partial = shared.with_suffix(f".{os.getpid()}.part")
            shutil.copyfile(make_url(url).database, partial)
            os.replace(partial, shared)  # whole, or not there: a worker may be reading it
        self.templates[key] = url
        return url

    def fresh(self, backend: str, sample: bool) -> str:
        template = self._build(backend, sample)
        if backend == "sqlite":
            source = Path(make_url(template).database)
            target = self.workdir / f"db_{uuid.uuid4().hex[:10]}.sqlite"
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        db = f"cpip_t_{uuid.uuid4().hex[:12]}"
        admin = self._admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db}" TEMPLATE "{make_url(template).database}" '
                              f'OWNER "{OWNER_ROLE}"'))
        admin.dispose()
        self.created_pg.append(db)
        return self._pg_url(db)

    def drop(self, url: str) -> None:
        """Drop one fresh PostgreSQL database as its test finishes (SQLite files go with the
        temporary folder)."""
        name = make_url(url).database
        if not url.startswith("postgresql") or name not in self.created_pg:
            return
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_in_background, daemon=True,
                                             name="drop test databases")
            self._dropper.start()
        self._dropping.put(name)

    def _drop_in_background(self) -> None:
        admin = self._admin()
        try:
            while (name := self._dropping.get()) is not None:
                try:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    self.created_pg.remove(name)
                except Exception:  # left in created_pg: drop_all tries again
                    logging.getLogger(__name__).exception("could not drop %s yet", name)
        finally:
            admin.dispose()

    def drop_all(self) -> None:
        if self._dropper is not None:
            self._dropping.put(None)
            self._dropper.join(timeout=120)
        if not self.created_pg:
            return
        admin = self._admin()
        with admin.connect() as conn:
            for db in reversed(self.created_pg):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


# Folders whose tests run on SQLite only (unless marked `both_databases`): the rules never
# query, and the views and renderers read through `store`, whose SQL runs on both databases in
# tests/store, tests/imports, tests/batches and tests/protection and in one smoke run of every
# page on PostgreSQL (tests/pages/test_pages_postgresql.py).
ABOVE_THE_STORE = ("tests/views/", "tests/rules/", "tests/render/")


def _group_ids(config, items) -> None:
    """Put each grouped item's `@group` on the node id pytest reads. pytest-xdist 3.8's
    `--dist loadgroup` sends a worker's ids to the scheduler with the group appended, by
    writing `item._nodeid`, which pytest 9.2's structured node ids no longer read
    (pytest-xdist issue #1386, fix not released): every `xdist_group` was split over the
    workers, and a module's server, cluster or shared database was built once per worker.
    A no-op where xdist's own suffix took (another pytest) or outside `--dist loadgroup`."""
    if not getattr(config.option, "loadgroup", False):  # set in xdist's workers only
        return
    try:
        from _pytest.nodeid import NodeId  # noqa: PLC0415 (pytest 9.2's structured ids)
    except ImportError:  # an older pytest: xdist's own suffix works there
        return
    for item in items:
        names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                 for mark in item.iter_markers("xdist_group")}
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


def pytest_collection_modifyitems(config, items):
    """Page (AppTest) tests run on SQLite only: PostgreSQL gets every database-layer test and
    one smoke run of every page (test_pages_postgresql.py). The page runs are the same code on
    both databases; running them twice doubled the suite's time. Likewise the tests of the
    layers above the store (ABOVE_THE_STORE), and a test marked `one_database` (its reason says
    why the database cannot change what it tests)."""
    keep, dropped = [], []
    mutating = os.environ.get("CPIP_MUTATION") == "1"  # tools/mutate.py: rules, not pages
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and any(  # a parameter may be pd.NA: no ==
            isinstance(value, str) and value == "postgresql"
            for value in callspec.params.values())
        page = "make_app" in getattr(item, "fixturenames", ())
        where = Path(str(item.path)).relative_to(ROOT).as_posix()
        above = where.startswith(ABOVE_THE_STORE) and not item.get_closest_marker(
            "both_databases")
        if (page and mutating) or (on_postgresql and (
                page or above or item.get_closest_marker("one_database"))):
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    _group_ids(config, items)


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = Databases(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql":
        require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
    return request.param


@pytest.fixture
def db_url(databases, backend):
    url = databases.fresh(backend, sample=False)
    yield url
    databases.drop(url)


@pytest.fixture
def sample_url(databases, backend):
    url = databases.fresh(backend, sample=True)
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sample_engine(sample_url):
    eng = make_engine(sample_url)
    yield eng
    eng.dispose()


@contextmanager
def fresh_engine(databases, kind: str, sample: bool):
    """An engine on a fresh database of `kind` ("sqlite" or "postgresql": skipped, or failed in
    CI, without PostgreSQL), with the sample data or none, dropped afterwards: what a module's
    tests share (its fixture, module-scoped and often parametrised by kind, yields it)."""
    if kind == "postgresql":
        require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
    url = databases.fresh(kind, sample=sample)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        databases.drop(url)


@pytest.fixture(scope="module")
def shared_sample(databases):
    """A sample database on SQLite for one module's tests, shared by them (they read it, or
    each leaves it as it found it)."""
    with fresh_engine(databases, "sqlite", sample=True) as engine:
        yield engine


@pytest.fixture
def sqlite_sample_url(databases) -> str:
    """A sample database on SQLite only (for page tests that need not run twice)."""
    return databases.fresh("sqlite", sample=True)


# --- Streamlit AppTest --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def page_failures_fail_the_test(request):
    """The frame turns a page's exception into one sentence for the visitor and logs the
    traceback (`ui.frame.run_frame`), so AppTest no longer sees it as `at.exception`: a page
    failure logged during a test fails that test, unless the test expects it."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append
    logger = logging.getLogger("cpip_dashboard.ui.frame")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)
    if records and not request.node.get_closest_marker("page_errors_expected"):
        record = records[0]
        detail = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        pytest.fail(f"a page failed: {record.getMessage()}\n{detail}")


@pytest.fixture
def make_app(monkeypatch):
    return AppFactory(monkeypatch, ROOT)


# --- real browser -------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the one helper every test uses)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_oidc_provider(users: list[dict]) -> tuple[subprocess.Popen, str]:
    """oidc-provider-mock on a free port offering these users (RECIPES.md, sign-in tested
    offline): (its process, its metadata URL), once it answers."""
    port = free_port()
    args = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for user in users:
        args += ["--user-claims", json.dumps(user)]
    provider = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    metadata = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    for _ in range(200):
        try:
            urllib.request.urlopen(metadata, timeout=1).read()
            return provider, metadata
        except OSError:
            time.sleep(0.1)
    provider.kill()
    raise RuntimeError("the OpenID Connect provider did not start")


def auth_secrets(path: Path, app_port: int, metadata: str, roles: str,
                 cookie_secret: str = "9b2e7c4f1a0d5e83b6c2f9a47d1e0c5b8a3f6d2e") -> Path:
    """A secrets.toml signing in through the provider at `metadata`, then `roles` (TOML)."""
    path.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "{cookie_secret}"
client_id = "cpip"
client_secret = "cpip-secret"
server_metadata_url = "{metadata}"
{roles}""")
    return path


def run_async(coroutine):
    """`asyncio.run` in a thread of its own: a Playwright test on the same worker leaves an
    event loop running in the main thread, where asyncio.run would refuse."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def start_server(db_url: str, log_path: Path, extra_env: dict | None = None,
                 plain: bool = False, port: int | None = None,
                 extra_args: list[str] | None = None):
    """The dashboard as `make run` serves it (plain=True: bare `streamlit run app.py`)."""
    port = port or free_port()
    env = dict(os.environ, DATABASE_URL=db_url, **(extra_env or {}))
    log = log_path.open("w")
    launcher = ["streamlit", "run", "app.py"] if plain else ["cpip_dashboard.ui.serve"]
    proc = subprocess.Popen(
        [sys.executable, "-m", *launcher, "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", *(extra_args or [])],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as response:
                if response.read().decode().strip() == "ok":
                    return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"streamlit did not start; see {log_path}")


SERVER_LOGS: dict[str, Path] = {}  # the session server's address -> its log


@pytest.fixture(scope="session")
def server(databases, tmp_path_factory):
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM}; apt-get install chromium)")
    url = databases.fresh("sqlite", sample=True)
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    proc, base = start_server(url, log)
    SERVER_LOGS[base] = log
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM}; apt-get install chromium)")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
