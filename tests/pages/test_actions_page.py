"""The Action register page: each filter narrows the table as expected, and an action's history
shows every update in order."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.store.db import make_engine
from tests.apptest import assert_frame_ran, tables, texts
from tests.files import Formula, xlsx


def register_table(at):
    """The register as shown (an empty frame when no action matches and none is drawn)."""
    return next((t for t in tables(at) if "Workstream" in t.columns), pd.DataFrame())


def test_filters_narrow_the_table(make_app, sample_url):
    at = make_app(sample_url, page="pages/actions.py")
    assert_frame_ran(at)
    everything = register_table(at)
    assert len(everything) == 47

    at.multiselect(key="actions-ws").set_value(["NEG"]).run()
    neglect = register_table(at)
    assert set(neglect["Ref"]) == {"NEG-1", "NEG-2", "NEG-3", "NEG-4"}

    at.multiselect(key="actions-ws").set_value([]).run()
    at.multiselect(key="actions-rag").set_value(["Red"]).run()
    red = register_table(at)
    assert len(red) >= 1 and set(red["RAG"]) == {"■ Red"}

    at.multiselect(key="actions-rag").set_value([]).run()
    at.multiselect(key="actions-flags").set_value(["Stale"]).run()
    stale = register_table(at)
    # CSE-4 and TRAF-3 have no update at the latest meeting, but both are Complete and a
    # Complete action is never stale (test_quiet_records.py filters a register that has some)
    assert stale.empty and "No action matches these filters." in texts(at)

    at.multiselect(key="actions-flags").set_value([]).run()
    lead = "Care Inspectorate"
    at.multiselect(key="actions-lead").set_value([lead]).run()
    assert set(register_table(at)["Lead"]) == {lead}


def test_area_filter_keeps_national_and_local(make_app, sample_url):
    at = make_app(sample_url, page="pages/actions.py", query={"area": "S12000042"})
    refs = set(register_table(at)["Ref"])
    assert "NEG-3" in refs  # Dundee is a neglect test site
    assert "DATA-2" not in refs  # a Fife / Clackmannanshire & Stirling action
    assert "NEG-1" in refs  # national


def test_history_shows_every_update_in_order(make_app, sample_url):
    at = make_app(sample_url, page="pages/actions.py", query={"meeting": "2019-09-17"})
    at.selectbox(key="actions-history").set_value("NEG-4").run()
    history = tables(at)[1]
    dates = list(history["Reporting date"])
    assert dates == sorted(dates)
    assert dates[-1] <= "2019-09-17"
    assert list(history["RAG"])[:2] == ["● Green", "● Green"]
    assert "▲ Amber" in list(history["RAG"]) and "■ Red" in list(history["RAG"])
    assert list(history["RAG"])[-1] == "✔ Complete"
    assert "2017-12-31 → 2018-12-31" in texts(at)  # the due date moved


def test_as_at_changes_the_register(make_app, sample_url):
    # NEG-4's updates: Green on 2017-09-14, Red on 2018-06-14, Complete from 2019-09-10
    at = make_app(sample_url, page="pages/actions.py")
    rag = register_table(at).set_index("Ref")["RAG"]
    assert rag["NEG-4"] == "✔ Complete"
    at.selectbox(key="frame-meeting-control").set_value(dt.date(2018, 6, 21)).run()
    assert register_table(at).set_index("Ref").loc["NEG-4", "RAG"] == "■ Red"
    at.selectbox(key="frame-meeting-control").set_value(dt.date(2017, 9, 21)).run()
    early = register_table(at).set_index("Ref")
    assert early.loc["NEG-4", "RAG"] == "● Green"
    assert early.loc["CSE-4", "RAG"] == "● Green"  # Complete from 2019-01-22


def test_formula_cells_in_the_workbook_are_guarded_in_downloads(make_app, sample_url):
    """A workbook whose cells would run as formulas in a spreadsheet (a real formula cell whose
    cached value starts with `=`, text starting with `@` and `+`) loads, and the register's
    own downloads write them with a leading `'`: no spreadsheet runs them."""


    book = xlsx({
        "Actions": [["Action ID", "Workstream", "Action", "Lead", "Source"],
                    ["NEG-9", "NEG", Formula('=CONCATENATE("=1","+1")', "=1+1"), "@Lead team",
                     "+44 131 000 0000"]],
        "Meetings": [["Date", "Title"], [dt.date(2030, 1, 15), "A later meeting"]]})
    engine = make_engine(sample_url)
    report = run_import(engine, "formulas.xlsx", book, user="t")
    engine.dispose()
    assert report.outcome == "committed", report.errors

    at = make_app(sample_url, page="pages/actions.py")
    assert_frame_ran(at)
    shown = register_table(at).set_index("Ref").loc["NEG-9"]
    assert (shown["Action"], shown["Lead"]) == ("=1+1", "@Lead team")  # the cached value

    csv_text = make_app.download(at, "Download CSV").decode("utf-8-sig")
    csv_row = pd.read_csv(io.StringIO(csv_text), dtype=str).set_index("Ref").loc["NEG-9"]
    assert (csv_row["Action"], csv_row["Lead"]) == ("'=1+1", "'@Lead team")

    workbook = openpyxl.load_workbook(io.BytesIO(make_app.download(at, "Download Excel")))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula in the download"
    guarded = {c.value for c in cells if c.quotePrefix}  # the text kept, quote-prefixed
    assert {"=1+1", "@Lead team"} <= guarded
    assert not {c.value for c in cells if isinstance(c.value, str)
                and c.value.startswith(("=", "@")) and not c.quotePrefix}
