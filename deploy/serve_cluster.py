"""Several dashboard processes behind one address: `python -m deploy.serve_cluster` (`make
serve-cluster`).

1. Refuses, with one sentence, what cannot work: the embedded SQLite default (each process
   would hold its own sessions over one file: a cluster needs the PostgreSQL named by
   `DATABASE_URL` or secrets), a missing nginx, a port in use, an address other than this
   machine without sign-in configured.
2. Migrates the database once (`python -m cpip_dashboard init-db`), before any process starts.
3. Starts N processes of `python -m cpip_dashboard.ui.serve` on 127.0.0.1, ports
   first-port .. first-port+N-1, every one with the same environment and the same
   `secrets.toml` (so the same `cookie_secret`: a sign-in cookie made by one is read by all),
   waits until each answers `/_stcore/health`, and opens the first page once on each (the
   Briefing; with sign-in configured, the sign-in page) so each has its database engine and
   first caches ready.
4. Renders `deploy/nginx.conf.template` into a work folder and runs Debian's nginx from it as
   an ordinary foreground process (no daemon, no root paths), then checks `/_stcore/health`
   through nginx.
5. With sign-in configured, starts the upload check (`deploy/upload_check.py`, on the port after
   the last process) that nginx asks before it passes an upload on (`auth_request`): only a
   secretariat member signed in less than 8 hours ago may upload. nginx also limits requests,
   uploads and connections per client address.
6. Watches: a process that dies is reported and started again (nginx sends its visitors to the
   others meanwhile), at most MAX_RESTARTS times in RESTART_WINDOW seconds; when nginx is gone
   (or every process is gone for good) it stops. Ctrl-C (or SIGTERM) stops nginx, then every
   process, and removes the work folder it made.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cpip_dashboard import config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATE = HERE / "nginx.conf.template"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_PORT = 8600
MAX_RESTARTS = 5  # per process within RESTART_WINDOW seconds; then it stays down
RESTART_WINDOW = 300.0


class Refused(Exception):
    """A reason not to start, as one sentence for the operator."""


@dataclass
class App:
    number: int
    port: int
    log: Path
    proc: subprocess.Popen | None = None
    reported: bool = False
    restarts: list[float] = field(default_factory=list)  # when it was started again

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    database_url: str
    address: str
    port: int
    apps: list[App]
    workdir: Path
    secrets: Path | None
    nginx: str
    remove_workdir: bool
    body_mb: int = 25
    warm: bool = True
    nginx_proc: subprocess.Popen | None = None
    check_proc: subprocess.Popen | None = None
    check_port: int | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}"

    # --- start -------------------------------------------------------------------------------

    def start(self) -> None:
        self.env = dict(os.environ, DATABASE_URL=self.database_url)
        self.migrate()
        for app in self.apps:
            self.start_app(app)
        for app in self.apps:
            self.wait_healthy(app)
        if self.warm:
            self.warm_up()
        self.start_upload_check()
        self.start_nginx()

    def migrate(self) -> None:
        say("Migrating the database once: python -m cpip_dashboard init-db")
        result = subprocess.run([sys.executable, "-m", "cpip_dashboard", "init-db"], cwd=ROOT,
                                env=self.env, capture_output=True, text=True, check=False)
        for line in (result.stdout + result.stderr).strip().splitlines():
            say(f"  {line}")
        if result.returncode != 0:
            raise Refused(f"init-db failed (exit {result.returncode}); nothing was started.")

    def start_app(self, app: App) -> None:
        command = [sys.executable, "-m", "cpip_dashboard.ui.serve",
                   "--server.address", "127.0.0.1", "--server.port", str(app.port),
                   "--server.headless", "true", "--browser.gatherUsageStats", "false"]
        if self.secrets is not None:
            command += ["--secrets.files", str(self.secrets)]
        app.proc = child(command, app.log, self.env)
        app.reported = False

    def wait_healthy(self, app: App, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if app.proc.poll() is not None:
                raise Refused(f"app process {app.number} (port {app.port}) exited with status "
                              f"{app.proc.returncode} while starting; see {app.log}:\n"
                              + tail(app.log))
            if healthy(app.base):
                return
            time.sleep(0.2)
        raise Refused(f"app process {app.number} (port {app.port}) did not answer "
                      f"/_stcore/health within {timeout:.0f} s; see {app.log}.")

    def warm_up(self) -> None:
        from cpip_dashboard.ui.client import visit  # noqa: PLC0415 (the warm-up visit, after the processes start)

        async def all_apps():
            return await asyncio.gather(*(visit(app.base) for app in self.apps),
                                        return_exceptions=True)

        started = time.perf_counter()
        results = asyncio.run(all_apps())
        for app, result in zip(self.apps, results, strict=True):
            if isinstance(result, BaseException) or not result.ok:
                why = result if isinstance(result, BaseException) else \
                    "; ".join(result.exceptions) or "page not found"
                say(f"  warning: warming app process {app.number} up failed: {why}")
        say(f"Warmed every process up (the first page once each) in "
            f"{time.perf_counter() - started:.1f} s")

    def start_upload_check(self) -> None:
        """The check nginx asks before an upload (sign-in configured only: in local mode every
        visitor is the one local secretariat user)."""
        if self.check_port is None or self.secrets is None:
            return
        self.check_proc = child([sys.executable, "-m", "deploy.upload_check", "--secrets",
                                 str(self.secrets), "--port", str(self.check_port)],
                                self.workdir / "upload-check.log", self.env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.check_proc.poll() is not None:
                raise Refused(f"the upload check exited with status "
                              f"{self.check_proc.returncode}; see "
                              f"{self.workdir / 'upload-check.log'}:\n"
                              + tail(self.workdir / "upload-check.log"))
            try:
                with socket.create_connection(("127.0.0.1", self.check_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise Refused(f"the upload check did not listen on port {self.check_port}.")

    def render_nginx_conf(self) -> Path:
        servers = "\n".join(f"    server 127.0.0.1:{app.port} max_fails=1 fail_timeout=10s;"
                            for app in self.apps)
        listen = f"[{self.address}]:{self.port}" if ":" in self.address \
            else f"{self.address}:{self.port}"
        # as root, nginx's workers would run as "nobody" and could not write the temp folders
        user_line = "user root;" if os.geteuid() == 0 else ""
        upload_auth = check_location = ""
        if self.check_proc is not None:
            upload_auth = "      auth_request /_cpip_upload_check;"
            check_location = f"""
    location = /_cpip_upload_check {{
      internal;
      proxy_pass http://127.0.0.1:{self.check_port}/check;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Cookie $http_cookie;
    }}
"""
        text = TEMPLATE.read_text()
        for name, value in {"PREFIX": str(self.workdir), "SERVERS": servers, "LISTEN": listen,
                            "BODY_MB": str(self.body_mb), "USER_LINE": user_line,
                            "UPLOAD_AUTH": upload_auth,
                            "CHECK_LOCATION": check_location}.items():
            text = text.replace(f"@{name}@", value)
        path = self.workdir / "nginx.conf"
        path.write_text(text)
        return path

    def nginx_command(self, conf: Path) -> list[str]:
        return [self.nginx, "-p", str(self.workdir), "-c", str(conf),
                "-e", str(self.workdir / "error.log")]

    def start_nginx(self) -> None:
        conf = self.render_nginx_conf()
        check = subprocess.run([*self.nginx_command(conf), "-t", "-q"], capture_output=True,
                               text=True, check=False)
        if check.returncode != 0:
            raise Refused(f"nginx refused {conf}: {check.stderr.strip()}")
        self.nginx_proc = child([*self.nginx_command(conf), "-g", "daemon off;"],
                                self.workdir / "nginx.out", self.env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.nginx_proc.poll() is not None:
                raise Refused(f"nginx exited with status {self.nginx_proc.returncode}; see "
                              f"{self.workdir / 'error.log'}:\n"
                              + tail(self.workdir / "error.log"))
            if healthy(self.base):
                return
            time.sleep(0.1)
        raise Refused(f"{self.base}/_stcore/health did not answer through nginx.")

    # --- run ---------------------------------------------------------------------------------

    def report(self) -> None:
        say(f"Serving {self.base} (nginx, pid {self.nginx_proc.pid}) in front of "
            f"{len(self.apps)} processes on {self.database_label()}:")
        for app in self.apps:
            say(f"  app {app.number}: {app.base} pid {app.proc.pid} log {app.log}")
        say(f"  nginx: {self.workdir / 'nginx.conf'}, access log {self.workdir / 'access.log'}")
        say("Health: GET /_stcore/health answers ok (through nginx, and on each process's "
            "port). Ctrl-C stops everything.")

    def database_label(self) -> str:
        return config.DatabaseChoice(self.database_url, is_default=False).label

    def watch(self) -> int:
        """Until nginx or every process has gone: 1; until stopped by a signal: 0."""
        while True:
            if self.nginx_proc.poll() is not None:
                say(f"nginx exited with status {self.nginx_proc.returncode}; stopping.")
                return 1
            for app in self.apps:
                if app.proc.poll() is not None and not app.reported:
                    self.restart(app)
            if all(app.proc.poll() is not None and app.reported for app in self.apps):
                say("Every app process has exited; stopping.")
                return 1
            if self.check_proc is not None and self.check_proc.poll() is not None:
                say(f"the upload check exited with status {self.check_proc.returncode}; "
                    "starting it again (uploads are refused meanwhile).")
                self.start_upload_check()
            time.sleep(0.5)

    def restart(self, app: App) -> None:
        """Start a process that died again (its visitors reach the others meanwhile); one that
        keeps dying (MAX_RESTARTS within RESTART_WINDOW seconds) is left down, reported."""
        now = time.monotonic()
        app.restarts = [t for t in app.restarts if now - t < RESTART_WINDOW]
        dead_pid, status = app.proc.pid, app.proc.returncode
        if len(app.restarts) >= MAX_RESTARTS:
            app.reported = True
            say(f"app process {app.number} (port {app.port}, pid {dead_pid}) exited with status "
                f"{status}, its {MAX_RESTARTS + 1}th time in {RESTART_WINDOW:.0f} s; it stays "
                f"down (see {app.log}) and nginx sends its visitors to the others.")
            return
        say(f"app process {app.number} (port {app.port}, pid {dead_pid}) exited with status "
            f"{status}; nginx sends its visitors to the others while it starts again.")
        app.restarts.append(now)
        self.start_app(app)
        say(f"app process {app.number} (port {app.port}) restarted as pid {app.proc.pid}")

    # --- stop --------------------------------------------------------------------------------

    def stop(self) -> None:
        """nginx first (no new requests), then every process; SIGKILL after 10 s."""
        procs = [p for p in [self.nginx_proc, self.check_proc, *(a.proc for a in self.apps)]
                 if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.remove_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


# --- helpers ---------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, flush=True)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: a child gets SIGTERM when the launcher dies, however it dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def child(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    """A child in its own session (Ctrl-C reaches the launcher only, which stops the children
    in order), output to `log`. (The launcher starts no thread, so `preexec_fn` is safe.)"""
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True,
                                preexec_fn=_die_with_parent)  # noqa: PLW1509


def port_free(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError:
            return False
    return True


def find_nginx(given: str | None) -> str:
    for candidate in ([given] if given else ["nginx", "/usr/sbin/nginx"]):
        found = shutil.which(candidate)
        if found:
            return found
    raise Refused("nginx is not installed: apt-get install nginx (Debian's package; it is run "
                  "as an ordinary process, its system service need not be enabled).")


def database_for_cluster(secrets: dict) -> str:
    choice = config.database_choice(secrets=secrets)
    if choice.is_default or choice.url.startswith("sqlite"):
        where = "the embedded SQLite default" if choice.is_default else choice.label
        raise Refused(
            f"A cluster needs PostgreSQL, and the database is {where}: set DATABASE_URL (or "
            "[connections.cpip] url in secrets.toml) to postgresql+psycopg://user@host:5432/db "
            "(this command migrates it). On SQLite use `make run` (one process).")
    return choice.url


def check_auth(secrets: dict, address: str, port: int) -> None:
    auth = secrets.get("auth") or {}
    if not auth:
        if address not in LOOPBACK:
            raise Refused(
                f"Sign-in is not configured ([auth] in secrets.toml), so the dashboard runs in "
                f"local mode, which only serves this machine: listen on 127.0.0.1, not "
                f"{address}, or configure sign-in.")
        return
    if not str(auth.get("cookie_secret", "")).strip():
        raise Refused("[auth] in secrets.toml has no cookie_secret: every process must sign "
                      "its cookies with the same one.")
    redirect = str(auth.get("redirect_uri", ""))
    if not redirect.rstrip("/").endswith("/oauth2callback"):
        raise Refused(f"[auth] redirect_uri must end in /oauth2callback, not {redirect!r}.")
    if f":{port}/" not in redirect and port not in (80, 443):
        say(f"Note: [auth] redirect_uri is {redirect}; it must be the address people use "
            f"(this nginx listens on port {port}, or a proxy in front of it).")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.serve_cluster",
        description="Several dashboard processes behind nginx, on one PostgreSQL database.")
    parser.add_argument("--processes", type=int, default=2,
                        help="app processes (default 2; one per core is a good start)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address nginx listens on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port nginx listens on (default {DEFAULT_PORT})")
    parser.add_argument("--first-port", type=int, default=None,
                        help="port of the first app process, the others follow (default: "
                             "--port + 1)")
    parser.add_argument("--secrets", type=Path, default=None,
                        help="the secrets.toml every process reads (default "
                             ".streamlit/secrets.toml when present)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for nginx.conf, logs and nginx's temporary files "
                             "(default: a new temporary folder, removed on exit)")
    parser.add_argument("--nginx", default=None, help="the nginx program (default: nginx)")
    parser.add_argument("--no-warm", action="store_true",
                        help="do not open the first page on each process before serving")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    return args


def build(args: argparse.Namespace) -> Cluster:
    secrets_path = args.secrets
    if secrets_path is None and config.SECRETS_FILE.is_file():
        secrets_path = config.SECRETS_FILE
    if secrets_path is not None:
        if not secrets_path.is_file():
            raise Refused(f"{secrets_path} does not exist.")
        secrets_path = secrets_path.resolve()
    secrets = config.load_secrets_file(secrets_path) if secrets_path else {}
    url = database_for_cluster(secrets)
    check_auth(secrets, args.address, args.port)
    nginx = find_nginx(args.nginx)
    first = args.first_port or args.port + 1
    ports = [first + i for i in range(args.processes)]
    if args.port in ports:
        raise Refused(f"nginx's port {args.port} is among the app processes' ports {ports}.")
    busy = [p for p in ports if not port_free("127.0.0.1", p)]
    if not port_free(args.address, args.port):
        busy.insert(0, args.port)
    if busy:
        raise Refused(f"Port {', '.join(map(str, busy))} is already in use: choose others with "
                      "--port / --first-port.")
    if args.workdir is None:
        workdir, remove = Path(tempfile.mkdtemp(prefix="cpip-cluster-")), True
    else:
        workdir, remove = args.workdir.resolve(), False
        workdir.mkdir(parents=True, exist_ok=True)
    apps = [App(n + 1, port, workdir / f"app-{n + 1}.log") for n, port in enumerate(ports)]
    # the app, not nginx, refuses a file over its limit (Streamlit's own limit is 20 MB)
    body_mb = max(config.max_upload_mb(), 20) + 5
    check_port = None
    if secrets.get("auth"):
        check_port = ports[-1] + 1
        if not port_free("127.0.0.1", check_port) or check_port == args.port:
            raise Refused(f"Port {check_port} (the upload check's, after the last process) is "
                          "already in use: choose others with --port / --first-port.")
    return Cluster(url, args.address, args.port, apps, workdir, secrets_path, nginx, remove,
                   body_mb=body_mb, warm=not args.no_warm, check_port=check_port)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        cluster = build(args)
    except (Refused, ValueError) as exc:
        print(f"Not started: {exc}", file=sys.stderr)
        return 2

    def stop_on_signal(signum, _frame):
        raise KeyboardInterrupt

    # Ctrl-C and SIGTERM both stop everything (SIGINT too when started in the background by a
    # shell that ignores it: Python would otherwise keep ignoring it)
    signal.signal(signal.SIGINT, stop_on_signal)
    signal.signal(signal.SIGTERM, stop_on_signal)
    code = 0
    try:
        cluster.start()
        cluster.report()
        code = cluster.watch()
    except KeyboardInterrupt:
        say("Stopping nginx and every app process.")
    except Refused as exc:
        print(f"Stopped: {exc}", file=sys.stderr)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        cluster.stop()
        say("Stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
