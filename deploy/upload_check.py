"""The check nginx asks before it passes an upload to Streamlit (`auth_request`):
`python -m deploy.upload_check --secrets SECRETS.toml --port PORT` (started by
deploy/serve_cluster.py when sign-in is configured).

Streamlit's upload route (`/_stcore/upload_file/...`) accepts files for any session, signed in
or not: a stranger could fill the servers' memory. nginx sends each upload's headers here first
(no body) and passes the upload on only on a 2xx answer. The answer is 204 when the request
carries Streamlit's sign-in cookie (`_streamlit_user`), signed with this installation's
`cookie_secret` (checked as Streamlit checks it: itsdangerous, salt = the cookie's name), whose
sign-in (`iat`) is less than 8 hours old, and whose person has the secretariat role
(`cpip_dashboard.auth.identify`, the app's own role rules); 401 without a valid cookie or past 8
hours, 403 for any other role. It listens on 127.0.0.1 only and reads the secrets on each
request, as the app reads its lists on each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookies
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cpip_dashboard import auth, config

COOKIE = "_streamlit_user"
SIGN_IN_HOURS = 8  # CONTRACT.md: a sign-in older than 8 hours (its iat) is ended
CLOCK_SKEW = 300  # seconds an iat may be ahead of this clock


def decide(secrets: dict, cookie_header: str | None, now: float | None = None
           ) -> tuple[int, str]:
    """(status, reason) for a request with this Cookie header."""
    secret = str((secrets.get("auth") or {}).get("cookie_secret", "") or "")
    if not secret:
        return 403, "sign-in is not configured"
    jar = http.cookies.SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except http.cookies.CookieError:
        return 401, "unreadable cookies"
    if COOKIE not in jar:
        return 401, "not signed in"
    try:  # as Streamlit's decode_signed_value: itsdangerous, salt = the cookie's name
        decoded = URLSafeTimedSerializer(secret, salt=COOKIE).loads(jar[COOKIE].value,
                                                                     max_age=31 * 86400)
    except (BadSignature, SignatureExpired, UnicodeDecodeError):
        return 401, "a sign-in cookie not signed with this installation's secret"
    try:
        claims = json.loads(decoded) if isinstance(decoded, str | bytes) else decoded
    except ValueError:
        return 401, "a sign-in cookie without claims"
    if not isinstance(claims, dict):
        return 401, "a sign-in cookie without claims"
    now = time.time() if now is None else now
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or not (now - SIGN_IN_HOURS * 3600 < iat
                                                 <= now + CLOCK_SKEW):
        return 401, "a sign-in older than 8 hours (or without its time)"
    identity = auth.identify(secrets, {**claims, "is_logged_in": True},
                             now=dt.datetime.fromtimestamp(now, dt.UTC))
    if identity.role != "secretariat":
        return 403, f"role {identity.role or 'none'}"
    return 204, "secretariat"


def handler_for(secrets_path: Path):
    class Check(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, reason = decide(config.load_secrets_file(secrets_path),
                                    self.headers.get("Cookie"))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if status >= 400:
                self.log_message("upload refused: %s", reason)

        def log_message(self, format: str, *args) -> None:
            if "refused" in format:
                sys.stderr.write(f"upload check: {format % args}\n")
                sys.stderr.flush()

    return Check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.upload_check")
    parser.add_argument("--secrets", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(args.secrets.resolve()))
    print(f"Upload check listening on 127.0.0.1:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
