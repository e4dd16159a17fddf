"""Reading an upload within bounds (CONTRACT.md "Configuration", "Spreadsheets"; issue 20 §1):
a sheet whose used range, declared or real, is over 200,000 rows or 2,000,000 cells is refused
before calamine allocates it; the file is read in a worker process held to
`CPIP_PARSE_MEMORY_MB` and `CPIP_PARSE_SECONDS`, and a worker that passes either is `unreadable`
(exit 2, one sentence) while the process that asked carries on; a CSV field over the csv
module's limit is a sentence too."""

from __future__ import annotations

import json

import pytest

from cpip_dashboard.imports import reading
from cpip_dashboard.imports.reading import ReadError, read_here
from cpip_dashboard.imports.worker import read_file
from cpip_dashboard.store.db import make_engine
from tests.cli_helpers import cli, run_cli
from tests.files import far_cell_xlsx, xlsx
from tests.snapshots import snapshot


class NoCalamine:
    """Stands in for python_calamine: the test fails if the workbook reaches the parser."""

    class CalamineWorkbook:
        @staticmethod
        def from_filelike(_file):
            raise AssertionError("an oversized sheet reached calamine")


@pytest.mark.parametrize("build,how,rows,columns", [
    (dict(), "is declared to use", 1_048_576, 16_384),  # the issue's file
    (dict(dimension=None), "has cells spanning", 1_048_576, 16_384),  # no dimension
    (dict(dimension="A1"), "has cells spanning", 1_048_576, 16_384),  # a dimension that lies
    (dict(prefix="x"), "is declared to use", 1_048_576, 16_384),  # prefixed elements
    (dict(dimension=None, prefix="x"), "has cells spanning", 1_048_576, 16_384),
    (dict(dimension="A1", cells=("A1", "B200001")), "has cells spanning", 200_001, 2),
    (dict(dimension="A1", cells=("A1", "ZZ9000")), "has cells spanning", 9_000, 702),
    (dict(dimension="A1:B200001", cells=("A1", "B2")), "is declared to use", 200_001, 2),
])
def test_a_sheet_over_the_range_limits_is_refused_before_calamine(monkeypatch, build, how,
                                                                 rows, columns):
    book = far_cell_xlsx(**build)
    assert len(book) < 8_000
    monkeypatch.setattr(reading, "python_calamine", NoCalamine)
    with pytest.raises(ReadError) as refused:
        read_here("round[5].xlsx", book, 20)
    assert str(refused.value) == (
        f"round[5].xlsx is oversized: its sheet Updates {how} {rows:,} rows and {columns:,} "
        f"columns ({rows * columns:,} cells), more than the 200,000 rows or 2,000,000 cells a "
        "sheet may have, so it was not opened; delete the unused rows and columns (select them, "
        "right-click, Delete) or split the data into smaller files, save, and upload it again.")


@pytest.mark.parametrize("cells", [("A1", "B200000"), ("A1", "T100000")])
def test_a_range_at_the_limits_is_read(cells):
    """200,000 rows of two columns, or 2,000,000 cells (20 x 100,000), are within the limits."""
    sheets = read_here("edge.xlsx", far_cell_xlsx(dimension=f"A1:{cells[1]}", cells=cells), 20)
    assert len(sheets[0].rows) == int(cells[1][1:])


def test_a_cell_below_the_last_row_tag_counts():
    """A row tag that says row 2 holding a cell at B300000: the cell's own reference counts."""
    book = far_cell_xlsx(dimension="A1:B2", cells=("A1", "B2"))
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b'<c r="B2"', b'<c r="B300000"')
            target.writestr(info, data)
    with pytest.raises(ReadError, match="has cells spanning 300,000 rows and 2 columns"):
        read_here("lying.xlsx", out.getvalue(), 20)


def test_the_issue_file_through_the_command_line_exits_2_with_json(sqlite_sample_url, tmp_path):
    """On main the reader aborted the process (exit 134, no JSON): now exit 2 and the JSON."""
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell_xlsx())
    engine = make_engine(sqlite_sample_url)
    before = snapshot(engine)
    result = run_cli(sqlite_sample_url, "import", str(path), "--dry-run", "--json", "--user", "ana")
    assert result.returncode == 2, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["outcome"] == "unreadable" and report["ok"] is False
    assert report["message"].startswith("far.xlsx is oversized: its sheet Updates is declared")
    assert len(report["errors"]) == 1 and "Traceback" not in result.stderr
    assert snapshot(engine) == before
    engine.dispose()


def test_rows_as_read_are_held_to_the_limits_in_a_csv():
    data = b"Action ID,RAG\n" + b"A1,Red\n" * 200_000
    with pytest.raises(ReadError, match="its sheet big has at least 200,001 rows"):
        read_here("big.csv", data, 20)
    wide = b",".join([b"x"] * 2_000_001) + b"\n"
    with pytest.raises(ReadError, match=r"has at least 1 rows and 2,000,001 columns"):
        read_here("wide.csv", wide, 20)


def test_a_csv_field_over_the_csv_limit_is_a_sentence():
    data = b'Action ID,Commentary\nNEG-1,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(ReadError) as refused:
        read_file("long.csv", data, 20)
    assert str(refused.value) == (
        "long.csv could not be read as a CSV file: row 2 has a field longer than 131,072 "
        "characters (a cell holds at most 32,767). Check that the file is a spreadsheet saved "
        "as CSV (a quote left open runs on to the end), correct it and upload it again.")


def test_the_worker_reads_what_this_process_reads():
    """Values of every type come back from the worker as they are read here."""
    import datetime as dt

    book = xlsx({"Updates": [["Action ID", "Date", "Value", "Flag"],
                             ["NEG-1", dt.date(2024, 3, 31), 4.5, "=1+1"]]})
    assert [(s.name, s.rows, s.decimal_comma) for s in read_file("u.xlsx", book, 20)] == \
        [(s.name, s.rows, s.decimal_comma) for s in read_here("u.xlsx", book, 20)]


def test_a_worker_over_its_memory_is_stopped_with_a_sentence():
    """A 50,000-row sheet needs well over 64 MB to read; with that limit the worker fails and
    the read is refused in a sentence (this process is untouched)."""
    rows = [["Action ID", "Title", "Lead", "Commentary"]] + [
        [f"NEG-{i}", f"Title {i}", "Lead", "Some commentary " * 4] for i in range(50_000)]
    with pytest.raises(ReadError) as refused:
        read_file("heavy.xlsx", xlsx({"Actions": rows}), 20, memory_mb=64)
    assert str(refused.value) == (
        "heavy.xlsx needs more than the 64 MB of memory allowed for reading a file, so it was "
        "stopped and nothing was loaded: delete unused rows, columns and sheets (or split it "
        "into smaller files) and upload it again.")


def test_a_worker_over_its_time_is_killed_with_a_sentence():
    book = xlsx({"Updates": [["Action ID"], ["NEG-1"]]})
    with pytest.raises(ReadError) as refused:
        read_file("slow.xlsx", book, 20, seconds=0.001)
    assert str(refused.value).startswith(
        "slow.xlsx took more than 0.001 seconds to read, so it was stopped and nothing was "
        "loaded")


@pytest.mark.parametrize("name,value,message", [
    ("CPIP_PARSE_MEMORY_MB", "lots", "CPIP_PARSE_MEMORY_MB must be a whole number, not 'lots'."),
    ("CPIP_PARSE_SECONDS", "0", "CPIP_PARSE_SECONDS must be at least 1, not 0."),
])
def test_a_bad_setting_is_a_sentence_not_a_traceback(sqlite_sample_url, tmp_path, name, value,
                                                     message):
    path = tmp_path / "u.csv"
    path.write_bytes(b"Action ID,RAG\nNEG-1,Red\n")
    result = cli(sqlite_sample_url, "import", str(path), "--dry-run", "--json",
                 env={name: value})
    assert result.returncode == 2
    assert json.loads(result.stdout)["message"] == message
