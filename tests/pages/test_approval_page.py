"""The Upload page under two-person approval (sign-in configured): the uploader submits a file
and sees it pending; every secretariat page says an upload awaits approval; another
secretariat member sees the same preview and approves it (the register shows it) or rejects it
with a reason (it never shows); the uploader can withdraw it and is never offered approval of
their own batch; with one secretariat member the page says approval cannot work."""

from __future__ import annotations

import copy
import csv
import io

from cpip_dashboard import auth
from cpip_dashboard.batches import approval
from cpip_dashboard.store.db import make_engine
from tests.apptest import (
    AUTH_SECRETS,
    MINISTER,
    SECRETARIAT,
    assert_frame_ran,
    batch_history,
    button,
    person,
    shown,
    tables,
    texts,
)
from tests.files import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                         ["NEG-1", "2024-09-16", "Red", "Escalated: partner withdrew"]]})
SECOND = person("second@gov.scot", "Sue Second")
NOTICE = "1 upload awaits approval by a second secretariat member: see the Upload page."
FEWER = "Two-person approval cannot work with fewer than two secretariat members"


def two_secretaries() -> dict:
    secrets = copy.deepcopy(AUTH_SECRETS)
    secrets["cpip"]["roles"]["secretariat"].append("second@gov.scot")
    return secrets


def as_user(at, user: dict, page: str):
    at.user = user
    at.switch_page(page).run()
    assert_frame_ran(at)
    return at


def neg1_rag(at) -> str:
    as_page = next(frame for frame in tables(at) if "Ref" in frame.columns)
    return as_page.set_index("Ref").loc["NEG-1", "RAG"]


def submit(make_app, url: str):
    """Sam (secretariat) uploads the file and submits it for approval: batch 2, pending."""
    at = make_app(url, page="pages/upload.py", user=SECRETARIAT, secrets=two_secretaries())
    assert_frame_ran(at)
    at.get("file_uploader")[0].upload("round-5.xlsx", GOOD, XLSX).run()
    assert not [b for b in at.button if b.label == "Load this file as a new batch"]
    button(at, "Submit this file for approval").click().run()
    assert ("Stored as batch 2, awaiting approval: 1 added, 0 changed, 0 unchanged. It shows "
            "nowhere until another secretariat member approves it.") in texts(at)
    return at


def table_with(at, *columns):
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def test_submitted_upload_waits_then_another_member_approves_it(make_app, sqlite_sample_url):
    at = make_app(sqlite_sample_url, page="pages/actions.py", user=SECRETARIAT,
                  secrets=two_secretaries())
    before = neg1_rag(at)
    assert NOTICE not in texts(at) and FEWER not in texts(at)
    at = submit(make_app, sqlite_sample_url)
    assert "Batch 2: round-5.xlsx" in [shown(s.value) for s in at.subheader]
    assert [b.label for b in at.button if b.label.startswith(("Approve", "Reject"))] == []
    assert button(at, "Withdraw this upload")
    assert batch_history(at).set_index("Batch").loc[2, "State"] == "Awaiting approval"

    at = as_user(at, SECRETARIAT, "pages/actions.py")
    assert NOTICE in [shown(i.value) for i in at.info]
    assert neg1_rag(at) == before  # not current yet

    at = as_user(at, SECOND, "pages/upload.py")
    assert NOTICE in [shown(i.value) for i in at.info]
    added = table_with(at, "Action ID", "RAG", "Commentary")  # the uploader's preview
    assert added.iloc[0][["Action ID", "RAG", "Commentary"]].tolist() == [
        "NEG-1", "Red", "Escalated: partner withdrew"]
    # the address is data: shown as typed, a zero-width space keeps it from becoming a link
    uploaded = next(line for line in texts(at).replace("\u200b", "").splitlines()
                    if line.startswith("Uploaded by "))
    assert shown(uploaded).startswith("Uploaded by Sam Secretariat <secretariat@gov.scot> at ")
    button(at, "Approve: make it current").click().run()
    assert ("Batch 2 (round-5.xlsx) is approved and current: every page shows it now."
            in texts(at))
    history = batch_history(at).set_index("Batch")
    assert history.loc[2, "State"] == "Current"
    assert history.loc[2, "Approved or refused by"] == "Sue Second <second@gov.scot>"

    at = as_user(at, SECRETARIAT, "pages/actions.py")
    assert neg1_rag(at) == "■ Red" and NOTICE not in texts(at)


def test_another_member_rejects_it_with_a_reason(make_app, sqlite_sample_url):
    at = submit(make_app, sqlite_sample_url)
    at = as_user(at, SECOND, "pages/upload.py")
    button(at, "Reject").click().run()
    assert "Give a reason for rejecting batch 2: its uploader reads it." in texts(at)
    at.text_input(key="upload-reject-reason-2").input("NEG-1 was not escalated").run()
    button(at, "Reject").click().run()
    assert "Batch 2 (round-5.xlsx) is rejected" in texts(at)
    assert batch_history(at).set_index("Batch").loc[2, "State"] == (
        "Rejected: NEG-1 was not escalated")
    assert "Awaiting approval" not in [h.value for h in at.header]
    at = as_user(at, SECRETARIAT, "pages/actions.py")
    assert neg1_rag(at) != "■ Red" and NOTICE not in texts(at)


def test_the_uploader_withdraws_and_is_never_offered_approval(make_app, sqlite_sample_url):
    at = submit(make_app, sqlite_sample_url)
    # the same person signed in again, their address in another case: still their own batch
    at = as_user(at, dict(SECRETARIAT, email="SECRETARIAT@gov.scot"), "pages/upload.py")
    assert not [b for b in at.button if b.label.startswith("Approve")]
    at.text_input(key="upload-withdraw-reason-2").input("Wrong round").run()
    button(at, "Withdraw this upload").click().run()
    assert "Batch 2 (round-5.xlsx) is withdrawn" in texts(at)
    assert batch_history(at).set_index("Batch").loc[2, "State"] == "Withdrawn: Wrong round"


def test_the_ministers_office_sees_no_notice_and_no_pending_data(make_app, sqlite_sample_url):
    at = make_app(sqlite_sample_url, page="pages/actions.py", user=MINISTER,
                  secrets=two_secretaries())
    before = neg1_rag(at)
    at = submit(make_app, sqlite_sample_url)
    at = as_user(at, MINISTER, "pages/actions.py")
    assert NOTICE not in texts(at) and neg1_rag(at) == before


def test_one_secretariat_member_cannot_approve_and_the_page_says_so(make_app,
                                                                    sqlite_sample_url):
    at = make_app(sqlite_sample_url, page="pages/upload.py", user=SECRETARIAT,
                  secrets=AUTH_SECRETS)
    warnings = [shown(w.value) for w in at.warning]
    assert any(w.startswith(FEWER) for w in warnings), warnings
    at = make_app(sqlite_sample_url, page="pages/upload.py", user=SECRETARIAT,
                  secrets=two_secretaries())
    assert not any(shown(w.value).startswith(FEWER) for w in at.warning)


def test_downloads_hold_back_a_pending_figure_until_it_is_approved(make_app, sqlite_sample_url):
    """The Indicators page's CSV of the register counts is byte for byte the same while a
    changed Fife figure is pending, and carries it once approved."""


    query = {"indicator": "CP_REGISTER", "area": "S12000047", "measure": "count"}

    def register_csv() -> bytes:
        at = make_app(sqlite_sample_url, page="pages/indicators.py", user=SECRETARIAT,
                      secrets=two_secretaries(), query=query)
        assert_frame_ran(at)
        return make_app.download(at, "Download CSV")

    def fife_2023_24(csv_bytes: bytes) -> str:
        rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
        return next(r["Fife"] for r in rows if r["Period"] == "2023-24")

    before = register_csv()
    assert fife_2023_24(before) != "9,000"
    at = make_app(sqlite_sample_url, page="pages/upload.py", user=SECRETARIAT,
                  secrets=two_secretaries())
    book = xlsx({"Indicators": [["Indicator", "Area", "Period", "Value"],
                                ["CP_REGISTER", "Fife", "2023-24", 9000]]})
    at.get("file_uploader")[0].upload("fife.xlsx", book, XLSX).run()
    button(at, "Submit this file for approval").click().run()
    assert "Stored as batch 2, awaiting approval" in texts(at)
    assert register_csv() == before

    engine = make_engine(sqlite_sample_url)
    second = auth.Identity(True, "second@gov.scot", "Sue Second", "secretariat",
                           issuer=SECOND["iss"], subject=SECOND["sub"])
    assert approval.approve(engine, 2, second).ok
    engine.dispose()
    after = register_csv()
    assert fife_2023_24(after) == "9,000"
