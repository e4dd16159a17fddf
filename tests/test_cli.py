"""`python -m cpip_dashboard`: commands, exit codes and the `--json` report (CONTRACT.md).

The commands run in-process (`tests.cli_helpers.cli`); the real entry point runs in a subprocess
once per exit code: 0 (`test_user_defaults_to_the_operating_system_user`), 1 (the rejected file
of `test_import_json_for_every_outcome`) and 2 (`test_import_of_a_missing_file_...`)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import python_calamine
from sqlalchemy import select

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.render.downloads import guard, to_csv, to_excel
from cpip_dashboard.render.templates import template_bytes
from cpip_dashboard.store.models import IndicatorValue
from tests.cli_helpers import cli, run_cli
from tests.files import csv, xlsx
from tests.snapshots import snapshot

JSON_KEYS = {"ok", "outcome", "file", "sha256", "dry_run", "batch_id", "message", "sheets",
             "errors", "warnings"}


def test_import_json_for_every_outcome(sample_url, tmp_path, sample_engine):
    good = tmp_path / "round-5.csv"
    good.write_bytes(csv([["Action ID", "Reporting date", "RAG", "Commentary"],
                          ["NEG-1", "2024-10-01", "Amber", "Slipping"]]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv([["Action ID", "Reporting date", "RAG"],
                         ["NEG-1", "2024-10-01", "Amberish"]]))
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    before = snapshot(sample_engine)

    dry = cli(sample_url, "import", str(good), "--dry-run", "--json")
    report = json.loads(dry.stdout)
    assert dry.returncode == 0 and set(report) == JSON_KEYS
    assert report["outcome"] == "would_commit" and report["dry_run"] is True
    assert report["sheets"] == [{"sheet": "round-5", "kind": "updates", "rows": 1,
                                 "changes": {"added": 1, "changed": 0, "unchanged": 0}}]

    rejected = run_cli(sample_url, "import", str(bad), "--json")  # the real entry point: exit 1
    report = json.loads(rejected.stdout)
    assert rejected.returncode == 1 and report["outcome"] == "rejected"
    assert report["errors"] == [{"sheet": "bad", "row": 2, "column": "RAG", "value": "Amberish",
                                 "message": "RAG must be one of Red, Amber, Green, Complete, "
                                            "Not started"}]

    unreadable = cli(sample_url, "import", str(old), "--json")
    report = json.loads(unreadable.stdout)
    assert unreadable.returncode == 2 and report["outcome"] == "unreadable"
    assert report["errors"][0]["sheet"] is None and report["errors"][0]["row"] is None

    bad_args = cli(sample_url, "import", str(good), "--kind", "sausages", "--json")
    assert bad_args.returncode == 2 and json.loads(bad_args.stdout)["outcome"] == "unreadable"
    assert snapshot(sample_engine) == before  # nothing written by any of those

    committed = cli(sample_url, "import", str(good), "--json", "--user", "ana")
    report = json.loads(committed.stdout)
    assert committed.returncode == 0 and report["outcome"] == "committed"
    assert report["batch_id"] == 2

    again = cli(sample_url, "import", str(good), "--json")
    report = json.loads(again.stdout)
    assert again.returncode == 0 and report["outcome"] == "no_change"
    assert "already loaded as batch 2" in report["message"]


def test_batches_rollback_and_template(sample_url, tmp_path):
    listing = json.loads(cli(sample_url, "batches", "--json").stdout)
    assert listing[0] | {"committed_at": None, "sha256": None, "user": None} == {
        "batch_id": 1, "file": "sample-data (illustrative).xlsx", "sha256": None,
        "kinds": ["actions", "indicators", "meetings", "populations", "review", "updates"],
        "user": None, "committed_at": None, "state": "committed", "approved_by": None,
        "approved_at": None, "rolled_back_by": None, "rolled_back_at": None, "illustrative": True,
        "changes": {"added": 7969, "changed": 0, "unchanged": 0}}
    assert listing[0]["committed_at"].endswith("Z")

    refused = cli(sample_url, "rollback", "99")
    assert refused.returncode == 1 and "does not exist" in refused.stdout
    done = cli(sample_url, "rollback", "1", "--user", "ana")
    assert done.returncode == 0
    listing = json.loads(cli(sample_url, "batches", "--json").stdout)
    assert listing[0]["state"] == "rolled_back" and listing[0]["rolled_back_by"] == "ana"
    again = cli(sample_url, "rollback", "1")
    assert again.returncode == 1 and "already rolled back" in again.stdout

    out = tmp_path / "updates.xlsx"
    made = cli(sample_url, "template", "updates", str(out))
    assert made.returncode == 0
    assert_updates_template(out)


UPDATES_HEADERS = ["Action ID", "Reporting date", "RAG", "Progress %", "Commentary",
                   "Next steps", "Revised due date"]  # CONTRACT.md, updates


def assert_updates_template(path) -> None:
    """The blank updates template: the contract's headers and no rows, and a notes sheet
    explaining each column (required or not, and its rule)."""

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.sheet_names[0] == "Updates" and "Notes" in book.sheet_names
    assert book.get_sheet_by_name("Updates").to_python() == [UPDATES_HEADERS]
    notes = {row[0]: row for row in book.get_sheet_by_name("Notes").to_python()}
    for header in UPDATES_HEADERS:
        assert header in notes, f"the notes do not explain {header}"
        assert notes[header][3], f"no rule for {header}"
    assert [notes[h][1] for h in ("Action ID", "Reporting date", "RAG", "Next steps")] == [
        "yes", "yes", "yes", "no"]


def test_template_round_trips_and_has_notes_and_lists(sample_url, tmp_path):
    out = tmp_path / "review.xlsx"
    assert cli(sample_url, "template", "review", str(out)).returncode == 0
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["Review", "Lists", "Notes"]
    notes = book.get_sheet_by_name("Notes").to_python()
    assert ["Rating", "yes"] == notes[5][:2]
    lists = book.get_sheet_by_name("Lists").to_python()
    assert "Unsatisfactory" in [row[3] for row in lists]
    # an empty template loads as "nothing to change"
    empty = cli(sample_url, "import", str(out), "--json")
    assert json.loads(empty.stdout)["outcome"] == "no_change"


@pytest.mark.parametrize("kind", ["actions", "updates", "indicators", "review", "meetings",
                                  "populations", "definitions"])
def test_every_kind_has_a_template(sample_engine, kind):
    data = template_bytes(kind, ["CP_REGISTER"])
    report = run_import(sample_engine, f"{kind}.xlsx", data, user="t", dry_run=True)
    assert report.outcome == "no_change"
    assert report.sheets[0]["kind"] == kind


def test_init_db_on_a_configured_database_adds_no_sample(db_url):
    result = cli(db_url, "init-db")
    assert result.returncode == 0
    assert json.loads(cli(db_url, "batches", "--json").stdout) == []
    result = cli(db_url, "init-db", "--sample")
    assert "Loaded as batch 1" in result.stdout
    second = cli(db_url, "init-db", "--sample")
    assert "already holds batches" in second.stdout


def test_guard_marks_every_formula_start():
    assert [guard(v) for v in ["=1+1", "+44", "-x", "@SUM", "\tA", "\rB", "-", "plain", 5]] == [
        "'=1+1", "'+44", "'-x", "'@SUM", "'\tA", "'\rB", "-", "plain", 5]


def test_downloads_keep_symbols_and_guard_formulas():
    frame = pd.DataFrame({"Area": ["=HYPERLINK(\"http://x\")", "Fife"], "2024": ["[c]", "-"]})
    text = to_csv(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "[c]" in text and ",-" in text
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(to_excel(frame))) \
        .get_sheet_by_name("Data").to_python()
    # in Excel the text is kept and the cell gets the quote-prefix format (test_upload_crashes)
    assert rows[1][0].startswith("=HYPERLINK") and rows[1][1] == "[c]" and rows[2][1] == "-"


@pytest.mark.one_database("the workbook's format is read before the database is used")
def test_xlsm_values_only(sample_engine, tmp_path):
    data = xlsx({"Meetings": [["Date", "Title"], ["2025-01-20", "From a macro workbook"]]})
    report = run_import(sample_engine, "book.xlsm", data, user="t", dry_run=True)
    assert report.outcome == "would_commit"


@pytest.mark.one_database("a missing file is refused before the database is used")
def test_import_of_a_missing_file_is_exit_2_with_one_json_object(sample_url, tmp_path):
    missing = tmp_path / "round-9.xlsx"
    result = run_cli(sample_url, "import", str(missing), "--json")  # the real entry point: exit 2
    assert result.returncode == 2
    report = json.loads(result.stdout)  # one JSON object and nothing else on standard output
    assert set(report) == JSON_KEYS
    assert (report["ok"], report["outcome"], report["file"], report["batch_id"]) == (
        False, "unreadable", "round-9.xlsx", None)
    assert "cannot be read" in report["message"]
    assert [(e["sheet"], e["row"], e["column"], e["value"]) for e in report["errors"]] == [
        (None, None, None, None)]  # a file-level problem
    assert report["errors"][0]["message"] == report["message"]


PUBLISHED = xlsx({"Table 3": [["Local authority", "2023-24"], ["Fife", 321], ["Angus", 45]]})


def test_import_indicator_names_a_published_tables_indicator(sample_url, sample_engine,
                                                             tmp_path):
    table = tmp_path / "table.xlsx"
    table.write_bytes(PUBLISHED)
    without = cli(sample_url, "import", str(table), "--json")
    assert without.returncode == 1 and "--indicator CODE" in without.stdout
    unknown = cli(sample_url, "import", str(table), "--indicator", "CP_NOPE", "--json")
    assert unknown.returncode == 2
    assert json.loads(unknown.stdout)["outcome"] == "unreadable"
    done = cli(sample_url, "import", str(table), "--indicator", "cp_deregistrations", "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["outcome"] == "committed", report
    with sample_engine.connect() as conn:
        rows = conn.execute(select(IndicatorValue.indicator_code, IndicatorValue.area_code,
                                   IndicatorValue.value)
                            .where(IndicatorValue.batch_id == report["batch_id"])).all()
    assert sorted(rows) == [("CP_DEREGISTRATIONS", "S12000041", 45.0),
                            ("CP_DEREGISTRATIONS", "S12000047", 321.0)]


@pytest.mark.one_database(
    "who is recorded comes from the environment; both databases store and list batch users "
    "in test_import_json_for_every_outcome and test_batches_lists_newest_first")
def test_user_defaults_to_the_operating_system_user(sample_url, tmp_path):
    meetings = tmp_path / "meetings.csv"
    meetings.write_bytes(csv([["Date", "Title"], ["2025-01-20", "Extra"]]))
    env = dict(USER="os-login", LOGNAME="os-login", LNAME="os-login", USERNAME="os-login")
    done = run_cli(sample_url, "import", str(meetings), env=env)  # the real entry point: exit 0
    assert done.returncode == 0, done.stdout + done.stderr
    listing = json.loads(cli(sample_url, "batches", "--json").stdout)
    assert listing[0]["user"] == "os-login"
    refused = cli(sample_url, "rollback", "1", env=env)
    assert refused.returncode == 0, refused.stdout
    listing = json.loads(cli(sample_url, "batches", "--json").stdout)
    assert listing[-1]["rolled_back_by"] == "os-login"


@pytest.mark.one_database("a malformed date is refused before the database is used")
@pytest.mark.parametrize("meeting", ["17/09/2024", "2024-13-01", "latest"])
def test_pack_with_a_malformed_meeting_is_a_bad_argument(sample_url, tmp_path, meeting):
    out = tmp_path / "pack.pdf"
    result = cli(sample_url, "pack", "--meeting", meeting, str(out))
    assert result.returncode == 2
    assert f"{meeting!r} is not a date (YYYY-MM-DD)" in result.stderr
    assert not out.exists()


def test_batches_lists_newest_first(sample_url, tmp_path):
    for n, title in enumerate(("Second", "Third"), start=2):
        path = tmp_path / f"round-{n}.csv"
        path.write_bytes(csv([["Date", "Title"], [f"2025-0{n}-01", title]]))
        assert cli(sample_url, "import", str(path), "--user", f"user{n}").returncode == 0
    listing = json.loads(cli(sample_url, "batches", "--json").stdout)
    assert [(b["batch_id"], b["file"], b["user"]) for b in listing] == [
        (3, "round-3.csv", "user3"), (2, "round-2.csv", "user2"),
        (1, "sample-data (illustrative).xlsx", listing[2]["user"])]
    assert [b["committed_at"] for b in listing] == sorted(
        (b["committed_at"] for b in listing), reverse=True)
    assert listing[0]["changes"] == {"added": 1, "changed": 0, "unchanged": 0}
    plain = cli(sample_url, "batches").stdout
    assert plain.index("round-3.csv") < plain.index("round-2.csv") < plain.index("sample-data")


def test_current_updates_template_lists_every_current_action(sample_url, tmp_path):
    out = tmp_path / "round.xlsx"
    made = cli(sample_url, "template", "updates", str(out), "--current")
    assert made.returncode == 0, made.stderr
    rows = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(
        "Updates").to_python()
    header = rows[0]
    for column in ("Action ID", "Action", "Lead", "Last RAG", "Last reporting date"):
        assert column in header
    refs = [row[header.index("Action ID")] for row in rows[1:]]
    assert len(refs) == 47 and "NEG-1" in refs
    # returned as it is (no RAG added), the template loads as nothing to change
    again = cli(sample_url, "import", str(out), "--json")
    assert json.loads(again.stdout)["outcome"] == "no_change"
