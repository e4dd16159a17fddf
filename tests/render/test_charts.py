"""Charts people can read: every row of a ranked chart has room for its label and is drawn,
the chosen area is named, years never repeat, legends say each status once, and every chart
is drawn as SVG at a height of its own (the browser test counts what is drawn)."""

from __future__ import annotations

import pandas as pd

from cpip_dashboard.render import charts
from cpip_dashboard.rules import rag


def _comparison(n: int = 32) -> pd.DataFrame:
    return pd.DataFrame({"area": [f"Area {i}" for i in range(n)],
                         "area_code": [f"A{i}" for i in range(n)],
                         "value": [float(n - i) for i in range(n)],
                         "comparison": ["Similar"] * n, "lower": [None] * n,
                         "upper": [None] * n})


def _y_axis(spec: dict) -> dict:
    layers = spec.get("layer", [spec])
    return layers[0]["encoding"]["y"]["axis"]


def test_comparison_sized_to_its_rows_with_every_label_drawn_and_the_chosen_named():
    spec = charts.spec(charts.comparison_chart(_comparison(), 16.0, "neither", "Rate", "x",
                                               highlight="A7"))
    assert spec["height"] == 32 * charts.ROW_STEP
    axis = _y_axis(spec)
    assert axis["labelOverlap"] is False and axis["labelLimit"] == 0
    data = next(iter(spec["datasets"].values()))
    assert b"Area 7 (chosen)" in data  # the caption says "outlined and labelled (chosen)"


def test_every_chart_is_svg_with_its_own_height():
    spec = charts.spec(charts.comparison_chart(_comparison(3), None, "neither", "Rate", "x"))
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    # the height is the plot's: axes and legend are added (a fitted height flattens it)
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert isinstance(spec["height"], int)  # no Vega step: Streamlit would warn and drop it


def test_themes_chart_labels_all_seventeen_criteria():
    themes = pd.DataFrame({"code": [f"PR-{i:02d}" for i in range(1, 18)],
                           "criterion": [f"Criterion {i}" for i in range(1, 18)],
                           "weak": range(17), "assessed": [32] * 17})
    spec = charts.spec(charts.themes_chart(themes, "x"))
    assert spec["height"] == 17 * charts.ROW_STEP
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False


def test_trend_years_are_ticked_once_a_year():
    frame = pd.DataFrame({"area_code": ["S92000003"] * 3, "value": [1.0, 2.0, 3.0],
                          "period": ["2013-07-31", "2014-07-31", "2015-07-31"],
                          "suppressed": [False] * 3})
    spec = charts.spec(charts.trend_chart(frame, {"S92000003": "Scotland"}, "Rate", [], "x",
                                          height=130))
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert axis["format"] == "%Y"
    assert axis["tickCount"] == {"interval": "year", "step": 1}
    assert spec["height"] == 130


def test_rag_legend_says_each_status_once():
    table = pd.DataFrame({"Workstream": ["Neglect"], "Complete": [1], "Green": [2],
                          "Amber": [0], "Red": [1], "Not started": [0], "Total": [4]})
    spec = charts.spec(charts.rag_by_workstream(table, "x"))
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == list(rag.WORST_FIRST)  # words: the swatch is the symbol
    assert spec["config"]["legend"]["direction"] == "horizontal"
    assert spec["height"] == 30


def test_profile_chart_marks_each_comparison_by_colour_and_shape():
    points = pd.DataFrame({
        "Indicator": ["A", "B", "C"], "Measure": ["Rate"] * 3, "Period": ["2023-24"] * 3,
        "value": [2.0, 1.0, 3.0], "scotland": [2.0] * 3, "relative": [100.0, 50.0, 150.0],
        "lower": [90.0, 40.0, 120.0], "upper": [110.0, 60.0, 180.0],
        "comparison": ["Similar", "Significantly lower", "Significantly higher"],
        "Comparison": ["Similar", "Significantly lower (better)",
                       "Significantly higher (worse)"]})
    sentence = charts.describe_profile(points, "Fife", 4)
    assert sentence.startswith("Of 3 indicators compared with Scotland, Fife is")
    assert "1 of the 4 indicators" in sentence
    spec = charts.spec(charts.profile_chart(points, sentence))
    names, points = spec["layer"][0], spec["layer"][2]
    assert names["mark"]["type"] == "text" and names["encoding"]["text"]["field"] == "Indicator"
    marks = points["encoding"]
    colours, shapes = marks["color"]["scale"]["range"], marks["shape"]["scale"]["range"]
    assert len(set(colours)) == len(set(shapes)) == 3
    assert spec["height"] == 3 * charts.PROFILE_ROW
