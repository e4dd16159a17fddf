"""A round of updates: the pre-filled Updates template, the dashboard's own sheets skipped
silently, the plausibility warnings on reporting dates, and each row's previous RAG and
movement for the preview."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.imports.preview import RAG_MOVEMENT_COLUMNS, rag_movements
from cpip_dashboard.render.templates import current_actions, template_bytes
from cpip_dashboard.store.queries import action_updates
from tests.files import xlsx

D = dt.date
LAST = D(2024, 9, 10)  # the sample's latest reporting date for every action still reported
HEADERS = ["Action ID", "Reporting date", "RAG", "Progress %", "Commentary", "Next steps",
           "Revised due date"]


def prefilled(engine) -> openpyxl.Workbook:
    with engine.connect() as conn:
        data = template_bytes("updates", [], current_actions(conn))
    return openpyxl.load_workbook(io.BytesIO(data))


def saved(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rows_by_ref(sheet) -> dict[str, int]:
    return {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}


# --- the pre-filled template ------------------------------------------------------------------


def test_the_prefilled_template_lists_each_current_action_with_its_context(sample_engine):
    book = prefilled(sample_engine)
    assert book.sheetnames == ["Updates", "Lists", "Notes"]
    sheet = book["Updates"]
    header = [c.value for c in sheet[1]]
    assert header == ["Action ID", "Action", "Lead", "Last RAG", "Last reporting date",
                      *HEADERS[1:]]
    refs = rows_by_ref(sheet)
    assert len(refs) == 47 and list(refs) == sorted(refs)
    with sample_engine.connect() as conn:
        updates = action_updates(conn)
    latest = updates.sort_values("reporting_date").groupby("action_ref").tail(1).set_index(
        "action_ref")
    for ref in ("REC-8", "DATA-3", "NEG-1", "TRAF-3"):
        row = refs[ref]
        assert sheet.cell(row, 4).value == latest.loc[ref, "rag"]
        assert sheet.cell(row, 5).value.date() == latest.loc[ref, "reporting_date"]
        assert sheet.cell(row, 2).value and sheet.cell(row, 3).value  # title and lead
        assert all(sheet.cell(row, c).value is None for c in range(6, 13))  # to be typed
    assert sheet.cell(refs["REC-8"], 4).value == "Amber"
    # the context columns are shaded as reference, the columns to type are not
    assert sheet.cell(2, 2).fill.fgColor.rgb.endswith("F2F2F2")
    assert sheet.cell(2, 7).fill.fgColor.rgb in (None, "00000000")
    notes = {row[0].value: row for row in book["Notes"].iter_rows()}
    assert "never loaded" in notes["Last RAG"][3].value.lower()


def test_prefilling_another_kind_is_refused():
    with pytest.raises(ValueError, match="only the Updates template"):
        template_bytes("meetings", [], [])


def test_a_filled_in_round_loads_only_the_rows_given_news(sample_engine):
    book = prefilled(sample_engine)
    sheet = book["Updates"]
    refs = rows_by_ref(sheet)
    for row in refs.values():  # the officer fills the reporting date down the column
        sheet.cell(row, 6, "17/03/2025")
    sheet.cell(refs["REC-8"], 7, "Red")
    sheet.cell(refs["REC-8"], 9, "Recovery plan missed; escalated.")
    sheet.cell(refs["NET-7"], 7, "g")
    report = run_import(sample_engine, "round.xlsx", saved(book), user="officer")
    assert report.outcome == "committed", report.as_json()
    assert report.totals() == {"added": 2, "changed": 0, "unchanged": 0}
    # no word about the context columns or the rows left without news
    assert report.errors == []
    assert report.warnings == []
    with sample_engine.connect() as conn:
        updates = action_updates(conn)
    new = updates[updates["reporting_date"] == D(2025, 3, 17)]
    assert sorted(zip(new["action_ref"], new["rag"], strict=True)) == [
        ("NET-7", "Green"), ("REC-8", "Red")]


def test_a_row_with_news_but_no_rag_is_still_an_error(sample_engine):
    book = prefilled(sample_engine)
    sheet = book["Updates"]
    row = rows_by_ref(sheet)["NET-7"]
    sheet.cell(row, 6, "17/03/2025")
    sheet.cell(row, 9, "Workshop held.")  # commentary typed, RAG forgotten
    report = run_import(sample_engine, "round.xlsx", saved(book), user="officer")
    assert report.outcome == "rejected"
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [
        ("Updates", row, "RAG", "RAG is required")]


# --- the dashboard's own sheets ----------------------------------------------------------------

PROBLEMS_SHEET = [["Level", "Sheet", "Row", "Column", "Value", "Message"],
                  ["error", "Updates", 2, "RAG", "Amberish", "RAG must be one of ..."]]
LISTS_SHEET = [["rag", "workstream"], ["Red", "SYS"], ["Amber", "NEG"]]
NOTES_SHEET = [["Updates: one row per action per reporting date."], [],
               ["Column", "Required", "Also accepted as", "Rule", "Example"],
               ["Action ID", "yes", "Ref", "An action in the register", "NEG-3"]]


@pytest.mark.parametrize("name,rows", [("Problems", PROBLEMS_SHEET), ("Lists", LISTS_SHEET),
                                       ("Notes", NOTES_SHEET), ("problems", PROBLEMS_SHEET)])
@pytest.mark.parametrize("forced", [None, "updates"])
def test_the_dashboards_own_sheets_are_skipped_silently(sample_engine, name, rows, forced):
    book = xlsx({name: rows, "Updates": [HEADERS[:3], ["NET-7", D(2025, 3, 17), "Green"]]})
    report = run_import(sample_engine, "marked.xlsx", book, user="t", kind=forced,
                        dry_run=True)
    assert report.outcome == "would_commit", report.as_json()
    assert report.warnings == [] and report.errors == []
    assert [s["sheet"] for s in report.sheets] == ["Updates"]


def test_a_sheet_named_notes_that_holds_the_chosen_kind_is_read(sample_engine):
    book = xlsx({"Notes": [HEADERS[:3], ["NET-7", D(2025, 3, 17), "Green"]]})
    report = run_import(sample_engine, "notes.xlsx", book, user="t", kind="updates",
                        dry_run=True)
    assert report.outcome == "would_commit", report.as_json()


# --- plausibility warnings ---------------------------------------------------------------------


@pytest.mark.parametrize("rows,expected", [
    # 3/10/2024 among rows dated March 2025: read (rightly) as 3 October 2024, and warned
    ([["NET-7", "17/03/2025", "Green"], ["NET-1", "18/03/2025", "Green"],
      ["LEAD-2", "3/10/2024", "Green"]],
     [(4, ("LEAD-2: reporting date 2024-10-03 is more than 90 days from every other "
           "reporting date in this file (the nearest is 2025-03-17)"))]),
    # within 90 days of another: nothing
    ([["NET-7", "17/03/2025", "Green"], ["LEAD-2", "20/12/2024", "Green"]], []),
    # exactly 90 days: nothing; 91 days: both rows stand alone
    ([["NET-7", "2025-03-20", "Green"], ["LEAD-2", "2024-12-20", "Green"]], []),
    ([["NET-7", "2025-03-21", "Green"], ["LEAD-2", "2024-12-20", "Green"]],
     [(2, "NET-7: reporting date 2025-03-21 is more than 90 days"),
      (3, "LEAD-2: reporting date 2024-12-20 is more than 90 days")]),
    # one row alone in its file: nothing to compare with
    ([["NET-7", "2025-03-17", "Green"]], []),
    # two rows on the same day far from the rest keep each other company
    ([["NET-7", "2025-03-17", "Green"], ["NET-1", "2025-03-17", "Green"],
      ["LEAD-2", "2025-09-17", "Green"], ["NET-8", "2025-09-17", "Green"]], []),
    # before the action's latest current update (2024-09-10)
    ([["NET-7", "2024-08-01", "Green"], ["NET-1", "2024-08-02", "Green"]],
     [(2, "NET-7: reporting date 2024-08-01 is before its latest update (2024-09-10)"),
      (3, "NET-1: reporting date 2024-08-02 is before its latest update (2024-09-10)")]),
    # the same date as the latest update is not before it
    ([["NET-7", "2024-09-10", "Amber"]], []),
])
def test_reporting_date_plausibility_warnings(sample_engine, rows, expected):
    for row in rows:
        if row[2] == "Amber":
            row.append("Slipping.")
    data = xlsx({"Updates": [[*HEADERS[:3], "Commentary"], *rows]})
    report = run_import(sample_engine, "round.xlsx", data, user="t", dry_run=True)
    assert report.outcome == "would_commit", report.as_json()
    dated = [w for w in report.warnings if w.column == "Reporting date"]
    assert len(dated) == len(expected), [w.message for w in dated]
    for warning, (row, start) in zip(dated, expected, strict=True):
        assert (warning.sheet, warning.row, warning.column) == ("Updates", row,
                                                                "Reporting date")
        assert warning.message.startswith(start), warning.message
        assert warning.value  # the cell as written


def test_a_correction_of_an_earlier_update_is_not_warned_as_before_the_latest(sample_engine):
    with sample_engine.connect() as conn:
        updates = action_updates(conn)
    earlier = updates[(updates["action_ref"] == "NET-7")].sort_values("reporting_date").iloc[-2]
    data = xlsx({"Updates": [[*HEADERS[:3], "Commentary"],
                             ["NET-7", earlier["reporting_date"], "Red", "Corrected."]]})
    report = run_import(sample_engine, "fix.xlsx", data, user="t", dry_run=True)
    assert report.totals()["changed"] == 1
    assert not [w for w in report.warnings if "before its latest update" in w.message]


# --- the preview's previous RAG and movement ---------------------------------------------------


@pytest.mark.parametrize("rows,expected", [
    # REC-8 is Amber at 2024-09-10: Amber -> Red is visible before confirming
    ([["REC-8", "2025-03-17", "Red", "Escalated."]],
     [("REC-8", "2025-03-17", "▲ Amber", "2024-09-10", "■ Red", "Worsened")]),
    ([["REC-8", "2025-03-17", "Amber", "Still slipping."]],
     [("REC-8", "2025-03-17", "▲ Amber", "2024-09-10", "▲ Amber", "Unchanged")]),
    ([["DATA-3", "2025-03-17", "Green"]],
     [("DATA-3", "2025-03-17", "■ Red", "2024-09-10", "● Green",
       "Improved (two steps or more)")]),
    ([["NET-7", "2025-03-17", "Complete"]],
     [("NET-7", "2025-03-17", "● Green", "2024-09-10", "✔ Complete", "Completed")]),
    # two rows for one action in the file: the second follows the first
    ([["REC-8", "2025-03-17", "Red", "Escalated."], ["REC-8", "2025-06-17", "Green"]],
     [("REC-8", "2025-03-17", "▲ Amber", "2024-09-10", "■ Red", "Worsened"),
      ("REC-8", "2025-06-17", "■ Red", "2025-03-17", "● Green",
       "Improved (two steps or more)")]),
    # a changed update of the same date: its own current RAG is the previous one
    ([["REC-8", "2024-09-10", "Red", "Worse than reported."]],
     [("REC-8", "2024-09-10", "▲ Amber", "2024-09-10", "■ Red", "Worsened")]),
])
def test_each_rows_previous_rag_and_movement(sample_engine, rows, expected):
    data = xlsx({"Updates": [[*HEADERS[:3], "Commentary"], *rows]})
    report = run_import(sample_engine, "round.xlsx", data, user="t", dry_run=True)
    assert report.outcome == "would_commit", report.as_json()
    with sample_engine.connect() as conn:
        table = rag_movements(report, action_updates(conn))
    assert list(table.columns) == RAG_MOVEMENT_COLUMNS
    assert list(table["Row"]) == list(range(2, 2 + len(rows)))
    got = [tuple(r) for r in table[["Action ID", "Reporting date", "Previous RAG",
                                    "Previous reporting date", "New RAG",
                                    "Movement"]].itertuples(index=False)]
    assert got == expected


def test_a_new_actions_first_update_has_no_previous_rag(sample_engine):
    data = xlsx({"Actions": [["Action ID", "Workstream", "Action", "Lead"],
                             ["NEG-9", "NEG", "A new action", "Scottish Government"]],
                 "Updates": [HEADERS[:3], ["NEG-9", "2025-03-17", "Not started"]]})
    report = run_import(sample_engine, "new.xlsx", data, user="t", dry_run=True)
    assert report.outcome == "would_commit", report.as_json()
    with sample_engine.connect() as conn:
        table = rag_movements(report, action_updates(conn))
    assert table.iloc[0][["Previous RAG", "Previous reporting date", "New RAG",
                          "Movement"]].tolist() == ["", "", "○ Not started", "New"]
