"""Rollback (CONTRACT.md): a batch leaves every current view, history keeps it, refusals name
the batches to roll back first, and afterwards every query shows exactly what it showed
before the batch."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from cpip_dashboard import queries
from cpip_dashboard.imports.pipeline import run_import
from cpip_dashboard.models import ActionUpdate, AuditEvent, UploadBatch
from cpip_dashboard.rollback import rollback
from tests.files import csv, xlsx


def _records(frame) -> list[dict]:
    """Rows as dicts with None for missing (NaN is not equal to itself)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def views(engine) -> dict:
    """What the pages read: the register as at the latest meeting, series, review, meetings."""
    with engine.connect() as conn:
        register = queries.register_as_at(conn, None)
        return {
            "register": register["now"].drop(columns=["flags"]).to_dict("records"),
            "flags": [list(f) for f in register["now"]["flags"]],
            "meetings": queries.meetings(conn).to_dict("records"),
            "series": _records(queries.indicator_series(conn, "CP_REGISTER", "rate", 5)),
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
    from tests.cli_helpers import cli

    assert _three_rounds_of_one_meeting(sample_engine) == [2, 3, 4]
    refused = cli(sample_url, "rollback", "2", "--user", "ana")
    assert refused.returncode == 1
    assert REFUSAL in refused.stdout + refused.stderr
    with sample_engine.connect() as conn:
        states = dict(conn.execute(select(UploadBatch.id, UploadBatch.state)).all())
    assert states == {1: "committed", 2: "committed", 3: "committed", 4: "committed"}


def test_rollback_refused_on_the_upload_page_names_every_blocking_batch(make_app, sample_url,
                                                                        sample_engine):
    from tests.apptest import batch_history, button, shown

    _three_rounds_of_one_meeting(sample_engine)
    at = make_app(sample_url, page="pages/upload.py")
    at.selectbox(key="rollback-batch").set_value(2).run()
    button(at, "Roll back…").click().run()
    button(at, "Yes, roll it back").click().run()
    assert [shown(e.value) for e in at.error] == [REFUSAL]
    assert batch_history(at).set_index("Batch").loc[2, "State"] == "Current"
