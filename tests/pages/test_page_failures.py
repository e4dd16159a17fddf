"""What visitors see when things go wrong (issue 20, section 3): no error details (Streamlit's
`client.showErrorDetails` is "none"); a crafted `meeting` in the address gives a short notice;
a database that stops after the dashboard started gives every page the "cannot reach its
database" sentence, with no host name and no traceback."""

from __future__ import annotations

import socket
import threading
import tomllib

import pytest
from sqlalchemy import make_url

from cpip_dashboard.config import PROJECT_ROOT
from tests.apptest import assert_frame_ran, texts
from tests.conftest import PG_ADMIN_URL, require_or_skip

PAGES = [None, "pages/actions.py", "pages/indicators.py", "pages/area_profile.py",
         "pages/planning_review.py", "pages/upload.py", "pages/about.py"]


def test_visitors_get_no_error_details():
    with (PROJECT_ROOT / ".streamlit" / "config.toml").open("rb") as handle:
        assert tomllib.load(handle)["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("query", [
    {"meeting": "2024-13-45"},
    {"meeting": "20240917"},  # Python would read it as a date; the address says YYYY-MM-DD
    {"meeting": "2024-W38-2"},
    {"meeting": "9" * 4000},
    {"meeting": ["2024-09-17", "2024-99-99"]},  # the last of several counts
    {"meeting[]": "x", "meeting": "x"},
])
def test_a_crafted_meeting_gives_a_short_notice(make_app, sqlite_sample_url, query):
    for page in (None, "pages/actions.py"):  # the frame reads it; Actions uses it
        at = make_app(sqlite_sample_url, query=query)
        if page:
            at.switch_page(page)
            for key, value in query.items():
                at.query_params[key] = value
            at.run()
        assert_frame_ran(at)
        notices = [w.value for w in at.warning if "in the address is not a date" in w.value]
        assert len(notices) == 1 and len(notices[0]) < 200, (page, notices)


class Forwarder:
    """A TCP port on 127.0.0.1 passing everything to another one, until closed: the database
    "stops" for everyone connected through it."""

    def __init__(self, port: int):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=10)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self) -> None:
        self.open = False
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept(): the port closes now
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


@pytest.mark.page_errors_expected
def test_a_database_stopped_after_start_gives_every_page_one_sentence(make_app, databases):
    require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
    url = make_url(databases.fresh("postgresql", sample=True))
    forwarder = Forwarder(url.port or 5432)
    try:
        proxied = url.set(host="127.0.0.1", port=forwarder.port).render_as_string(False)
        at = make_app(proxied)
        assert_frame_ran(at)
        forwarder.close()  # the database stops: its port is closed now
        for page in PAGES:
            if page:
                at.switch_page(page)
            at.run()
            assert not at.exception, page
            errors = [e.value for e in at.error]
            assert len(errors) == 1 and "cannot reach its database" in errors[0], (page, errors)
            shown = texts(at)
            assert str(forwarder.port) not in shown and "refused" not in shown
            assert "server at" not in shown and "Traceback" not in shown
            assert not at.dataframe and not at.table and not at.get("vega_lite_chart")
    finally:
        forwarder.close()
        databases.drop(url.render_as_string(False))
