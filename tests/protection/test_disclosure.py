"""The fast per-table pass of disclosure control (`disclosure.protect_counts`): no council
count between 1 and the threshold is shown, and none can be worked back by subtraction within
one table (CPC totals, Scotland minus the other councils). Table-driven, on data built to
tempt it. The equations are stated here from the reference file of councils and committees,
not taken from the code under test. Protection across tables, periods and measures (the
attacker problem) is tested in test_figures.py."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest

from cpip_dashboard.protection import disclosure
from cpip_dashboard.protection.figures import with_committees
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.reference import directory
from tests.oracles import area_equations

AREAS = directory()
COUNCILS = [a.code for a in AREAS.councils()]
P = dt.date(2024, 7, 31)
CLACKS, STIRLING = "S12000005", "S12000030"  # CPC05, joint
E_LOTHIAN, MIDLOTHIAN = "S12000010", "S12000019"  # CPC10, joint
ORKNEY, SHETLAND, EILEAN_SIAR = "S12000023", "S12000027", "S12000013"
FIFE, GLASGOW = "S12000047", "S12000049"


def frame(values: dict[str, float | None], symbols: dict[str, str] | None = None) -> pd.DataFrame:
    """Every council (default 100), the given overrides, Scotland as their sum, CPCs summed."""
    counts = {c: 100.0 for c in COUNCILS}
    counts.update(values)
    rows = [{"area_code": c, "period": P, "value": v, "symbol": (symbols or {}).get(c),
             "status": None, "batch_id": 1, "illustrative": False} for c, v in counts.items()]
    scotland = sum(v for v in counts.values() if v is not None)
    rows.append({"area_code": SCOTLAND, "period": P, "value": scotland, "symbol": None,
                 "status": None, "batch_id": 1, "illustrative": False})
    return with_committees(pd.DataFrame(rows), AREAS)


def protect(values, symbols=None, threshold=5) -> dict[str, float | None]:
    out = disclosure.protect_counts(frame(values, symbols), AREAS, threshold)
    return {a: (None if pd.isna(v) else v) for a, v in zip(out["area_code"], out["value"],
                                                              strict=True)}


EQUATIONS = area_equations()


def test_the_stated_equations_cover_every_area():
    assert len(EQUATIONS[0][1]) == 32 and len(EQUATIONS[1][1]) == 30 and len(EQUATIONS) == 32


def derivable(shown: dict[str, float | None], hidden_truth: dict[str, float]) -> list[str]:
    """Any hidden council whose value follows from one equation with one unknown."""
    leaks = []
    for total, parts in EQUATIONS:
        if shown.get(total) is None:
            continue
        unknown = [p for p in parts if shown.get(p) is None]
        if len(unknown) == 1 and unknown[0] in hidden_truth:
            leaks.append(unknown[0])
    return leaks


@pytest.mark.parametrize("values,must_hide", [
    # a small council is hidden; 0 and 5 are shown
    ({ORKNEY: 3}, [ORKNEY, "CPC22"]),
    ({ORKNEY: 1}, [ORKNEY]),
    ({ORKNEY: 4}, [ORKNEY]),
    # joint CPC with one small council: the partner (or the total) must go too
    ({CLACKS: 2}, [CLACKS]),
    ({MIDLOTHIAN: 4}, [MIDLOTHIAN]),
    # the three island councils small at once
    ({ORKNEY: 2, SHETLAND: 3, EILEAN_SIAR: 4}, [ORKNEY, SHETLAND, EILEAN_SIAR]),
    # a joint CPC whose total itself is small
    ({CLACKS: 1, STIRLING: 2}, [CLACKS, STIRLING, "CPC05"]),
])
def test_primary_and_secondary_suppression(values, must_hide):
    shown = protect(values)
    for code in must_hide:
        assert shown[code] is None, code
    assert shown[SCOTLAND] is not None  # the national figure is never suppressed
    small = {c: v for c, v in values.items() if 1 <= v < 5}
    assert derivable(shown, small) == []
    # no shown sub-national figure is in 1..4
    assert all(v is None or v == 0 or v >= 5 for a, v in shown.items() if a != SCOTLAND)


def test_scotland_minus_31_councils_cannot_reveal_the_32nd():
    shown = protect({ORKNEY: 3})
    hidden = [c for c in COUNCILS if shown[c] is None]
    assert len(hidden) >= 2, "a single hidden council is Scotland minus the other 31"
    cpcs_hidden = [a.code for a in AREAS.cpcs() if shown[a.code] is None]
    assert len(cpcs_hidden) != 1, "a single hidden CPC is Scotland minus the other 29"


def test_joint_cpc_with_one_small_council_cannot_be_subtracted():
    shown = protect({CLACKS: 3, STIRLING: 40})
    assert shown[CLACKS] is None
    # either the partner or the committee total is hidden: never both shown
    assert shown[STIRLING] is None or shown["CPC05"] is None


def test_zero_is_shown_and_threshold_is_configurable():
    assert protect({ORKNEY: 0})[ORKNEY] == 0
    assert protect({ORKNEY: 7}, threshold=10)[ORKNEY] is None
    assert protect({ORKNEY: 7}, threshold=5)[ORKNEY] == 7


def test_publisher_suppressed_cell_counts_as_hidden():
    """One council already '*' in the file: Scotland minus the rest would reveal it."""
    shown = protect({ORKNEY: None}, symbols={ORKNEY: "*"})
    assert shown[ORKNEY] is None
    others_hidden = [c for c in COUNCILS if c != ORKNEY and shown[c] is None]
    assert others_hidden, "a second council must be hidden to protect the publisher's cell"


def test_not_available_cells_do_not_force_secondary_suppression():
    """'x' (not submitted) hides no number: Scotland's total excludes it."""
    shown = protect({"S12000034": None}, symbols={"S12000034": "x"})
    assert [c for c in COUNCILS if shown[c] is None] == ["S12000034"]


@pytest.mark.parametrize("small", list(itertools.combinations([ORKNEY, SHETLAND, CLACKS,
                                                              MIDLOTHIAN, FIFE], 2)))
def test_no_leak_for_any_pair_of_small_councils(small):
    values = {c: 2.0 for c in small}
    shown = protect(values)
    assert derivable(shown, values) == []
    assert all(shown[c] is None for c in small)
