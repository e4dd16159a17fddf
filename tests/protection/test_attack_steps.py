"""Each step of `figures.protect` on its own, on small hand-built sets (no database): what the
primary suppression and the first pass hide before the attacker problem (`audit_only=True`),
the attacker problem taken a chunk at a time, its time budget, what it remembers between
publications, what an audit finds when nothing or only a non-small figure is hidden, and
what earlier releases tell it.

Written for mutation testing (issue 24; `make mutate MODULE=figures`): each case pins a
branch the whole-set tests reach only by chance, or not at all. Fast: about two seconds.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cpip_dashboard.protection import figures, sdc
from cpip_dashboard.store.areas import SCOTLAND
from tests.adversary import (
    CLACKS,
    FIFE,
    ORKNEY,
    SHETLAND,
    SIAR,
    STIRLING,
    Y1,
    Y2,
    release_rows,
    table,
)
from tests.adversary import directory as six_councils
from tests.adversary import inputs as adversary_inputs
from tests.protection.test_figures_edges import (
    P2,
    REGS_GROUP,
    A,
    B,
    D,
    hidden_keys,
    input_frame,
    n,
    small_definitions,
    small_directory,
    small_set,
    work_of,
)
from tests.protection.test_protection_fast_paths import islands_and_stock_flow

BIG = {ORKNEY: 20, SHETLAND: 30, SIAR: 25, CLACKS: 60, STIRLING: 80, FIFE: 300}
# neglect concerns, each below its register (`BIG`) by more than the threshold
CONCERNS = {ORKNEY: 2, SHETLAND: 10, SIAR: 12, CLACKS: 30, STIRLING: 40, FIFE: 100}


@pytest.fixture(autouse=True)
def forgetful(monkeypatch):
    """Every test here protects afresh (figures remembers blocks within a process)."""
    monkeypatch.setattr(figures, "_MEMORY", figures.OrderedDict())


def built_of(values: dict) -> figures.Built:
    return figures.build(adversary_inputs(values))


def hidden_counts(protected: figures.Protected, code: str) -> set:
    return {a for c, m, a in hidden_keys(protected) if c == code and m == "count"}


def earlier(*rows: tuple, publication_id: int = 1, valid_to: int | None = None,
            period=Y2) -> pd.DataFrame:
    """An earlier release's rows: (indicator, measure, area, value shown or None, truth, and
    optionally population, den_truth)."""
    names = ("indicator_code", "measure", "area_code", "value", "truth", "population",
             "den_truth")
    return release_rows([{"period": period, **dict(zip(names, r, strict=False))} for r in rows],
                        publication_id, valid_to)


# --- what each suppression step hides before the attacker problem ----------------------------


def test_an_uploaded_percentage_of_a_small_base_is_hidden_for_it():
    """A's registrations are 3 (small) and its re-registrations were not uploaded (unknown,
    so neither small nor a complement): the primary suppression hides the uploaded share of
    them for its base alone."""
    values = [("REGS", A, P2, 3, None, None, 1, False), ("REGS", B, P2, 40, None, None, 1, False),
              ("REGS", D, P2, 50, None, None, 1, False),
              ("REREG", B, P2, 10, None, None, 1, False), ("REREG", D, P2, 12, None, None, 1, False),
              ("SHARE", A, P2, 33.3, None, None, 1, False),
              ("SHARE", B, P2, 25.0, None, None, 1, False)]
    built = figures.build(figures.Inputs(small_definitions(), input_frame(values),
                                         pd.DataFrame(columns=["area_code", "year", "children"]),
                                         small_directory()))
    primary = figures.protect(built, small_directory(), 5, first_pass=False, audit_only=True)
    assert hidden_keys(primary) == {("REGS", "count", A), ("SHARE", "percent", A)}


def test_a_figure_hidden_before_stays_hidden_beside_todays_small_counts():
    """An earlier release hid Siar's register at today's value: it stays hidden, beside the
    primary suppression of today's small concern count, and the first pass treats it as a
    hidden part of its table."""
    built = built_of({**table("CP_REGISTER", Y2, BIG), **table("CONCERN_NEGLECT", Y2, CONCERNS)})
    known = earlier(("CP_REGISTER", "count", SIAR, None, 25.0))
    primary = figures.protect(built, six_councils(), 5, first_pass=False, audit_only=True,
                              known=known)
    assert hidden_keys(primary) == {("CP_REGISTER", "count", SIAR)} | {
        ("CONCERN_NEGLECT", m, a) for m in ("count", "rate") for a in (ORKNEY, "CPC22")}
    first = figures.protect(built, six_councils(), 5, audit_only=True, known=known)
    # Siar's register alone hidden among the councils would be Scotland less the others
    assert len(hidden_counts(first, "CP_REGISTER") - {SIAR, "CPC24"}) >= 1
    assert ("CP_REGISTER", "rate", SIAR) in hidden_keys(first)  # and its rate with it


def test_the_first_pass_works_a_table_with_a_count_the_publisher_withheld():
    values = table("CP_REGISTER", Y2, BIG)
    values[("CP_REGISTER", SIAR, Y2)] = "c"
    built = built_of(values)
    assert hidden_keys(figures.protect(built, six_councils(), 5, first_pass=False,
                                       audit_only=True)) == set()
    first = figures.protect(built, six_councils(), 5, audit_only=True)
    # Scotland less the shown councils would give Siar's: the smallest council goes too
    assert ORKNEY in hidden_counts(first, "CP_REGISTER")


def test_the_first_pass_hides_what_rests_on_a_base_it_hides():
    """Shetland's registrations are hidden as a second count beside Orkney's 2: its
    re-registrations as a percentage of them are hidden too (the count itself is shown), and
    no published base shows a count that is hidden."""
    built = built_of({
        **table("CP_REGISTRATIONS", Y2, {**BIG, ORKNEY: 2, SHETLAND: 12}),
        **table("CP_REREGISTRATIONS", Y2, {ORKNEY: 0, SHETLAND: 6, SIAR: 5, CLACKS: 10,
                                           STIRLING: 10, FIFE: 50})})
    first = figures.protect(built, six_councils(), 5, audit_only=True)
    assert SHETLAND in hidden_counts(first, "CP_REGISTRATIONS")
    assert SHETLAND not in hidden_counts(first, "CP_REREGISTRATIONS")  # 6 of 12: shown
    assert ("CP_REREGISTRATIONS", "percent", SHETLAND) in hidden_keys(first)
    frame = first.frame
    counts = frame[frame["measure"] == "count"].set_index(["indicator_code", "area_code"])
    percents = frame[frame["measure"] == "percent"]
    assert len(percents) == 12
    for row in percents.itertuples():
        base = counts.loc[("CP_REGISTRATIONS", row.area_code)]
        if base["suppressed"]:
            assert row.suppressed and pd.isna(row.base), row
        else:
            assert row.base == base["value"], row


def test_the_first_pass_works_at_the_threshold_it_is_given():
    """At a threshold of 3, Orkney's 2 is small; Shetland's 3 goes as the smallest other
    council; Clackmannanshire's 4 is not small and stays (at the default 5 it would not)."""
    built = built_of(table("CP_REGISTER", Y2, {ORKNEY: 2, SHETLAND: 3, SIAR: 10, CLACKS: 4,
                                               STIRLING: 30, FIFE: 40}))
    first = figures.protect(built, six_councils(), 3, audit_only=True)
    assert hidden_counts(first, "CP_REGISTER") == {ORKNEY, SHETLAND, "CPC22", "CPC23"}


# --- the attacker problem a chunk at a time ------------------------------------------------------


def four_groups() -> figures.Built:
    """Registrations and de-registrations in two years, each with a small count: four groups
    of 24 figures (a table's 12 counts and their rates), with nothing linking them."""
    values = {}
    for code in ("CP_REGISTRATIONS", "CP_DEREGISTRATIONS"):
        for period in (Y1, Y2):
            values |= table(code, period, {**BIG, ORKNEY: 2})
    return built_of(values)


def as_compared(protected: figures.Protected) -> tuple:
    return (hidden_keys(protected), protected.first_pass_unprotected, protected.notes,
            [(f.key, f.low, f.high, f.protected) for f in protected.findings])


@pytest.mark.parametrize(("chunk_rows", "chunks"), [
    (1_000, [[0, 1, 2, 3]]),
    (48, [[0, 1], [2, 3]]),  # a chunk is closed when it reaches the size
    (25, [[0, 1], [2, 3]]),
    (49, [[0, 1, 2], [3]]),
    (24, [[0], [1], [2], [3]]),
    (1, [[0], [1], [2], [3]]),
])
def test_the_attacker_problem_takes_whole_groups_a_chunk_at_a_time(monkeypatch, chunk_rows,
                                                                   chunks):
    """Groups in the order of their first figure, a chunk closed as soon as it holds
    `CHUNK_ROWS` figures or more; and the same result whatever the chunks."""
    built = four_groups()
    whole = figures.protect(built, six_councils(), 5, first_pass=False)
    order = [(code, period) for code in ("CP_REGISTRATIONS", "CP_DEREGISTRATIONS")
             for period in (Y1, Y2)]  # as built (not sorted: de-registrations sort first)
    given = []
    chunk = figures._Attack._chunk

    def noted(self, groups, positions, *rest):
        given.append([(g, len(positions[g])) for g in groups])
        return chunk(self, groups, positions, *rest)

    monkeypatch.setattr(figures._Attack, "_chunk", noted)
    monkeypatch.setattr(figures, "CHUNK_ROWS", chunk_rows)
    figures._MEMORY.clear()
    pieces = figures.protect(built, six_councils(), 5, first_pass=False)
    assert given == [[(order[i], 24) for i in part] for part in chunks]
    assert as_compared(pieces) == as_compared(whole)
    assert whole.first_pass_unprotected == 4 * 6  # every block had work to do


# --- the time budget ------------------------------------------------------------------------


def two_tables() -> figures.Built:
    return built_of({**table("CP_REGISTER", Y2, {**BIG, ORKNEY: 3}),
                     **table("CP_DEREGISTRATIONS", Y2, {**BIG, SHETLAND: 2})})


def test_past_its_time_budget_protection_hides_every_local_figure_of_each_open_table():
    built = two_tables()
    late = figures.protect(built, six_councils(), 5, first_pass=False, budget=0)
    local = built.frame[(built.frame["area_code"] != SCOTLAND) & built.frame["value"].notna()]
    assert hidden_keys(late) == {(r.indicator_code, r.measure, r.area_code)
                                 for r in local.itertuples()}
    assert late.suppressed_count == len(local) == 55
    assert late.unprotected == [] and all(f.protected for f in late.findings)
    # findings for the local figures it hid, in frame order (Scotland's are never hidden)
    hidden = late.frame[late.frame["suppressed"]]
    assert [f.key for f in late.findings if len(f.key) == 4] == [
        (r.indicator_code, r.measure, r.area_code, r.period) for r in hidden.itertuples()]
    assert late.notes == [
        f"protection ran past its time budget: every local figure of the tables linked to "
        f"{code} {Y2} is hidden" for code in ("CP_REGISTER", "CP_DEREGISTRATIONS")]
    # the audit of what it published agrees
    findings, _ = figures.audit(built, late.frame, 5)
    assert all(f.protected for f in findings)


@pytest.mark.parametrize("budget", [3600, None])
def test_within_its_time_budget_protection_hides_only_what_it_must(budget):
    built = two_tables()
    protected = figures.protect(built, six_councils(), 5, first_pass=False, budget=budget)
    assert protected.notes == [] and protected.unprotected == []
    assert hidden_counts(protected, "CP_REGISTER") == {ORKNEY, "CPC22", SIAR, "CPC24"}
    assert hidden_counts(protected, "CP_DEREGISTRATIONS") == {SHETLAND, "CPC23", ORKNEY, "CPC22"}


# --- what the attacker problem remembers, and what an audit leaves -----------------------------


def test_an_audit_leaves_nothing_that_a_publication_takes_for_protected():
    """An audit of what the first pass alone hides finds counts still pinned; a publication
    of the same set afterwards (the same blocks) protects them (an audit remembers nothing)."""
    data = adversary_inputs(islands_and_stock_flow())
    built = figures.build(data)
    first_pass = figures.protect(built, data.directory, 5, audit_only=True)
    findings, _ = figures.audit(built, first_pass.frame, 5)
    assert any(not f.protected for f in findings)
    protected = figures.protect(built, data.directory, 5)
    assert protected.unprotected == [] and hidden_keys(protected) > hidden_keys(first_pass)


# --- what an audit finds when little is hidden ------------------------------------------------


def test_an_audit_of_small_counts_shown_finds_them_pinned():
    built = built_of(table("CP_REGISTER", Y2, {**BIG, ORKNEY: 3}))
    findings, earlier_only = figures.audit(built, built.frame, 5)  # nothing hidden
    assert [(f.key, f.low, f.high, f.protected) for f in findings] == [
        (("small", n("CP_REGISTER", area)), 3.0, 3.0, False) for area in ("CPC22", ORKNEY)]
    assert earlier_only == set()


def test_an_audit_of_a_figure_hidden_alone_finds_it_pinned():
    """Nothing small, one register hidden: Scotland less the others gives it."""
    built = built_of(table("CP_REGISTER", Y2, BIG))
    frame = built.frame.copy()
    frame["suppressed"] = ((frame["indicator_code"] == "CP_REGISTER")
                           & (frame["measure"] == "count") & (frame["area_code"] == SIAR))
    findings, _ = figures.audit(built, frame, 5)
    assert [(f.key, f.low, f.high, f.protected) for f in findings] == [
        (("CP_REGISTER", "count", SIAR, Y2), 25.0, 25.0, False)]


def test_an_audit_keeps_a_cell_an_earlier_release_hid_when_nothing_is_hidden_now():
    built = built_of(table("CP_REGISTER", Y2, BIG))
    known = earlier(("CP_REGISTER", "count", CLACKS, None, 50.0))  # hidden then; 60 now
    findings, _ = figures.audit(built, built.frame, 5, known=known)
    assert [f.key for f in findings] == [("earlier", "CP_REGISTER", "count", CLACKS, Y2, 50.0)]


# --- findings under a small published total, in counts ---------------------------------------


def test_a_finding_under_a_total_of_one_is_given_in_counts():
    built = built_of(table("CP_REGISTER", Y2, {ORKNEY: 1, SHETLAND: 0, SIAR: 0, CLACKS: 0,
                                               STIRLING: 0, FIFE: 0}))
    protected = figures.protect(built, six_councils(), 5)
    assert protected.unprotected == [] and protected.findings
    assert {(f.low, f.high) for f in protected.findings} == {(0.0, 1.0)}


def test_an_audit_gives_a_pinned_count_under_a_small_total_in_counts():
    """Scotland's 3 = Orkney's 1 + Shetland's 2: their counts hidden, their rates shown. The
    attacker problem works on counts scaled by 5 / 3; its findings are given back in counts
    (low as well as high)."""
    built = built_of(table("CP_REGISTER", Y2, {ORKNEY: 1, SHETLAND: 2, SIAR: 0, CLACKS: 0,
                                               STIRLING: 0, FIFE: 0}))
    frame = built.frame.copy()
    frame["suppressed"] = ((frame["indicator_code"] == "CP_REGISTER")
                           & (frame["measure"] == "count")
                           & frame["area_code"].isin([ORKNEY, SHETLAND, "CPC22", "CPC23"]))
    findings, _ = figures.audit(built, frame, 5)
    bounds = {(f.key[2] if f.key[0] != "small" else f.key[1][2], f.key[0] == "small"):
              (f.low, f.high, f.protected) for f in findings}
    for area, count in ((ORKNEY, 1.0), (SHETLAND, 2.0), ("CPC22", 1.0), ("CPC23", 2.0)):
        assert bounds[area, False] == bounds[area, True] == (count, count, False)


# --- rows to protect again: a figure gone touches the table of its count ---------------------


@pytest.mark.parametrize(("like", "gone"), [
    (("SHARE", "percent", A), ("SHARE", "percent", D)),  # a share gone: REREG's table
    (("REREG", "count", A), ("REREG", "rate", A)),  # a measure gone altogether: its own table
])
def test_a_figure_gone_touches_the_table_of_its_count(like, gone):
    built = small_set()
    previous = figures.protect(built, small_directory(), 5).frame
    frame = built.frame
    assert not ((frame["indicator_code"] == gone[0]) & (frame["measure"] == gone[1])
                & (frame["area_code"] == gone[2])).any()
    row = previous[(previous["indicator_code"] == like[0]) & (previous["measure"] == like[1])
                   & (previous["area_code"] == like[2])].assign(measure=gone[1],
                                                                area_code=gone[2])
    kinds, _, _ = work_of(built, pd.concat([previous, row], ignore_index=True))
    assert kinds == REGS_GROUP


# --- what earlier releases give away ------------------------------------------------------------


def test_a_small_count_an_earlier_release_showed_is_given_away_by_it_alone():
    """Orkney's 3 was shown before (at a lower threshold): nothing published now can protect
    it, so it is reported and does not stop this release."""
    built = built_of(table("CP_REGISTER", Y2, {**BIG, ORKNEY: 3}))
    known = earlier(("CP_REGISTER", "count", ORKNEY, 3.0, 3.0))
    protected = figures.protect(built, six_councils(), 5, known=known)
    assert ("small", n("CP_REGISTER", ORKNEY)) in protected.earlier_only
    assert protected.blocking == []
    assert {f.key for f in protected.unprotected} == protected.earlier_only


def test_a_percentage_ties_its_count_to_its_base_in_the_attacker_problem():
    """Orkney's and Shetland's re-registrations hidden, their percentages and bases shown:
    each count is its percentage of its base (the percentage is the only link between the
    two indicators' tables)."""
    built = built_of({
        **table("CP_REGISTRATIONS", Y2, {**BIG, ORKNEY: 7}),
        **table("CP_REREGISTRATIONS", Y2, {ORKNEY: 2, SHETLAND: 6, SIAR: 5, CLACKS: 10,
                                           STIRLING: 10, FIFE: 50})})
    frame = built.frame.copy()
    frame["suppressed"] = ((frame["indicator_code"] == "CP_REREGISTRATIONS")
                           & (frame["measure"] == "count")
                           & frame["area_code"].isin([ORKNEY, SHETLAND, "CPC22", "CPC23"]))
    findings, _ = figures.audit(built, frame, 5)
    pinned = {f.key[2]: (f.low, f.high) for f in findings
              if f.key[0] == "CP_REREGISTRATIONS" and not f.protected}
    assert pinned == {ORKNEY: (2.0, 2.0), SHETLAND: (6.0, 6.0), "CPC22": (2.0, 2.0),
                      "CPC23": (6.0, 6.0)}


def test_a_percentage_an_earlier_release_showed_on_a_revised_base_joins_the_problem():
    """An earlier release showed Orkney's re-registrations as 2 of 6 (7 now): a percentage
    over an earlier quantity, linking today's table to the earlier base."""
    built = built_of({
        **table("CP_REGISTRATIONS", Y2, {**BIG, ORKNEY: 7}),
        **table("CP_REREGISTRATIONS", Y2, {ORKNEY: 2, SHETLAND: 6, SIAR: 5, CLACKS: 10,
                                           STIRLING: 10, FIFE: 50})})
    known = earlier(("CP_REREGISTRATIONS", "percent", ORKNEY, 33.3, 2.0, None, 6.0))
    protected = figures.protect(built, six_councils(), 5, known=known)
    assert protected.blocking == []
    assert ("CP_REREGISTRATIONS", "count", ORKNEY) in hidden_keys(protected)


# --- earlier releases as the attacker holds them -----------------------------------------------


def register() -> figures.Built:
    return built_of(table("CP_REGISTER", Y2, BIG))


def shares() -> figures.Built:
    return built_of({
        **table("CP_REGISTRATIONS", Y2, {**BIG, ORKNEY: 7}),
        **table("CP_REREGISTRATIONS", Y2, {ORKNEY: 2, SHETLAND: 6, SIAR: 5, CLACKS: 10,
                                           STIRLING: 10, FIFE: 50})})


def test_a_rate_shown_on_a_count_unknown_then_is_of_an_earlier_quantity():
    """Fife's rate was shown when its count was unknown (300 now): the rate is of that
    earlier, unknown count, and no relation of that release can be made without it."""
    known = pd.concat([earlier(("CP_REGISTER", "rate", FIFE, 4.3, None, 70_000.0)),
                       earlier(("CP_REGISTER", "count", "CPC14", 300.0, 300.0))],
                      ignore_index=True)
    releases = figures._Releases.of(register(), known)
    [figure] = releases.figures
    assert figure.target == ((("was", n("CP_REGISTER", FIFE), None), 1.0),)
    assert [(row.low, row.high) for row in figure.shows] == [
        pytest.approx((297.5, 304.5))]
    assert releases.relation_rows == [] and releases.public == {n("CP_REGISTER", "CPC14")}


def test_earlier_figures_each_once_and_only_what_today_does_not_show():
    known = pd.concat([
        earlier(("CP_REGISTER", "rate", SIAR, 5.8, 25.0)),  # no population: tells nothing
        earlier(("CP_REGISTER", "count", SHETLAND, 26.0, 26.0)),  # 30 now
        earlier(("CP_REGISTER", "rate", STIRLING, 4.7, 80.0, 17_000.0)),
        earlier(("CP_REGISTER", "count", SHETLAND, 30.0, 30.0), publication_id=2),  # today's
        earlier(("CP_REGISTER", "rate", STIRLING, 4.7, 80.0, 17_100.0), publication_id=2),
        earlier(("CP_REGISTER", "rate", STIRLING, 4.7, 80.0, 17_100.0), publication_id=3)],
        ignore_index=True)
    releases = figures._Releases.of(register(), known)
    assert releases.public == {n("CP_REGISTER", SHETLAND)}
    assert [(f.key[2:5], f.target[0][0]) for f in releases.figures] == [
        (("count", SHETLAND, Y2), ("was", n("CP_REGISTER", SHETLAND), 26.0)),
        (("rate", STIRLING, Y2), n("CP_REGISTER", STIRLING)),  # on 17,000 children
        (("rate", STIRLING, Y2), n("CP_REGISTER", STIRLING))]  # on 17,100 (twice: once)
    assert [f.shows[0].high for f in releases.figures[1:]] == pytest.approx(
        [4.75 * 17, 4.75 * 17.1])


def test_an_earlier_percentage_is_kept_unless_todays_shown_counts_say_the_same():
    known = pd.concat([
        earlier(("CP_REREGISTRATIONS", "percent", ORKNEY, 33.3, 2.0, None, 6.0)),  # 7 now
        earlier(("CP_REREGISTRATIONS", "percent", ORKNEY, 28.6, 2.0, None, 7.0),
                ("CP_REREGISTRATIONS", "count", ORKNEY, 2.0, 2.0),
                ("CP_REGISTRATIONS", "count", ORKNEY, 7.0, 7.0), publication_id=2)],
        ignore_index=True)
    releases = figures._Releases.of(shares(), known)
    assert releases.public == {n("CP_REREGISTRATIONS", ORKNEY), n("CP_REGISTRATIONS", ORKNEY)}
    [figure] = releases.figures
    assert figure.key[1:4] == ("CP_REREGISTRATIONS", "percent", ORKNEY)
    assert [t for t, _ in figure.shows[0].terms] == [
        n("CP_REREGISTRATIONS", ORKNEY), ("was", n("CP_REGISTRATIONS", ORKNEY), 6.0)]


def test_a_cell_hidden_in_two_releases_at_one_value_is_one_target():
    known = pd.concat([
        earlier(("CP_REGISTER", "count", CLACKS, None, 50.0)),
        earlier(("CP_REGISTER", "count", CLACKS, None, 50.0),
                ("CP_REGISTER", "count", SIAR, None, 20.0), publication_id=2)],
        ignore_index=True)
    releases = figures._Releases.of(register(), known)
    assert [t.key[3:] for t in releases.targets] == [(CLACKS, Y2, 50.0), (SIAR, Y2, 20.0)]


def test_the_relations_of_each_earlier_release_over_the_counts_in_force_then():
    """The joint committee's register and Clackmannanshire's as four releases gave them
    (Stirling's 80 throughout): the same as today's at the first (nothing to add), revised at
    the second, the same again at the third (one row), revised again at the fourth."""
    def counts(cpc05, clacks, publication_id, valid_to):
        return earlier(("CP_REGISTER", "count", "CPC05", float(cpc05), float(cpc05)),
                       ("CP_REGISTER", "count", CLACKS, None, float(clacks)),
                       publication_id=publication_id, valid_to=valid_to)

    known = pd.concat([
        counts(140, 60, 1, 2), counts(138, 58, 2, 4), counts(142, 62, 4, None),
        earlier(("CP_REGISTER", "count", STIRLING, 80.0, 80.0)),
        earlier(("CP_REGISTER", "count", STIRLING, 80.0, 80.0), publication_id=3)],
        ignore_index=True)
    releases = figures._Releases.of(register(), known)
    label = f"areas: CP_REGISTER {Y2} (an earlier release)"

    def row(cpc05, clacks):
        return sdc.Linear(((("was", n("CP_REGISTER", "CPC05"), cpc05), 1.0),
                           (("was", n("CP_REGISTER", CLACKS), clacks), -1.0),
                           (n("CP_REGISTER", STIRLING), -1.0)), 0.0, 0.0, label)

    # (each count as it stood: at the fourth release, Clackmannanshire's 62, not the 58 that
    # was in force until then)
    assert releases.relation_rows == [row(138.0, 58.0), row(142.0, 62.0)]


def test_an_earlier_publisher_figure_is_widened_to_hold_the_counts_behind_it():
    """A rate on another population, a percentage on other counts: each is widened to hold
    the truth behind it (as today's are), or the attacker problem would have no solution."""
    known = pd.concat([
        earlier(("CP_REGISTER", "rate", STIRLING, 5.0, 90.0, 17_000.0)),  # 85 at 17,000
        earlier(("CP_REREGISTRATIONS", "percent", ORKNEY, 50.0, 2.0, None, 6.0))],
        ignore_index=True)
    rate = figures._Releases.of(register(), known.iloc[[0]]).figures[0].shows[0]
    assert (rate.low, rate.high) == pytest.approx((4.95 * 17, 90.0))
    upper, lower = figures._Releases.of(shares(), known.iloc[[1]]).figures[0].shows
    assert (-upper.terms[1][1], -lower.terms[1][1]) == pytest.approx((0.5005, 2 / 6))


def test_a_count_shown_before_is_given_away_by_that_release_alone_without_a_rate():
    """As above with no population for Orkney (no rate of it today): only today's figure of
    the count the earlier release showed gives it away."""
    populations = {(a, y): p for a, p in BIG.items() if a != ORKNEY for y in (2023, 2024)}
    built = figures.build(adversary_inputs(table("CP_REGISTER", Y2, {**BIG, ORKNEY: 3}),
                                           populations))
    frame = built.frame
    assert frame.loc[(frame["area_code"] == ORKNEY) & (frame["measure"] == "rate"),
                     "value"].isna().all()
    known = earlier(("CP_REGISTER", "count", ORKNEY, 3.0, 3.0))
    protected = figures.protect(built, six_councils(), 5, known=known)
    assert ("small", n("CP_REGISTER", ORKNEY)) in protected.earlier_only
    assert protected.blocking == []


def test_an_earlier_percentage_joins_its_tables_when_today_has_none_of_it():
    """An earlier release hid Orkney's re-registrations of 2024 and showed them as a
    percentage of its registrations, shown too: it gave the count away. Today's upload has
    no re-registrations for 2024 (only for 2023): that release's percentage alone joins the
    two tables, and the cell it gave away is still reported."""
    built = built_of({**table("CP_REGISTRATIONS", Y2, {**BIG, ORKNEY: 7}),
                      **table("CP_REREGISTRATIONS", Y1, {ORKNEY: 3, SHETLAND: 6, SIAR: 5,
                                                         CLACKS: 10, STIRLING: 10, FIFE: 50})})
    known = earlier(("CP_REREGISTRATIONS", "count", ORKNEY, None, 2.0),
                    ("CP_REREGISTRATIONS", "percent", ORKNEY, 28.6, 2.0, None, 7.0),
                    ("CP_REGISTRATIONS", "count", ORKNEY, 7.0, 7.0))
    protected = figures.protect(built, six_councils(), 5, known=known)
    key = ("earlier", "CP_REREGISTRATIONS", "count", ORKNEY, Y2, 2.0)
    [finding] = [f for f in protected.findings if f.key == key]
    assert (finding.low, finding.high, finding.protected) == (2.0, 2.0, False)
    assert protected.earlier_only == {key} and protected.blocking == []


def test_a_percentage_alone_links_its_count_and_base():
    """Re-registrations as a share of registrations, with no relation declared between them
    (the small set's definitions): A's and B's counts hidden, their percentages and bases
    shown. Each count is its percentage of its base."""
    values = [("REGS", A, P2, 40, None, None, 1, False), ("REGS", B, P2, 50, None, None, 1, False),
              ("REGS", D, P2, 60, None, None, 1, False),
              ("REREG", A, P2, 10, None, None, 1, False), ("REREG", B, P2, 20, None, None, 1, False),
              ("REREG", D, P2, 30, None, None, 1, False)]
    built = figures.build(figures.Inputs(small_definitions(), input_frame(values),
                                         pd.DataFrame(columns=["area_code", "year", "children"]),
                                         small_directory()))
    assert built.relation_rows.where(lambda t: True) and not any(
        {v[1] for v, _ in row.terms} == {"REGS", "REREG"}
        for row in built.relation_rows.where(lambda t: True))
    frame = built.frame.copy()
    frame["suppressed"] = ((frame["indicator_code"] == "REREG") & (frame["measure"] == "count")
                           & frame["area_code"].isin([A, B, "C1"]))
    findings, _ = figures.audit(built, frame, 5)
    assert {f.key[2]: (f.low, f.high, f.protected) for f in findings} == {
        A: (10.0, 10.0, False), B: (20.0, 20.0, False), "C1": (30.0, 30.0, False)}


def forbid_the_attacker_problem(patch) -> None:
    """Within `patch` (a monkeypatch context), any block not remembered fails the test."""
    def not_remembered(*args, **kwargs):
        raise AssertionError("a block not remembered was given to the attacker problem")

    patch.setattr(sdc, "audit", not_remembered)
    patch.setattr(sdc, "protect", not_remembered)


def test_the_memory_of_blocks_keeps_the_latest_met_within_its_limit(monkeypatch):
    """Three sets of one block each, remembered two at most: the block met longest ago goes
    first, and meeting a block again makes it the latest."""
    monkeypatch.setattr(figures, "_MEMORY_LIMIT", 2)
    sets = {k: built_of(table("CP_REGISTER", Y2, {**BIG, ORKNEY: k})) for k in (1, 2, 3)}
    for built in sets.values():
        figures.protect(built, six_councils(), 5)
    assert len(figures._MEMORY) == 2

    def remembered(k) -> bool:
        with monkeypatch.context() as patch:
            forbid_the_attacker_problem(patch)
            try:
                figures.protect(sets[k], six_councils(), 5)
            except AssertionError:
                return False
        return True

    assert remembered(2) and remembered(3) and not remembered(1)
    figures.protect(sets[1], six_councils(), 5)  # met again: 2 goes (3 was met after it)
    assert remembered(3) and remembered(1) and not remembered(2)


def test_a_table_not_protected_again_keeps_what_the_previous_release_did_with_it():
    """Nothing changed since the previous release, protected at a threshold of 3: every
    figure keeps what that release did with it, Orkney's 4 shown, even at a threshold of 5
    (a publication protects everything afresh when the threshold changes; this is the rule
    beneath that)."""
    built = built_of(table("CP_REGISTER", Y2, {**BIG, ORKNEY: 4}))
    previous = figures.protect(built, six_councils(), 3)
    assert hidden_keys(previous) == set()
    again = figures.protect(built, six_councils(), 5, previous=previous.frame)
    assert again.protected_afresh == 0 and hidden_keys(again) == set()
    assert again.findings == [] and again.suppressed_count == 0


def test_every_figure_gone_since_the_previous_release_leaves_nothing_to_protect():
    built = built_of(table("CP_REGISTER", Y2, {**BIG, ORKNEY: 3}))
    previous = figures.protect(built, six_councils(), 5)
    data = adversary_inputs(table("CP_REGISTER", Y2, BIG))
    nothing = figures.build(figures.Inputs(data.definitions, data.values.iloc[0:0],
                                           data.populations, data.directory))
    assert nothing.frame.empty
    again = figures.protect(nothing, six_councils(), 5, previous=previous.frame,
                            known=previous.frame.assign(publication_id=1, valid_to=None))
    assert again.frame.empty and again.findings == [] and again.protected_afresh == 0
    assert list(again.frame.columns) == [*figures.COLUMNS, "truth", "den_truth"]


def test_a_group_an_earlier_release_alone_makes_is_still_audited():
    """As above, with neither count uploaded for 2024 now (only for 2023): the two tables of
    2024 have no figure today, and the earlier release's percentage joins them; what it gave
    away is reported all the same."""
    re_registrations = {ORKNEY: 3, SHETLAND: 6, SIAR: 5, CLACKS: 10, STIRLING: 10, FIFE: 50}
    built = built_of({**table("CP_REGISTRATIONS", Y1, BIG),
                      **table("CP_REREGISTRATIONS", Y1, re_registrations)})
    known = earlier(("CP_REREGISTRATIONS", "count", ORKNEY, None, 2.0),
                    ("CP_REREGISTRATIONS", "percent", ORKNEY, 28.6, 2.0, None, 7.0),
                    ("CP_REGISTRATIONS", "count", ORKNEY, 7.0, 7.0))
    protected = figures.protect(built, six_councils(), 5, known=known)
    key = ("earlier", "CP_REREGISTRATIONS", "count", ORKNEY, Y2, 2.0)
    assert [(f.key, f.low, f.high) for f in protected.findings if f.key[0] == "earlier"] == [
        (key, 2.0, 2.0)]
    assert protected.earlier_only == {key} and protected.blocking == []


def test_a_percentage_naming_no_counts_is_published_as_uploaded():
    """A percentage whose definition names neither count (nothing to tie it to): shown, and
    the attacker problem over the rest is unchanged by it."""
    definitions = {**small_definitions(), "ORPHAN": {**small_definitions()["SHARE"],
                                                     "code": "ORPHAN", "name": "ORPHAN",
                                                     "numerator": None, "denominator": None}}
    values = [("REG", A, P2, 3, None, None, 1, False), ("REG", B, P2, 10, None, None, 1, False),
              ("REG", D, P2, 20, None, None, 1, False),
              ("ORPHAN", A, P2, 12.5, None, None, 1, False)]
    built = figures.build(figures.Inputs(definitions, input_frame(values),
                                         pd.DataFrame(columns=["area_code", "year", "children"]),
                                         small_directory()))
    orphan = built.frame[built.frame["indicator_code"] == "ORPHAN"]
    assert len(orphan) == 1 and orphan["var"].isna().all()
    protected = figures.protect(built, small_directory(), 5)
    assert ("ORPHAN", "percent", A) not in hidden_keys(protected)
    assert ("REG", "count", A) in hidden_keys(protected) and protected.unprotected == []


def test_every_chunk_is_remembered(monkeypatch):
    """The attacker problem in chunks of one group each: a second publication of the same
    set finds every block remembered, whichever chunk it was in."""
    monkeypatch.setattr(figures, "CHUNK_ROWS", 24)
    built = four_groups()
    first = figures.protect(built, six_councils(), 5)

    with monkeypatch.context() as patch:
        forbid_the_attacker_problem(patch)
        again = figures.protect(built, six_councils(), 5)
    assert as_compared(again) == as_compared(first)


def test_small_and_withheld_counts_in_the_order_of_their_periods():
    """The expressions the attacker must not pin (and so the findings) in a deliberate order:
    by indicator, area, then period as a date (September before December, as text would not
    have it)."""
    quarters = [dt.date(2024, 9, 30), dt.date(2024, 12, 31), dt.date(2025, 3, 31)]
    definitions = {"Q": {**small_definitions()["REG"], "code": "Q", "name": "Q",
                         "frequency": "quarterly"}}
    values = [row for q in reversed(quarters) for row in (
        ("Q", A, q, 2, None, None, 1, False), ("Q", B, q, None, "c", None, 1, False),
        ("Q", D, q, 30, None, None, 1, False))]
    built = figures.build(figures.Inputs(definitions, input_frame(values),
                                         pd.DataFrame(columns=["area_code", "year", "children"]),
                                         small_directory()))
    sensitive, _ = figures._sensitive(built, built.frame, 5)
    assert [s.key for s in sensitive] == [("small", ("n", "Q", A, q)) for q in quarters] + [
        ("withheld", ("n", "Q", B, q)) for q in quarters]
