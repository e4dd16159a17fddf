"""The comparison with current data (cpip_dashboard/imports/diff.py) rule by rule: which records
an upload adds, changes or leaves as they are, and the warnings only a comparison can give.
Each case is a small sheet checked by `checks` (tests/imports/sheets.py) and a current state
written by hand (itself a checked sheet where that is clearer), with the indexes and problems
worked out by hand, in full (sheet, Excel row, column as written, cell as written, sentence).
Only the last test reads a database: `load_current` and `compute` on the sample (SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest

from cpip_dashboard.imports import diff
from cpip_dashboard.imports.checks import Context, Records
from cpip_dashboard.imports.diff import Diff, SheetChanges
from cpip_dashboard.store.areas import SCOTLAND
from tests.imports.sheets import ANGUS, FIFE, D, check, context, definition, header

DT = dt.datetime
NAMES = {FIFE: "Fife", ANGUS: "Angus", SCOTLAND: "Scotland"}
# Written headers differ from the canonical ones: a problem names the column as written.
INDICATORS = ["Indicator", "Area", "Period", "Value=Figure", "Status", "Notes"]
UPDATES = header("updates")
ACTIONS = ["Action ID", "Workstream", "Action", "Lead", "Area", "Due date=Target date",
           "Indicators", "Source"]


def sheet(kind: str, rows: list[list], ctx: Context | None = None, **kwargs) -> Records:
    """The records of a sheet (header first) that the checks accept without a problem."""
    records, found = check(kind, rows, ctx, **kwargs)
    assert found == []
    return records.accepted()


def current_of(*sets: Records) -> dict[tuple, tuple]:
    """Current data as `load_current` gives it, from sheets standing for what was loaded."""
    return {key: row for r in sets for key, row in zip(r.keys, r.tuples(), strict=True)}


def compared(sheets: list[Records], current: dict[str, dict]) -> tuple[Diff, list[tuple]]:
    """Each sheet compared with its kind's current data, then the comparison's warnings."""
    currents = {r.kind: current.get(r.kind, {}) for r in sheets}
    result = Diff(sheets=[diff.compare(r, currents[r.kind]) for r in sheets])
    diff.warn_changes(result, currents, NAMES.__getitem__)
    return result, [(p.level, p.sheet, p.row, p.column, p.value, p.message)
                    for p in result.problems]


def figure(code: str, area: str, year: str, value: object, status: str = "",
           notes: str = "") -> list:
    return [code, area, year, value, status, notes]


def figures(*rows: list, sheet_name: str | None = None, first_row: int = 2) -> Records:
    return sheet("indicators", [INDICATORS, *rows], sheet=sheet_name, first_row=first_row)


# --- _same: when a current value and a new one are the same ---------------------------------


@pytest.mark.parametrize("old,new,same", [
    (1.0, 1.0, True),
    # floats within one part in a billion of the larger, and never closer than 1e-9
    (1e6, 1e6 + 2**-10, True),  # 0.00098 apart: within 0.001
    (1e6, 1e6 + 2**-9, False),  # 0.00195 apart
    (1e9, 1e9 + 1, True),
    (1e9, 1e9 + 2, False),
    (-1e6, -1e6 - 2**-10, True),  # relative to the size, whatever the sign
    (-1e6, -1e6 - 2**-9, False),
    (0.0, 1e-9, True),  # near zero: an absolute 1e-9
    (0.0, 1.1e-9, False),
    (0.5, 0.5 + 9e-10, True),
    (0.5, 0.5 + 1.1e-9, False),
    (3, 3.0, True),  # not both floats: plain equality
    ("3", 3.0, False),
    (None, None, True),
    (None, 0.0, False),
    # a current date a driver hands back as a datetime is the same as the new date
    (DT(2024, 7, 31), D(2024, 7, 31), True),
    (DT(2024, 7, 31, 12, 30), D(2024, 7, 31), True),
    (DT(2024, 7, 31), D(2024, 8, 1), False),
    (D(2024, 7, 31), D(2024, 7, 31), True),
    (DT(2024, 7, 31, 9), DT(2024, 7, 31, 9), True),
    (DT(2024, 7, 31, 9), DT(2024, 7, 31, 10), False),
    ("Green", "Green", True),
    ("Green", "green", False),
])
def test_same(old, new, same):
    assert diff._same(old, new) is same


@pytest.mark.parametrize("value,text", [
    (None, "blank"), ("", "blank"), (2129.0, "2,129"), (1234.5, "1,234.50"),
    (1234.567, "1,234.57"), (0.0, "0"), (5, "5"), (D(2026, 6, 30), "2026-06-30"),
    ("Green", "Green"),
])
def test_fmt(value, text):
    assert diff._fmt(value) == text


# --- compare: added, changed, unchanged -----------------------------------------------------


def test_a_first_ever_upload_adds_everything():
    new = figures(figure("CP_REGISTER", "Fife", "2023", 1.0),
                  figure("CP_REGISTER", "Fife", "2024", 2.0))
    changes = diff.compare(new, {})
    assert (changes.added, changes.changed, changes.unchanged, changes.old) == ([0, 1], [], 0,
                                                                               {})
    assert changes.written() is changes.added
    assert changes.kind == "indicators"


def test_added_changed_unchanged():
    current = current_of(figures(
        figure("CP_REGISTER", "Fife", "2020", 10.0),
        figure("CP_REGISTER", "Fife", "2021", 20.0),
        figure("CP_REGISTER", "Fife", "2022", 30.0, notes="Old note"),
        figure("CP_REGISTER", "Fife", "2023", "*"),
        figure("CP_REGISTER", "Fife", "2024", 50.0)))
    new = figures(
        figure("CP_REGISTER", "Fife", "2020", 10.0),  # the same
        figure("CP_REGISTER", "Fife", "2021", 21.0),  # changed value
        figure("CP_REGISTER", "Angus", "2021", 20.0),  # a new key
        figure("CP_REGISTER", "Fife", "2024", 50.0 + 1e-12),  # the same within tolerance
        figure("CP_REGISTER", "Fife", "2023", 40.0, "provisional"),  # symbol to value
        figure("CP_REGISTER", "Fife", "2022", 30.0))  # the note dropped
    changes = diff.compare(new, current)
    assert (changes.added, changes.changed, changes.unchanged) == ([2], [1, 4, 5], 2)
    assert changes.old == {
        1: {"indicator_code": "CP_REGISTER", "area_code": FIFE, "period": D(2021, 7, 31),
            "value": 20.0, "symbol": None, "status": None, "notes": None},
        4: {"indicator_code": "CP_REGISTER", "area_code": FIFE, "period": D(2023, 7, 31),
            "value": None, "symbol": "*", "status": None, "notes": None},
        5: {"indicator_code": "CP_REGISTER", "area_code": FIFE, "period": D(2022, 7, 31),
            "value": 30.0, "symbol": None, "status": None, "notes": "Old note"}}
    assert changes.written() == [1, 2, 4, 5]
    assert [changes.fields_changed(i) for i in changes.changed] == [
        ["value"], ["value", "symbol", "status"], ["notes"]]


def test_all_new_keys_beside_current_data_are_all_added():
    current = current_of(figures(figure("CP_REGISTER", "Fife", "2020", 10.0)))
    new = figures(figure("CP_REGISTER", "Angus", "2020", 1.0),
                  figure("CP_REGISTER", "Angus", "2021", 2.0))
    changes = diff.compare(new, current)
    assert (changes.added, changes.changed, changes.unchanged) == ([0, 1], [], 0)
    assert changes.written() == [0, 1]


def test_counts_by_sheet_and_kind():
    current = current_of(figures(figure("CP_REGISTER", "Fife", "2020", 10.0),
                                 figure("CP_REGISTER", "Fife", "2021", 20.0)))
    a = figures(figure("CP_REGISTER", "Fife", "2020", 10.0),
                figure("CP_REGISTER", "Fife", "2021", 25.0),
                figure("CP_REGISTER", "Fife", "2022", 30.0))
    b = figures(figure("CP_REGISTER", "Angus", "2022", 1.0),
                figure("CP_REGISTER", "Angus", "2023", 2.0), sheet_name="More")
    result = Diff(sheets=[diff.compare(a, current), diff.compare(b, current)])
    assert (result.count("added"), result.count("changed")) == (3, 1)
    assert result.counts("Indicators", "indicators") == {"added": 1, "changed": 1,
                                                         "unchanged": 1}
    assert result.counts("More", "indicators") == {"added": 2, "changed": 0, "unchanged": 0}
    assert result.counts("More", "updates") is None  # the sheet's name, another kind
    assert result.counts("Other", "indicators") is None


# --- indicators: a revised figure -----------------------------------------------------------


@pytest.mark.parametrize("old,new,status,cell,sentence", [
    (10.0, 12.0, "", "12", "the current figure 10 is replaced by 12"),
    (2129.0, 2130.0, "", "2130", "the current figure 2,129 is replaced by 2,130"),
    (1234.5, 1234.25, "", "1234.25", "the current figure 1,234.50 is replaced by 1,234.25"),
    ("*", 5.0, "", "5", "the current figure * is replaced by 5"),
    (5.0, "c", "", "c", "the current figure 5 is replaced by c"),
    ("*", "..", "", "..", "the current figure * is replaced by .."),
    # a change too small to show at two decimals is still a revised figure
    (10.0, 10.004, "", "10.004", "the current figure 10 is replaced by 10.00"),
    # only the status changed: no warning
    (5.0, 5.0, "revised", None, None),
    ("*", "*", "provisional", None, None),
])
def test_a_revised_figure(old, new, status, cell, sentence):
    current = current_of(figures(figure("CP_REGISTER", "Fife", "2024", old)))
    result, found = compared([figures(figure("CP_REGISTER", "Fife", "2024", new, status),
                                      first_row=5)], {"indicators": current})
    assert result.sheets[0].changed == [0]
    assert found == ([] if sentence is None else [
        ("warning", "Indicators", 5, "Figure", cell,
         f"CP_REGISTER for Fife in 2024-07-31: {sentence}")])


# --- indicators: far from the previous period -----------------------------------------------


def far(value: str, previous: str, before: str, area: str = "Fife") -> str:
    return (f"CP_REGISTER for {area}: {value} is more than 50% away from the previous "
            f"period's {previous} ({before}); check it")


@pytest.mark.parametrize("previous,new,cell,shown", [
    (100.0, 150.0, None, None),  # exactly 50% up
    (100.0, 151.0, "151", "151"),  # just over
    (100.0, 150.5, "150.5", "150.50"),
    (100.0, 50.0, None, None),  # exactly 50% down
    (100.0, 49.0, "49", "49"),
    (100.0, 49.5, "49.5", "49.50"),
    (0.0, 5.0, None, None),  # nothing to compare with
    ("*", 5.0, None, None),  # a symbol has no value
    (100.0, "*", None, None),
])
def test_far_from_the_previous_period(previous, new, cell, shown):
    current = current_of(figures(figure("CP_REGISTER", "Fife", "2022", previous)))
    _, found = compared([figures(figure("CP_REGISTER", "Fife", "2023", new))],
                        {"indicators": current})
    assert found == ([] if cell is None else [
        ("warning", "Indicators", 2, "Figure", cell, far(shown, "100", "2022-07-31"))])


def test_far_within_the_upload_and_series_apart():
    """New values are compared with each other too; a series is one indicator in one area,
    sorted by period whatever the order of the rows."""
    new = figures(figure("CP_REGISTER", "Fife", "2024", 300.0),
                  figure("CP_REGISTER", "Angus", "2022", 1000.0),  # another area
                  figure("CP_RATE", "Fife", "2023", 5000.0),  # another indicator
                  figure("CP_REGISTER", "Fife", "2023", 100.0),
                  figure("CP_REGISTER", "Fife", "2022", 1.0))
    _, found = compared([new], {"indicators": {}})
    assert found == [
        ("warning", "Indicators", 5, "Figure", "100", far("100", "1", "2022-07-31")),
        ("warning", "Indicators", 2, "Figure", "300", far("300", "100", "2023-07-31"))]


def test_far_against_current_data():
    """A changed value is compared with the period before it, not with its own old value; a
    current value after a new one is compared but is not this upload's to warn about; rows
    that change nothing are still points of their series."""
    current = current_of(figures(
        figure("CP_REGISTER", "Fife", "2020", 100.0),
        figure("CP_REGISTER", "Fife", "2021", 300.0),
        figure("CP_REGISTER", "Fife", "2024", 1000.0),
        figure("CP_REGISTER", "Angus", "2020", 100.0)))
    new = figures(figure("CP_REGISTER", "Fife", "2021", 160.0),  # was 300: 60% from 2020
                  figure("CP_REGISTER", "Fife", "2022", 170.0),
                  figure("CP_REGISTER", "Angus", "2020", 100.0),  # unchanged
                  figure("CP_REGISTER", "Angus", "2021", 200.0))
    _, found = compared([new], {"indicators": current})
    assert found == [
        ("warning", "Indicators", 2, "Figure", "160",
         "CP_REGISTER for Fife in 2021-07-31: the current figure 300 is replaced by 160"),
        ("warning", "Indicators", 2, "Figure", "160", far("160", "100", "2020-07-31")),
        ("warning", "Indicators", 5, "Figure", "200",
         far("200", "100", "2020-07-31", area="Angus"))]


def test_far_across_two_sheets():
    first = figures(figure("CP_REGISTER", "Fife", "2022", 100.0))
    second = figures(figure("CP_REGISTER", "Fife", "2023", 10.0), sheet_name="Later",
                     first_row=8)
    _, found = compared([first, second], {"indicators": {}})
    assert found == [("warning", "Later", 8, "Figure", "10", far("10", "100", "2022-07-31"))]


def test_nothing_written_nothing_compared():
    current = current_of(figures(figure("CP_REGISTER", "Fife", "2022", 100.0)))
    new = figures(figure("CP_REGISTER", "Fife", "2022", 100.0))
    result, found = compared([new], {"indicators": current})
    assert (result.sheets[0].unchanged, found) == (1, [])


# --- updates: RAG moves, commentary, revised due dates --------------------------------------


def update(day: str, status: str, commentary: str = "", revised: str = "",
           ref: str = "NEG-1") -> list:
    return [ref, day, status, "", commentary, "", revised]


def updates(*rows: list, first_row: int = 2) -> Records:
    return sheet("updates", [UPDATES, *rows], first_row=first_row)


def moved(old: str, new: str, since: str) -> tuple:
    return ("RAG", new, f"NEG-1 moved from {old} to {new} since {since}")


def silent(old: str, new: str) -> tuple:
    return ("Commentary", None, (f"NEG-1: RAG changed from {old} to {new} without "
                                 "commentary (flagged on the register)"))


HISTORY = [update("2026-01-31", "Green", "On track", "2026-06-30"),
           update("2025-12-31", "Amber", "Late", "2026-03-31")]


@pytest.mark.parametrize("new,problems", [
    (update("2026-02-28", "Green", "", "2026-06-30"), []),
    (update("2026-02-28", "Amber", "Slipping"), []),  # one step
    (update("2026-02-28", "Red", "Stalled"), [moved("Green", "Red", "2026-01-31")]),
    (update("2026-02-28", "Complete", "Done"), []),  # one step up
    (update("2026-02-28", "Complete"), [silent("Green", "Complete")]),
    (update("2026-02-28", "Not started"), [silent("Green", "Not started")]),  # off the scale
    (update("2026-02-28", "Not started", "Paused"), []),
    (update("2026-02-28", "Red", "Stalled", "2026-09-30"),
     [moved("Green", "Red", "2026-01-31"),
      ("Revised due date", "2026-09-30", "NEG-1: due date moved from 2026-06-30 to 2026-09-30")]),
    (update("2026-02-28", "Green", "", "2026-03-31"),
     [("Revised due date", "2026-03-31", "NEG-1: due date moved from 2026-06-30 to 2026-03-31")]),
    # a changed update is compared with the one before it, not with its own old version
    (update("2026-01-31", "Complete", "", "2026-06-30"), [
        moved("Amber", "Complete", "2025-12-31"), silent("Amber", "Complete"),
        ("Revised due date", "2026-06-30", "NEG-1: due date moved from 2026-03-31 to 2026-06-30")]),
    # the first update of an action has nothing before it
    (update("2025-11-30", "Red", "Stalled", "2026-01-01"), "before"),
])
def test_rag_moves(new, problems):
    current = current_of(updates(*HISTORY))
    _, found = compared([updates(new, first_row=4)], {"updates": current})
    if problems == "before":  # only the date's own warning
        assert [p[3] for p in found] == ["Reporting date"]
        return
    assert found == [("warning", "Updates", 4, *p) for p in problems]


def test_rag_moves_within_one_file_and_a_blank_revised_date():
    rows = updates(update("2026-01-31", "Green", ref="NEG-2"),
                   update("2026-02-28", "Red", "Stalled", ref="NEG-2"),
                   update("2026-03-31", "Red", "Stalled", "2026-12-31", ref="NEG-2"),
                   update("2026-04-30", "Red", "Stalled", ref="NEG-2"))
    _, found = compared([rows], {"updates": {}})
    assert found == [("warning", "Updates", 3, "RAG", "Red",
                      "NEG-2 moved from Green to Red since 2026-01-31")]


def test_unchanged_updates_are_not_judged_again():
    current = current_of(updates(update("2026-01-31", "Green"),
                                 update("2026-02-28", "Red", "Stalled")))
    _, found = compared([updates(update("2026-02-28", "Red", "Stalled"))], {"updates": current})
    assert found == []


# --- updates: reporting dates ---------------------------------------------------------------


def lone(day: str, nearest: str, ref: str = "NEG-1") -> str:
    return (f"{ref}: reporting date {day} is more than 90 days from every other reporting date "
            f"in this file (the nearest is {nearest}); check it (dates are read day first, as "
            "31/07/2024)")


@pytest.mark.parametrize("days,alone", [
    (["2025-03-01", "2025-03-15", "2024-10-03"], {"2024-10-03": "2025-03-01"}),
    (["2025-01-01", "2025-04-01"], {}),  # exactly 90 days apart
    (["2025-01-01", "2025-04-02"], {"2025-01-01": "2025-04-02", "2025-04-02": "2025-01-01"}),
    (["2025-06-01"], {}),  # one date: nothing to compare with
    # the nearest on either side
    (["2025-01-01", "2025-04-15", "2025-05-01"], {"2025-01-01": "2025-04-15"}),
    (["2025-01-01", "2025-01-20", "2025-06-01"], {"2025-06-01": "2025-01-20"}),
    (["2025-01-01", "2025-05-01", "2025-09-01"],
     {"2025-01-01": "2025-05-01", "2025-05-01": "2025-01-01", "2025-09-01": "2025-05-01"}),
])
def test_a_reporting_date_alone(days, alone):
    rows = updates(*[update(day, "Green", ref=f"NEG-{1 + n % 2}") for n, day in enumerate(days)])
    _, found = compared([rows], {"updates": {}})
    refs = {day: f"NEG-{1 + n % 2}" for n, day in enumerate(days)}
    expected = sorted((2 + days.index(day), day, lone(day, nearest, refs[day]))
                      for day, nearest in alone.items())
    assert found == [("warning", "Updates", row, "Reporting date", day, sentence)
                     for row, day, sentence in expected]


def test_a_date_two_rows_share_is_not_alone():
    rows = updates(update("2024-01-01", "Green", ref="NEG-1"),
                   update("2024-01-01", "Green", ref="NEG-2"),
                   update("2025-01-01", "Green", ref="NEG-1"))
    _, found = compared([rows], {"updates": {}})
    assert found == [("warning", "Updates", 4, "Reporting date", "2025-01-01",
                      lone("2025-01-01", "2024-01-01"))]


def test_rows_that_change_nothing_count_as_dates_but_are_not_warned_about():
    current = current_of(updates(update("2024-10-03", "Green")))
    rows = updates(update("2024-10-03", "Green"), update("2025-03-01", "Green"))
    _, found = compared([rows], {"updates": current})
    assert found == [("warning", "Updates", 3, "Reporting date", "2025-03-01",
                      lone("2025-03-01", "2024-10-03"))]


def test_an_update_dated_before_the_latest():
    current = current_of(updates(update("2026-01-31", "Green", ref="NEG-1"),
                                 update("2025-12-15", "Green", ref="NEG-1"),
                                 update("2025-12-20", "Green", ref="NEG-2")))
    rows = updates(update("2026-01-10", "Green", ref="NEG-1"),  # added, before 2026-01-31
                   update("2025-12-15", "Green", "Checked", ref="NEG-1"),  # changed
                   update("2026-02-01", "Green", ref="NEG-1"),  # added, after
                   update("2025-12-20", "Green", "New", ref="NEG-2"))  # changed, its latest
    _, found = compared([rows], {"updates": current})
    assert found == [("warning", "Updates", 2, "Reporting date", "2026-01-10",
                      ("NEG-1: reporting date 2026-01-10 is before its latest update "
                       "(2026-01-31), so this update joins its history but does not change "
                       "its current status; check the date"))]


# --- actions: a moved due date --------------------------------------------------------------


def action(due: str, title: str = "Train staff") -> list:
    return ["NEG-1", "NEG", title, "SG", "", due, "", ""]


@pytest.mark.parametrize("due,title,problem", [
    ("30/09/2026", "Train staff", ("2026-09-30", "from 2026-06-30 to 2026-09-30")),
    ("", "Train staff", ("blank", "from 2026-06-30 to blank")),
    ("2026-06-30", "Train all staff", None),  # changed, but not its due date
])
def test_a_moved_due_date(due, title, problem):
    current = current_of(sheet("actions", [ACTIONS, action("2026-06-30")]))
    result, found = compared([sheet("actions", [ACTIONS, action(due, title)], first_row=3)],
                             {"actions": current})
    assert result.sheets[0].changed == [0]
    assert found == ([] if problem is None else [
        ("warning", "Actions", 3, "Target date", problem[0],
         f"NEG-1: due date moved {problem[1]}")])


def test_a_new_due_date_where_there_was_none():
    current = current_of(sheet("actions", [ACTIONS, action("")]))
    _, found = compared([sheet("actions", [ACTIONS, action("2026-06-30")])],
                        {"actions": current})
    assert found == [("warning", "Actions", 2, "Target date", "2026-06-30",
                      "NEG-1: due date moved from blank to 2026-06-30")]


# --- load_current and compute on the sample database ----------------------------------------


def test_compute_on_the_sample(shared_sample):
    """The sample holds the official Scotland register (2,077 children in 2023, 2,129 in
    2024), action CH-1 due 2019-06-30 with updates to 2024-09-10 (Complete since 2023-09-12),
    and the built-in definitions (no definition uploaded)."""
    ctx = context()
    ctx.workstreams["ch"] = "CH"
    ctx.action_refs.add("CH-1")
    record_sets = [
        sheet("definitions", [header("definitions"), definition("CP_REGISTER"),
                              definition("NEW_ONE")], ctx),
        sheet("actions", [ACTIONS, ["CH-1", "CH", "Hearings", "SCRA", "", "2019-12-31", "", ""]],
              ctx),
        sheet("updates", [UPDATES, update("2024-06-01", "Red", "Stalled", ref="CH-1")], ctx),
        figures(figure("CP_REGISTER", "Scotland", "2023", 2077.0,
                       notes="Official figure (revised, CSWS CP 2023-24)"),
                figure("CP_REGISTER", "Scotland", "2024", 2130.0,
                       notes="Official figure (first published, CSWS CP 2023-24)"),
                figure("CP_REGISTER", "Scotland", "2025", 4000.0)),
    ]
    with shared_sample.connect() as conn:
        current = diff.load_current(conn, "updates", [record_sets[2]])
        values = diff.load_current(conn, "indicators", [record_sets[3]])
        result = diff.compute(conn, record_sets, NAMES.__getitem__)
    # only the touched action's updates, keyed by (action, date), in the records' field order
    assert {ref for ref, _ in current} == {"CH-1"}
    assert current[("CH-1", D(2024, 9, 10))] == ("CH-1", D(2024, 9, 10), "Complete", 100.0,
                                                 "Delivered.", None, None)
    # only the touched indicators' values (every area and period of them)
    assert {code for code, _, _ in values} == {"CP_REGISTER"}
    assert values[("CP_REGISTER", SCOTLAND, D(2024, 7, 31))][3:5] == (2129.0, None)
    assert [(s.kind, s.added, s.changed, s.unchanged) for s in result.sheets] == [
        ("definitions", [1], [0], 0),  # built-in CP_REGISTER counts as current
        ("actions", [], [0], 0),
        ("updates", [0], [], 0),
        ("indicators", [2], [1], 1)]
    assert isinstance(result.sheets[0], SheetChanges)
    assert "name" in result.sheets[0].fields_changed(0)
    assert [(p.level, p.sheet, p.row, p.column, p.value, p.message)
            for p in result.problems] == [
        ("warning", "Indicators", 3, "Figure", "2130",
         ("CP_REGISTER for Scotland in 2024-07-31: the current figure 2,129 is replaced by "
          "2,130")),
        ("warning", "Indicators", 4, "Figure", "4000",
         ("CP_REGISTER for Scotland: 4,000 is more than 50% away from the previous period's "
          "2,130 (2024-07-31); check it")),
        ("warning", "Updates", 2, "RAG", "Red",
         "CH-1 moved from Complete to Red since 2024-03-12"),
        ("warning", "Updates", 2, "Reporting date", "2024-06-01",
         ("CH-1: reporting date 2024-06-01 is before its latest update (2024-09-10), so this "
          "update joins its history but does not change its current status; check the date")),
        ("warning", "Actions", 2, "Target date", "2019-12-31",
         "CH-1: due date moved from 2019-06-30 to 2019-12-31")]
