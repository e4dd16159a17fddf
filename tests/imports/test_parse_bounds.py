"""Reading an upload within bounds (CONTRACT.md "Configuration", "Spreadsheets"; issue 20 §1):
a sheet whose used range, declared or real, is over 200,000 rows or 2,000,000 cells is refused
before calamine allocates it; the file is read in a worker process held to
`CPIP_PARSE_MEMORY_MB` and `CPIP_PARSE_SECONDS`, and a worker that passes either is `unreadable`
(exit 2, one sentence) while the process that asked carries on; a CSV field over the csv
module's limit is a sentence too."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from cpip_dashboard.imports import reading, worker
from cpip_dashboard.imports.reading import ReadError, read_here
from cpip_dashboard.imports.worker import read_file
from cpip_dashboard.store.db import make_engine
from tests.cli_helpers import cli, run_cli
from tests.conftest import ROOT
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

    book = xlsx({"Updates": [["Action ID", "Date", "Value", "Flag"],
                             ["NEG-1", dt.date(2024, 3, 31), 4.5, "=1+1"]]})
    assert [(s.name, s.rows, s.decimal_comma) for s in read_file("u.xlsx", book, 20)] == \
        [(s.name, s.rows, s.decimal_comma) for s in read_here("u.xlsx", book, 20)]


@pytest.fixture(params=["reader server", "fresh interpreter"])
def worker_kind(request, monkeypatch) -> str:
    """Each worker test twice: the worker a fork of the reader server (the default), or a
    fresh interpreter (when the server cannot be had)."""
    monkeypatch.setattr(worker, "USE_SERVER", request.param == "reader server")
    return request.param


def test_a_worker_over_its_memory_is_stopped_with_a_sentence(worker_kind):
    """A 50,000-row sheet needs well over 64 MB to read; with that limit the worker fails and
    the read is refused in a sentence (this process, and the reader server, untouched). Each
    row's commentary is 256 characters: a fresh interpreter reads the sheet only from a limit
    of about 104 MB. With 64-character ones it read it from about 72 MB, too near the limit:
    once the range scan had become leaner, a CI run read it within 64 MB."""
    rows = [["Action ID", "Title", "Lead", "Commentary"]] + [
        [f"NEG-{i}", f"Title {i}", "Lead", "Some commentary " * 16] for i in range(50_000)]
    with pytest.raises(ReadError) as refused:
        read_file("heavy.xlsx", xlsx({"Actions": rows}), 20, memory_mb=64)
    assert str(refused.value) == (
        "heavy.xlsx needs more than the 64 MB of memory allowed for reading a file, so it was "
        "stopped and nothing was loaded: delete unused rows, columns and sheets (or split it "
        "into smaller files) and upload it again.")
    assert read_file("light.xlsx", xlsx({"Updates": [["Action ID"], ["NEG-1"]]}), 20)


def test_a_worker_over_its_time_is_killed_with_a_sentence(worker_kind):
    book = xlsx({"Updates": [["Action ID"], ["NEG-1"]]})
    with pytest.raises(ReadError) as refused:
        read_file("slow.xlsx", book, 20, seconds=0.001)
    assert str(refused.value).startswith(
        "slow.xlsx took more than 0.001 seconds to read, so it was stopped and nothing was "
        "loaded")


def test_a_fork_of_the_reader_server_over_its_time_is_killed_and_the_server_serves_on(
        monkeypatch, caplog):
    """The fork reading the file is killed; the server that forked it stays, and serves the
    next file (its forks start in milliseconds: one server for the process)."""

    monkeypatch.setattr(worker, "USE_SERVER", True)
    assert read_file("first.csv", b"Action ID\r\nNEG-1\r\n", 20)
    server = worker._server[0]
    rows = [["Action ID", "Title", "Lead", "Commentary"]] + [
        [f"NEG-{i}", f"Title {i}", "Lead", "Some commentary " * 4] for i in range(50_000)]
    with caplog.at_level("WARNING", logger=worker.__name__), \
            pytest.raises(ReadError, match=r"took more than 0\.2 seconds"):
        read_file("slow.xlsx", xlsx({"Actions": rows}), 20, seconds=0.2)
    killed = int(caplog.records[-1].getMessage().rsplit("worker ", 1)[1].split()[0])
    assert killed != server.pid
    deadline = time.monotonic() + 10
    while Path(f"/proc/{killed}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{killed}").exists()  # gone, and reaped
    assert server.poll() is None and worker._server[0] is server
    started = time.perf_counter()
    assert read_file("next.csv", b"Action ID\r\nNEG-2\r\n", 20)[0].rows[1] == ["NEG-2"]
    assert time.perf_counter() - started < 5
    assert worker._server[0] is server


def test_a_reader_server_that_died_is_started_again(monkeypatch):
    monkeypatch.setattr(worker, "USE_SERVER", True)
    assert read_file("first.csv", b"Action ID\r\nNEG-1\r\n", 20)
    server, folder = worker._server[0], Path(worker._server[1]).parent
    server.kill()
    server.wait()
    assert read_file("again.csv", b"Action ID\r\nNEG-3\r\n", 20)[0].rows[1] == ["NEG-3"]
    assert worker._server[0] is not server and worker._server[0].poll() is None
    assert not folder.exists()  # the dead server's socket folder is removed


@pytest.mark.parametrize("how", ["exits", "is killed", "is stopped with its group"])
def test_the_reader_server_ends_with_the_process_that_started_it(how):
    """Nothing is left behind: neither the server nor its socket folder."""


    script = ("import sys, time; from cpip_dashboard.imports import worker; "
              "worker.read_file('a.csv', b'Action ID\\r\\nNEG-1\\r\\n', 20); "
              "print(worker._server[0].pid, worker._server[1], flush=True); "
              + ("time.sleep(60)" if how != "exits" else "pass"))
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, start_new_session=True)
    try:
        pid, socket_path = process.stdout.readline().split()
        if how == "is killed":
            process.kill()
        elif how == "is stopped with its group":
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while (Path(f"/proc/{pid}").exists() or Path(socket_path).parent.exists()) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists(), "the reader server outlived its process"
        assert not Path(socket_path).parent.exists(), "its socket folder was left behind"
    finally:
        if process.poll() is None:
            process.kill()


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


def _rows(*rows: tuple[int, tuple[str, ...]]) -> bytes:
    return b"<sheetData>" + b"".join(
        b'<row r="%s">' % str(r).encode() + b"".join(b'<c r="%s"/>' % c.encode() for c in cells)
        + b"</row>" for r, cells in rows) + b"</sheetData>"


ASCENDING = tuple((r, (f"A{r}",)) for r in range(1, 60))


@pytest.mark.parametrize("xml,spanned", [
    (_rows((1, ("A1", "B1")), (2, ("A2", "F2"))), (2, 6)),  # as programs write them
    (_rows((1, ("A1",)), (5, ("C5",)), (3, ("AB3",))), (5, 28)),  # rows out of order
    (_rows((1, ("A1",)), (300000, ("C5",)), (3, ("B3",))), (300_000, 3)),
    (_rows(*ASCENDING, (2, ("Z2",))), (59, 26)),  # the last row is not the greatest
    (_rows(*reversed(ASCENDING)), (59, 1)),  # each row smaller: past the searches, counted
    (_rows(*((r, (f"{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[r % 26]}{r}",)) for r in range(1, 40))),
     (39, 26)),  # wider and wider: past the searches, counted
    (_rows((4, ("A4", "B9"))), (9, 2)),  # a cell below its row
    (_rows((4, ("ZZ4", "AAA9", "B9"))), (9, 703)),
    (_rows((4, ("A04",)), (3, ("A3",))), (4, 1)),
    (b'<sheetData><row r="07"><c r="B7"/></row><row r="3"><c r="A3"/></row></sheetData>',
     (7, 2)),  # a leading zero
])
def test_the_fast_range_scan_finds_what_the_general_one_does(xml, spanned):
    fast, general = reading._RangeScan(), reading._RangeScan()
    assert fast._feed_fast(xml)
    general._feed_general(xml)
    assert fast.spanned == general.spanned == spanned


@pytest.mark.parametrize("xml", [
    b'<sheetData><row><c r="A1"/></row></sheetData>',
    b'<sheetData><row r="1"><c>1</c></row></sheetData>',
    b'<sheetData><row r="1"><c t="s" r="A1"/></row></sheetData>',
    b'<sheetData><x:row r="1"><x:c r="A1"/></x:row></sheetData>',
    b'<sheetData><row r="1"><c r="$A$1"/></row></sheetData>',
    b'<sheetData><row spans="1:2" r="1"><c r="A1"/></row></sheetData>',
])
def test_any_other_form_is_left_to_the_general_scan(xml):
    assert not reading._RangeScan()._feed_fast(xml)
