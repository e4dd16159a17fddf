"""Disclosure across related figures: adversarial sets built to tempt the protection, each
checked by an attacker written here, independently of the code under test.

The attacker knows every published figure (counts; rates and percentages at their published
precision, with the population or base used), the relations stated below in plain Python
(not read from the code's relations file), non-negativity and integrality; for a hidden count
it solves two linear programmes for the least and greatest value it can take. A hidden count
is protected when that interval is at least the threshold (5) wide.
"""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from cpip_dashboard.protection import figures
from cpip_dashboard.rules import indicators
from cpip_dashboard.rules.indicators import proportion_interval
from cpip_dashboard.store.areas import SCOTLAND
from tests.adversary import (
    CLACKS,
    DEFINITIONS,
    FIFE,
    JOINT,
    ORKNEY,
    POPULATION,
    SHETLAND,
    SIAR,
    STIRLING,
    Y1,
    Y2,
    T,
    assert_every_hidden_count_protected,
    attacker_interval,
    inputs,
    run,
    table,
    value_of,
)

# --- adversarial sets ----------------------------------------------------------------------


def stock_and_flow() -> dict:
    """Orkney's de-registrations are 3: its register at both ends and registrations pin them
    to within the tolerance unless more is hidden."""
    values = {}
    values |= table("CP_REGISTER", Y1, {ORKNEY: 20, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                        STIRLING: 80, FIFE: 300})
    values |= table("CP_REGISTER", Y2, {ORKNEY: 24, SHETLAND: 28, SIAR: 27, CLACKS: 55,
                                        STIRLING: 90, FIFE: 310})
    values |= table("CP_REGISTRATIONS", Y2, {ORKNEY: 7, SHETLAND: 20, SIAR: 22, CLACKS: 70,
                                             STIRLING: 100, FIFE: 400})
    values |= table("CP_DEREGISTRATIONS", Y2, {ORKNEY: 3, SHETLAND: 22, SIAR: 20, CLACKS: 75,
                                               STIRLING: 90, FIFE: 390})
    return values


def test_stock_and_flow_cannot_pin_a_suppressed_flow():
    values = stock_and_flow()
    protected = run(values)
    assert value_of(protected, "CP_DEREGISTRATIONS", "count", ORKNEY) is None
    assert_every_hidden_count_protected(protected, values)
    assert not protected.unprotected


def test_stock_and_flow_leak_is_found_when_the_attacker_problem_is_switched_off():
    """Per-table suppression alone leaves Orkney's de-registrations pinned by the flow: the
    audit names the cell."""
    protected = run(stock_and_flow(), audit_only=True)
    named = [figures_key for f in protected.unprotected for figures_key in [f.key]]
    assert ("CP_DEREGISTRATIONS", "count", ORKNEY, Y2) in named or any(
        "small" in str(k) and "CP_DEREGISTRATIONS" in str(k) and ORKNEY in str(k)
        for k in named), named


def test_percentage_beside_its_base_does_not_reveal_the_count():
    """25% of 12 re-registrations is 3."""
    values = table("CP_REGISTRATIONS", Y2, {ORKNEY: 12, SHETLAND: 40, SIAR: 30, CLACKS: 70,
                                            STIRLING: 90, FIFE: 400})
    values |= table("CP_REREGISTRATIONS", Y2, {ORKNEY: 3, SHETLAND: 6, SIAR: 7, CLACKS: 9,
                                               STIRLING: 12, FIFE: 60})
    protected = run(values)
    assert value_of(protected, "CP_REREGISTRATIONS", "percent", ORKNEY) is None
    assert value_of(protected, "CP_REREGISTRATIONS", "count", ORKNEY) is None
    assert value_of(protected, "CP_REREGISTRATIONS", "percent", FIFE) == 15.0
    assert_every_hidden_count_protected(protected, values)


@pytest.mark.parametrize("rate,population,hidden", [
    (0.5, 4000, True),     # implies 2 children
    (1.0, 4000, True),     # implies 4
    (1.25, 4000, False),   # implies 5
    (0.0, 4000, False),    # zero is shown
    (0.1, 70000, False),   # implies 7
])
def test_uploaded_rate_implying_a_small_count_is_suppressed(rate, population, hidden):
    values = {("CP_REGISTER_RATE", ORKNEY, Y2): rate}
    protected = run(values, {(ORKNEY, 2024): population})
    assert (value_of(protected, "CP_REGISTER_RATE", "rate", ORKNEY) is None) is hidden


def test_uploaded_rate_with_a_neighbouring_years_population_is_suppressed():
    """0.769 per 1,000 of 3,900 children (a population two years away) implies 3."""
    values = {("CP_REGISTER_RATE", ORKNEY, Y2): 0.769, ("CP_REGISTER_RATE", FIFE, Y2): 4.1}
    populations = {(ORKNEY, 2022): 3_900, (FIFE, 2024): 70_000}
    protected = run(values, populations)
    assert value_of(protected, "CP_REGISTER_RATE", "rate", ORKNEY) is None
    assert value_of(protected, "CP_REGISTER_RATE", "rate", FIFE) == 4.1


@pytest.mark.parametrize("count,population,hidden", [
    (3, 3_900, True),     # 0.8 per 1,000 pins 3
    (4, 60_000, True),    # a small count: hidden whatever the rounding
    (12, 3_900, False),   # 3.1 per 1,000: 12 is not small
    (0, 3_900, False),    # zero is shown
])
def test_rates_at_published_precision(count, population, hidden):
    counts = {ORKNEY: count, SHETLAND: 40, SIAR: 30, CLACKS: 70, STIRLING: 90, FIFE: 400}
    pops = {(a, 2024): (population if a == ORKNEY else n) for a, n in POPULATION.items()}
    protected = run(table("CP_REGISTER", Y2, counts), pops)
    rate = value_of(protected, "CP_REGISTER", "rate", ORKNEY)
    assert (rate is None) == hidden
    if rate is not None:
        assert rate == round(count / population * 1000, 1)  # one decimal place, no more


def test_rates_without_counts_get_secondary_suppression():
    """Scotland's count and every council's rate but one: the hidden council is Scotland
    minus the others' implied counts, unless more is hidden."""
    counts = {ORKNEY: 3, SHETLAND: 30, SIAR: 50, CLACKS: 60, STIRLING: 90, FIFE: 200}
    values = {("CP_REGISTER", SCOTLAND, Y2): float(sum(counts.values()))}
    # Small populations: the other councils' rates at one decimal place pin their counts to
    # within 46,900 x 0.1 / 1,000 = 4.7 children in all.
    population = {ORKNEY: 3_900, SHETLAND: 4_600, SIAR: 4_300, CLACKS: 8_000, STIRLING: 10_000,
                  FIFE: 20_000}
    for area, count in counts.items():
        values[("CP_REGISTER_RATE", area, Y2)] = count / population[area] * 1000
    protected = run(values, {(a, 2024): n for a, n in population.items()})
    assert value_of(protected, "CP_REGISTER_RATE", "rate", ORKNEY) is None
    shown_rates = protected.frame[(protected.frame["measure"] == "rate")
                                  & protected.frame["value"].notna()]
    assert len(shown_rates[shown_rates["area_code"] != SCOTLAND]) < 5  # a second rate hidden
    low, high = attacker_interval(protected.frame, ("CP_REGISTER", ORKNEY, Y2))
    assert high - low >= T, (low, high)
    assert not protected.unprotected


def test_joint_committee_with_one_small_council():
    values = table("CP_REGISTER", Y2, {ORKNEY: 40, SHETLAND: 30, SIAR: 25, CLACKS: 3,
                                       STIRLING: 80, FIFE: 300})
    protected = run(values)
    assert value_of(protected, "CP_REGISTER", "count", CLACKS) is None
    assert value_of(protected, "CP_REGISTER", "count", JOINT) is None \
        or value_of(protected, "CP_REGISTER", "count", STIRLING) is None
    assert_every_hidden_count_protected(protected, values)


def test_islands_all_small():
    values = table("CP_REGISTER", Y2, {ORKNEY: 2, SHETLAND: 4, SIAR: 1, CLACKS: 60,
                                       STIRLING: 80, FIFE: 300})
    protected = run(values)
    for island in (ORKNEY, SHETLAND, SIAR):
        assert value_of(protected, "CP_REGISTER", "count", island) is None
    assert_every_hidden_count_protected(protected, values)


def test_attribute_disclosure_every_child_has_the_concern():
    """Orkney: 6 children on the register, all 6 with neglect recorded."""
    values = table("CP_REGISTER", Y2, {ORKNEY: 6, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                       STIRLING: 80, FIFE: 300})
    values |= table("CONCERN_NEGLECT", Y2, {ORKNEY: 6, SHETLAND: 10, SIAR: 9, CLACKS: 20,
                                            STIRLING: 30, FIFE: 100})
    protected = run(values)
    assert value_of(protected, "CP_REGISTER", "count", ORKNEY) == 6  # the total stays
    assert value_of(protected, "CONCERN_NEGLECT", "count", ORKNEY) is None
    shown = protected.frame
    low, high = attacker_interval(shown, ("CONCERN_NEGLECT", ORKNEY, Y2))
    assert high - low >= T


def test_published_precision_reaches_the_series():
    values = table("CP_REGISTER", Y2, {ORKNEY: 40, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                       STIRLING: 80, FIFE: 333})
    protected = run(values)
    rates = protected.frame[protected.frame["measure"] == "rate"]["value"].dropna()
    assert len(rates) and all(r == round(r, 1) for r in rates)
    assert value_of(protected, "CP_REGISTER", "rate", FIFE) == 4.8  # 333 / 70,000 = 4.757


def test_a_declared_relation_the_data_break_is_widened_and_noted():
    values = stock_and_flow()
    values[("CP_DEREGISTRATIONS", FIFE, Y2)] = 300  # Fife's flow is off by 90
    values[("CP_DEREGISTRATIONS", SCOTLAND, Y2)] -= 90
    protected = run(values)
    assert any("stock_flow" in note and FIFE in note for note in protected.notes)
    assert not protected.unprotected


def test_a_rate_is_illustrative_when_its_population_is():
    """An official count over an illustrative child population gives an illustrative rate."""
    values = table("CP_REGISTER", Y2, {ORKNEY: 40, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                       STIRLING: 80, FIFE: 300})
    data = inputs(values)
    data.populations["illustrative"] = data.populations["area_code"] == FIFE
    protected = figures.protect(figures.build(data), data.directory, T)
    f = protected.frame
    flags = f[(f["period"] == Y2) & (f["indicator_code"] == "CP_REGISTER")].set_index(["measure", "area_code"])["illustrative"]
    assert flags[("rate", FIFE)] and not flags[("count", FIFE)]
    assert not flags[("rate", ORKNEY)]
    assert flags[("rate", SCOTLAND)] and flags[("rate", "CPC14")]  # summed from Fife's


def test_the_threshold_is_configurable():
    """With a threshold of 10, a count of 7 is small, and its hidden range is at least 10."""
    values = table("CP_REGISTER", Y2, {ORKNEY: 7, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                       STIRLING: 80, FIFE: 300})
    assert value_of(run(values), "CP_REGISTER", "count", ORKNEY) == 7
    protected = run(values, threshold=10)
    assert value_of(protected, "CP_REGISTER", "count", ORKNEY) is None
    low, high = attacker_interval(protected.frame, ("CP_REGISTER", ORKNEY, Y2))
    assert high - low >= 10 and not protected.unprotected


@pytest.mark.parametrize("count,base", [(3, 12), (0, 40), (40, 40), (61, 420)])
def test_percentages_are_compared_by_wilsons_interval(count, base):
    percent, low, high = proportion_interval(count, base)
    expected_low, expected_high = proportion_confint(count, base, alpha=0.05, method="wilson")
    assert percent == pytest.approx(count / base * 100)
    assert (low, high) == (pytest.approx(expected_low * 100, abs=1e-4),
                           pytest.approx(expected_high * 100, abs=1e-4))


def test_area_profile_row_of_a_percentage_says_so_and_is_compared():
    values = table("CP_REGISTRATIONS", Y2, {ORKNEY: 60, SHETLAND: 40, SIAR: 30, CLACKS: 70,
                                            STIRLING: 90, FIFE: 400})
    values |= table("CP_REREGISTRATIONS", Y2, {ORKNEY: 30, SHETLAND: 6, SIAR: 7, CLACKS: 9,
                                               STIRLING: 12, FIFE: 60})
    data = inputs(values)
    frame = figures.protect(figures.build(data), data.directory, T).frame
    mine = frame[(frame["indicator_code"] == "CP_REREGISTRATIONS")
                 & (frame["measure"] == "percent")]
    row = indicators.profile_row(DEFINITIONS["CP_REREGISTRATIONS"], "percent", mine, ORKNEY,
                                 data.directory, 1)
    assert row["Measure"] == "Per cent" and row["This area"] == "50.0"
    assert row["Compared with Scotland"] == "Significantly higher"


def area_rows(built, period=Y2, code="CP_REGISTER"):
    """The area sums of one table, as iterating the relations gives them."""
    return [r for r in built.relation_rows if r.label == f"areas: {code} {period}"]


def test_an_area_sum_the_data_break_is_widened_in_its_place():
    """Scotland uploaded as 10 more than its councils: both of its area sums are widened to
    the data, noted, and given back widened wherever the rows are read."""
    values = table("CP_REGISTER", Y2, {ORKNEY: 3, SHETLAND: 30, SIAR: 25, CLACKS: 60,
                                       STIRLING: 80, FIFE: 300})
    values[("CP_REGISTER", SCOTLAND, Y2)] += 10
    data = inputs(values)
    built = figures.build(data)
    notes = [n for n in built.relation_notes if n.startswith(f"areas: CP_REGISTER {Y2}")]
    assert len(notes) == 2 and all("the data give 10" in n for n in notes)
    rows = area_rows(built)
    assert len(rows) == 2 + 5  # Scotland = councils, = committees; each committee
    assert [(r.low, r.high) for r in rows[:2]] == [(0.0, 10.0), (0.0, 10.0)]
    assert all((r.low, r.high) == (0.0, 0.0) for r in rows[2:])
    assert built.relation_rows.where(lambda t: t == ("CP_REGISTER", Y2))[:7] == rows
    assert not [r for r in built.relation_rows.where(lambda t: False)
                if r.label.startswith("areas")]
    protected = figures.protect(built, data.directory, T)
    assert value_of(protected, "CP_REGISTER", "count", ORKNEY) is None
    assert not protected.unprotected


def test_area_sums_no_unknown_count_can_fit_are_widened_by_the_least():
    """Scotland not uploaded, a committee uploaded as 50 beside councils adding up to 140:
    Scotland = its councils and Scotland = its committees cannot both hold for any Scotland;
    the least widening (90, on one of them) is found and kept with the row."""
    counts = {ORKNEY: 3, SHETLAND: 30, SIAR: 25, CLACKS: 60, STIRLING: 80, FIFE: 300}
    values = {("CP_REGISTER", a, Y2): v for a, v in counts.items()}
    values[("CP_REGISTER", JOINT, Y2)] = 50
    data = inputs(values)
    built = figures.build(data)
    fitted = [n for n in built.relation_notes if "nobody knows" in n]
    assert len(fitted) == 1 and fitted[0].startswith(f"areas: CP_REGISTER {Y2}")
    rows = area_rows(built)
    widened = [r for r in rows[:2] if (r.low, r.high) != (0.0, 0.0)]
    assert len(widened) == 1 and widened[0].high - widened[0].low == 90
    joint = next(r for r in rows[2:] if r.terms[0][0][2] == JOINT)
    assert (joint.low, joint.high) == (-90.0, 0.0)  # all known: widened to the data
    protected = figures.protect(built, data.directory, T)
    assert value_of(protected, "CP_REGISTER", "count", ORKNEY) is None
    assert not protected.unprotected
