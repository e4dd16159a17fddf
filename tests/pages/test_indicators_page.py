"""Indicators and Area profile on the sample data: no council count between 1 and the
threshold anywhere (tables, chart data, downloads), none derivable by subtraction, and the
pages say what they show."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import python_calamine

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.protection import disclosure
from cpip_dashboard.protection.series import indicator_series
from cpip_dashboard.render.downloads import shown_number
from cpip_dashboard.rules import indicators, stats
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.queries import current_indicators
from tests.apptest import assert_frame_ran, chart_rows, tables, texts
from tests.files import xlsx
from tests.oracles import area_equations

EQUATIONS = area_equations()

SMALL = range(1, 5)


def test_no_small_or_derivable_count_in_any_series(sample_engine):
    with sample_engine.connect() as conn:
        definitions = current_indicators(conn)
        for code, definition in definitions.items():
            for measure in indicators.measures(definition):
                series = indicator_series(conn, code, measure, 5)
                counts = series if measure == "count" else series.assign(value=series["count"])
                for period, rows in counts.groupby("period"):
                    shown = {a: (None if pd.isna(v) or s else v) for a, v, s in zip(
                        rows["area_code"], rows["value"], rows["suppressed"], strict=True)}
                    for area, value in shown.items():
                        if area != SCOTLAND and value is not None:
                            assert value == 0 or value >= 5, (code, measure, area, period)
                    for total, parts in EQUATIONS:
                        if shown.get(total) is None:
                            continue
                        hidden = [p for p in parts if p in shown and shown[p] is None
                                  and rows.set_index("area_code").loc[p, "symbol"]
                                  in (disclosure.SUPPRESSED_SYMBOL, "*", "c", "[c]")]
                        assert len(hidden) != 1, (code, period, total, hidden)


def test_indicators_page_never_shows_a_small_count(make_app, sample_url):
    at = make_app(sample_url, page="pages/indicators.py",
                  query={"indicator": "CONCERN_CSE", "area": "S12000023"})
    assert_frame_ran(at)
    assert at.selectbox(key="frame-indicator-control").value == "CONCERN_CSE"
    at.multiselect(key="frame-compare-control").set_value(["S12000005", "CPC05"]).run()
    table = at.dataframe[0].value
    for column in table.columns[1:]:
        if column == "Scotland":
            continue
        for cell in table[column]:
            assert cell.split()[0] not in {str(n) for n in SMALL}, (column, cell)
    assert "[c]" in set(table["Clackmannanshire"])
    rows = [row for chart in at.get("vega_lite_chart") for row in chart_rows(chart)]
    local = [row for row in rows if row.get("area_code") not in (None, SCOTLAND)]
    assert local, "the chart was given the chosen areas' figures"
    for row in local:
        if row.get("value") is not None and not pd.isna(row["value"]):
            assert not 1 <= row["value"] < 5, row
    assert "suppressed to protect confidentiality" in texts(at)


PROVENANCE_COLUMNS = {"Status", "Source", "Data version"}  # may follow the columns shown


def assert_download_is(table: pd.DataFrame, csv_bytes: bytes, xlsx_bytes: bytes) -> None:
    """Both files hold exactly the table shown (its columns first, its cells as shown), and
    nothing after them but provenance columns."""



    def as_number(value: object) -> object:
        """In Excel a number as shown ("2,129", "0") is a number cell: compare numbers."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(float(value))
        number = shown_number(value)
        return repr(number[0]) if number else str(value)

    shown = table.astype(str).reset_index(drop=True)
    csv_frame = pd.read_csv(io.BytesIO(csv_bytes), dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(xlsx_bytes)) \
        .get_sheet_by_name("Data").to_python()
    excel_frame = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]]).map(as_number)
    assert any(isinstance(v, float) for row in rows[1:] for v in row)  # numbers are numbers
    for got, expected in ((csv_frame, shown), (excel_frame, shown.map(as_number))):
        width = len(shown.columns)
        assert list(got.columns[:width]) == list(shown.columns)
        assert set(got.columns[width:]) <= PROVENANCE_COLUMNS, list(got.columns)
        pd.testing.assert_frame_equal(got.iloc[:, :width].reset_index(drop=True), expected,
                                      check_dtype=False)


def test_download_is_exactly_the_table_shown(make_app, sample_url):
    at = make_app(sample_url, page="pages/indicators.py",
                  query={"indicator": "CONCERN_CSE", "area": "S12000023"})
    assert_frame_ran(at)
    at.multiselect(key="frame-compare-control").set_value(["S12000005"]).run()
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["Period", "Orkney Islands", "Clackmannanshire",
                                       "Scotland"]
    assert set(table.columns[4:]) <= PROVENANCE_COLUMNS
    assert "[c]" in set(table["Clackmannanshire"])  # the suppressed cells are in the download
    assert_download_is(table, make_app.download(at, "Download CSV"),
                       make_app.download(at, "Download Excel"))


def test_count_and_rate_toggle_and_comparison(make_app, sample_url):
    at = make_app(sample_url, page="pages/indicators.py",
                  query={"indicator": "CP_REGISTER", "area": "S12000047"})
    measure = at.radio(key="frame-measure-control")
    assert measure.options == ["Count", "Rate per 1,000"]
    assert measure.value == "rate"  # a council starts on the rate: comparable with Scotland
    assert "per 1,000" in texts(at)
    assert "Byar" in texts(at)
    comparison = at.dataframe[1].value
    assert len(comparison) == 32
    assert set(comparison["Compared with Scotland"]) <= {
        "Significantly higher", "Similar", "Significantly lower", "Not compared"}
    at.radio(key="indicators-level").set_value("cpcs").run()
    assert len(at.dataframe[1].value) == 30
    at.radio(key="frame-measure-control").set_value("count").run()
    assert at.query_params["measure"] == "count"
    assert "Counts of a small area sit near zero" in texts(at)
    trend = at.dataframe[2].value
    assert list(trend["Area"]) == ["Fife", "Scotland"]
    assert set(trend["Recent trend"]) <= {"Rising", "Falling", "No clear change",
                                          "Too few periods"}


def _compared(make_app, url: str, code: str) -> dict[str, str]:
    at = make_app(url, page="pages/indicators.py", query={"indicator": code})
    return dict(at.dataframe[1].value.set_index("Area")["Compared with Scotland"])


def _set_polarity(url: str, code: str, polarity: str) -> None:
    """A new version of the indicator's definition, uploaded, with only its polarity changed."""

    engine = make_engine(url)
    with engine.connect() as conn:
        d = current_indicators(conn)[code]
    book = xlsx({"Definitions": [
        ["Code", "Name", "Unit", "Frequency", "Definition", "Polarity", "Source"],
        [code, d["name"], d["unit"], d["frequency"], d["definition"], polarity, d["source"]]]})
    report = run_import(engine, "definition.xlsx", book, user="t")
    engine.dispose()
    assert report.outcome == "committed", report.as_json()


def test_polarity_labels_the_comparison(make_app, sample_url):
    """The same figures under each polarity: no judgement for "neither"; higher than Scotland
    is worse when lower is better, and better when higher is better."""
    code = "CP_REGISTRATIONS"  # polarity "neither" in the reference data
    plain = _compared(make_app, sample_url, code)
    higher = {a for a, label in plain.items() if label == "Significantly higher"}
    lower = {a for a, label in plain.items() if label == "Significantly lower"}
    assert higher and lower, plain  # the sample has both, so every check below can fail
    assert set(plain.values()) <= {"Significantly higher", "Significantly lower", "Similar",
                                   "Not compared"}
    for polarity, above, below in (("lower is better", "worse", "better"),
                                   ("higher is better", "better", "worse")):
        _set_polarity(sample_url, code, polarity)
        judged = _compared(make_app, sample_url, code)
        assert judged == {a: (f"{label} ({above})" if a in higher else
                              f"{label} ({below})" if a in lower else label)
                          for a, label in plain.items()}, polarity


def test_series_break_explained_beside_the_chart(make_app, sample_url):
    at = make_app(sample_url, page="pages/indicators.py",
                  query={"indicator": "CPPM_INITIAL"})
    assert "renamed child protection planning meetings" in texts(at)


def test_unknown_indicator_in_the_address_falls_back(make_app, sample_url):
    at = make_app(sample_url, page="pages/indicators.py", query={"indicator": "NOPE"})
    assert at.selectbox(key="frame-indicator-control").value == "CP_REGISTER"
    assert "is not known" in texts(at)


@pytest.mark.parametrize("area", ["S12000023", "CPC10"])
def test_area_profile(make_app, sample_url, area):
    at = make_app(sample_url, page="pages/area_profile.py", query={"area": area})
    assert_frame_ran(at)
    profile = tables(at)[0]
    # every indicator once: the register count is not repeated as a rate beside the rate
    assert len(profile) == 16
    assert list(profile["Indicator"]).count("Children on the child protection register at "
                                            "31 July") == 0
    assert list(profile.columns[3:5]) == ["This area", "Scotland"]
    for cell in profile["This area"]:
        assert cell.split()[0] not in {str(n) for n in SMALL}, cell
    assert set(profile["Recent trend"]) <= set(stats.TREND_CLASSES)
    headers = [h.value for h in at.header]
    assert headers == ["Indicators against Scotland", "Actions that touch this area",
                       "Planning review findings"]
    if area == "CPC10":
        assert "East Lothian, Midlothian" in texts(at)
    # the profile's chart only: the small charts wait until asked for
    assert len(at.get("vega_lite_chart")) == 1
    at.toggle(key="area-small-charts").set_value(True).run()
    small = at.get("vega_lite_chart")[1:]
    assert len(small) >= 10

    for chart in small:
        assert json.loads(chart.proto.spec)["description"] in texts(at)


def test_area_profile_for_scotland_explains_itself(make_app, sample_url):
    at = make_app(sample_url, page="pages/area_profile.py")
    assert "Choose a council or a child protection committee" in texts(at)


def test_measure_and_compared_areas_come_from_the_address_and_go_back_to_it(make_app,
                                                                          sample_url):
    at = make_app(sample_url, page="pages/indicators.py", query={
        "indicator": "CP_REGISTER", "area": "S12000047", "measure": "count",
        "compare": "S12000005,cpc05"})
    assert_frame_ran(at)
    assert at.radio(key="frame-measure-control").value == "count"
    assert at.multiselect(key="frame-compare-control").value == ["S12000005", "CPC05"]
    table = at.dataframe[0].value
    assert list(table.columns[:5]) == [
        "Period", "Fife", "Clackmannanshire",
        "Clackmannanshire and Stirling Child Protection Committee", "Scotland"]
    at.multiselect(key="frame-compare-control").set_value(["CPC05"]).run()
    assert at.query_params["compare"] == "CPC05"


@pytest.mark.parametrize(("query", "notice"), [
    ({"measure": "furlongs"}, "Measure 'furlongs' in the address is not available"),
    ({"compare": "S12000005,NOWHERE"}, "NOWHERE in the address (compare) not known"),
])
def test_unknown_measure_or_compared_area_falls_back_with_a_notice(make_app, sample_url,
                                                                  query, notice):
    at = make_app(sample_url, page="pages/indicators.py",
                  query={"indicator": "CP_REGISTER", "area": "S12000047", **query})
    assert_frame_ran(at)
    assert notice in texts(at)
    assert at.radio(key="frame-measure-control").value in ("rate", "count")
