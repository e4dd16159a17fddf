"""The Upload page: a bad file shows its problems (and a marked copy); a good file shows the
preview, commits on confirmation, and the change shows on the Action register; rolling it back
restores the old state."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
from sqlalchemy import select

from cpip_dashboard.store.current import current_kind
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import IndicatorValue
from tests.apptest import assert_frame_ran, batch_history, button, shown, tables, texts
from tests.files import csv, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                         ["NEG-1", "2024-09-16", "Red", "Escalated: partner withdrew"]]})
BAD = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                        ["NEG-1", "2024-09-16", "Amberish", "x"],
                        ["NEG-99", "31/02/2024", "Red", None]]})


def upload(at, name: str, data: bytes, mime: str = XLSX):
    at.get("file_uploader")[0].upload(name, data, mime).run()
    return at


def test_rejected_file_lists_errors_and_warnings_by_level(make_app, sample_url):
    book = xlsx({"Indicators": [["Indicator", "Area", "Period", "Value"],
                                ["CP_REGISTER", "Fife", "2023-24", 9999],
                                ["CP_REGISTER", "Angus", "2023-24", -4]]})
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "figures.xlsx", book)
    assert "1 problem: nothing was loaded" in texts(at)
    assert "Errors stop the file loading; warnings alone would not." in texts(at)
    problems = at.dataframe[0].value
    levels = list(zip(problems["Level"], problems["Row"], problems["Column"], strict=True))
    assert levels[0] == ("Error", "3", "Value")
    assert ("Warning", "2", "Value") in levels[1:]


def test_preview_shows_changes_in_the_sheets_words(make_app, sample_url):
    """Column names as in the template, areas by name, numbers as written (112, not 112.0)."""



    engine = make_engine(sample_url)
    with engine.connect() as conn:
        fife = conn.execute(select(IndicatorValue.value).where(
            IndicatorValue.indicator_code == "CP_REGISTER",
            IndicatorValue.area_code == "S12000047",
            IndicatorValue.period == dt.date(2024, 7, 31))).scalar_one()
    engine.dispose()
    book = xlsx({"Indicators": [["Indicator", "Area", "Period", "Value"],
                                ["CP_REGISTER", "Fife", "2023-24", fife + 1],
                                ["CP_REGISTER", "Angus", "2026-27", 40]]})
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "figures.xlsx", book)
    body = texts(at)
    assert "1 row changed (old and new values side by side):" in body
    changed = at.dataframe[1].value
    assert {"Sheet": "Indicators", "Row": 2, "Key": "CP_REGISTER / Fife / 2024-07-31",
            "Column": "Value", "Old": f"{fife:.0f}", "New": f"{fife + 1:.0f}"} in changed.to_dict(
        "records")
    added = at.dataframe[2].value
    assert added.iloc[0][["Indicator", "Area", "Period", "Value"]].tolist() == [
        "CP_REGISTER", "Angus", "2027-07-31", "40"]


def register_rag(at, ref: str) -> str:
    table = next(frame for frame in tables(at) if "Ref" in frame.columns)
    return table.set_index("Ref").loc[ref, "RAG"]


def test_bad_file_shows_every_problem_and_changes_nothing(make_app, sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    assert_frame_ran(at)
    upload(at, "round-5.xlsx", BAD)
    assert "4 problems: nothing was loaded" in texts(at)
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["Level", "Sheet", "Row", "Action ID", "Column", "Value",
                                      "Problem"]
    assert set(problems["Level"]) == {"Error"}
    located = set(zip(problems["Row"], problems["Column"], strict=True))
    assert {("2", "RAG"), ("3", "Action ID"), ("3", "Reporting date"),
            ("3", "Commentary")} <= located
    # the Action ID beside the row number (read from the file: its rows were never stored)
    assert dict(zip(problems["Row"], problems["Action ID"], strict=False)) == {
        "2": "NEG-1", "3": "NEG-99"}
    labels = [b.label for b in at.get("download_button")]
    assert "Download the file with problem cells marked" in labels
    assert not [b for b in at.button if b.label == "Load this file as a new batch"]


def test_good_file_preview_confirm_and_see_it_then_roll_back(make_app, sample_url):
    at = make_app(sample_url, page="pages/actions.py")
    before = register_rag(at, "NEG-1")
    at.switch_page("pages/upload.py").run()
    upload(at, "round-5.xlsx", GOOD)
    body = texts(at)
    assert ("Checks passed: 1 added, 0 changed, 0 unchanged. Nothing is written until you "
            "confirm below.") in body
    preview = at.dataframe[0].value
    assert preview.iloc[0]["Added"] == 1
    assert "1 row added:" in body
    assert "File: round-5.xlsx" in body  # the whole name, as text
    assert ("Where these updates will show on the Briefing and the Action register: 1 as at "
            "the meeting of 17 September 2024.") in body
    added = next(d.value for d in at.dataframe if "RAG" in d.value.columns)
    assert added.iloc[0][["Action ID", "RAG"]].tolist() == ["NEG-1", "Red"]
    confirm = button(at, "Load this file as a new batch")
    confirm.click().run()
    assert "Loaded as batch 2: 1 added, 0 changed, 0 unchanged." in texts(at)

    at.switch_page("pages/actions.py").run()
    assert register_rag(at, "NEG-1") == "■ Red"
    # the action's history says which upload supplied each update
    at.selectbox(key="actions-history").set_value("NEG-1").run()
    history = next(d.value for d in at.dataframe if "Upload" in d.value.columns)
    assert history["Upload"].iloc[-1].startswith("Batch 2: round-5.xlsx (")
    assert history["Upload"].iloc[0].startswith("Batch 1: ")

    at.switch_page("pages/upload.py").run()
    # the choice starts on the newest batch that can be rolled back (once: the sample, batch 1)
    assert at.selectbox(key="upload-rollback-batch").value == 2
    button(at, "Roll back…").click().run()
    question = texts(at)
    assert "Roll back batch 2? It holds round-5.xlsx (updates), loaded by " in question
    assert re.search(r"loaded by .+ on \d{1,2} \w+ \d{4} \d\d:\d\d UTC; rows: 1 added, 0 "
                     r"changed, 0 unchanged\.", question)
    button(at, "Yes, roll it back").click().run()
    assert "Batch 2 (round-5.xlsx) is rolled back" in texts(at)
    assert batch_history(at).set_index("Batch").loc[2, "State"] == "Rolled back"
    assert at.selectbox(key="upload-rollback-batch").value == 1  # the newest left current

    at.switch_page("pages/actions.py").run()
    assert register_rag(at, "NEG-1") == before


def test_changed_rows_show_old_and_new(make_app, sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    data = csv([["Date", "Title"], ["2018-10-02", "Renamed meeting"]])
    upload(at, "meetings.csv", data, "text/csv")
    changed = at.dataframe[1].value
    row = changed.iloc[0]
    assert row["Column"] == "Title" and row["New"] == "Renamed meeting"
    assert row["Old"] == "National Child Protection Leadership Group"


def test_unreadable_file_gets_one_sentence(make_app, sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
           "application/vnd.ms-excel")
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1 and "Excel 97-2003" in errors[0]
    assert not at.exception


def test_same_file_again_names_its_batch(make_app, sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "round-5.xlsx", GOOD)
    button(at, "Load this file as a new batch").click().run()
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "round-5-copy.xlsx", GOOD)
    assert "already loaded as batch 2" in texts(at)


def test_template_downloads_for_every_kind(make_app, sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    assert at.selectbox(key="upload-template-kind").options == [
        "Actions", "Updates", "Indicators", "Review", "Meetings", "Populations", "Definitions"]
    # it starts on Updates, the most common upload
    assert at.selectbox(key="upload-template-kind").value == "updates"
    assert any(b.label.startswith("Download the Updates template")
               for b in at.get("download_button"))
    # the pre-filled one serves every current action (built once per data version, plain bytes)
    book = openpyxl.load_workbook(io.BytesIO(make_app.download(
        at, "Download the Updates template pre-filled with the current actions")))
    refs = [row[0] for row in book["Updates"].iter_rows(min_row=2, values_only=True)]
    with make_engine(sample_url).connect() as conn:
        current = [row.ref for row in conn.execute(current_kind("actions"))]
    assert len(refs) == 47 and sorted(refs) == sorted(current)
    at.selectbox(key="upload-template-kind").set_value("actions").run()
    assert any(b.label.startswith("Download the Actions template")
               for b in at.get("download_button"))


def test_rolling_back_the_sample_empties_the_dashboard(make_app, sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    button(at, "Roll back…").click().run()
    button(at, "Yes, roll it back").click().run()
    assert "Batch 1 (sample-data (illustrative).xlsx) is rolled back" in texts(at)
    assert "Every batch is rolled back." in texts(at)
    at.switch_page("pages/briefing.py").run()
    assert "illustrative sample data" not in texts(at)
    assert "No Leadership Group meetings are loaded" in texts(at)


def test_cancel_leaves_the_batch_alone(make_app, sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    button(at, "Roll back…").click().run()
    button(at, "Cancel").click().run()
    assert batch_history(at).set_index("Batch").loc[1, "State"] == "Current"
    assert not [b for b in at.button if b.label == "Yes, roll it back"]


def test_marked_copy_of_a_rejected_workbook_marks_each_problem_cell(make_app, sample_url):
    """The marked copy: the file's own cells as values, each problem cell filled and carrying
    its message as a comment, and a Problems sheet listing every problem first."""


    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "round-5.xlsx", BAD)
    book = openpyxl.load_workbook(io.BytesIO(
        make_app.download(at, "Download the file with problem cells marked")))
    assert book.sheetnames == ["Problems", "Updates"]
    sheet = book["Updates"]
    assert [c.value for c in sheet[1]] == ["Action ID", "Reporting date", "RAG", "Commentary"]
    assert [c.value for c in sheet[2]] == ["NEG-1", "2024-09-16", "Amberish", "x"]
    marked = {c.coordinate: c.comment.text for row in sheet.iter_rows() for c in row
              if c.comment is not None}
    assert set(marked) == {"C2", "A3", "B3", "D3"}  # RAG; action, date, commentary of row 3
    assert "RAG must be one of Red, Amber, Green, Complete, Not started" in marked["C2"]
    assert marked["A3"].startswith("Error: ") and "NEG-99" in marked["A3"] + sheet["A3"].value
    for coordinate in marked:
        assert sheet[coordinate].fill.fgColor.rgb.endswith("FFC7CE"), coordinate  # error fill
    assert sheet["A2"].comment is None and sheet["A2"].fill.fgColor.rgb in (None, "00000000")
    problems = [[c.value for c in row] for row in book["Problems"].iter_rows()]
    assert problems[0] == ["Level", "Sheet", "Row", "Column", "Value", "Message"]
    assert sorted((p[2], p[3]) for p in problems[1:]) == [
        (2, "RAG"), (3, "Action ID"), (3, "Commentary"), (3, "Reporting date")]
    # uploading the marked copy again reads its Updates sheet; its Problems sheet is skipped
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "round-5-marked.xlsx", _saved(book))
    assert "4 problems: nothing was loaded" in texts(at)
    assert "Problems" not in " ".join(str(v) for v in at.dataframe[0].value["Sheet"])


def _saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_preview_shows_each_actions_previous_rag_and_the_movement(make_app, sample_url):
    """Amber -> Red is visible before anyone confirms (REC-8 is Amber at the latest meeting)."""

    book = xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                             ["REC-8", dt.date(2024, 10, 1), "Red", "Slipped again."]]})
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "updates.xlsx", book)
    assert "the RAG before this file beside the new one (1 worsened)." in texts(at)
    moves = next(d.value for d in at.dataframe if "Previous RAG" in d.value.columns)
    row = moves.iloc[0]
    assert (row["Action ID"], row["Previous RAG"], row["New RAG"], row["Movement"]) == (
        "REC-8", "▲ Amber", "■ Red", "Worsened")


def test_the_preview_says_an_update_after_the_latest_meeting_shows_under_now(make_app,
                                                                             sample_url):
    at = make_app(sample_url, page="pages/upload.py")
    upload(at, "late.xlsx", xlsx({"Updates": [
        ["Action ID", "Reporting date", "RAG", "Commentary"],
        ["NEG-1", "2024-10-20", "Red", "After the meeting"],
        ["NEG-2", "2024-09-01", "Amber", "Before it"]]}))
    assert ("Where these updates will show on the Briefing and the Action register: "
            "1 under Now (dated after the latest meeting, 17 September 2024); 1 as at the "
            "meeting of 17 September 2024.") in texts(at)
