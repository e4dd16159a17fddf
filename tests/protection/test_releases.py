"""Disclosure that holds from one release to the next (issue 19): each class of attack an
independent review used, built from a hand-worked example, and checked with an attacker
written in the tests (`adversary.release_attacker`: whole numbers, every release, the
relations of CONTRACT.md) rather than with the code under test."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

import pandas as pd
import pytest

from cpip_dashboard.protection import figures, sdc
from tests.adversary import (
    CLACKS,
    COUNCILS,
    DEFINITIONS,
    FIFE,
    ORKNEY,
    SCOTLAND,
    SHETLAND,
    SIAR,
    STIRLING,
    Y1,
    Y2,
    as_release,
    directory,
    hidden_counts,
    inputs,
    release_attacker,
    run,
    table,
    truth_of,
)
from tests.protection.test_figures import stock_and_flow as orkney_flow  # Orkney de-registers 3

T = 5


def leaks(releases: list[tuple[pd.DataFrame, dict]], sets: list[figures.Protected]) -> list:
    """Every count hidden in any of the releases that the attacker pins narrower than T."""
    found = []
    for at, protected in enumerate(sets):
        for key in hidden_counts(protected):
            low, high = release_attacker(releases, key, at=at)
            if high - low < T:
                found.append((at, key, low, high))
    return found


# --- two releases side by side ---------------------------------------------------------------

# Release 1: Orkney's 1 is hidden with a partner. Release 2 corrects Clackmannanshire from 21
# to 2 (and Scotland with it): protected on its own, release 2 hides Clackmannanshire with
# another partner and shows one that release 1 hid; side by side the two give Orkney away.
RELEASE_1 = {ORKNEY: 1, SHETLAND: 30, SIAR: 14, CLACKS: 21, STIRLING: 3, FIFE: 3}
RELEASE_2 = {**RELEASE_1, CLACKS: 2}


def test_a_release_protected_on_its_own_leaks_beside_the_one_before():
    first = run(table("CP_REGISTER", Y2, RELEASE_1))
    alone = run(table("CP_REGISTER", Y2, RELEASE_2))  # what ignoring earlier releases gives
    releases = [(first.frame, truth_of(table("CP_REGISTER", Y2, RELEASE_1))),
                (alone.frame, truth_of(table("CP_REGISTER", Y2, RELEASE_2)))]
    assert leaks(releases, [first, alone]), "the example must leak when releases are ignored"


def test_a_release_protected_against_the_one_before_leaks_nothing():
    v1, v2 = table("CP_REGISTER", Y2, RELEASE_1), table("CP_REGISTER", Y2, RELEASE_2)
    first = run(v1)
    second = run(v2, known=as_release(first, 1))
    assert not second.blocking
    assert leaks([(first.frame, truth_of(v1)), (second.frame, truth_of(v2))],
                 [first, second]) == []
    # what release 1 hid at a value unchanged since stays hidden
    assert set(hidden_counts(first)) - {("CP_REGISTER", CLACKS, Y2)} <= set(
        hidden_counts(second))


def test_a_correction_that_only_a_shown_total_can_reveal_is_refused():
    """Shetland revised from 30 to 2 with Scotland's total: every other council was shown at
    the same value before, so Scotland's new total minus them is Shetland's 2. Nothing
    suppressible can help (Scotland is never hidden): the change cannot be published."""
    v1 = table("CP_REGISTER", Y2, {ORKNEY: 12, SHETLAND: 30, SIAR: 14, CLACKS: 23,
                                   STIRLING: 17, FIFE: 40})
    v2 = {**v1, ("CP_REGISTER", SHETLAND, Y2): 2,
          ("CP_REGISTER", SCOTLAND, Y2): v1[("CP_REGISTER", SCOTLAND, Y2)] - 28}
    first = run(v1)
    second = run(v2, known=as_release(first, 1))
    blocked = {f.key for f in second.blocking}
    assert ("CP_REGISTER", "count", SHETLAND, Y2) in blocked or any(
        isinstance(k, tuple) and SHETLAND in k for k in blocked), blocked


def test_a_cell_earlier_releases_alone_give_away_does_not_block_a_new_release():
    """Release 1 hid nothing it should have (a stand-in for an old mistake): its finding is
    reported, but a later release that adds nothing to it is not refused."""
    v1 = table("CP_REGISTER", Y2, {ORKNEY: 3, SHETLAND: 30, SIAR: 14, CLACKS: 23,
                                   STIRLING: 17, FIFE: 40})
    leaky = run(v1, audit_only=True, first_pass=False)
    frame = leaky.frame.copy()
    shown_all = figures.build(inputs(v1)).frame  # everything, Orkney's 3 included
    frame["value"] = shown_all["value"].to_numpy()
    frame["suppressed"] = False
    second = run(v1, known=as_release(figures.Protected(frame, [], [], 0, 0, 0), 1))
    orkney = [f for f in second.unprotected if ORKNEY in str(f.key)]
    assert orkney and not second.blocking


# --- counts the publisher already suppressed --------------------------------------------------


def stock_and_flow() -> dict:
    register_y1 = {ORKNEY: 31, SHETLAND: 44, SIAR: 25, CLACKS: 52, STIRLING: 38, FIFE: 57}
    registrations = {ORKNEY: 12, SHETLAND: 30, SIAR: 17, CLACKS: 26, STIRLING: 21, FIFE: 33}
    deregistrations = {ORKNEY: 15, SHETLAND: 28, SIAR: 11, CLACKS: 30, STIRLING: 19, FIFE: 21}
    register_y2 = {a: register_y1[a] + registrations[a] - deregistrations[a] for a in COUNCILS}
    return {**table("CP_REGISTER", Y1, register_y1), **table("CP_REGISTER", Y2, register_y2),
            **table("CP_REGISTRATIONS", Y2, registrations),
            **table("CP_DEREGISTRATIONS", Y2, deregistrations)}


@pytest.mark.parametrize("symbol", ["c", "[c]", "*"])
def test_a_count_the_publisher_suppressed_is_protected_like_a_small_one(symbol):
    """Fife's de-registrations uploaded as a suppression symbol: register this year minus
    last year plus registrations gives them within 2 unless more is hidden."""
    values = stock_and_flow()
    key = ("CP_DEREGISTRATIONS", FIFE, Y2)
    truth = truth_of(values)
    values[key] = symbol
    protected = run(values)
    attacker_truth = {k: v for k, v in truth.items() if k != key}  # unknown to anyone
    low, high = release_attacker([(protected.frame, attacker_truth)], key)
    assert high - low >= T, (low, high)
    withheld = [f for f in protected.findings if f.key == ("withheld", ("n", *key))]
    assert withheld and withheld[0].protected
    assert not protected.blocking


# --- a new indicator declares its relations ---------------------------------------------------


def test_a_declared_total_over_two_periods_joins_the_attacker_problem():
    """A two-year total of registrations declared `sum of CP_REGISTRATIONS over 2 periods`:
    total minus the shown year would give a hidden year. With the relation declared, the
    protection hides enough; the attacker (told the same relation) finds nothing."""
    registrations_y1 = {ORKNEY: 3, SHETLAND: 30, SIAR: 17, CLACKS: 26, STIRLING: 21, FIFE: 33}
    registrations_y2 = {ORKNEY: 12, SHETLAND: 28, SIAR: 19, CLACKS: 24, STIRLING: 20, FIFE: 31}
    values = {**table("CP_REGISTRATIONS", Y1, registrations_y1),
              **table("CP_REGISTRATIONS", Y2, registrations_y2)}
    two_year = {a: registrations_y1[a] + registrations_y2[a] for a in COUNCILS}
    values.update(table("REG_2YR", Y2, two_year))
    data = inputs(values)
    definitions = {**DEFINITIONS, "REG_2YR": {
        "code": "REG_2YR", "name": "Registrations in two years", "unit": "count",
        "frequency": "annual", "numerator": None, "denominator": None, "polarity": "neither",
        "relation": "sum of CP_REGISTRATIONS over 2 periods"}}
    data = figures.Inputs(definitions, data.values, data.populations, data.directory)
    protected = figures.protect(figures.build(data), data.directory, T)
    assert not protected.blocking
    extra = [("REG_2YR", [("CP_REGISTRATIONS", 0), ("CP_REGISTRATIONS", 1)])]
    truth = truth_of(values)
    for key in hidden_counts(protected):
        low, high = release_attacker([(protected.frame, truth)], key, extra=extra)
        assert high - low >= T, (key, low, high)
    assert ("CP_REGISTRATIONS", ORKNEY, Y1) in hidden_counts(protected)


def test_the_family_of_a_declared_relation_is_protected_together():
    definitions = {**DEFINITIONS, "REG_2YR": {
        "code": "REG_2YR", "unit": "count", "relation": "sum of CP_REGISTRATIONS over 2 periods"}}
    family = figures.family(definitions, {"REG_2YR"})
    assert {"REG_2YR", "CP_REGISTRATIONS", "CP_REGISTER", "CP_DEREGISTRATIONS",
            "CP_REREGISTRATIONS"} <= family


# --- a Scotland total below the threshold --------------------------------------------------------


def test_parts_of_a_scotland_total_below_the_threshold_are_protected_as_0_to_it():
    """Scotland's 3 children with neglect recorded: no part can be wider than 0 to 3, so
    that is what protects them (and the change is published)."""
    values = {**table("CP_REGISTER", Y2, {ORKNEY: 31, SHETLAND: 44, SIAR: 25, CLACKS: 52,
                                          STIRLING: 38, FIFE: 57}),
              **table("CONCERN_NEGLECT", Y2, {ORKNEY: 0, SHETLAND: 2, SIAR: 0, CLACKS: 1,
                                              STIRLING: 0, FIFE: 0})}
    protected = run(values)
    assert not protected.blocking
    for key in hidden_counts(protected):
        if key[0] == "CONCERN_NEGLECT" and key[1] in COUNCILS:
            low, high = release_attacker([(protected.frame, truth_of(values))], key)
            assert (low, high) == (0, 3), (key, low, high)


def test_release_attacker_sees_what_a_shown_table_tells():
    """The test's own attacker, on a table shown whole: every count pinned."""
    values = table("CP_REGISTER", Y2, {ORKNEY: 31, SHETLAND: 44, SIAR: 25, CLACKS: 52,
                                       STIRLING: 38, FIFE: 57})
    protected = run(values)
    assert release_attacker([(protected.frame, truth_of(values))],
                            ("CP_REGISTER", FIFE, Y2)) == (57, 57)
    assert isinstance(Y1, dt.date) and directory().areas


def test_a_publisher_rate_on_another_population_is_widened_not_left_infeasible():
    """Fife's rate uploaded as published (on the publisher's population estimate: 0.9 per
    1,000, where our 70,000 children and the count of 57 give 0.8): the relation is widened
    to include the count, so the component stays feasible and protected, never "infeasible"."""
    register = {ORKNEY: 31, SHETLAND: 3, SIAR: 25, CLACKS: 52, STIRLING: 38, FIFE: 57}
    values = {**table("CP_REGISTER", Y2, register), ("CP_REGISTER_RATE", FIFE, Y2): 0.9}
    protected = run(values)
    assert not [f for f in protected.findings if "infeasible" in f.note]
    assert not protected.blocking
    for key in hidden_counts(protected):
        low, high = release_attacker([(protected.frame[protected.frame["measure"] == "count"],
                                       truth_of(values))], key)
        assert high - low >= T, (key, low, high)


def _off_earlier_releases(monkeypatch):
    monkeypatch.setattr(figures._Releases, "of", classmethod(lambda cls, built, known: cls()))


def _off_publisher_suppressions(monkeypatch):
    monkeypatch.setattr(figures, "_publisher_suppressed", lambda built, frame: set())


def _off_attacker_suppressions(monkeypatch):
    monkeypatch.setattr(sdc, "protect", lambda *args, **kwargs: set())
    # what protecting the same blocks gave, remembered in this process: a memory of its own
    # for this test, so that nothing protected without the attacker is remembered after it
    monkeypatch.setattr(figures, "_MEMORY", OrderedDict())


def _two_releases() -> tuple[list, list]:
    v1, v2 = table("CP_REGISTER", Y2, RELEASE_1), table("CP_REGISTER", Y2, RELEASE_2)
    first = run(v1)
    second = run(v2, known=as_release(first, 1))
    return [(first.frame, truth_of(v1)), (second.frame, truth_of(v2))], [first, second]


def _withheld() -> tuple[list, list]:
    values = stock_and_flow()
    key = ("CP_DEREGISTRATIONS", FIFE, Y2)
    truth = {k: v for k, v in truth_of(values).items() if k != key}
    values[key] = "c"
    protected = run(values)
    return [(protected.frame, truth)], [protected, key]


def _small_in_stock_and_flow() -> tuple[list, list]:
    values = orkney_flow()
    protected = run(values)
    return [(protected.frame, truth_of(values))], [protected]


@pytest.mark.parametrize("switch_off,scenario", [
    (_off_earlier_releases, _two_releases),
    (_off_publisher_suppressions, _withheld),
    (_off_attacker_suppressions, _small_in_stock_and_flow),
], ids=["earlier releases", "publisher suppressions", "the attacker problem's suppressions"])
def test_each_protection_switched_off_lets_the_attacker_in(switch_off, scenario, monkeypatch):
    """With each protection on, the scenario leaks nothing; switched off, the independent
    attacker pins a cell (so each protection is doing work the others do not)."""
    def pinned() -> list:
        releases, sets = scenario()
        if isinstance(sets[-1], tuple):  # a withheld cell: its own key
            _, key = sets
            low, high = release_attacker(releases, key)
            return [] if high - low >= T else [(key, low, high)]
        return leaks(releases, sets)

    assert pinned() == []
    switch_off(monkeypatch)
    assert pinned()
