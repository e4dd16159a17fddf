"""Data shown in a markdown context stays text."""

import pytest

from cpip_dashboard.ui.widgets import PRESENTED, presented, safe


@pytest.mark.parametrize("text,not_in", [
    ("[the plan](http://evil.example/)", "](http"),
    ("**now**", "**"),
    ("<script>x</script>", "<script>"),
    ("see https://evil.example", "https://"),
    ("see www.evil.example", "www."),
    ("mail owner@evil.example", "owner@evil"),
    (":red[text] :material/home:", ":red["),
])
def test_markdown_from_data_is_neutralised(text, not_in):
    assert not_in not in safe(text)


def test_visible_text_is_unchanged():
    # what a reader sees: backslashes disappear, the zero-width spaces are invisible
    shown = safe("Fife (1) - 2,129 at 10:00").replace("\\", "")
    assert shown == "Fife (1) - 2,129 at 10:00"
    assert safe(None) == ""


def test_presentation_enlarges_a_charts_type_and_rows_not_the_original():
    spec = {"height": 240, "config": {"axis": {"labelFontSize": 13, "labelColor": "#333"},
                                      "legend": {"titleFontSize": 13}}, "datasets": {"d": 1}}
    shown = presented(spec)
    assert shown["height"] == round(240 * PRESENTED)
    assert shown["config"]["axis"] == {"labelFontSize": 13 * PRESENTED, "labelColor": "#333"}
    assert shown["config"]["legend"]["titleFontSize"] == 13 * PRESENTED
    assert shown["datasets"] is spec["datasets"]  # the data is shared, not copied
    assert spec["height"] == 240 and spec["config"]["axis"]["labelFontSize"] == 13

