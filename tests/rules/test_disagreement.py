"""Register and figures disagree: hand-worked cases, including those that must not flag."""

import pytest

from cpip_dashboard.rules import disagreement, stats
from cpip_dashboard.rules.disagreement import GREEN_KIND, RED_KIND, Movement


def move(way="down", trend=stats.NO_CLEAR, **fields):
    return Movement(code="CP_REREGISTRATIONS", name="Re-registrations", area_name="Fife",
                    way=way, trend=trend, period="2023-24", **fields)


CASES = [
    # (case, RAG, movements, expected kind or None, words in the sentence)
    ("green, rising against down", "Green", [move(trend=stats.RISING, change="+8.0% a year")],
     GREEN_KIND, ["Rated Green", "rising in Fife (+8.0% a year)", "bring it down"]),
    ("complete, falling against up", "Complete", [move("up", stats.FALLING)], GREEN_KIND,
     ["falling in Fife", "raise it"]),
    ("green, falling the right way", "Green", [move(trend=stats.FALLING)], None, []),
    ("green, polarity neither and no direction", "Green", [move(None, stats.RISING)], None, []),
    ("green, trend not assessed (suppressed)", "Green",
     [move(trend=stats.NOT_ASSESSED_SUPPRESSED)], None, []),
    ("green, too few periods (a series break)", "Green", [move(trend=stats.TOO_FEW)], None, []),
    ("green, no clear change (a one-off within chance)", "Green", [move()], None, []),
    ("green, became significantly higher than Scotland", "Green",
     [move(against_now=stats.HIGHER, against_before=stats.SIMILAR)], GREEN_KIND,
     ["became significantly higher than Scotland in 2023-24", "similar at the previous"]),
    ("green, up-way, became significantly lower", "Green",
     [move("up", against_now=stats.LOWER, against_before=stats.SIMILAR)], GREEN_KIND,
     ["significantly lower"]),
    ("green, was already significantly higher", "Green",
     [move(against_now=stats.HIGHER, against_before=stats.HIGHER)], None, []),
    ("green, higher but a break since the previous release", "Green",
     [move(against_now=stats.HIGHER, against_before=stats.SIMILAR, broken=True)], None, []),
    ("green, higher but the latest figure is suppressed", "Green",
     [move(trend=stats.RISING, against_now=stats.HIGHER, against_before=stats.SIMILAR,
           suppressed=True)], None, []),
    ("green, higher with no previous release", "Green", [move(against_now=stats.HIGHER)],
     None, []),
    ("green, not compared at the previous release", "Green",
     [move(against_now=stats.HIGHER, against_before=stats.NOT_COMPARED)], None, []),
    ("amber never flags", "Amber", [move(trend=stats.RISING)], None, []),
    ("red, every figure falling the right way", "Red",
     [move(trend=stats.FALLING, change="-6.0% a year"), move("up", stats.RISING)], RED_KIND,
     ["every linked figure", "falling in Fife (-6.0% a year)", "may be stale"]),
    ("red, one right, one not assessed", "Red",
     [move(trend=stats.FALLING), move(trend=stats.NOT_ASSESSED_SMALL)], None, []),
    ("red, one right, one no clear change", "Red", [move(trend=stats.FALLING), move()], None,
     []),
    ("red, a figure with no way is left out", "Red",
     [move(trend=stats.FALLING), move(None, stats.RISING)], RED_KIND, ["may be stale"]),
    ("red, only figures with no way", "Red", [move(None, stats.FALLING)], None, []),
    ("red, no linked figures", "Red", [], None, []),
    ("red, right way but suppressed", "Red", [move(trend=stats.FALLING, suppressed=True)],
     None, []),
]


@pytest.mark.parametrize(("case", "status", "movements", "kind", "words"), CASES,
                         ids=[c[0] for c in CASES])
def test_flags(case, status, movements, kind, words):
    found = disagreement.flags([{"ref": "X-1", "title": "An action", "rag": status}],
                               {"X-1": movements})
    assert [f.kind for f in found] == ([kind] if kind else [])
    for word in words:
        assert word in found[0].sentence


def test_several_reasons_are_counted_and_order_kept():
    found = disagreement.flags(
        [{"ref": "B", "title": "b", "rag": "Green"}, {"ref": "A", "title": "a", "rag": "Green"}],
        {"A": [move(trend=stats.RISING)],
         "B": [move(trend=stats.RISING), move("up", stats.FALLING)]})
    assert [f.ref for f in found] == ["B", "A"]
    assert "(and 1 more)" in found[0].sentence
    assert "more" not in found[1].sentence
