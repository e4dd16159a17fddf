"""Register rules (CONTRACT.md "Time, keys and versions"): flags, as-at, movement. Hand-built
frames, table-driven, with the boundaries (due today, due in 30 days, completed late, moved
twice)."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pandas as pd
import pytest

from cpip_dashboard.rules import rag, register
from cpip_dashboard.store.reference import directory

D = dt.date
COMMITTED = dt.datetime(2017, 1, 1, 9, 0)
MEETING = register.Meeting(D(2018, 10, 2), D(2018, 6, 21))


def versions(*rows) -> pd.DataFrame:
    base = {"workstream_code": "NEG", "title": "An action", "lead": "SG", "areas": "S92000003",
            "indicators": "", "source": None, "batch_id": 1, "committed_at": COMMITTED}
    return pd.DataFrame([{**base, **row} for row in rows])


def updates(*rows) -> pd.DataFrame:
    base = {"progress": None, "commentary": "ok", "next_steps": None,
            "revised_due_date": None, "batch_id": 1}
    frame = pd.DataFrame([{**base, **row} for row in rows],
                         columns=["action_ref", "reporting_date", "rag", "progress", "commentary",
                                  "next_steps", "revised_due_date", "batch_id"])
    return frame.astype({"commentary": object, "revised_due_date": object})


def flags_for(due, history, meeting=MEETING, due_versions=None) -> list[str]:
    rows = [{"ref": "NEG-1", "due_date": d, "batch_id": i + 1,
             "committed_at": COMMITTED + dt.timedelta(days=i)}
            for i, d in enumerate(due_versions or [due])]
    reg = register.register_as_at(versions(*rows), updates(*[
        {"action_ref": "NEG-1", **h} for h in history]), meeting)
    return list(reg.iloc[0]["flags"])


GREEN_NOW = [{"reporting_date": D(2018, 9, 25), "rag": "Green"}]


@pytest.mark.parametrize("due,history,expected", [
    # overdue: due date passed, not complete
    (D(2018, 10, 1), GREEN_NOW, ["Overdue"]),
    # due today is not overdue: it is due soon
    (D(2018, 10, 2), GREEN_NOW, ["Due soon"]),
    # due in exactly 30 days: due soon; in 31 days: nothing
    (D(2018, 11, 1), GREEN_NOW, ["Due soon"]),
    (D(2018, 11, 2), GREEN_NOW, []),
    # completed late: not overdue
    (D(2018, 1, 1), [{"reporting_date": D(2018, 9, 25), "rag": "Complete"}], []),
    # no due date
    (None, GREEN_NOW, []),
    # a revised due date replaces the original
    (D(2018, 1, 1), [{"reporting_date": D(2018, 9, 25), "rag": "Amber", "commentary": "late",
                      "revised_due_date": D(2019, 3, 31)}], ["Re-baselined"]),
    # moved twice (two revised dates)
    (D(2018, 1, 1), [
        {"reporting_date": D(2018, 6, 1), "rag": "Amber", "commentary": "x",
         "revised_due_date": D(2018, 9, 30)},
        {"reporting_date": D(2018, 9, 25), "rag": "Amber", "commentary": "y",
         "revised_due_date": D(2019, 3, 31)}], ["Re-baselined (2)"]),
])
def test_due_date_flags(due, history, expected):
    assert flags_for(due, history) == expected


def test_moved_by_a_new_version_of_the_action_counts_too():
    flags = flags_for(None, GREEN_NOW, due_versions=[D(2019, 6, 30), D(2019, 12, 31)])
    assert flags == ["Re-baselined"]


@pytest.mark.parametrize("history,expected", [
    # an update after the previous meeting counts for this one
    ([{"reporting_date": D(2018, 9, 25), "rag": "Green"}], []),
    # reported on the previous meeting's day: counts for that meeting, so stale now
    ([{"reporting_date": D(2018, 6, 21), "rag": "Green"}], ["Stale"]),
    # reported on this meeting's day: counts
    ([{"reporting_date": D(2018, 10, 2), "rag": "Green"}], []),
    # not started and no update this round: not stale (it has not started)
    ([{"reporting_date": D(2018, 6, 1), "rag": "Not started"}], []),
    # complete long ago and silent since: a Complete action is never stale
    ([{"reporting_date": D(2018, 3, 1), "rag": "Complete"}], []),
    # completed before the previous meeting, restated since: still not stale, not overdue
    ([{"reporting_date": D(2017, 12, 1), "rag": "Green"},
      {"reporting_date": D(2018, 5, 1), "rag": "Complete"}], []),
    # started, then back to Not started with no update this round: started once, so stale
    ([{"reporting_date": D(2018, 3, 1), "rag": "Green"},
      {"reporting_date": D(2018, 5, 1), "rag": "Not started"}], ["Stale"]),
])
def test_stale(history, expected):
    assert flags_for(D(2020, 1, 1), history) == expected


@pytest.mark.parametrize("history,expected", [
    ([{"reporting_date": D(2018, 6, 1), "rag": "Green"},
      {"reporting_date": D(2018, 9, 25), "rag": "Complete", "commentary": None}],
     ["RAG changed without commentary"]),
    ([{"reporting_date": D(2018, 6, 1), "rag": "Green"},
      {"reporting_date": D(2018, 9, 25), "rag": "Complete", "commentary": "Delivered"}], []),
    ([{"reporting_date": D(2018, 6, 1), "rag": "Green"},
      {"reporting_date": D(2018, 9, 25), "rag": "Green", "commentary": None}], []),
])
def test_rag_changed_without_commentary(history, expected):
    assert flags_for(D(2020, 1, 1), history) == expected


def test_status_as_at_takes_the_latest_update_on_or_before_the_meeting():
    v = versions({"ref": "NEG-1", "due_date": None})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 6, 1), "rag": "Green"},
                {"action_ref": "NEG-1", "reporting_date": D(2018, 9, 25), "rag": "Amber",
                 "commentary": "slipping"},
                {"action_ref": "NEG-1", "reporting_date": D(2019, 1, 20), "rag": "Red",
                 "commentary": "late"})
    assert register.register_as_at(v, u, register.Meeting(D(2018, 6, 21), None)).iloc[0]["rag"] == "Green"
    assert register.register_as_at(v, u, MEETING).iloc[0]["rag"] == "Amber"
    assert register.register_as_at(v, u, register.Meeting(D(2019, 1, 29), D(2018, 10, 2))).iloc[0]["rag"] == "Red"


def test_definition_as_at_is_the_version_committed_by_then():
    v = versions({"ref": "NEG-1", "title": "Old title", "due_date": None, "batch_id": 1,
                  "committed_at": dt.datetime(2018, 1, 1)},
                 {"ref": "NEG-1", "title": "New title", "due_date": None, "batch_id": 2,
                  "committed_at": dt.datetime(2018, 12, 1)})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 9, 25), "rag": "Green"})
    assert register.register_as_at(v, u, MEETING).iloc[0]["title"] == "Old title"
    later = register.Meeting(D(2019, 1, 29), D(2018, 10, 2))
    assert register.register_as_at(v, u, later).iloc[0]["title"] == "New title"


def test_action_not_yet_in_the_programme_is_not_listed():
    v = versions({"ref": "NEG-1", "due_date": None, "committed_at": dt.datetime(2019, 1, 1)})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 12, 1), "rag": "Green"})
    assert register.register_as_at(v, u, MEETING).empty


@pytest.mark.parametrize("before,now,movement,two_steps", [
    (None, "Green", "new", False),
    ("Green", "Complete", "completed", False),
    ("Red", "Complete", "completed", True),
    ("Not started", "Green", "started", False),
    ("Amber", "Green", "improved", False),
    ("Red", "Green", "improved", True),
    ("Green", "Amber", "worsened", False),
    ("Green", "Red", "worsened", True),
    ("Amber", "Amber", "unchanged", False),
    ("Complete", "Complete", "unchanged", False),
    ("Not started", "Not started", "unchanged", False),
    # any move down is "worsened", back to Not started included (it is outside the scale, so
    # never "two steps")
    ("Green", "Not started", "worsened", False),
    ("Red", "Not started", "worsened", False),
    ("Complete", "Not started", "worsened", False),
    ("Complete", "Green", "worsened", False),
    ("Complete", "Red", "worsened", True),
    ("Not started", "Complete", "completed", False),
    ("Not started", "Red", "started", False),
])
def test_movement(before, now, movement, two_steps):
    now_frame = pd.DataFrame({"ref": ["X-1"], "rag": [now]})
    before_frame = None if before is None else pd.DataFrame({"ref": ["X-1"], "rag": [before]})
    if before is None:
        before_frame = pd.DataFrame({"ref": ["OTHER"], "rag": ["Green"]})
    moved = register.movement(now_frame, before_frame).iloc[0]
    assert (moved["movement"], bool(moved["two_steps"])) == (movement, two_steps)


@pytest.mark.parametrize("now,before,expected", [
    ({"Red": 3, "Amber": 9, "Green": 17, "Complete": 6, "Not started": 2},
     {"Red": 3, "Amber": 8, "Green": 18, "Complete": 4, "Not started": 4},
     "12 of 37 actions are Amber or Red, 1 more than at 21 June 2018."),
    ({"Red": 1, "Amber": 1, "Green": 1, "Complete": 0, "Not started": 0},
     {"Red": 2, "Amber": 2, "Green": 0, "Complete": 0, "Not started": 0},
     "2 of 3 actions are Amber or Red, 2 fewer than at 21 June 2018."),
    ({"Red": 1, "Amber": 0, "Green": 0, "Complete": 0, "Not started": 0}, None,
     "1 of 1 actions are Amber or Red."),
])
def test_headline_sentence(now, before, expected):
    assert register.headline_sentence(now, before, D(2018, 6, 21)) == expected


def test_for_area_keeps_national_and_local_actions():
    reg = pd.DataFrame({"ref": ["A", "B", "C", "D"],
                        "areas": ["S92000003", "S12000047", "CPC05", "S12000030"]})
    areas = directory()
    assert list(register.for_area(reg, "S12000047", areas)["ref"]) == ["A", "B"]
    assert list(register.for_area(reg, "CPC05", areas)["ref"]) == ["A", "C", "D"]
    assert list(register.for_area(reg, "S12000030", areas)["ref"]) == ["A", "C", "D"]
    assert list(register.for_area(reg, "S92000003", areas)["ref"]) == ["A", "B", "C", "D"]


@pytest.mark.parametrize("old,new", list(itertools.product(rag.NAMES, rag.NAMES)))
def test_only_the_same_status_is_unchanged(old, new):
    moved = register.movement(pd.DataFrame({"ref": ["X-1"], "rag": [new]}),
                              pd.DataFrame({"ref": ["X-1"], "rag": [old]})).iloc[0]
    assert (moved["movement"] == "unchanged") == (old == new)


def _frames(pairs):
    now = pd.DataFrame({"ref": [r for r, _, _ in pairs], "title": "An action",
                        "rag": [n for _, _, n in pairs]})
    before = pd.DataFrame({"ref": [r for r, o, _ in pairs if o], "rag": [o for _, o, _ in pairs
                                                                        if o]})
    return now, before


@pytest.mark.parametrize("pairs,expected", [
    # a quiet meeting: nothing moved
    ([("A", "Green", "Green"), ("B", "Red", "Red")], []),
    # one action, unchanged
    ([("A", "Complete", "Complete")], []),
    # no actions at all
    ([], []),
    # one moved two steps, one new
    ([("A", "Green", "Red"), ("B", None, "Amber"), ("C", "Amber", "Amber")],
     [("A", "● Green", "■ Red", "Worsened (two steps or more)"),
      ("B", "(new)", "▲ Amber", "New")]),
])
def test_moved_actions_table(pairs, expected):
    now, before = _frames(pairs)
    table = register.moved_actions(register.movement(now, before), now)
    assert list(table.columns) == ["Ref", "Action", "From", "To", "Movement"]
    assert [tuple(r) for r in table[["Ref", "From", "To", "Movement"]].itertuples(
        index=False)] == expected


def _due_case(defs, ups, meeting=MEETING):
    """defs: (committed_at, due, title); ups: (reporting_date, revised_due)."""
    v = versions(*[{"ref": "NEG-1", "due_date": due, "title": title, "batch_id": i + 1,
                    "committed_at": when} for i, (when, due, title) in enumerate(defs)])
    u = updates(*[{"action_ref": "NEG-1", "reporting_date": day, "rag": "Amber",
                   "commentary": "x", "revised_due_date": due} for day, due in ups])
    return register.register_as_at(v, u, meeting).iloc[0]


T = dt.datetime
D1, D2, D3 = D(2019, 3, 31), D(2019, 6, 30), D(2019, 12, 31)


@pytest.mark.parametrize("defs,ups,due,moves", [
    # a later definition wins over an earlier update's revised date
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 5, 1), D3, "t")], [(D(2018, 3, 1), D2)], D3, 2),
    # a later update wins over an earlier definition
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 2, 1), D2, "t")], [(D(2018, 3, 1), D3)], D3, 2),
    # the register catches up with the updates: each move counted once (D1 -> D2 -> D3)
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 5, 1), D3, "t")],
     [(D(2018, 2, 1), D2), (D(2018, 4, 1), D3)], D3, 2),
    # an update restating the definition's date is no move
    ([(T(2018, 1, 10), D1, "t")], [(D(2018, 3, 1), D1)], D1, 0),
    # a new version that keeps its due date (a new title) does not undo a revision
    ([(T(2018, 1, 10), D1, "old"), (T(2018, 5, 1), D1, "new")], [(D(2018, 3, 1), D2)], D2, 1),
    # a definition committed after the meeting and an update after it do not count yet
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 11, 1), D3, "t")], [(D(2018, 10, 20), D2)], D1, 0),
    # a definition committed on the reporting day of an update takes effect after it
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 3, 1, 10), D3, "t")], [(D(2018, 3, 1), D2)], D3, 2),
])
def test_due_date_the_fact_that_took_effect_last_wins(defs, ups, due, moves):
    row = _due_case(defs, ups)
    assert (row["effective_due"], int(row["due_moves"])) == (due, moves)


SUMMER = register.Meeting(D(2018, 6, 21), D(2018, 3, 20))  # British Summer Time (UTC+1)
WINTER = register.Meeting(D(2018, 12, 12), D(2018, 10, 2))  # Greenwich Mean Time (UTC+0)


@pytest.mark.parametrize("meeting,committed_utc,counts", [
    # 23:59 BST on the meeting day is 22:59 UTC: counts for the meeting
    (SUMMER, T(2018, 6, 21, 22, 59), True),
    # 00:01 BST the next day is 23:01 UTC on the meeting day: counts for the next day only
    (SUMMER, T(2018, 6, 21, 23, 1), False),
    # in winter UK time is UTC: 23:59 on the meeting day counts, 00:01 the next day does not
    (WINTER, T(2018, 12, 12, 23, 59), True),
    (WINTER, T(2018, 12, 13, 0, 1), False),
])
def test_definition_as_at_ends_the_day_in_uk_local_time(meeting, committed_utc, counts):
    v = versions({"ref": "NEG-1", "title": "Old", "due_date": D1, "batch_id": 1,
                  "committed_at": T(2017, 1, 1)},
                 {"ref": "NEG-1", "title": "New", "due_date": D3, "batch_id": 2,
                  "committed_at": committed_utc},
                 {"ref": "NEG-2", "title": "Added then", "due_date": None, "batch_id": 2,
                  "committed_at": committed_utc})
    u = updates({"action_ref": "NEG-1", "reporting_date": meeting.date, "rag": "Green"})
    reg = register.register_as_at(v, u, meeting).set_index("ref")
    assert reg.loc["NEG-1", "title"] == ("New" if counts else "Old")
    assert reg.loc["NEG-1", "effective_due"] == (D3 if counts else D1)
    assert ("NEG-2" in reg.index) == counts


@pytest.mark.parametrize("defs,ups,expected", [
    # in the order they took effect: the register's new date came after the revision
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 5, 1), D3, "t")],
     [(D(2018, 3, 1), D2), (D(2018, 4, 1), D2)], [D1, D2, D3]),
    # moved and moved back: three dates, not two
    ([(T(2018, 1, 10), D1, "t")], [(D(2018, 3, 1), D2), (D(2018, 4, 1), D1)], [D1, D2, D1]),
    # restated only: no change to list
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 5, 1), D1, "new title")], [(D(2018, 3, 1), D1)], []),
])
def test_due_date_changes_listed_in_the_order_they_took_effect(defs, ups, expected):
    v = versions(*[{"ref": "NEG-1", "due_date": due, "title": title, "batch_id": i + 1,
                    "committed_at": when} for i, (when, due, title) in enumerate(defs)])
    history = updates(*[{"action_ref": "NEG-1", "reporting_date": day, "rag": "Amber",
                         "revised_due_date": due} for day, due in ups])
    assert register.due_date_moves(v, "NEG-1", history) == [d.isoformat() for d in expected]


# --- exact outputs, worked by hand (issue 24: tests that kill mutants) -------------------------


def _plain(rows: list[dict]) -> list[dict]:
    """Missing values as None, so rows compare whole."""
    return [{k: (None if not isinstance(v, list) and pd.isna(v) else v) for k, v in r.items()}
            for r in rows]


def _two_actions():
    v = versions({"ref": "NEG-1", "due_date": D(2018, 12, 31), "title": "Do it",
                  "areas": "S12000047,CPC05", "indicators": "CP_REG", "source": "Plan p.4",
                  "batch_id": 3},
                 {"ref": "NEG-2", "due_date": None, "batch_id": 4, "title": "Other",
                  "workstream_code": "CSE", "lead": "Police Scotland"})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 9, 25), "rag": "Amber",
                 "progress": 40.0, "commentary": "slow", "next_steps": "push"})
    return v, u


def test_register_rows_carry_every_field_of_the_version_and_the_update():
    v, u = _two_actions()
    reg = register.register_as_at(v, u, MEETING)
    assert _plain(reg.to_dict("records")) == [
        {"ref": "NEG-1", "title": "Do it", "workstream": "NEG", "lead": "SG",
         "areas": "S12000047,CPC05", "due_date": D(2018, 12, 31),
         "effective_due": D(2018, 12, 31), "rag": "Amber", "progress": 40.0,
         "last_update": D(2018, 9, 25), "commentary": "slow", "next_steps": "push",
         "flags": [], "indicators": "CP_REG", "source": "Plan p.4", "batch_id": 3,
         "due_moves": 0},
        # no update: Not started, and nothing reported
        {"ref": "NEG-2", "title": "Other", "workstream": "CSE", "lead": "Police Scotland",
         "areas": "S92000003", "due_date": None, "effective_due": None, "rag": "Not started",
         "progress": None, "last_update": None, "commentary": None, "next_steps": None,
         "flags": [], "indicators": "", "source": None, "batch_id": 4, "due_moves": 0}]
    table = register.register_table(reg, {"NEG": "Neglect", "CSE": "Exploitation"}, directory())
    assert table.to_dict("records") == [
        {"Ref": "NEG-1", "Action": "Do it", "Workstream": "Neglect", "Lead": "SG",
         "Area": "Fife, Clackmannanshire and Stirling Child Protection Committee",
         "Due": "2018-12-31", "RAG": "▲ Amber", "Progress %": "40", "Flags": "",
         "Last update": "2018-09-25"},
        {"Ref": "NEG-2", "Action": "Other", "Workstream": "Exploitation",
         "Lead": "Police Scotland", "Area": "Scotland", "Due": "", "RAG": "○ Not started",
         "Progress %": "", "Flags": "", "Last update": ""}]
    assert register.counts(reg) == {"Complete": 0, "Green": 0, "Amber": 1, "Red": 0,
                                    "Not started": 1}
    empty = register.register_as_at(v.iloc[0:0], u.iloc[0:0], MEETING)
    assert empty.empty and list(empty.columns) == list(reg.columns)


def _flagged(*rows) -> pd.DataFrame:
    """(ref, rag, flags) rows of a register."""
    return pd.DataFrame([{"ref": r, "rag": s, "flags": f} for r, s, f in rows],
                        columns=["ref", "rag", "flags"])


@pytest.mark.parametrize("rows,attention", [
    # Red and Amber always; Green or Not started only when overdue or stale; worst first
    ([("A-1", "Green", []), ("B-1", "Amber", []), ("C-1", "Red", [])], ["C-1", "B-1"]),
    ([("A-1", "Green", ["Stale"]), ("B-1", "Green", ["Due soon"])], ["A-1"]),
    ([("A-1", "Not started", ["Overdue"]), ("B-1", "Complete", ["Re-baselined"])], ["A-1"]),
    ([("Z-1", "Green", ["Overdue", "Stale"]), ("A-1", "Amber", ["Stale"]),
      ("M-1", "Red", ["Overdue"]), ("B-1", "Red", [])], ["B-1", "M-1", "A-1", "Z-1"]),
    ([("A-1", "Green", ["RAG changed without commentary"])], []),
    ([], []),
])
def test_needs_attention_is_red_amber_overdue_or_stale_worst_first(rows, attention):
    result = register.exceptions(_flagged(*rows))
    assert list(result["ref"]) == attention
    assert list(result.columns) == ["ref", "rag", "flags"]


@pytest.mark.parametrize("choice,refs", [
    ({}, ["A-1", "B-1", "C-1"]),
    ({"workstreams": ["CSE"]}, ["B-1"]),
    ({"leads": ["SG"]}, ["A-1", "C-1"]),
    ({"levels": ["Red", "Amber"]}, ["A-1", "B-1"]),
    ({"flags": ["Re-baselined"]}, ["C-1"]),  # matches 'Re-baselined (2)' by its start
    ({"flags": ["Stale", "Overdue"]}, ["A-1", "B-1"]),
    ({"workstreams": ["NEG"], "levels": ["Green"]}, ["C-1"]),
    ({"workstreams": ["NEG"], "leads": ["Police"], "levels": [], "flags": []}, []),
])
def test_filtered_narrows_by_each_choice(choice, refs):
    reg = pd.DataFrame({"ref": ["A-1", "B-1", "C-1"], "workstream": ["NEG", "CSE", "NEG"],
                        "lead": ["SG", "Police", "SG"], "rag": ["Red", "Amber", "Green"],
                        "flags": [["Overdue"], ["Stale"], ["Re-baselined (2)"]]})
    args = {"workstreams": [], "leads": [], "levels": [], "flags": []} | choice
    assert list(register.filtered(reg, **args)["ref"]) == refs


def test_history_to_the_meeting_and_its_table():
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 9, 25), "rag": "Amber",
                 "progress": 62.4, "commentary": "slow", "next_steps": None,
                 "revised_due_date": D(2019, 3, 31)},
                {"action_ref": "NEG-1", "reporting_date": D(2018, 6, 1), "rag": "Green",
                 "commentary": None},
                {"action_ref": "NEG-1", "reporting_date": D(2018, 10, 3), "rag": "Red"},
                {"action_ref": "CSE-2", "reporting_date": D(2018, 6, 1), "rag": "Red"})
    mine = register.history(u, "NEG-1", MEETING.date)
    assert list(mine["reporting_date"]) == [D(2018, 6, 1), D(2018, 9, 25)]  # oldest first
    assert len(register.history(u, "NEG-1", None)) == 3
    assert register.history_table(mine).to_dict("records") == [
        {"Reporting date": "2018-06-01", "RAG": "● Green", "Progress %": "",
         "Commentary": "", "Next steps": "", "Revised due date": ""},
        {"Reporting date": "2018-09-25", "RAG": "▲ Amber", "Progress %": "62",
         "Commentary": "slow", "Next steps": "", "Revised due date": "2019-03-31"}]


@pytest.mark.parametrize("kinds,sentence", [
    (["new", "completed", "completed", "improved", "started", "worsened", "unchanged",
      "unchanged"], ("Since 21 June 2018: 1 new, 2 completed, 1 improved, 1 started, 1 worsened; "
                   "2 unchanged.")),
    ([], ("Since 21 June 2018: 0 new, 0 completed, 0 improved, 0 started, 0 worsened; "
         "0 unchanged.")),
])
def test_movement_sentence(kinds, sentence):
    moved = pd.DataFrame({"movement": kinds}, dtype=object)
    assert register.movement_sentence(moved, D(2018, 6, 21)) == sentence


@pytest.mark.parametrize("old,new,text", [
    (None, "Red", "New"), ("Red", "Red", "Unchanged"), ("Red", "Complete",
                                                        "Completed (two steps or more)"),
    ("Amber", "Green", "Improved"), ("Green", "Red", "Worsened (two steps or more)"),
    ("Not started", "Amber", "Started"),
])
def test_movement_text(old, new, text):
    assert register.movement_text(old, new) == text


def test_moved_actions_name_each_action_by_its_title():
    now = pd.DataFrame({"ref": ["A-1", "B-1"], "title": ["First", "Second"],
                        "rag": ["Red", "Green"]})
    before = pd.DataFrame({"ref": ["A-1", "B-1"], "rag": ["Green", "Green"]})
    table = register.moved_actions(register.movement(now, before), now)
    assert table.to_dict("records") == [
        {"Ref": "A-1", "Action": "First", "From": "● Green", "To": "■ Red",
         "Movement": "Worsened (two steps or more)"}]
    moved = register.movement(now, None)
    assert list(moved.columns) == ["ref", "from", "to", "movement", "two_steps"]
    assert list(moved["movement"]) == ["new", "new"]


def test_headline_the_same_as_before():
    same = {"Red": 1, "Amber": 2, "Green": 0, "Complete": 0, "Not started": 0}
    assert register.headline_sentence(same, {**same, "Green": 4}, D(2018, 6, 21)) == (
        "3 of 3 actions are Amber or Red, the same as at 21 June 2018.")
    assert register.headline_sentence(same, same, None) == "3 of 3 actions are Amber or Red."


def test_definitions_as_at_the_end_of_the_day_else_the_earliest():
    v = versions({"ref": "NEG-1", "title": "Old", "due_date": None, "batch_id": 1,
                  "committed_at": T(2018, 1, 1)},
                 {"ref": "NEG-1", "title": "New", "due_date": None, "batch_id": 2,
                  "committed_at": T(2018, 10, 2, 22, 59)},  # 23:59 BST on the meeting day
                 {"ref": "CSE-2", "title": "Later", "due_date": None, "batch_id": 3,
                  "committed_at": T(2018, 10, 2, 23, 0)},  # midnight BST: the next day
                 {"ref": "CSE-2", "title": "Later still", "due_date": None, "batch_id": 4,
                  "committed_at": T(2019, 1, 1)})
    defs = register.definitions_as_at(v, MEETING.date)
    assert dict(zip(defs["ref"], defs["title"], strict=True)) == {"NEG-1": "New",
                                                                   "CSE-2": "Later"}
    assert len(defs) == 2  # one version per action
    assert list(defs.index) == list(defs["ref"])
    assert register.definitions_as_at(v.iloc[0:0], MEETING.date).empty


def test_due_date_moves_as_at_a_day():
    v = versions({"ref": "NEG-1", "due_date": D1, "batch_id": 1, "committed_at": T(2018, 1, 1)},
                 {"ref": "NEG-1", "due_date": D2, "batch_id": 2, "committed_at": T(2018, 5, 1)},
                 {"ref": "NEG-1", "due_date": D3, "batch_id": 3,
                  "committed_at": T(2018, 10, 2, 23, 0)},  # after the meeting day (BST)
                 {"ref": "CSE-2", "due_date": D1, "batch_id": 3, "committed_at": T(2018, 5, 1)})
    history = updates()
    assert register.due_date_moves(v, "NEG-1", history, MEETING.date) == [
        D1.isoformat(), D2.isoformat()]
    assert register.due_date_moves(v, "NEG-1", history) == [
        D1.isoformat(), D2.isoformat(), D3.isoformat()]
    # only one date: no list of moves; not yet committed at the day: its first version alone
    assert register.due_date_moves(v, "CSE-2", history) == []
    assert register.due_date_moves(v, "NEG-1", history, D(2017, 6, 1)) == []


# --- boundaries the first mutation run found unguarded ---------------------------------------


def test_needs_attention_puts_amber_before_a_stale_green_of_an_earlier_ref():
    result = register.exceptions(_flagged(("A-1", "Green", ["Stale"]), ("B-1", "Amber", []),
                                          ("C-1", "Red", [])))
    assert list(result["ref"]) == ["C-1", "B-1", "A-1"]


def test_an_update_on_the_meeting_day_is_the_status_at_that_meeting():
    v = versions({"ref": "NEG-1", "due_date": None})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 9, 1), "rag": "Green"},
                {"action_ref": "NEG-1", "reporting_date": MEETING.date, "rag": "Red",
                 "commentary": "late"})
    assert register.register_as_at(v, u, MEETING).iloc[0]["rag"] == "Red"
    assert list(register.history(u, "NEG-1", MEETING.date)["rag"]) == ["Green", "Red"]


def test_an_update_for_an_action_not_in_the_register_is_skipped_not_the_rest():
    v = versions({"ref": "NEG-1", "due_date": None})
    u = updates({"action_ref": "AAA-0", "reporting_date": D(2018, 9, 1), "rag": "Red"},
                {"action_ref": "NEG-1", "reporting_date": D(2018, 9, 1), "rag": "Green"})
    assert list(register.register_as_at(v, u, MEETING)["ref"]) == ["NEG-1"]


def test_an_action_loaded_after_the_meeting_is_shown_as_first_loaded():
    v = versions({"ref": "NEG-1", "title": "First", "due_date": D1, "batch_id": 1,
                  "committed_at": T(2019, 1, 1)},
                 {"ref": "NEG-1", "title": "Second", "due_date": D3, "batch_id": 2,
                  "committed_at": T(2019, 2, 1)})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 9, 1), "rag": "Green"})
    row = register.register_as_at(v, u, MEETING).iloc[0]
    assert (row["title"], row["effective_due"], int(row["due_moves"])) == ("First", D1, 0)


@pytest.mark.parametrize("defs,ups,due,moves", [
    # the register arrived after its back-filled updates: its date is the baseline, and the
    # earlier update's revision still moves it
    ([(T(2018, 5, 1), D1, "t")], [(D(2018, 3, 1), D2)], D2, 1),
    # a definition committed at the very start of an update's reporting day (midnight GMT)
    # takes effect after the update
    ([(T(2018, 1, 10), D1, "t"), (T(2018, 3, 1, 0, 0), D3, "t")], [(D(2018, 3, 1), D2)], D3, 2),
])
def test_due_date_baseline_and_ties(defs, ups, due, moves):
    row = _due_case(defs, ups)
    assert (row["effective_due"], int(row["due_moves"])) == (due, moves)


def test_committed_exactly_at_midnight_uk_time_belongs_to_the_next_day():
    cutoff = T(2018, 10, 2, 23, 0)  # midnight BST at the end of the meeting day
    v = versions({"ref": "NEG-1", "title": "Old", "due_date": D1, "batch_id": 1,
                  "committed_at": T(2017, 1, 1)},
                 {"ref": "NEG-1", "title": "New", "due_date": D3, "batch_id": 2,
                  "committed_at": cutoff},
                 {"ref": "NEG-2", "title": "Added", "due_date": None, "batch_id": 2,
                  "committed_at": cutoff})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 9, 1), "rag": "Green"})
    reg = register.register_as_at(v, u, MEETING).set_index("ref")
    assert list(reg.index) == ["NEG-1"]
    assert (reg.loc["NEG-1", "title"], reg.loc["NEG-1", "effective_due"]) == ("Old", D1)
    defs = register.definitions_as_at(v, MEETING.date)
    assert len(defs) == 2 and defs.loc["NEG-1", "title"] == "Old"


def test_day_start_is_uk_midnight_whatever_the_machines_time_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert register.day_start_utc(D(2018, 6, 21)) == T(2018, 6, 20, 23, 0)
        assert register.day_start_utc(D(2018, 12, 12)) == T(2018, 12, 12, 0, 0)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("commentary,flagged", [
    ("   ", True), (None, True), (float("nan"), True), ("Delivered", False),
    (123, False),  # a number typed in the commentary column is still commentary
])
def test_blank_commentary_in_any_form(commentary, flagged):
    history = [{"reporting_date": D(2018, 6, 1), "rag": "Green"},
               {"reporting_date": D(2018, 9, 25), "rag": "Amber", "commentary": commentary}]
    v = versions({"ref": "NEG-1", "due_date": None})
    u = updates(*[{"action_ref": "NEG-1", **h} for h in history])
    u["commentary"] = u["commentary"].astype(object)
    u.loc[1, "commentary"] = commentary
    flags = register.register_as_at(v, u, MEETING).iloc[0]["flags"]
    assert ("RAG changed without commentary" in flags) is flagged


def test_missing_dates_as_nan_are_blank():
    nan = float("nan")
    v = versions({"ref": "NEG-1", "due_date": nan}, {"ref": "NEG-1", "due_date": nan,
                                                     "batch_id": 2})
    u = updates({"action_ref": "NEG-1", "reporting_date": D(2018, 9, 25), "rag": "Green",
                 "revised_due_date": nan})
    row = register.register_as_at(v, u, MEETING).iloc[0]
    assert (row["flags"], int(row["due_moves"])) == ([], 0)
    assert register.history_table(u).iloc[0]["Revised due date"] == ""
    assert register._iso(nan) == "" and register._iso(None) == ""
    assert register._iso(D(2018, 1, 2)) == "2018-01-02"


def test_an_action_for_a_council_and_its_committee_is_found_by_either():
    reg = pd.DataFrame({"ref": ["A", "B"], "areas": ["S12000047,CPC05", "S12000030"]})
    areas = directory()
    assert list(register.for_area(reg, "S12000047", areas)["ref"]) == ["A"]
    assert list(register.for_area(reg, "CPC05", areas)["ref"]) == ["A", "B"]


def test_flags_joined_in_the_table_and_no_movement_on_an_empty_register():
    v, u = _two_actions()
    reg = register.register_as_at(v, u, MEETING)
    reg.at[0, "flags"] = ["Overdue", "Stale"]
    table = register.register_table(reg, {}, directory())
    assert table.loc[0, "Flags"] == "Overdue; Stale"
    empty = register.movement(reg.iloc[0:0], None)
    assert list(empty.columns) == ["ref", "from", "to", "movement", "two_steps"]
