"""Data shown in a markdown context stays text."""

import pytest

from cpip_dashboard.ui.widgets import safe


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
