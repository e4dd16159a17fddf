"""Downloads in a real browser: the Action register's CSV is the table shown, and each
download is recorded in the audit trail (who, which file)."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest
from sqlalchemy import select

from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import AuditEvent
from tests.browser import open_page
from tests.conftest import start_server

pytestmark = pytest.mark.browser


@pytest.fixture
def server_and_db(databases, tmp_path):
    url = databases.fresh("sqlite", sample=True)
    proc, base = start_server(url, tmp_path / "log")
    yield base, url
    proc.terminate()
    proc.wait(timeout=10)


def download_events(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.user, AuditEvent.detail)
                            .where(AuditEvent.event == "download")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_download_is_recorded_in_the_audit_trail(server_and_db, page, tmp_path):
    base, url = server_and_db
    open_page(page, base, "/actions", heading="Action register")
    assert download_events(url) == []
    with page.expect_download(timeout=60_000) as caught:
        page.get_by_role("button", name="Download CSV").first.click()
    download = caught.value
    assert download.suggested_filename == "action-register-2024-09-17.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    table = pd.read_csv(io.BytesIO(saved.read_bytes()), dtype=str, encoding="utf-8-sig")
    assert len(table) == 47 and list(table.columns[:3]) == ["Ref", "Action", "Workstream"]

    deadline = time.time() + 30
    while not download_events(url) and time.time() < deadline:
        time.sleep(0.2)
    assert download_events(url) == [("local user", "action-register-2024-09-17.csv")]
