"""Excel downloads store numbers as numbers (formatted as shown) and text as formula-guarded
text; read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from cpip_dashboard.render import downloads
from cpip_dashboard.rules import provenance as prov


def cells(data: bytes, sheet: str = "Data") -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [[(c.value, c.data_type, c.number_format) for c in row]
            for row in book[sheet].iter_rows()]


@pytest.mark.parametrize("shown,value,kind,number_format", [
    ("2,129", 2129, "n", "#,##0"),
    ("0.5", 0.5, "n", "0.0"),
    ("12.0", 12.0, "n", "0.0"),
    ("-3.1", -3.1, "n", "0.0"),  # a number cell: nothing to guard
    ("1,234.56", 1234.56, "n", "#,##0.00"),
    ("45", 45, "n", "0"),
    ("0", 0, "n", "0"),
    ("[c]", "[c]", "s", "General"),  # symbols stay symbols
    ("-", "-", "s", "General"),
    ("..", "..", "s", "General"),
    ("12.0 p", "12.0 p", "s", "General"),  # a figure with its marker is text
    ("2023-24", "2023-24", "s", "General"),
    ("007", "007", "s", "General"),  # a code with a leading zero is not a number
    ("2,12", "2,12", "s", "General"),
    ("S12000047", "S12000047", "s", "General"),
    ("=SUM(A1:A2)", "=SUM(A1:A2)", "s", "General"),  # text (quote-prefixed: test_upload_crashes)
    ("-2+3", "-2+3", "s", "General"),
    ("+44 131", "+44 131", "s", "General"),
])
def test_a_shown_cell_is_written_as_its_kind(shown, value, kind, number_format):
    [header, row] = cells(downloads.to_excel(pd.DataFrame({"Value": [shown]})))
    assert header[0][:2] == ("Value", "s")
    assert row[0] == (value, kind, number_format)


def test_numeric_columns_dates_and_blanks():
    frame = pd.DataFrame({"Batch": [7, 8], "Rate": [2.5, None], "Due": [dt.date(2024, 3, 31), None],
                          "Done": [True, False]})
    [_, first, second] = cells(downloads.to_excel(frame))
    assert first[0][:2] == (7, "n") and first[1][:2] == (2.5, "n")
    assert first[2][0] == dt.datetime(2024, 3, 31) and first[2][1] == "d"
    assert first[3][:2] == (True, "b")
    assert second[1][0] is None and second[2][0] is None  # missing stays blank, never 0


def test_a_whole_download_keeps_provenance_text_and_numbers():
    frame = pd.DataFrame({"Period": ["2022-23", "2023-24"], "Fife": ["0.5", "[c]"],
                          "Scotland": ["2,077", "2,129"]})
    made = prov.figures([True, True], {"source": "SG", "source_url": ""}, "12", "rule")
    data = downloads.to_excel(frame, provenance=made, produced=dt.datetime(2025, 1, 2, 3, 4))
    rows = cells(data)
    assert [c[0] for c in rows[0]] == ["Period", "Fife", "Scotland", "Status", "Source",
                                       "Data version"]
    assert [(c[0], c[1]) for c in rows[1][:3]] == [("2022-23", "s"), (0.5, "n"), (2077, "n")]
    assert [(c[0], c[1]) for c in rows[2][:3]] == [("2023-24", "s"), ("[c]", "s"), (2129, "n")]
    assert rows[1][3][0] == "illustrative"
    notes = {r[0][0]: r[1] for r in cells(data, "Notes")[1:]}
    assert notes["Data version"][:2] == ("12", "s")  # the Notes sheet is prose: text
