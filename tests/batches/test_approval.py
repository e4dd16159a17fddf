"""Two-person approval (cpip_dashboard/batches/approval.py, CONTRACT.md): a pending batch is stored but
invisible to every query, published figure and pack until another secretariat member approves
it; the write functions themselves refuse self-approval and anyone not secretariat; a rejected
batch never becomes current; the approval time is the batch's commit time for "as at"; an
upload touching what a pending batch touches is refused, and so is rolling back a batch a
pending one builds on. Database tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from sqlalchemy import select

from cpip_dashboard import auth
from cpip_dashboard.batches import approval, pipeline
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.batches.rollback import rollback
from cpip_dashboard.imports import preview
from cpip_dashboard.protection import series
from cpip_dashboard.rules import register
from cpip_dashboard.store import queries
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.models import AuditEvent, IndicatorValue, UploadBatch
from cpip_dashboard.views import common, pack
from tests.conftest import behind_the_dashboard
from tests.files import csv, xlsx
from tests.pdf import pdf_text
from tests.snapshots import snapshot

TWO = "two-person"
FIFE, ANGUS = "S12000047", "S12000033"
UPDATE = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                           ["NEG-1", "2024-09-16", "Red", "Escalated: partner withdrew"]]})


ISSUER = "https://login.example.gov.scot"


def person(email: str, role: str | None, name: str | None = None,
           sub: str | None = None) -> auth.Identity:
    """A signed-in person: identified by issuer and subject (by default their email)."""
    return auth.Identity(True, email, name or email.split("@")[0].title(), role,
                         issuer=ISSUER, subject=sub or email.lower())


ANN = person("ann@gov.scot", "secretariat", "Ann")
BOB = person("bob@gov.scot", "secretariat", "Bob")
MINISTER = person("po@gov.scot", "minister_office")
COMMITTEE = auth.Identity(True, "cpc@fife.gov.uk", "Fife", "committee", "CPC14")
STRANGER = person("someone@example.org", None)
SIGNED_OUT = auth.Identity(False, None, None, None)


def fife_register(engine) -> float:
    with engine.connect() as conn:
        return conn.execute(select(IndicatorValue.value).where(
            IndicatorValue.indicator_code == "CP_REGISTER", IndicatorValue.area_code == FIFE,
            IndicatorValue.period == dt.date(2024, 7, 31))).scalar_one()


def both_changes(engine) -> bytes:
    """NEG-1 goes Red at the latest meeting, and Fife's register count for 2023-24 moves."""
    return xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                             ["NEG-1", "2024-09-16", "Red", "Escalated: partner withdrew"]],
                 "Indicators": [["Indicator", "Area", "Period", "Value"],
                                ["CP_REGISTER", "Fife", "2023-24", fife_register(engine) + 7]]})


def upload(engine, data: bytes, user=ANN, name: str = "round-5.xlsx", mode: str = TWO,
           dry_run: bool = False):
    return run_import(engine, name, data, user=user, approval=mode, dry_run=dry_run)


def state(engine, batch_id: int) -> dict:
    with engine.connect() as conn:
        return next(b for b in queries.batches(conn, details=True) if b["batch_id"] == batch_id)


# --- the rules, table-driven --------------------------------------------------------------------


@pytest.mark.parametrize("configured,env,expected", [
    (True, {}, "two-person"),
    (False, {}, "single"),
    (True, {"CPIP_APPROVAL": "single"}, "single"),
    (False, {"CPIP_APPROVAL": "Two-Person"}, "two-person"),
    (False, {"CPIP_APPROVAL": " "}, "single"),
    (True, {"CPIP_APPROVAL": "three"}, ValueError),
])
def test_the_mode_setting(configured, env, expected):
    if expected is ValueError:
        with pytest.raises(ValueError, match="CPIP_APPROVAL must be two-person or single"):
            approval.mode(configured, env)
    else:
        assert approval.mode(configured, env) == expected


@pytest.mark.parametrize("actor,refused", [
    (ANN, None),
    (auth.Identity(True, None, None, "secretariat", local_mode=True), None),
    ("ana", None),  # the command line: a shell on the server is trusted
    (MINISTER, "Only the secretariat can approve uploads: Po has the Minister's office role."),
    (COMMITTEE, ("Only the secretariat can approve uploads: Fife has the Child protection "
                "committee role.")),
    (STRANGER, ("Only the secretariat can approve uploads: Someone has no role on this "
               "dashboard.")),
    (SIGNED_OUT, ("Only the secretariat can approve uploads: local user has no role on this "
                 "dashboard.")),
    (" ", "Say who you are to approve uploads (--user)."),
])
def test_who_may_write(actor, refused):
    assert approval.writer_refusal(actor, "approve uploads") == refused


def secrets(secretariat=(), groups=None, committee=None, auth_on=True) -> dict:
    roles = {"secretariat": list(secretariat)}
    if groups is not None:
        roles["groups"] = groups
    if committee is not None:
        roles["committee"] = committee
    return {"auth": {"client_id": "x"} if auth_on else {}, "cpip": {"roles": roles}}


FEWER = "Two-person approval cannot work with fewer than two secretariat members"


@pytest.mark.parametrize("settings,env,expected", [
    (secrets(["a@gov.scot"]), {}, [FEWER]),
    (secrets(["a@gov.scot", "A@GOV.SCOT"]), {}, [FEWER]),  # one person, twice
    (secrets(["a@gov.scot", "b@gov.scot"]), {}, []),
    (secrets(["a@gov.scot"], groups={"claim": "roles", "cpip-sec": "secretariat"}), {}, []),
    (secrets(["a@gov.scot"]), {"CPIP_APPROVAL": "single"}, []),
    (secrets([], auth_on=False), {}, []),  # local mode: single
    (secrets([], auth_on=False), {"CPIP_APPROVAL": "two-person"}, [FEWER]),
    (secrets(["a@gov.scot", "b@gov.scot"],
             committee={"c@fife.gov.uk": "CPC14", "C@Fife.gov.uk": "CPC03"}), {},
     [("c@fife.gov.uk is mapped to 2 committees (CPC14, CPC03) in [cpip.roles.committee]; they "
      "get CPC14, the first in the configuration.")]),
    (secrets(["a@gov.scot", "b@gov.scot"], groups={"cpip-x": "committe:CPC14"}), {},
     [("Group cpip-x in [cpip.roles.groups] is mapped to 'committe:CPC14', which is not a role "
      "(secretariat, minister_office or committee:AREA): its members get no role from it.")]),
    (secrets(["a@gov.scot"]), {"CPIP_APPROVAL": "maybe"},
     ["CPIP_APPROVAL must be two-person or single, not 'maybe'."]),
])
def test_settings_warnings(settings, env, expected):
    found = approval.settings_warnings(settings, env)
    assert [w[:len(e)] for w, e in zip(found, expected, strict=False)] == expected
    assert len(found) == len(expected)


# --- pending, approve, reject, withdraw ------------------------------------------------------


def rows(frame) -> list[dict]:
    """A frame's rows, comparable (a missing value is None, never NaN, which equals nothing)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def views(conn) -> dict:
    """What every page, download and pack reads: the current data and the published figures."""
    data = common.register_as_at(conn, None)
    return {
        "version": data_version(conn),
        "register": rows(data["now"].drop(columns=["flags"])),
        "flags": data["now"]["flags"].map(tuple).tolist(),
        "updates": rows(queries.action_updates(conn)),
        "versions": rows(queries.action_versions(conn)),
        "values": rows(queries.indicator_values(conn, "CP_REGISTER")),
        "series": rows(series.indicator_series(conn, "CP_REGISTER", "count", 5)),
        "rates": rows(series.indicator_series(conn, "CP_REGISTER_RATE", "rate", 5)),
        "meetings": rows(queries.meetings(conn)),
        "populations": rows(queries.populations(conn)),
        "review": rows(queries.review_assessments(conn)),
        "indicators": queries.current_indicators(conn),
        "status": queries.data_status(conn),
    }


def pack_text(engine, area: str = "CPC14") -> str:
    with engine.connect() as conn:
        _, pdf = pack.build(conn, None, area)
    text = re.sub(r"produced .* UTC", "produced (time)", pdf_text(pdf))
    # when it was prepared ("on 1 December 2026 at 20:06 UTC") moves with the clock
    return re.sub(r"on \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d UTC", "on (date and time)", text)


def neg1(view: dict) -> str:
    return next(r["rag"] for r in view["register"] if r["ref"] == "NEG-1")


def fife_count(view: dict) -> float:
    return next(r["value"] for r in view["series"]
                if r["area_code"] == FIFE and r["period"] == dt.date(2024, 7, 31))


def test_a_pending_batch_is_invisible_everywhere_until_approved(sample_engine):
    with sample_engine.connect() as conn:
        before = views(conn)
    report = upload(sample_engine, both_changes(sample_engine))
    assert (report.outcome, report.exit_code, report.batch_id) == ("pending", 0, 2)
    assert report.message.startswith("Stored as batch 2, awaiting approval: 1 added, 1 changed")
    with sample_engine.connect() as conn:
        pending = views(conn)
        assert approval.pending_count(conn) == 1
    assert pending == before  # no query, figure or version moved
    assert approval.pending_notice(sample_engine) == (
        "1 upload awaits approval by a second secretariat member: see the Upload page.")

    decided = approval.approve(sample_engine, 2, BOB)
    assert decided.ok and decided.message.startswith("Batch 2 (round-5.xlsx) is approved")
    with sample_engine.connect() as conn:
        after = views(conn)
    assert int(after["version"]) == int(before["version"]) + 1
    assert neg1(before) != "Red" and neg1(after) == "Red"
    assert fife_count(after) == fife_count(before) + 7
    assert approval.pending_notice(sample_engine) is None
    batch = state(sample_engine, 2)
    assert (batch["state"], batch["user"], batch["approved_by"]) == (
        "committed", "Ann <ann@gov.scot>", "Bob <bob@gov.scot>")
    assert batch["approved_at"] >= batch["committed_at"]


@pytest.mark.one_database("the pack draws the views above, whose queries both databases run")
def test_a_pending_batch_is_not_in_the_pack_until_approved(sample_engine):
    pack_before = pack_text(sample_engine)
    upload(sample_engine, both_changes(sample_engine))
    assert pack_text(sample_engine) == pack_before
    assert approval.approve(sample_engine, 2, BOB).ok
    assert "Escalated: partner withdrew" in pack_text(sample_engine)


# who may not approve batch 2 (Ann's), and the sentence that begins the refusal
APPROVE_REFUSALS = [
    (ANN, ("Batch 2 was uploaded by Ann <ann@gov.scot>: another secretariat member must approve it "
          "(two-person approval).")),
    (person("ANN@gov.scot", "secretariat", "Ann again"), ("Batch 2 was uploaded by "
                                                         "Ann <ann@gov.scot>")),
    (MINISTER, "Only the secretariat can approve uploads"),
    (COMMITTEE, "Only the secretariat can approve uploads"),
    (STRANGER, "Only the secretariat can approve uploads"),
]
WRITES = ["import", "reject", "withdraw", "rollback"]


def test_the_write_functions_themselves_refuse_self_approval_and_anyone_not_secretariat(
        sample_engine):
    """Every refusal against one pending batch (each leaves every table as it was, so they
    share one upload): approval by its uploader or anyone not secretariat, and each other
    write by anyone not secretariat."""
    upload(sample_engine, UPDATE)
    before = snapshot(sample_engine)
    for actor, message in APPROVE_REFUSALS:
        refused = approval.approve(sample_engine, 2, actor)
        assert not refused.ok and refused.message.startswith(message), (actor, refused.message)
    for write in WRITES:
        for actor in (MINISTER, COMMITTEE, STRANGER, SIGNED_OUT):
            if write == "import":
                report = upload(sample_engine, csv([["Date", "Title"], ["2030-01-15", "Later"]]),
                                user=actor, name="meetings.csv")
                ok, message = report.ok, report.message
                assert report.exit_code == 1
            else:
                result = {"reject": lambda a: approval.reject(sample_engine, 2, a, "no"),
                          "withdraw": lambda a: approval.withdraw(sample_engine, 2, a),
                          "rollback": lambda a: rollback(sample_engine, 1, a)}[write](actor)
                ok, message = result.ok, result.message
            assert not ok and message.startswith("Only the secretariat can"), (
                write, actor, message)
    assert snapshot(sample_engine) == before
    assert state(sample_engine, 2)["state"] == "pending"


def test_a_rejected_batch_never_becomes_current(sample_engine):
    with sample_engine.connect() as conn:
        before = views(conn)
    changes = both_changes(sample_engine)
    upload(sample_engine, changes)
    assert approval.reject(sample_engine, 2, BOB, "  ").message == (
        "Give a reason for rejecting batch 2: its uploader reads it.")
    decided = approval.reject(sample_engine, 2, BOB, "Fife's figure is the provisional one")
    assert decided.ok and "rejected" in decided.message
    batch = state(sample_engine, 2)
    assert (batch["state"], batch["rejected_by"], batch["reason"], batch["withdrawn"]) == (
        "rejected", "Bob <bob@gov.scot>", "Fife's figure is the provisional one", False)
    for attempt in (approval.approve(sample_engine, 2, BOB),
                    approval.reject(sample_engine, 2, BOB, "again"),
                    approval.withdraw(sample_engine, 2, ANN)):
        assert not attempt.ok and attempt.message == (
            "Batch 2 is not awaiting approval: it is rejected.")
    refused = rollback(sample_engine, 2, BOB)
    assert not refused.ok and "was rejected, so it was never current" in refused.message
    with sample_engine.connect() as conn:
        assert views(conn) == before
    # the same changes can be uploaded again (nothing of the rejected batch is current)
    again = upload(sample_engine, changes, user=BOB, mode="single")
    assert again.outcome == "committed" and again.batch_id == 3
    with sample_engine.connect() as conn:
        events = [e for e in conn.execute(select(AuditEvent.event, AuditEvent.user).where(
            AuditEvent.batch_id == 2))]
    assert events == [("upload", "Ann <ann@gov.scot>"), ("reject", "Bob <bob@gov.scot>")]


def test_only_the_uploader_withdraws(sample_engine):
    upload(sample_engine, UPDATE)
    refused = approval.withdraw(sample_engine, 2, BOB)
    assert not refused.ok and refused.message.startswith("Only Ann <ann@gov.scot>, who uploaded")
    done = approval.withdraw(sample_engine, 2, ANN, "wrong round")
    assert done.ok and "is withdrawn" in done.message
    batch = state(sample_engine, 2)
    assert (batch["state"], batch["withdrawn"], batch["reason"]) == (
        "rejected", True, "wrong round")
    assert queries.batch_state_label(batch) == "Withdrawn: wrong round"


@pytest.mark.parametrize("approved_at,title_at_meeting", [
    (dt.datetime(2030, 1, 14, 12, 0), "new"),  # approved before the meeting
    (dt.datetime(2030, 1, 15, 23, 59), "new"),  # the meeting's day ends at midnight (GMT)
    (dt.datetime(2030, 1, 16, 0, 0), "old"),
    (dt.datetime(2030, 1, 16, 9, 0), "old"),  # uploaded before the meeting, approved after
])
def test_the_approval_time_is_the_commit_time_for_as_at(sample_engine, monkeypatch,
                                                        approved_at, title_at_meeting):
    """An action renamed by a batch uploaded on 10 January and approved later: as at a meeting
    on 15 January it has its new title only if the approval came by the end of that day."""
    meeting = dt.date(2030, 1, 15)
    with sample_engine.connect() as conn:
        old = queries.action_versions(conn).set_index("ref").loc["NEG-1"]
    renamed = xlsx({"Actions": [["Action ID", "Workstream", "Action", "Lead"],
                                ["NEG-1", old["workstream_code"], "Renamed action", old["lead"]]]})
    monkeypatch.setattr(pipeline, "utcnow", lambda: dt.datetime(2030, 1, 10, 9, 0))
    assert upload(sample_engine, renamed).outcome == "pending"
    monkeypatch.setattr(approval, "utcnow", lambda: approved_at)
    assert approval.approve(sample_engine, 2, BOB).ok
    with sample_engine.connect() as conn:
        versions = queries.action_versions(conn)
    title = register.definitions_as_at(versions, meeting).loc["NEG-1", "title"]
    assert title == {"new": "Renamed action", "old": old["title"]}[title_at_meeting]
    batch = state(sample_engine, 2)
    assert batch["committed_at"] == "2030-01-10T09:00:00Z"
    assert batch["approved_at"] == approved_at.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- what a pending batch holds back -----------------------------------------------------------


def indicators(*rows) -> bytes:
    return csv([["Indicator", "Area", "Period", "Value"], *rows])


CASES = {
    "same action": (UPDATE, xlsx({"Updates": [
        ["Action ID", "Reporting date", "RAG", "Commentary"],
        ["NEG-1", "2024-10-01", "Amber", "Recovering"]]}), "action NEG-1"),
    "another action": (UPDATE, xlsx({"Updates": [
        ["Action ID", "Reporting date", "RAG", "Commentary"],
        ["NEG-2", "2024-09-16", "Amber", "Slipping"]]}), None),
    "same series, another period": (
        indicators(["CP_REGISTER", "Fife", "2026-27", 400]),
        indicators(["CP_REGISTER", "Fife", "2027-28", 410]),
        "the CP_REGISTER series for Fife"),
    "same indicator, another area": (
        indicators(["CP_REGISTER", "Fife", "2026-27", 400]),
        indicators(["CP_REGISTER", "Angus", "2026-27", 120]), None),
    "values resting on a pending definition": (
        csv([["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source"],
             ["IRD", "Inter-agency referral discussions (renamed)", "count", "annual",
              "IRDs", "neither", "Scottish Government"]]),
        indicators(["IRD", "Angus", "2026-27", 12]), "definition IRD"),
    "same population area": (
        csv([["Area", "Year", "Children aged 0-17"], ["Fife", 2031, 70000]]),
        csv([["Area", "Year", "Children aged 0-17"], ["Fife", 2032, 70100]]),
        "the population of Fife"),
    "same review area": (
        csv([["Area", "Criterion", "Rating", "Assessed on"], ["Fife", "PR-01", "Good",
                                                             "2030-01-01"]]),
        csv([["Area", "Criterion", "Rating", "Assessed on"], ["Fife", "PR-02", "Weak",
                                                             "2030-01-01"]]),
        "the review of Fife"),
    "another review area": (
        csv([["Area", "Criterion", "Rating", "Assessed on"], ["Fife", "PR-01", "Good",
                                                             "2030-01-01"]]),
        csv([["Area", "Criterion", "Rating", "Assessed on"], ["Angus", "PR-01", "Good",
                                                             "2030-01-01"]]), None),
    "same meeting": (csv([["Date", "Title"], ["2030-01-15", "Winter"]]),
                     csv([["Date", "Title"], ["2030-01-15", "Winter meeting"]]),
                     "meeting 2030-01-15"),
    "another meeting": (csv([["Date", "Title"], ["2030-01-15", "Winter"]]),
                        csv([["Date", "Title"], ["2030-06-15", "Summer"]]), None),
}


def file_name(stem: str, data: bytes) -> str:
    return f"{stem}.xlsx" if data.startswith(b"PK") else f"{stem}.csv"


def test_an_upload_touching_what_a_pending_batch_touches_is_refused(sample_engine):
    """Every first file of `CASES` awaits approval at once (each touches something of its own),
    then each second file is checked against them all: refused, naming the one batch it shares
    something with and what, or accepted. The refused files change nothing, and each loads
    once the batch it waited for is withdrawn."""
    firsts: dict[bytes, int] = {}
    for first, _, _ in CASES.values():
        if first not in firsts:
            pending = upload(sample_engine, first, name=file_name("first", first))
            assert pending.outcome == "pending", pending.errors
            firsts[first] = pending.batch_id
    assert len(firsts) == 6
    before = snapshot(sample_engine)
    waiting = []
    for case, (first, second, touched) in CASES.items():
        name = file_name("second", second)
        dry = upload(sample_engine, second, user=BOB, name=name, dry_run=True)
        if touched is None:
            assert dry.outcome == "would_commit", (case, dry.errors)
            continue
        report = upload(sample_engine, second, user=BOB, name=name)
        for checked in (dry, report):
            assert checked.outcome == "rejected" and checked.exit_code == 1, case
            assert [(p.sheet, p.row, p.message) for p in checked.errors] == [(
                None, None, (f"Batch {firsts[first]} ({file_name('first', first)}, uploaded by "
                             f"Ann <ann@gov.scot>) is awaiting approval and changes {touched} "
                             "too: this file can be loaded once that batch is approved, "
                             "rejected or withdrawn"))], case
        waiting.append((case, second, name))
    assert len(waiting) == 6
    assert snapshot(sample_engine) == before
    for batch_id in firsts.values():
        assert approval.withdraw(sample_engine, batch_id, ANN).ok
    for case, second, name in waiting:
        assert upload(sample_engine, second, user=BOB, name=name).outcome == "pending", case


def test_rollback_refuses_a_batch_a_pending_one_builds_on(sample_engine):
    added = xlsx({"Actions": [["Action ID", "Workstream", "Action", "Lead"],
                              ["NEG-9", "NEG", "A new neglect action", "Scottish Government"]]})
    assert upload(sample_engine, added, mode="single").outcome == "committed"  # batch 2
    update = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                               ["NEG-9", "2030-01-01", "Green", "Started"]]})
    assert upload(sample_engine, update, user=BOB).outcome == "pending"  # batch 3
    refused = rollback(sample_engine, 2, ANN)
    assert not refused.ok and refused.blocking == (3,)
    assert refused.message == ("Batch 2 cannot be rolled back while batch 3, awaiting "
                               "approval, builds on it: approve, reject or withdraw it first.")
    pending = rollback(sample_engine, 3, ANN)
    assert not pending.ok and "awaiting approval, so it was never current" in pending.message
    assert approval.withdraw(sample_engine, 3, BOB).ok
    assert rollback(sample_engine, 2, ANN).ok


def test_single_mode_commits_directly_and_the_sample_is_never_pending(sample_engine):
    assert state(sample_engine, 1)["state"] == "committed"
    report = upload(sample_engine, UPDATE, mode="single")
    assert report.outcome == "committed" and state(sample_engine, 2)["approved_by"] is None


def test_the_pending_batch_keeps_the_preview_its_uploader_saw(sample_engine):
    data = both_changes(sample_engine)
    dry = upload(sample_engine, data, dry_run=True)
    with sample_engine.connect() as conn:
        names = queries.area_directory(conn).name
    with sample_engine.connect() as conn:
        seen = preview.snapshot(dry, names, queries.action_updates(conn))
    upload(sample_engine, data)
    with sample_engine.connect() as conn:
        [pending] = approval.pending_batches(conn)
    stored = pending["preview"]
    assert {k: stored[k] for k in seen} == json.loads(json.dumps(seen, default=str))
    tables = preview.frames(stored)
    assert tables["changed"].iloc[0][["Key", "Column"]].tolist() == [
        "CP_REGISTER / Fife / 2024-07-31", "Value"]
    assert tables["added"].iloc[0][["Action ID", "RAG"]].tolist() == ["NEG-1", "Red"]
    # the approver sees each action's previous RAG beside the new one
    assert tables["rag_movements"].iloc[0][["Action ID", "New RAG"]].tolist() == [
        "NEG-1", "■ Red"]
    assert set(map(tuple, stored["touches"])) == {("action", "NEG-1"),
                                                  ("series", "CP_REGISTER", FIFE)}


def test_a_second_pending_batch_elsewhere_is_fine_and_the_notice_counts_both(sample_engine):
    assert upload(sample_engine, UPDATE).outcome == "pending"
    other = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                              ["NEG-2", "2024-09-16", "Amber", "Slipping"]]})
    assert upload(sample_engine, other, user=BOB).outcome == "pending"
    assert approval.pending_notice(sample_engine).startswith("2 uploads await approval")
    # each approved by the other person, in the opposite order to their upload
    assert approval.approve(sample_engine, 3, ANN).ok
    assert approval.approve(sample_engine, 2, BOB).ok
    with sample_engine.connect() as conn:
        states = {b["batch_id"]: b["state"] for b in queries.batches(conn)}
        rags = common.register_as_at(conn, None)["now"].set_index("ref")["rag"]
    assert states == {1: "committed", 2: "committed", 3: "committed"}
    assert (rags["NEG-1"], rags["NEG-2"]) == ("Red", "Amber")
    with sample_engine.connect() as conn:
        rows = conn.execute(select(UploadBatch.id, UploadBatch.approved_by)
                            .order_by(UploadBatch.id)).all()
    assert [tuple(r) for r in rows] == [(1, None), (2, "Bob <bob@gov.scot>"), (3, "Ann <ann@gov.scot>")]


def test_settings_problems_are_logged_once_and_the_notice_is_for_the_secretariat(
        sample_engine, monkeypatch, caplog):
    monkeypatch.setattr(auth, "_warned", set())  # as in a freshly started process
    one = secrets(["a@gov.scot"])
    upload(sample_engine, UPDATE)
    with caplog.at_level(logging.WARNING, logger="cpip_dashboard.auth"):
        for _ in range(3):  # the frame asks on every run
            assert approval.frame_notices(sample_engine, MINISTER, one) == []
        assert approval.frame_notices(sample_engine, BOB, one) == [
            "1 upload awaits approval by a second secretariat member: see the Upload page."]
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 1 and logged[0].startswith(FEWER)


# --- identity by issuer and subject (issue 20) -------------------------------------------------


def test_an_email_changed_at_the_provider_does_not_let_the_uploader_approve(sample_engine):
    upload(sample_engine, UPDATE)
    renamed = person("ann.smith@gov.scot", "secretariat", "Ann Smith", sub="ann@gov.scot")
    refused = approval.approve(sample_engine, 2, renamed)
    assert not refused.ok and "another secretariat member must approve it" in refused.message
    # the same email from someone else (another subject) is another person
    namesake = person("ann@gov.scot", "secretariat", "Ann", sub="someone-else")
    assert approval.approve(sample_engine, 2, namesake).ok
    batch = state(sample_engine, 2)
    with sample_engine.connect() as conn:
        stored = conn.execute(select(UploadBatch.uploaded_by_id, UploadBatch.approved_by_id)
                              .where(UploadBatch.id == 2)).one()
        audited = conn.execute(select(AuditEvent.event, AuditEvent.user, AuditEvent.user_id)
                               .where(AuditEvent.batch_id == 2).order_by(AuditEvent.id)).all()
    assert tuple(stored) == (f"{ISSUER}|ann@gov.scot", f"{ISSUER}|someone-else")
    assert batch["user"] == "Ann <ann@gov.scot>"
    assert [tuple(a) for a in audited] == [
        ("upload", "Ann <ann@gov.scot>", f"{ISSUER}|ann@gov.scot"),
        ("approve", "Ann <ann@gov.scot>", f"{ISSUER}|someone-else")]


def test_an_upload_recorded_by_email_before_identities_is_matched_by_that_email(sample_engine):
    upload(sample_engine, UPDATE)
    with behind_the_dashboard(sample_engine) as conn:  # as 0008 left a batch uploaded before it
        conn.execute(UploadBatch.__table__.update().where(UploadBatch.id == 2).values(
            uploaded_by="ann@gov.scot", uploaded_by_id=None))
    for same in (person("ANN@gov.scot", "secretariat", "Ann", sub="new-subject"),
                 person("ａｎｎ@gov.scot", "secretariat", "Ann", sub="other")):
        refused = approval.approve(sample_engine, 2, same)
        assert not refused.ok and refused.message.startswith(
            "Batch 2 was uploaded by ann@gov.scot: another secretariat member")
    withdrawn = approval.withdraw(sample_engine, 2, person("ann@gov.scot", "secretariat",
                                                           sub="x"), "mine")
    assert withdrawn.ok and "withdrawn" in withdrawn.message
    assert state(sample_engine, 2)["withdrawn"] is True
