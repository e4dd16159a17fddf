"""Every page of the contract, once, on PostgreSQL (the shared-deployment database).

Page tests run on SQLite (see conftest.py); the database layer runs on both. This smoke run
proves each page also draws on PostgreSQL, with the same words as on SQLite: through app.py,
no exception, and each page's own heading."""

from __future__ import annotations

import pytest

from tests.apptest import assert_frame_ran, texts
from tests.conftest import PG_ADMIN_URL, require_or_skip

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("pages_postgresql")

# CONTRACT.md "Pages and shareable addresses": file, and words only that page writes
PAGES = [
    ("pages/briefing.py", {}, "Programme status at"),
    ("pages/actions.py", {"meeting": "2018-10-02"}, "Action register"),
    ("pages/indicators.py", {"indicator": "CP_REREGISTRATIONS", "area": "S12000023"},
     "Compare areas"),
    ("pages/area_profile.py", {"area": "CPC05"}, "Area profile"),
    ("pages/planning_review.py", {"area": "CPC10"}, "Planning review"),
    ("pages/upload.py", {}, "Upload"),
    ("pages/about.py", {}, "How small numbers are protected"),
]


@pytest.fixture(scope="module")
def postgres_sample(databases) -> str:
    require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
    return databases.fresh("postgresql", sample=True)


@pytest.mark.parametrize("page,query,words", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_draws_on_postgresql(make_app, postgres_sample, page, query, words):
    at = make_app(postgres_sample, page=page, query=query)
    assert_frame_ran(at)
    body = texts(at)
    assert words in body, (page, body[:300])
