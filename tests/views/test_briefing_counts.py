"""How the Briefing colours the change in each RAG count."""

import pytest

from cpip_dashboard.views.briefing import delta_colour


@pytest.mark.parametrize("status,colour", [
    ("Red", "inverse"), ("Amber", "inverse"), ("Not started", "inverse"),
    ("Complete", "normal"),
    ("Green", "off"),  # a fall in Green because actions completed is not shown as bad
])
def test_briefing_count_changes_are_coloured_by_what_they_mean(status, colour):
    assert delta_colour(status) == colour
