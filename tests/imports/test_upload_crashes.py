"""What users see when an upload goes wrong (issue 20 §1 and §3; CONTRACT.md "import --json",
"Spreadsheets", "Downloads and every file the dashboard writes"): problems listed up to 1,000
then one counting the rest; the marked copy built in linear time for any file name and any
cell; a NUL byte a located error; Action IDs held to their pattern and drawn as text; every
text cell of every written workbook formula-guarded with Excel's quote prefix, so that it reads
back unchanged."""

from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

from cpip_dashboard.batches import pipeline
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.imports.checks import ACTION_ID
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.imports.reading import RawSheet, read_here
from cpip_dashboard.render import downloads, marking, templates
from cpip_dashboard.render.marking import marked_workbook, sheet_titles, visible
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.ui import widgets
from tests.apptest import texts
from tests.cli_helpers import cli
from tests.files import csv as csv_bytes
from tests.files import xlsx
from tests.snapshots import snapshot


def _import_json(url, tmp_path, name, data, *args):
    path = tmp_path / name
    path.write_bytes(data)
    result = cli(url, "import", str(path), "--json", "--user", "ana", *args)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def test_errors_are_listed_up_to_1000_then_one_counts_the_rest(sqlite_sample_url, tmp_path):
    rows = [["Action ID", "Reporting date", "RAG"]] + [
        ["NEG-1", "31/01/2024", f"Amberish{i}"] for i in range(1_500)]
    code, report = _import_json(sqlite_sample_url, tmp_path, "updates.csv", csv_bytes(rows),
                                "--dry-run")
    assert code == 1 and report["outcome"] == "rejected"
    assert report["message"].startswith("1,500 problems: nothing was loaded.")
    assert len(report["errors"]) == 1_001
    assert all(e["row"] is not None for e in report["errors"][:1_000])
    assert report["errors"][-1] == {
        "sheet": None, "row": None, "column": None, "value": None,
        "message": "500 more errors not listed: correct the 1,000 listed and upload the file "
                   "again to see the rest"}


def test_marking_finds_each_header_once_not_once_per_problem(monkeypatch):
    """Linear marking: the header cells are read into an index once per sheet; on main every
    problem rescanned the rows above it (50,000 bad rows took minutes)."""
    calls = 0
    real = marking.as_text

    def counted(value):
        nonlocal calls
        calls += 1
        return real(value)

    monkeypatch.setattr(marking, "as_text", counted)
    rows = [["Action ID", "Reporting date", "RAG"]] + [
        [f"NEG-{i}", "2024-01-31", "Amberish"] for i in range(3_000)]
    problems = [Problem.error("Updates", i + 2, "RAG", "Amberish", "RAG must be one of …")
                for i in range(3_000)]
    book = openpyxl.load_workbook(io.BytesIO(marked_workbook([RawSheet("Updates", rows)],
                                                             problems)))
    assert calls <= 30 * 3  # the first 30 rows' cells, once
    marked = book["Updates"]
    assert marked["C2"].fill.fgColor.rgb == "FFFFC7CE" and marked["A2"].fill.fgColor.rgb != \
        "FFFFC7CE"
    assert marked["C3001"].comment.text == "Error: RAG must be one of …"


@pytest.mark.parametrize("names,titles", [
    (["round[5]"], ["round_5_"]),
    (["a:b*c?d/e\\f"], ["a_b_c_d_e_f"]),
    (["x" * 40, "x" * 35], ["x" * 31, "x" * 29 + "_2"]),
    (["Problems", "problems"], ["Problems_2", "problems_3"]),
    (["'quoted'", "History", ""], ["quoted", "History_", "Sheet"]),
])
def test_sheet_titles_are_names_excel_takes(names, titles):
    assert sheet_titles(names) == titles


def test_the_marked_copy_of_round_5_csv_with_a_control_character(sqlite_sample_url, make_app):
    """On main: openpyxl refused the title `round[5]` and the character \\x01 (an exception on
    the page). Now the copy downloads, with the character shown and the cell marked."""
    rows = [["Action ID", "Reporting date", "RAG", "Commentary"],
            ["NEG-1", "31/01/2024", "Amberish", "bell\x07 and \x01"]]
    at = make_app(sqlite_sample_url, page="pages/upload.py")
    at.get("file_uploader")[0].upload("round[5].csv", csv_bytes(rows), "text/csv").run()
    assert not at.exception
    copy = at.get("download_button")
    labels = [b.proto.label for b in copy]
    assert "Download the file with problem cells marked" in labels
    marked = read_here("copy.xlsx", marked_workbook(
        [RawSheet("round[5]", rows)],
        [Problem.error("round[5]", 2, "RAG", "Amberish", "RAG must be one of …")]), 20)
    assert [s.name for s in marked] == ["Problems", "round_5_"]
    assert marked[1].rows[1][3] == "bell\u2407 and \u2401"
    assert visible("\x00\x1f\x7f") == "\u2400\u241f\u2421"


def test_a_nul_byte_is_a_located_error(sample_url, sample_engine, tmp_path):
    """PostgreSQL refuses a NUL in text at commit (on main: a traceback, no JSON)."""
    rows = [["Action ID", "Reporting date", "RAG", "Commentary"],
            ["NEG-1", "31/01/2024", "Red", "fine"],
            ["NEG-2", "31/01/2024", "Red", "bad\x00byte"]]
    before = snapshot(sample_engine)
    code, report = _import_json(sample_url, tmp_path, "nul.xlsx", xlsx({"Updates": rows}))
    assert code == 1 and report["outcome"] == "rejected"
    nul = [e for e in report["errors"] if "NUL" in e["message"]]
    assert len(nul) == 1 and nul[0]["row"] == 3 and nul[0]["column"] == "Commentary"
    assert nul[0]["value"] == "bad\u2400byte"
    assert snapshot(sample_engine) == before


@pytest.mark.parametrize("ref,ok", [
    ("NEG-3", True), ("a.b-c", True), ("A" + "1" * 19, True), ("A" + "1" * 20, False),
    ("3NEG", False), ("![x](http://example.org/a.png)", False), ("NEG 3", False),
    ("NÉG-3", False), ("-", False),
])
def test_action_ids_follow_the_pattern(ref, ok):
    assert bool(ACTION_ID.fullmatch(ref)) is ok


def test_an_action_id_that_is_an_image_link_is_refused(sqlite_sample_url, tmp_path):
    rows = [["Action ID", "Workstream", "Action", "Lead"],
            ["![x](http://example.org/a.png)", "NEG", "Title", "Lead"]]
    code, report = _import_json(sqlite_sample_url, tmp_path, "actions.csv", csv_bytes(rows),
                                "--dry-run")
    assert code == 1
    assert [e["message"] for e in report["errors"]] == [
        "Action ID must be a letter, then up to 19 letters, digits, - or . (for example NEG-3)"]


def test_an_action_id_already_stored_is_drawn_as_text(sqlite_sample_url, make_app):
    """An ID stored before the pattern (or by other means) never renders as markdown."""
    bad = "![x](http://example.org/a.png)"
    engine = make_engine(sqlite_sample_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE action SET ref = :bad WHERE ref = 'NEG-1'"), {"bad": bad})
        conn.execute(text("UPDATE action_update SET action_ref = :bad "
                          "WHERE action_ref = 'NEG-1'"), {"bad": bad})
    engine.dispose()
    at = make_app(sqlite_sample_url, page="pages/actions.py")
    at.selectbox(key="actions-history").set_value(bad).run()
    assert not at.exception
    markdown = [e.value for e in at.subheader] + [e.value for e in at.markdown]
    assert not any(bad in value for value in markdown)
    assert [e.value for e in at.subheader] == [widgets.safe(bad)]
    assert "![x](http" in texts(at)  # shown as typed (a link is never made of it)


@pytest.mark.parametrize("value,guarded", [
    ("=1+2", "'=1+2"), ("+44 131", "'+44 131"), ("- Delayed", "'- Delayed"), ("@x", "'@x"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "-"), ("a=b", "a=b"), ("", ""), (3, 3),
])
def test_the_csv_guard(value, guarded):
    assert downloads.guard(value) == guarded


def _quote_prefixed(data: bytes) -> dict[str, list[tuple[str, str]]]:
    """Per sheet, the (cell, text) of every text cell with Excel's quote-prefix format."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [(c.coordinate, c.value) for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.quotePrefix] for ws in book}


def test_the_prefilled_template_guards_action_and_lead_and_reads_back_the_same():
    """On main: Action and Lead unguarded, and a literal ' came back on re-upload."""
    prefill = [{"Action ID": "NEG-1", "Action": "- Delayed", "Lead": "=HYPERLINK(\"x\")",
                "Last RAG": "Red", "Last reporting date": None}]
    data = templates.template_bytes("updates", ["CP_REGISTER"], prefill)
    prefixed = _quote_prefixed(data)["Updates"]
    assert prefixed == [("B2", "- Delayed"), ("C2", '=HYPERLINK("x")')]
    sheet = next(s for s in read_here("template.xlsx", data, 20) if s.name == "Updates")
    assert sheet.rows[1][:3] == ["NEG-1", "- Delayed", '=HYPERLINK("x")']


def test_downloads_and_the_marked_copy_use_the_quote_prefix():
    frame = pd.DataFrame({"=Name": ["- Delayed", "plain", "-"], "Count": [1, 2, 3]})
    prefixed = _quote_prefixed(downloads.to_excel(frame))["Data"]
    assert prefixed == [("A1", "=Name"), ("A2", "- Delayed")]
    copy = marked_workbook([RawSheet("=cmd", [["Action ID"], ["+1"]])],
                           [Problem.error("=cmd", 2, "Action ID", "+1", "=bad")])
    found = _quote_prefixed(copy)
    assert found["Problems"] == [("B2", "=cmd"), ("E2", "+1"), ("F2", "=bad")]
    assert found["=cmd"] == [("A2", "+1")]
    assert read_here("copy.xlsx", copy, 20)[1].rows == [["Action ID"], ["+1"]]


def test_the_command_line_prints_json_whatever_fails(sqlite_sample_url, tmp_path, monkeypatch):
    """An error nobody foresaw in the pipeline: exit 2, one JSON object, no traceback."""

    def broken(*_args, **_kwargs):
        raise IndexError("list index out of range")

    monkeypatch.setattr(pipeline, "check_sheets", broken)
    code, report = _import_json(sqlite_sample_url, tmp_path, "u.csv",
                                b"Action ID,RAG\nNEG-1,Red\n", "--dry-run")
    assert code == 2 and report["outcome"] == "unreadable"
    assert report["message"] == (
        "u.csv could not be checked (IndexError); nothing was loaded. Save the file again from "
        "Excel and retry; if it happens again, report it with the file.")


def test_batches_escapes_terminal_control_characters(sqlite_sample_url):
    """A file name with escape codes (clear the screen, retitle the terminal) is listed with
    them shown, not sent to the terminal."""

    engine = make_engine(sqlite_sample_url)
    name = "round\x1b[2J\x1b]0;owned\x07\x9b5.csv"
    report = run_import(engine, name, b"Date,Title\n2025-03-18,Next meeting\n", user="ana",
                        approval="single")
    engine.dispose()
    assert report.outcome == "committed"
    listing = cli(sqlite_sample_url, "batches").stdout
    assert not any(ch in listing for ch in "\x1b\x07\x9b")
    assert "round\\x1b[2J\\x1b]0;owned\\x07\\x9b5.csv" in listing
