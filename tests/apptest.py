"""AppTest helpers that render pages through `app.py`, as a real server does.

Streamlit 1.67's AppTest resets `PagesManager.uses_pages_directory` before every run, so with
page files in `pages/` a switched-to page would run alone, without the frame (no sign-in, no
area selector). A real server, once any session has run `st.navigation`, always runs `app.py`.
`AppFactory` keeps the flag off after each PagesManager is built, and `assert_frame_ran` proves
the frame ran (the shared area selector is present).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from streamlit.util import calc_hash

ISSUER = "http://127.0.0.1:9400"


def person(email: str | None, name: str | None, sub: str | None = None,
           **claims: object) -> dict:
    """`st.user` as Streamlit fills it after a sign-in: the ID token's issuer, subject and time
    of sign-in (now), and a verified email; `claims` add or override any (`iat`,
    `email_verified`, `groups`...)."""
    user = {"is_logged_in": True, "iss": ISSUER, "sub": sub or f"sub-{email or name}",
            "iat": int(time.time()), "email_verified": True, "email": email, "name": name}
    return {key: value for key, value in {**user, **claims}.items() if value is not None}


SECRETARIAT = person("secretariat@gov.scot", "Sam Secretariat")
MINISTER = person("private.office@gov.scot", "Private Office")
COMMITTEE = person("cpc.lead@fife.gov.uk", "Fife Lead")
STRANGER = person("someone@example.org", "Someone")
SIGNED_OUT = {"is_logged_in": False}
COOKIE_SECRET = "3f9c1a7e5b2d48c6a0e1f7b39d5c2e8a4b6f0d1c9e7a5b3d2f8c6e4a0b1d9f7c"

AUTH_SECRETS = {
    "auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
             "cookie_secret": COOKIE_SECRET,
             "client_id": "cpip", "client_secret": "secret",
             "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration"},
    "cpip": {"roles": {"secretariat": ["Secretariat@gov.scot"],
                       "minister_office": ["private.office@gov.scot"],
                       "committee": {"cpc.lead@fife.gov.uk": "CPC14"}}},
}

# A page run that has not finished by then has hung: fail it (a normal run takes 1-3 s).
HUNG_PAGE_SECONDS = 30


class AppFactory:
    def __init__(self, monkeypatch, root: Path):
        self.monkeypatch = monkeypatch
        self.root = root
        original = PagesManager.__init__

        def init(manager, *args, **kwargs):
            original(manager, *args, **kwargs)
            PagesManager.uses_pages_directory = False  # as after st.navigation on a server

        monkeypatch.setattr(PagesManager, "__init__", init)

        # AppTest keeps each run's media files (download buttons' data) in a storage it drops
        # after the run; keep every file here so a test can read what a button would download
        self.media: dict[str, bytes] = {}
        media = self.media

        class KeptMediaStorage(MemoryMediaFileStorage):
            def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
                file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
                media[file_id] = self.get_file(file_id).content
                return file_id

        monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptMediaStorage)

    def download(self, at: AppTest, label: str, index: int = 0) -> bytes:
        """The bytes the page's `index`-th download button with this label serves."""
        buttons = [b for b in at.get("download_button") if b.proto.label == label]
        url = buttons[index].proto.url
        file_id = url.rsplit("/", 1)[-1].split(".")[0]
        return self.media[file_id]

    def __call__(self, db_url: str, page: str | None = None, user: dict | None = None,
                 secrets: dict | None = None, query: dict | None = None) -> AppTest:
        self.monkeypatch.setenv("DATABASE_URL", db_url)
        at = AppTest.from_file(str(self.root / "app.py"), default_timeout=HUNG_PAGE_SECONDS)
        for key, value in (secrets or {}).items():
            at.secrets[key] = value
        if user is not None:
            at.user = user
        for key, value in (query or {}).items():
            at.query_params[key] = value
        if page:
            open_at(at, page)
        at.run()
        if page:  # the run was the page's (a page this visitor may not use is never asked for)
            assert at._finished_page_script_hash == at._page_hash, f"{page} did not open"
        return at


def open_at(at: AppTest, page: str) -> None:
    """The app's first run opens `page`, as a browser opening the page's address does (one run;
    switching after a first run of the Briefing also built the Briefing's views every time).
    `st.navigation` picks its page by the hash of its url_path; AppTest's own `switch_page`
    before a first run hashes the file's name instead, which is the url_path for some pages
    only (not `area_profile.py`, at /area), so the hash is set here as the browser's address
    would give it; `AppFactory` checks that the run was that page's."""
    from cpip_dashboard.ui.frame import PAGES  # noqa: PLC0415 (outside a server it logs a
    # warning on import: imported where a test runs, not where the suite is collected)

    at.switch_page(page)  # checks that the file exists
    url_path = {path: url or slug for slug, path, _title, url in PAGES}[page]
    at._page_hash = calc_hash(url_path)


def assert_frame_ran(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert any(box.label == "Area" for box in at.sidebar.selectbox), "the frame did not run"


def shown(markdown: str) -> str:
    """Markdown source as the reader sees it: escaped punctuation without its backslash."""
    return re.sub(r"\\([^\sA-Za-z0-9])", r"\1", markdown)


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, for assertions on what a reader sees."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info",
                 "warning", "error", "success"):
        parts += [shown(str(e.value)) for e in at.get(kind)]
    return "\n".join(parts)


def page_alone(monkeypatch, root: Path, db_url: str, page: str, user: dict,
               secrets: dict) -> AppTest:
    """Run a page file by itself, as a freshly started server does for its first visitor
    (before any session reached st.navigation): the page must check sign-in and role itself."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    at = AppTest.from_file(str(root / page), default_timeout=HUNG_PAGE_SECONDS)
    for key, value in secrets.items():
        at.secrets[key] = value
    at.user = user
    return at.run()


def chart_rows(element) -> list[dict]:
    """The rows a chart on a page was given (Streamlit sends them beside the spec, as Arrow)."""

    return [row for dataset in element.proto.datasets
            for row in convert_arrow_bytes_to_pandas_df(dataset.data.data).to_dict("records")]


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def batch_history(at: AppTest):
    """The Upload page's table of batches."""
    return next(d.value for d in at.dataframe if "Batch" in d.value.columns)


_ESCAPE = re.compile(r"\\(.)")


def unescaped(text: object) -> str:
    """A cell of `widgets.readable_table` as the reader sees it: `safe`'s escapes undone."""
    return _ESCAPE.sub(r"\1", str(text)).replace("\u200b", "")


def tables(at) -> list:
    """Every table the page shows to a wide screen, in page order: `st.dataframe` grids and
    `st.table` tables (the latter as the reader sees them, escapes undone); tables shown only
    on a phone (in a `phone-` container) are left out."""
    found = []

    def walk(node) -> None:
        if str(getattr(node, "key", "") or "").startswith("phone-"):
            return
        kind = getattr(node, "type", None)
        if kind == "dataframe":
            found.append(node.value)
        elif kind == "table":
            value = node.value
            frame = value.map(unescaped)
            frame.columns = [unescaped(c) for c in value.columns]
            found.append(frame)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return found
