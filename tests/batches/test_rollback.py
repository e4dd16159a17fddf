"""Rollback (CONTRACT.md): a batch leaves every current view, history keeps it, refusals name
the batches to roll back first, and afterwards every query shows exactly what it showed
before the batch."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from cpip_dashboard.auth import Identity
from cpip_dashboard.batches.approval import reject
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.batches.rollback import rollback
from cpip_dashboard.protection import series
from cpip_dashboard.store import queries
from cpip_dashboard.store.models import ActionUpdate, AuditEvent, Publication, UploadBatch
from cpip_dashboard.views import common
from tests.apptest import batch_history, button, shown
from tests.cli_helpers import cli
from tests.files import csv, xlsx


def _records(frame) -> list[dict]:
    """Rows as dicts with None for missing (NaN is not equal to itself)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def views(engine) -> dict:
    """What the pages read: the register as at the latest meeting, series, review, meetings."""
    with engine.connect() as conn:
        register = common.register_as_at(conn, None)
        return {
            "register": register["now"].drop(columns=["flags"]).to_dict("records"),
            "flags": [list(f) for f in register["now"]["flags"]],
            "meetings": queries.meetings(conn).to_dict("records"),
            "series": _records(series.indicator_series(conn, "CP_REGISTER", "rate", 5)),
            "review": queries.review_assessments(conn).to_dict("records"),
            "definitions": queries.current_indicators(conn),
        }


def test_after_rollback_everything_shows_what_it_showed_before(sample_engine):
    before = views(sample_engine)
    book = xlsx({
        "Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                    ["NEG-1", dt.date(2024, 9, 16), "Red", "Escalated"]],
        "Indicators": [["Indicator", "Area", "Period", "Value"],
                       ["CP_REGISTER", "Fife", "2023-24", 1234]],
        "Meetings": [["Date", "Title"], [dt.date(2024, 9, 17), "Renamed meeting"]],
        "Review": [["Area", "Criterion", "Rating", "Assessed on"],
                   ["Fife", "PR-01", "Excellent", "2018-06-01"]],
        "Definitions": [["Code", "Name", "Unit", "Frequency", "Definition", "Polarity",
                         "Source"],
                        ["CP_REGISTER", "Register (renamed)", "count", "annual", "New wording",
                         "neither", "SG"]],
    })
    report = run_import(sample_engine, "round.xlsx", book, user="ana")
    assert report.outcome == "committed"
    assert views(sample_engine) != before
    result = rollback(sample_engine, report.batch_id, "ana")
    assert result.ok, result.message
    assert views(sample_engine) == before
    with sample_engine.connect() as conn:  # history keeps the rows
        assert conn.execute(select(func.count()).select_from(ActionUpdate).where(
            ActionUpdate.batch_id == report.batch_id)).scalar_one() == 1
        events = conn.execute(select(AuditEvent.event, AuditEvent.user)).all()
    assert ("upload", "ana") in events and ("rollback", "ana") in events


def test_refused_while_a_later_batch_holds_the_same_key(sample_engine):
    first = run_import(sample_engine, "a.csv", csv([["Date", "Title"], ["2025-01-20", "A"]]),
                       user="t")
    second = run_import(sample_engine, "b.csv", csv([["Date", "Title"], ["2025-01-20", "B"]]),
                        user="t")
    refused = rollback(sample_engine, first.batch_id, "t")
    assert not refused.ok and refused.blocking == (second.batch_id,)
    assert f"roll back batch {second.batch_id} first" in refused.message
    assert rollback(sample_engine, second.batch_id, "t").ok
    assert rollback(sample_engine, first.batch_id, "t").ok


def test_refused_while_a_later_batch_uses_an_action_only_it_created(engine):
    actions = run_import(engine, "actions.csv", csv([
        ["Action ID", "Workstream", "Action", "Lead"], ["NEW-1", "NEG", "New", "SG"]]), user="t")
    updates = run_import(engine, "updates.csv", csv([
        ["Action ID", "Reporting date", "RAG"], ["NEW-1", "2025-01-10", "Green"]]), user="t")
    assert actions.outcome == updates.outcome == "committed"
    refused = rollback(engine, actions.batch_id, "t")
    assert not refused.ok and refused.blocking == (updates.batch_id,)


def test_refused_while_later_values_use_an_indicator_only_it_defined(engine):
    definition = run_import(engine, "definitions.csv", csv([
        ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source", "Relation"],
        ["CP_NEW", "New", "count", "annual", "New", "neither", "SG", "none"]]), user="t")
    values = run_import(engine, "indicators.csv", csv([
        ["Indicator", "Area", "Period", "Value"], ["CP_NEW", "Fife", "2024", 5]]), user="t")
    refused = rollback(engine, definition.batch_id, "t")
    assert not refused.ok and refused.blocking == (values.batch_id,)


def test_rolling_back_the_sample_removes_all_of_it(sample_engine):
    assert rollback(sample_engine, 1, "t").ok
    with sample_engine.connect() as conn:
        assert queries.meetings(conn).empty
        assert queries.action_updates(conn).empty
        assert queries.indicator_values(conn, "CP_REGISTER").empty
        assert queries.review_assessments(conn).empty
        assert queries.data_status(conn)["illustrative_batches"] == []


def test_restore_by_uploading_the_same_file_again(engine):
    data = csv([["Date", "Title"], ["2025-01-20", "A"]])
    first = run_import(engine, "a.csv", data, user="t")
    assert rollback(engine, first.batch_id, "t").ok
    again = run_import(engine, "a.csv", data, user="t")
    assert again.outcome == "committed" and again.batch_id == first.batch_id + 1


def _three_rounds_of_one_meeting(engine) -> list[int]:
    """Batches 2, 3 and 4 each hold the meeting of 20 January 2025 (the same key)."""
    ids = []
    for title in ("A", "B", "C"):
        report = run_import(engine, f"{title}.csv",
                            csv([["Date", "Title"], ["2025-01-20", title]]), user="t")
        assert report.outcome == "committed"
        ids.append(report.batch_id)
    return ids


REFUSAL = "Batch 2 cannot be rolled back while later batches depend on it: " \
          "roll back batches 4, 3 first."


def test_rollback_refused_through_the_cli_names_every_blocking_batch(sample_url,
                                                                    sample_engine):
    assert _three_rounds_of_one_meeting(sample_engine) == [2, 3, 4]
    refused = cli(sample_url, "rollback", "2", "--user", "ana")
    assert refused.returncode == 1
    assert REFUSAL in refused.stdout + refused.stderr
    with sample_engine.connect() as conn:
        states = dict(conn.execute(select(UploadBatch.id, UploadBatch.state)).all())
    assert states == {1: "committed", 2: "committed", 3: "committed", 4: "committed"}


def test_rollback_refused_on_the_upload_page_names_every_blocking_batch(make_app, sample_url,
                                                                        sample_engine):
    _three_rounds_of_one_meeting(sample_engine)
    at = make_app(sample_url, page="pages/upload.py")
    at.selectbox(key="upload-rollback-batch").set_value(2).run()
    button(at, "Roll back…").click().run()
    button(at, "Yes, roll it back").click().run()
    assert [shown(e.value) for e in at.error] == [REFUSAL]
    assert batch_history(at).set_index("Batch").loc[2, "State"] == "Current"


# --- the refusal rules, each way round (issue 24: tests that kill mutants) ---------------------

ACTIONS = [["Action ID", "Workstream", "Action", "Lead"], ["NEW-1", "NEG", "New", "SG"]]


def _upload(engine, name: str, rows: list[list], approval: str = "single") -> int:
    report = run_import(engine, name, csv(rows), user="t", approval=approval)
    assert report.outcome in ("committed", "pending"), report.as_json()
    return report.batch_id


def test_refused_while_a_later_review_row_cites_an_action_only_it_created(engine):
    actions = _upload(engine, "actions.csv", ACTIONS)
    review = _upload(engine, "review.csv", [
        ["Area", "Criterion", "Rating", "Assessed on", "Action ID"],
        ["Fife", "PR-01", "Weak", "2025-01-10", "NEW-1"]])
    refused = rollback(engine, actions, "t")
    assert refused.ok is False and refused.blocking == (review,)
    assert refused.message == (f"Batch {actions} cannot be rolled back while later batches "
                               f"depend on it: roll back batch {review} first.")


def test_allowed_when_an_earlier_batch_also_created_the_action(engine):
    """The later update refers to NEW-1, which the first batch created too: rolling back the
    second definition leaves NEW-1 in the register, so nothing depends on that batch alone."""
    first = _upload(engine, "actions-1.csv", ACTIONS)
    second = _upload(engine, "actions-2.csv", [ACTIONS[0], ["NEW-1", "NEG", "Renamed", "SG"]])
    _upload(engine, "updates.csv", [["Action ID", "Reporting date", "RAG"],
                                    ["NEW-1", "2025-01-10", "Green"]])
    assert rollback(engine, second, "t").ok
    refused = rollback(engine, first, "t")  # now NEW-1 is only the first batch's
    assert not refused.ok and len(refused.blocking) == 1


def test_allowed_when_the_indicator_is_reference_data(engine):
    """Values for an indicator the reference data defines do not depend on a batch that
    restated its definition."""
    definition = _upload(engine, "definitions.csv", [
        ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source"],
        ["CP_REGISTER", "Register (renamed)", "count", "annual", "New wording", "neither",
         "SG"]])
    _upload(engine, "indicators.csv", [["Indicator", "Area", "Period", "Value"],
                                       ["CP_REGISTER", "Fife", "2024", 50]])
    assert rollback(engine, definition, "t").ok


def test_refused_while_a_pending_batch_builds_on_it_in_either_way(engine):
    actions = _upload(engine, "actions.csv", ACTIONS)
    meeting = _upload(engine, "meeting.csv", [["Date", "Title"], ["2025-01-20", "A"]])
    pending_update = _upload(engine, "updates.csv", [["Action ID", "Reporting date", "RAG"],
                                                     ["NEW-1", "2025-01-10", "Green"]],
                             approval="two-person")
    pending_meeting = _upload(engine, "meeting-2.csv", [["Date", "Title"], ["2025-01-20", "B"]],
                              approval="two-person")
    refused = rollback(engine, actions, "t")
    assert refused.ok is False and refused.blocking == (pending_update,)
    assert refused.message == (
        f"Batch {actions} cannot be rolled back while batch {pending_update}, awaiting "
        "approval, builds on it: approve, reject or withdraw it first.")
    refused = rollback(engine, meeting, "t")
    assert refused.blocking == (pending_meeting,)
    pending_review = _upload(engine, "review.csv", [
        ["Area", "Criterion", "Rating", "Assessed on", "Action ID"],
        ["Fife", "PR-01", "Weak", "2025-01-10", "NEW-1"]], approval="two-person")
    refused = rollback(engine, actions, "t")
    assert refused.blocking == (pending_update, pending_review)
    assert refused.message == (
        f"Batch {actions} cannot be rolled back while batches {pending_update}, "
        f"{pending_review}, awaiting approval, build on it: approve, reject or withdraw them "
        "first.")


def test_refusals_for_batches_that_were_never_current_or_are_gone(engine):
    missing = rollback(engine, 99, "t")
    assert (missing.ok, missing.message) == (False, "Batch 99 does not exist.")
    pending = _upload(engine, "meeting.csv", [["Date", "Title"], ["2025-01-20", "A"]],
                      approval="two-person")
    refused = rollback(engine, pending, "t")
    assert refused.ok is False and refused.message == (
        f"Batch {pending} is awaiting approval, so it was never current: another secretariat "
        "member can reject it, or its uploader withdraw it.")
    assert reject(engine, pending, "second", "not this one").ok
    rejected = rollback(engine, pending, "t")
    assert (rejected.ok, rejected.message) == (
        False, (f"Batch {pending} was rejected, so it was never current: there is nothing to "
        "roll back."))
    done = _upload(engine, "meeting-2.csv", [["Date", "Title"], ["2025-02-20", "B"]])
    result = rollback(engine, done, "ana")
    assert result.ok and result.message == (
        f"Batch {done} (meeting-2.csv) is rolled back: its rows no longer show anywhere; "
        "history keeps them.")
    again = rollback(engine, done, "t")
    assert again.ok is False and again.message.startswith(
        f"Batch {done} is already rolled back (by ana at ")
    assert again.message.endswith(" UTC). To restore it, upload its file again.")
    with engine.connect() as conn:
        state = conn.execute(select(UploadBatch.state, UploadBatch.rolled_back_by,
                                    UploadBatch.rolled_back_at, UploadBatch.rolled_back_by_id)
                             .where(UploadBatch.id == done)).one()
        published = conn.execute(select(Publication).order_by(Publication.id.desc())).first()
        figures_before = conn.execute(select(Publication.figures_from).where(
            Publication.id < published.id).order_by(Publication.id.desc())).first()[0]
        event = conn.execute(select(AuditEvent).where(AuditEvent.event == "rollback")).one()
    # by whom, as a name and as the person (a name given on the command line is its own id)
    assert (state.state, state.rolled_back_by, state.rolled_back_by_id) == (
        "rolled_back", "ana", "ana")
    # published as a rollback of that batch; a meeting changes no figure, so none is rebuilt
    assert (published.event, published.batch_id) == ("rollback", done)
    assert published.figures_from == figures_before
    # and audited at the moment the batch records
    assert (event.user, event.batch_id, event.at, event.detail) == (
        "ana", done, state.rolled_back_at, f"Rolled back batch {done} (meeting-2.csv)")


def test_only_a_secretariat_member_or_a_named_user_rolls_back(engine):
    batch = _upload(engine, "meeting.csv", [["Date", "Title"], ["2025-01-20", "A"]])
    committee = rollback(engine, batch, Identity(True, "cpc@fife.gov.uk", "Fife", "committee",
                                                 "CPC14"))
    assert committee.ok is False
    assert committee.message.startswith("Only the secretariat can roll back batches: Fife ")
    nobody = rollback(engine, batch, "")
    assert (nobody.ok, nobody.message) == (False, ("Say who you are to roll back batches "
                                                  "(--user)."))


def test_what_this_batch_did_not_create_does_not_block_it(engine):
    _upload(engine, "old.csv", [ACTIONS[0], ["OLD-1", "NEG", "Old", "SG"]])
    new = _upload(engine, "new.csv", ACTIONS)  # creates NEW-1 only
    _upload(engine, "updates.csv", [["Action ID", "Reporting date", "RAG"],
                                    ["OLD-1", "2025-01-10", "Green"]])
    assert rollback(engine, new, "t").ok
    definition = _upload(engine, "definitions.csv", [
        ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source", "Relation"],
        ["CP_NEW", "New", "count", "annual", "New", "neither", "SG", "none"]])
    _upload(engine, "indicators.csv", [["Indicator", "Area", "Period", "Value"],
                                       ["CP_REGISTER", "Fife", "2024", 50]])
    assert rollback(engine, definition, "t").ok


def test_an_indicator_defined_and_a_key_held_both_block(engine):
    both = run_import(engine, "both.xlsx", xlsx({
        "Definitions": [["Code", "Name", "Unit", "Frequency", "Definition", "Polarity",
                         "Source", "Relation"],
                        ["CP_NEW", "New", "count", "annual", "New", "neither", "SG", "none"]],
        "Meetings": [["Date", "Title"], [dt.date(2025, 1, 20), "A"]]}), user="t",
        approval="single")
    assert both.outcome == "committed", both.as_json()
    later = _upload(engine, "meeting.csv", [["Date", "Title"], ["2025-01-20", "B"]])
    refused = rollback(engine, both.batch_id, "t")
    assert refused.blocking == (later,)


def test_values_awaiting_approval_for_its_indicator_are_waiting_not_later(engine):
    definition = _upload(engine, "definitions.csv", [
        ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source", "Relation"],
        ["CP_NEW", "New", "count", "annual", "New", "neither", "SG", "none"]])
    pending = _upload(engine, "indicators.csv", [["Indicator", "Area", "Period", "Value"],
                                                 ["CP_NEW", "Fife", "2024", 50]],
                      approval="two-person")
    refused = rollback(engine, definition, "t")
    assert refused.blocking == (pending,)
    assert "awaiting approval, builds on it" in refused.message
