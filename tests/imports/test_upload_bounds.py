"""A bounded upload path (CONTRACT.md "Configuration", "Spreadsheets"): an `.xlsx` whose parts
unzip to more than ten times `CPIP_MAX_UPLOAD_MB` is oversized, refused (exit 2, `unreadable`,
one sentence) before calamine parses it, whether its zip directory tells the truth about the
sizes or lies; the streamed count stops as soon as it passes the limit."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

import pytest

from cpip_dashboard.imports import reading, worker
from cpip_dashboard.imports.reading import MIB, OUT_CHUNK, Oversized, ReadError, expanded_size
from tests.apptest import texts
from tests.cli_helpers import cli
from tests.files import bomb_xlsx
from tests.snapshots import snapshot

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("upload_bounds")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_LIMIT = 10 * 20 * MIB  # ten times the default 20 MB upload limit


@pytest.fixture(scope="module")
def bombs() -> dict[bool, bytes]:
    """The issue's case: a workbook of about 1.4 MB whose one sheet unzips to 300 MiB of XML,
    with an honest zip directory (False) and with one that declares the sheet 1,000 bytes."""
    return {lie: bomb_xlsx(300, lie=lie) for lie in (False, True)}


class NoCalamine:
    """Stands in for python_calamine: the test fails if the workbook reaches the parser."""

    class CalamineWorkbook:
        @staticmethod
        def from_filelike(_file):
            raise AssertionError("an oversized workbook reached calamine")


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED,
                                    zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_the_count_is_what_the_parts_unzip_to(method):
    book = bomb_xlsx(3, method=method)
    parts = zipfile.ZipFile(io.BytesIO(book)).infolist()
    assert expanded_size(book, DEFAULT_LIMIT) == sum(p.file_size for p in parts) > 3 * MIB


@pytest.mark.parametrize("lie,how", [(False, "are declared to add up to"),
                                     (True, "really add up to")])
def test_a_decompression_bomb_is_refused_before_it_is_parsed(sample_url, sample_engine,
                                                             tmp_path, monkeypatch, bombs, lie,
                                                             how):
    path = tmp_path / "round-5.xlsx"
    path.write_bytes(bombs[lie])
    assert len(bombs[lie]) < 2 * MIB
    before = snapshot(sample_engine)
    monkeypatch.setattr(reading, "python_calamine", NoCalamine)
    result = cli(sample_url, "import", str(path), "--json", "--user", "ana")
    report = json.loads(result.stdout)
    assert result.returncode == 2 and report["outcome"] == "unreadable"
    assert report["message"] == (
        f"round-5.xlsx is oversized: its parts {how} more than 200 MB when unzipped (10 times "
        "the 20 MB upload limit), so it was not opened; split it into smaller files, or save "
        "it again from Excel if it should be small.")
    assert report["batch_id"] is None and len(report["errors"]) == 1
    assert snapshot(sample_engine) == before


def test_a_lying_directory_is_caught_by_counting_and_the_count_stops_early(bombs):
    """The directory says the sheet is 1,000 bytes; the stream is inflated a MiB at a time and
    counted, never kept, and the count stops just past the limit, long before 300 MiB."""
    liar = bombs[True]
    declared = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(liar)).infolist())
    assert declared < MIB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(Oversized) as caught:
            expanded_size(liar, DEFAULT_LIMIT)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    counted = caught.value.counted
    assert DEFAULT_LIMIT < counted <= DEFAULT_LIMIT + OUT_CHUNK  # stopped at the limit
    assert counted < 300 * MIB
    # a loose bound (the input is 1.4 MB; one block of output is 1 MiB), reported below
    assert peak < 32 * MIB
    print(f"\nlying bomb: refused after counting {counted / MIB:.1f} MiB in {seconds:.2f} s, "
          f"peak traced memory {peak / MIB:.1f} MiB")


@pytest.mark.parametrize("expand_mib,readable", [(9, True), (11, False)])
def test_the_limit_is_ten_times_the_upload_limit(expand_mib, readable):
    """With CPIP_MAX_UPLOAD_MB=1 the parts may add up to 10 MiB."""
    book = bomb_xlsx(expand_mib)
    if readable:
        assert [s.name for s in worker.read_file("big.xlsx", book, 1)] == ["Updates"]
    else:
        with pytest.raises(ReadError, match="more than 10 MB when unzipped"):
            worker.read_file("big.xlsx", book, 1)


def test_the_upload_page_says_so_in_a_sentence(make_app, sqlite_sample_url, bombs):
    at = make_app(sqlite_sample_url, page="pages/upload.py")
    at.get("file_uploader")[0].upload("round-5.xlsx", bombs[True], XLSX).run()
    assert not at.exception
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1 and "round-5.xlsx is oversized" in texts(at)
    assert not any(b.label.startswith(("Load this file", "Submit")) for b in at.button)
