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


SENTENCES = [
    ("Green", [move(trend=stats.RISING, change="+8.0% a year")],
     ("Rated Green, but Re-registrations is rising in Fife (+8.0% a year), against the action's "
     "aim to bring it down.")),
    ("Complete", [move("up", stats.FALLING)],
     ("Rated Complete, but Re-registrations is falling in Fife, against the action's aim to "
     "raise it.")),
    ("Green", [move(against_now=stats.HIGHER, against_before=stats.SIMILAR)],
     ("Rated Green, but Re-registrations in Fife became significantly higher than Scotland in "
     "2023-24 (similar at the previous release), against the action's aim to bring it down.")),
    ("Green", [move("up", against_now=stats.LOWER, against_before=stats.HIGHER),
               move(trend=stats.RISING), move(trend=stats.RISING)],
     ("Rated Green, but Re-registrations in Fife became significantly lower than Scotland in "
     "2023-24 (significantly higher at the previous release), against the action's aim to "
     "raise it (and 2 more).")),
    ("Red", [move(trend=stats.FALLING, change="-6.0% a year"), move("up", stats.RISING)],
     ("Rated Red, but every linked figure moved significantly the way the action means: "
     "Re-registrations falling in Fife (-6.0% a year); Re-registrations rising in Fife. The "
     "rating may be stale.")),
    ("Red", [move(trend=stats.FALLING)] * 3,
     ("Rated Red, but every linked figure moved significantly the way the action means: "
     "Re-registrations falling in Fife; Re-registrations falling in Fife; Re-registrations "
     "falling in Fife. The rating may be stale.")),
    ("Red", [move(trend=stats.FALLING)] * 4,
     ("Rated Red, but every linked figure moved significantly the way the action means: "
     "Re-registrations falling in Fife; Re-registrations falling in Fife; Re-registrations "
     "falling in Fife and 1 more. The rating may be stale.")),
    ("Red", [move(trend=stats.FALLING)] * 5,
     ("Rated Red, but every linked figure moved significantly the way the action means: "
     "Re-registrations falling in Fife; Re-registrations falling in Fife; Re-registrations "
     "falling in Fife and 2 more. The rating may be stale.")),
]


@pytest.mark.parametrize(("status", "movements", "sentence"), SENTENCES)
def test_each_flag_in_full(status, movements, sentence):
    (flag,) = disagreement.flags([{"ref": "X-1", "title": "An action", "rag": status}],
                                 {"X-1": movements, "other": [move(trend=stats.RISING)]})
    assert flag == disagreement.Flag("X-1", "An action", status,
                                     RED_KIND if status == "Red" else GREEN_KIND, sentence)


@pytest.mark.parametrize(("movement", "right"), [
    (move(trend=stats.FALLING), True),
    (move("up", stats.RISING), True),
    (move("up", stats.FALLING), False),
    (move(trend=stats.FALLING, suppressed=True), False),
    (move(None, stats.FALLING), False),
    (move("sideways", stats.FALLING), False),
    (move(trend=stats.NO_CLEAR), False),
])
def test_right_way(movement, right):
    assert disagreement.right_way(movement) is right


@pytest.mark.parametrize("movement", [
    move("sideways", stats.RISING),  # not a way: never flags
    move(None, stats.RISING, against_now=stats.HIGHER, against_before=stats.SIMILAR),
    move(trend=stats.RISING, suppressed=True),
])
def test_wrong_way_needs_a_way_and_a_figure(movement):
    assert disagreement.wrong_way(movement) is None


def test_an_action_without_movements_and_unknown_ratings_never_flag():
    actions = [{"ref": r, "title": r, "rag": rag}
               for r, rag in (("A", "Green"), ("B", "Red"), ("C", "Not started"))]
    assert disagreement.flags(actions, {"C": [move(trend=stats.RISING)]}) == []
