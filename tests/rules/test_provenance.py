"""Provenance on every figure (issue 10, section 3): every download says inside the file whether
its figures are official or illustrative, their source, the suppression rule and the data
version; the pages show it per figure; a committee's sum is illustrative if any part is; the
meeting pack says it beside its figures."""

from __future__ import annotations

import datetime as dt
import io
import json
import time

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.protection.disclosure import suppression_rule
from cpip_dashboard.protection.series import indicator_series
from cpip_dashboard.render import charts, downloads
from cpip_dashboard.rules import indicators, provenance
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.queries import area_directory, current_indicators
from cpip_dashboard.views.pack import build
from tests.apptest import assert_frame_ran, chart_rows, shown, tables, texts
from tests.files import xlsx
from tests.pdf import pdf_text

FIFE = "S12000047"
TAIL = ["Status", "Source", "Data version"]


@pytest.fixture
def served(monkeypatch) -> dict[str, bytes]:
    """The bytes of every file a page offers for download, by file name (AppTest keeps them in
    its in-memory media store; this records them as the page hands them over)."""

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, bytes):
            files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load)
    return files


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read_xlsx(data: bytes) -> dict[str, pd.DataFrame]:
    return pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, engine="calamine",
                         keep_default_na=False)


def version_of(engine) -> str:
    with engine.connect() as conn:
        return data_version(conn)


def indicators_page(make_app, sample_url, code="CP_REGISTER", area=FIFE, measure="count"):
    at = make_app(sample_url, page="pages/indicators.py",
                  query={"indicator": code, "area": area, "measure": measure})
    assert_frame_ran(at)
    return at


# --- downloads from the Indicators page (the files a user gets) -------------------------------


def test_indicator_csv_ends_with_status_source_and_data_version(make_app, sample_url,
                                                                sample_engine, served):
    at = indicators_page(make_app, sample_url)
    csv = read_csv(served["cp-register-count.csv"])
    assert list(csv.columns[-3:]) == TAIL
    assert list(csv.columns[:-3]) == ["Period", "Fife", "Scotland"]  # the columns shown first
    assert len(csv) == len(at.dataframe[0].value) > 5
    assert set(csv["Status"]) == {"illustrative"}  # the sample data is one illustrative batch
    shown = at.dataframe[0].value  # the download is the table shown, then Source and version
    assert list(csv.columns[:-2]) == list(shown.columns)
    pd.testing.assert_frame_equal(csv.iloc[:, :-2], shown.astype(str), check_dtype=False)
    assert set(csv["Data version"]) == {version_of(sample_engine)}
    for source in csv["Source"]:
        assert "Scottish Government" not in source
        assert "not official statistics" in source


def test_indicator_excel_has_the_same_columns_and_numbers_and_a_notes_sheet(
        make_app, sample_url, sample_engine, served):
    indicators_page(make_app, sample_url)
    csv = read_csv(served["cp-register-count.csv"])
    book = read_xlsx(served["cp-register-count.xlsx"])
    assert list(book) == ["Data", "Notes"]
    # the same cells; in Excel the numbers are number cells ("2,129" is 2129)
    as_numbers = csv.map(lambda v: str(downloads.shown_number(v)[0]).removesuffix(".0")
                         if downloads.shown_number(v) else v)
    pd.testing.assert_frame_equal(book["Data"], as_numbers)
    assert csv["Scotland"].str.contains(",").any()  # so the comparison above can fail
    notes = dict(zip(book["Notes"]["Item"], book["Notes"]["Detail"], strict=True))
    assert notes["Data version"] == version_of(sample_engine)
    assert notes["Suppression rule"] == suppression_rule()
    assert notes["Official or illustrative"].startswith("Illustrative")
    assert "Produced" in notes
    assert "Source link" not in notes  # no official address beside generated figures
    assert not any("Scottish Government" in d for d in book["Notes"]["Detail"])


def test_comparison_download_carries_provenance(make_app, sample_url, served):
    at = indicators_page(make_app, sample_url)
    name = next(n for n in served if "compare" in n and n.endswith(".csv"))
    csv = read_csv(served[name])
    assert list(csv.columns[-3:]) == TAIL
    assert len(csv) == len(at.dataframe[1].value) == 32
    assert set(csv["Status"]) == {"illustrative"}


def test_area_profile_download_carries_provenance(make_app, sample_url, served):
    at = make_app(sample_url, page="pages/area_profile.py", query={"area": FIFE})
    assert_frame_ran(at)
    profile = tables(at)[0]
    assert set(profile["Status"]) == {"illustrative"}
    csv = read_csv(served[f"area-profile-{FIFE.lower()}.csv"])
    assert list(csv.columns[-3:]) == TAIL
    assert len(csv) == len(profile)
    assert "Status" not in list(csv.columns[:-3])  # the on-screen Status is not repeated
    assert set(csv["Status"]) == {"illustrative"}
    assert not csv["Source"].str.contains("Scottish Government").any()


def test_register_download_says_its_records_are_illustrative(make_app, sample_url, served):
    at = make_app(sample_url, page="pages/actions.py")
    assert_frame_ran(at)
    name = next(n for n in served if n.startswith("action-register") and n.endswith(".csv"))
    csv = read_csv(served[name])
    assert list(csv.columns[-3:]) == TAIL
    assert list(csv.columns[:-3]) == list(tables(at)[0].columns)
    assert set(csv["Status"]) == {"illustrative"}
    assert set(csv["Source"]) == {provenance.ILLUSTRATIVE_RECORDS_SOURCE}


# --- what the pages show --------------------------------------------------------------------


def test_indicators_page_tables_show_a_status_column(make_app, sample_url):
    at = indicators_page(make_app, sample_url)
    for index in (0, 1, 2):  # the figures, the comparison, the recent trend
        table = at.dataframe[index].value
        assert table.columns[-1] == "Status", index
        assert set(table["Status"]) == {"illustrative"}, index


def test_trend_chart_tooltip_shows_the_status(make_app, sample_url):
    at = indicators_page(make_app, sample_url)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    tooltip = [t.get("field") for t in spec["layer"][0]["encoding"]["tooltip"]]
    assert "Status" in tooltip
    rows = chart_rows(at.get("vega_lite_chart")[0])
    assert rows and {row["Status"].split(",")[0] for row in rows} == {"illustrative"}


def test_source_beside_generated_figures_is_the_sample_not_the_publisher(make_app, sample_url):
    at = indicators_page(make_app, sample_url)
    captions = [shown(c.value) for c in at.caption if "Source" in c.value]
    assert captions and all(c.startswith("Source: illustrative figures generated")
                            for c in captions), captions
    assert "Scottish Government" not in " ".join(captions)


def test_provisional_marker_legend_only_when_a_marker_is_shown(make_app, sample_url):
    at = indicators_page(make_app, sample_url, area=SCOTLAND)  # Scotland's rows carry no status
    assert not any(cell.endswith((" p", " r")) for column in at.dataframe[0].value.columns[1:]
                   for cell in at.dataframe[0].value[column])
    assert "p provisional" not in texts(at)


@pytest.mark.parametrize("statuses,expected", [
    ([None, None], ""),
    (["provisional", None], "p provisional: marked provisional by its publisher"),
    (["revised"], "r revised: marked revised by its publisher"),
])
def test_markers_legend_names_only_the_markers_present(statuses, expected):
    legend = provenance.markers_legend(statuses)
    assert legend.startswith(expected) if expected else legend == ""


# --- official figures, and committees summed from councils ------------------------------------


def _upload(engine, rows: list[list[object]]) -> None:
    report = run_import(engine, "official.xlsx",
                        xlsx({"Indicators": [["Indicator", "Area", "Period", "Value"], *rows]}),
                        user="statistician")
    assert report.outcome == "committed", report.errors


def _csv_of(conn, code: str, areas: list[str]) -> pd.DataFrame:
    """The Indicators page's download of a count table, built as the page builds it."""
    definition = current_indicators(conn)[code]
    series = indicator_series(conn, code, "count", 5)
    shown = series[series["area_code"].isin(areas)]
    table = indicators.display_table(shown, areas, area_directory(conn), "annual", 0)
    flags = provenance.by_period(table["Period"], shown, areas, "annual")
    prov = provenance.figures(flags, definition, data_version(conn), suppression_rule(5), "count")
    return read_csv(downloads.to_csv(provenance.with_status(table, flags), prov))


def test_an_official_batch_gives_official_rows_with_the_definitions_source(sample_engine):
    with sample_engine.connect() as conn:
        councils = [a.code for a in area_directory(conn).councils()]
    _upload(sample_engine, [["CP_REGISTER", c, "2024-25", 100 + i]
                            for i, c in enumerate(councils)]
            + [["CP_REGISTER", "Scotland", "2024-25", sum(100 + i for i in range(32))]])
    with sample_engine.connect() as conn:
        csv = _csv_of(conn, "CP_REGISTER", [FIFE, SCOTLAND]).set_index("Period")
        source = current_indicators(conn)["CP_REGISTER"]["source"]
        version = data_version(conn)
    assert source.startswith("Scottish Government")
    assert csv.loc["2024-25", "Status"] == "official"
    assert csv.loc["2024-25", "Source"] == source
    assert csv.loc["2023-24", "Status"] == "illustrative"  # the sample's rows stay illustrative
    assert "Scottish Government" not in csv.loc["2023-24", "Source"]
    assert set(csv["Data version"]) == {version}


def test_a_committee_sum_with_one_illustrative_council_is_illustrative(sample_engine):
    with sample_engine.connect() as conn:
        directory = area_directory(conn)
    joint = [c.code for c in directory.cpcs() if len(directory.members(c.code)) == 2]
    assert len(joint) == 2
    mixed, official = joint
    left_alone = directory.members(mixed)[0]  # keeps the sample's (illustrative) 2023-24 figure
    _upload(sample_engine, [["CP_REGISTER", c.code, "2023-24", 200 + i]
                            for i, c in enumerate(directory.councils()) if c.code != left_alone])
    with sample_engine.connect() as conn:
        series = indicator_series(conn, "CP_REGISTER", "count", 5)
        csv = _csv_of(conn, "CP_REGISTER", [mixed, official]).set_index("Period")
    latest = series[series["period"] == series["period"].max()].set_index("area_code")
    assert bool(latest.loc[mixed, "illustrative"]) and not bool(latest.loc[official,
                                                                           "illustrative"])
    assert provenance.by_area([mixed, official], series, series["period"].max()) == [True, False]
    assert csv.loc["2023-24", "Status"] == "illustrative"  # the row holds the mixed sum
    with sample_engine.connect() as conn:
        alone = _csv_of(conn, "CP_REGISTER", [official]).set_index("Period")
    assert alone.loc["2023-24", "Status"] == "official"
    names = {mixed: "Mixed", official: "Official"}
    chart = charts.trend_chart(series[series["area_code"].isin(names)], names, "Number", [], "")
    points = chart.data  # what the tooltip reads
    status = dict(zip(zip(points["Area"], points["Period end"].dt.year, strict=True),
                      points["Status"], strict=True))
    assert status[("Mixed", 2024)] == "illustrative"
    assert status[("Official", 2024)] == "official"


# --- the meeting pack ---------------------------------------------------------------------------


def test_pack_says_beside_its_figures_what_they_are(sample_engine):
    with sample_engine.connect() as conn:
        _, pdf = build(conn, None, SCOTLAND)
        version = data_version(conn)
    text = " ".join(pdf_text(pdf).split())
    start = text.index("Headline indicators: Scotland")
    headline = text[start:text.index("About these figures", start)]
    assert (f"Status: illustrative. Source: {provenance.ILLUSTRATIVE_SOURCE}. Suppression rule: "
            f"{suppression_rule(5)}. Data version {version}.") in headline
    assert "Scottish Government" not in headline
    assert ("Action register: Status: illustrative. Source: "
            + provenance.ILLUSTRATIVE_RECORDS_SOURCE) in text
    closing = text[text.index("About these figures", start):]
    assert f"Data version {version}. The action register" in closing
    assert f"from data version {version}." in text  # the cover: who prepared it and when
    assert f"data version {version} - contains illustrative figures" in text  # the footer


# --- the one path every download takes ---------------------------------------------------------


def test_attach_puts_provenance_last_and_replaces_an_on_screen_status():
    table = pd.DataFrame({"Area": ["Fife", "Angus"], "Rate": ["1.0", "2.0"],
                          "Status": ["official", "illustrative"]})
    prov = provenance.Provenance(illustrative=(False, True), sources=("Publisher", "Publisher"),
                                 version="7", rule="a rule")
    out = provenance.attach(table, prov)
    assert list(out.columns) == ["Area", "Rate", *TAIL]
    assert list(out["Status"]) == ["official", "illustrative"]
    assert out.loc[0, "Source"] == "Publisher"
    assert out.loc[1, "Source"] == provenance.ILLUSTRATIVE_SOURCE
    with pytest.raises(ValueError, match=r"^provenance for 2 rows, table has 1$"):
        provenance.attach(table.head(1), prov)


@pytest.mark.parametrize("value,expected", [(True, True), (False, False), (None, True),
                                            (float("nan"), True), (pd.NA, True), (0, False),
                                            (1, True)])
def test_a_missing_flag_is_never_called_official(value, expected):
    assert provenance.flag(value) is expected


def test_a_mixed_block_says_how_many_rows_are_illustrative_and_names_only_official_sources():
    prov = provenance.figures([True, False, False], [{"source": "Publisher A"},
                                                     {"source": "Publisher B"},
                                                     {"source": "Publisher B",
                                                      "source_url": "https://example.org/b"}],
                              "9", "the rule", "count")
    line = prov.line()
    assert line.startswith("Status: 1 of 3 rows illustrative, the others official. Source: ")
    assert "Publisher B" in line and "Publisher A" not in line
    assert prov.links == (("Publisher B", "https://example.org/b"),)
    assert line.endswith("Suppression rule: the rule. Data version 9.")


# --- the rules, on hand-built rows (issue 24: tests that kill mutants) ---------------------------

FIFE = "S12000047"
Y1, Y2 = dt.date(2022, 7, 31), dt.date(2023, 7, 31)


def _figures(*rows) -> pd.DataFrame:
    """(area, period, illustrative flag) rows of an indicator's series."""
    return pd.DataFrame(rows, columns=["area_code", "period", "illustrative"])


@pytest.mark.parametrize("rows,illustrative", [
    # the area's latest figure and Scotland's in that period, both official
    ([(FIFE, Y2, False), (SCOTLAND, Y2, False)], False),
    # Scotland's figure in that period is illustrative: so is the row
    ([(FIFE, Y2, False), (SCOTLAND, Y2, True)], True),
    # an illustrative figure in an earlier period does not count
    ([(FIFE, Y1, True), (FIFE, Y2, False), (SCOTLAND, Y1, True), (SCOTLAND, Y2, False)], False),
    # another area's illustrative figure does not count
    ([(FIFE, Y2, False), ("S12000005", Y2, True)], False),
    # Scotland's latest period is later than the area's: the area's latest decides
    ([(FIFE, Y1, False), (SCOTLAND, Y1, False), (SCOTLAND, Y2, True)], False),
    # the area has no figures: never called official
    ([(SCOTLAND, Y2, False)], True), ([], True),
    # a missing flag is illustrative
    ([(FIFE, Y2, None)], True),
    # a figure without a period is not the latest
    ([(FIFE, None, True), (FIFE, Y2, False)], False),
])
def test_an_area_profile_row_uses_the_areas_latest_figure_and_scotlands(rows, illustrative):
    assert provenance.for_profile(_figures(*rows), FIFE) is illustrative


@pytest.mark.parametrize("rows,period,flags", [
    ([(FIFE, Y1, True), (FIFE, Y2, False), ("S12000005", Y2, False)], Y2, [False, False, True]),
    ([(FIFE, Y1, True), (FIFE, Y2, False), ("S12000005", Y2, False)], None, [True, False, True]),
    ([], None, [True, True, True]),
])
def test_by_area_flags_each_area_and_an_area_without_figures_is_illustrative(rows, period,
                                                                            flags):
    frame = _figures(*rows)
    assert provenance.by_area([FIFE, "S12000005", "S12000041"], frame, period) == flags


def test_by_period_a_period_is_illustrative_if_any_chosen_areas_figure_is():
    frame = _figures((FIFE, Y1, False), ("S12000005", Y1, True), (FIFE, Y2, False),
                     ("S12000041", Y2, True))
    labels = ["2021-22", "2022-23", "2023-24"]  # Y1 ends July 2022: 2021-22; Y2 2022-23
    assert provenance.by_period(labels, frame, [FIFE, "S12000005"], "annual") == [
        True, False, True]  # 2023-24 has no figure: not called official
    assert provenance.by_period(labels, frame, [FIFE], "annual") == [False, False, True]
    assert provenance.by_period(labels, frame, [FIFE, "S12000041"], "annual") == [
        False, True, True]


@pytest.mark.parametrize("flags,illustrative", [([], False), ([False, False], False),
                                                ([False, True], True), ([None], True)])
def test_for_series(flags, illustrative):
    frame = _figures(*[(FIFE, Y2, f) for f in flags])
    assert provenance.for_series(frame) is illustrative


@pytest.mark.parametrize("illustrative,status,text", [
    (False, None, "official"), (True, None, "illustrative"), (None, None, "illustrative"),
    (False, "provisional", "official, provisional"), (True, "revised", "illustrative, revised"),
    (False, "final", "official"), (False, float("nan"), "official"),
])
def test_label(illustrative, status, text):
    assert provenance.label(illustrative, status) == text


def test_with_status_adds_the_words_last():
    table = pd.DataFrame({"Area": ["Fife", "Angus"]})
    shown_table = provenance.with_status(table, [True, False])
    assert shown_table.to_dict("list") == {"Area": ["Fife", "Angus"],
                                           "Status": ["illustrative", "official"]}
    assert list(table.columns) == ["Area"]  # the table given is left as it was


@pytest.mark.parametrize("definition,measure,source", [
    ({"source": "PHS", "unit": "count"}, "rate",
     f"PHS ({provenance.COMPUTED_RATE_NOTE})"),
    ({"source": "PHS", "unit": "count"}, "count", "PHS"),
    ({"source": "PHS", "unit": "rate"}, "rate", "PHS"),
    ({"source": None}, None, "source not recorded"), ({}, None, "source not recorded"),
])
def test_source_of(definition, measure, source):
    assert provenance.source_of(definition, measure) == source


@pytest.mark.parametrize("flags,caption", [
    ([True, True], ("Source: illustrative figures generated by this dashboard's sample data - "
                   "not official statistics. The official source of this indicator is listed "
                   "on the About page.")),
    ([True, False], ("Source of figures marked official: PHS. Figures marked illustrative are "
                    "generated by this dashboard's sample data and are not official statistics.")),
    ([False], "Source: PHS."), ([], "Source: PHS."),
])
def test_source_caption(flags, caption):
    assert provenance.source_caption(flags, {"source": "PHS"}) == caption


def test_statements_and_lines_for_official_illustrative_and_mixed_blocks():
    def prov(flags, kind="figures"):
        return provenance.Provenance(illustrative=tuple(flags), sources=("PHS",) * len(flags),
                                     version="4", rule="r", kind=kind)
    assert prov([True, True]).statement() == (
        "Illustrative: every row holds figures generated for demonstration, not official "
        "statistics.")
    assert prov([True, False, False], "records").statement() == (
        "Mixed: 1 of 3 rows hold illustrative records (generated for demonstration, not "
        "reported by the programme); the others are official.")
    assert prov([False]).statement() == (
        "Official: every row holds figures uploaded by the secretariat from the source.")
    assert prov([]).statement() == (
        "Official: every row holds figures uploaded by the secretariat from the source.")
    assert prov([True]).line() == (f"Status: illustrative. Source: {provenance.ILLUSTRATIVE_SOURCE}"
                                   ". Suppression rule: r. Data version 4.")
    assert prov([False]).line() == "Status: official. Source: PHS. Suppression rule: r. " \
                                   "Data version 4."
    assert prov([]).line() == "Status: official. Source: none. Suppression rule: r. " \
                              "Data version 4."


def test_records_provenance_row_by_row_or_all_while_any_illustrative_batch_is_current():
    status = {"illustrative_batches": [1]}
    rows = provenance.records(3, status, "5", "planning-review-x.csv",
                              batch_ids=[[1], [2], [2, 1]])
    assert rows.illustrative == (True, False, True)
    assert rows.sources == (provenance.RECORD_SOURCES[0][1],) * 3
    assert (rows.how, rows.kind, rows.rule) == ("", "records", provenance.NOT_STATISTICS)
    assert rows.illustrative_source == provenance.ILLUSTRATIVE_RECORDS_SOURCE
    blanket = provenance.records(2, status, "5", "register.csv")
    assert blanket.illustrative == (True, True)
    assert blanket.sources == ("CPIP action register (uploaded by the secretariat)",) * 2
    assert blanket.how.startswith("Rows are not traced one by one")
    none = provenance.records(2, {"illustrative_batches": None}, "5")
    assert none.illustrative == (False, False) and none.how == (
        "No illustrative batch is current.")


def test_notes_rows_in_order():
    prov = provenance.figures([False, True, False],
                              [{"source": "PHS", "source_url": "https://phs.example/a"},
                               {"source": "Other", "source_url": "https://other.example"},
                               {"source": "", "source_url": "https://bare.example"}],
                              "6", "the rule", about=[("Indicator", "Children registered")])
    rows = provenance.notes(prov, dt.datetime(2024, 3, 5, 9, 7, tzinfo=dt.UTC))
    assert rows == [
        ("Indicator", "Children registered"),
        ("Official or illustrative", ("Mixed: 1 of 3 rows hold illustrative figures (generated "
                                     "for demonstration, not official statistics); the others "
                                     "are official.")),
        ("Illustrative figures", provenance.ILLUSTRATIVE_SOURCE + "."),
        ("Source", "PHS"), ("Source", "source not recorded"),
        ("Source link", "PHS: https://phs.example/a"), ("Source link", "https://bare.example"),
        ("Suppression rule", "the rule"), ("Data version", "6"),
        ("Produced", "5 March 2024 09:07 UTC"),
        ("Columns", ("Status (official or illustrative), Source and Data version are given on "
                    "every row, after the columns shown."))]
    blanket = provenance.notes(provenance.records(1, {"illustrative_batches": []}, "6"),
                               dt.datetime(2024, 3, 5, tzinfo=dt.UTC))
    assert ("How rows are marked", "No illustrative batch is current.") in blanket
    assert not any(item == "Illustrative figures" for item, _ in blanket)


def test_notes_say_when_they_were_produced_in_utc_whatever_the_machines_zone(monkeypatch):
    prov = provenance.figures([False], {"source": "PHS"}, "1", "r")
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # nine hours ahead of UTC, no summer time
    time.tzset()
    try:
        before = dt.datetime.now(dt.UTC)
        produced = dict(provenance.notes(prov))["Produced"]
        after = dt.datetime.now(dt.UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert produced in {f"{t.day} {t:%B %Y %H:%M} UTC" for t in (before, after)}


def test_source_of_a_computed_rate_names_the_populations():
    definition = {"source": "PHS", "unit": "count"}
    assert provenance.source_of(definition, "rate", "NRS mid-year estimates") == (
        f"PHS ({provenance.COMPUTED_RATE_NOTE}: NRS mid-year estimates)")
    assert provenance.source_of(definition, "count", "NRS mid-year estimates") == "PHS"


def test_figures_with_a_definition_and_a_measure_per_row():
    count_def = {"source": "PHS", "unit": "count", "source_url": "https://phs"}
    rate_def = {"source": "SG", "unit": "rate", "source_url": "https://sg"}
    prov = provenance.figures([False, False, True], [count_def, count_def, rate_def], "v1",
                              "rule", measures=["count", "rate", "rate"],
                              populations="NRS mid-year estimates")
    assert prov.sources == (
        "PHS", f"PHS ({provenance.COMPUTED_RATE_NOTE}: NRS mid-year estimates)", "SG")
    assert prov.links == (("PHS", "https://phs"),)  # not the illustrative row's
    assert prov.illustrative == (False, False, True)


def test_by_period_an_illustrative_figure_first_still_marks_its_period():
    frame = _figures(("S12000005", Y1, True), (FIFE, Y1, False))  # the official one last
    assert provenance.by_period(["2021-22"], frame, [FIFE, "S12000005"], "annual") == [True]


def test_a_line_names_every_source_once():
    prov = provenance.figures([True, False, False, False], [
        {"source": "A"}, {"source": "PHS"}, {"source": "SG"}, {"source": "PHS"}], "v9", "rule")
    assert prov.line() == (
        f"Status: 1 of 4 rows {provenance.ILLUSTRATIVE}, the others {provenance.OFFICIAL}. "
        f"Source: {prov.illustrative_source}; PHS; SG. Suppression rule: rule. Data version v9.")


def test_the_exact_words_of_a_legend_a_blanket_note_an_attached_version_and_a_caption():
    assert provenance.markers_legend(["revised", "provisional", 3]) == (
        "p provisional: marked provisional by its publisher in the uploaded file; it may be "
        "revised; r revised: marked revised by its publisher in the uploaded file")
    blanket = provenance.records(1, {"illustrative_batches": [1]}, "7", "register.csv")
    assert (blanket.version, blanket.how) == ("7", (
        "Rows are not traced one by one to their upload batch: every row is marked "
        "illustrative while any illustrative batch is current."))
    out = provenance.attach(pd.DataFrame({"Area": ["Fife"]}), blanket)
    assert out["Data version"].tolist() == ["7"]
    caption = provenance.source_caption([False], {"source": "PHS", "unit": "count"}, "rate",
                                        "NRS")
    assert caption == f"Source: PHS ({provenance.COMPUTED_RATE_NOTE}: NRS)."
