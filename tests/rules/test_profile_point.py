"""The Area profile chart's points: each indicator's latest rate as a percentage of Scotland's,
with its interval, and the same comparison as the table's."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cpip_dashboard.rules import indicators
from cpip_dashboard.store import reference
from cpip_dashboard.store.areas import SCOTLAND

FIFE = "S12000047"
DEFINITION = {"code": "CP_REGISTER", "name": "Register", "frequency": "annual",
              "unit": "count", "polarity": "lower is better"}


def _frame(fife: tuple, scotland: tuple = (9_000, 1_000_000)) -> pd.DataFrame:
    """Fife's and Scotland's rate per 1,000 in 2024 from (count, population); a None count
    is a suppressed figure."""
    rows = []
    for area, (count, population) in ((FIFE, fife), (SCOTLAND, scotland)):
        hidden = count is None
        rows.append({"area_code": area, "period": dt.date(2024, 7, 31),
                     "value": None if hidden else count / population * 1000,
                     "symbol": "[c]" if hidden else None, "status": None, "batch_id": 1,
                     "suppressed": hidden, "count": count, "population": population,
                     "illustrative": False})
    return pd.DataFrame(rows, columns=indicators.COLUMNS)


@pytest.mark.parametrize("fife,relative,comparison", [
    ((600, 60_000), 111.1, "Significantly higher (worse)"),  # 10.0 against 9.0, interval clear
    ((540, 60_000), 100.0, "Similar"),
    ((6, 1_000), 66.7, "Similar"),  # a wide interval spans Scotland's figure
    ((300, 60_000), 55.6, "Significantly lower (better)"),
])
def test_point_is_a_percentage_of_scotlands_with_the_tables_comparison(fife, relative,
                                                                      comparison):
    frame = _frame(fife)
    point = indicators.profile_point(DEFINITION, indicators.RATE, frame, FIFE,
                                     reference.directory())
    assert point["relative"] == pytest.approx(relative, abs=0.1)
    assert point["lower"] < point["relative"] < point["upper"]
    assert point["Comparison"] == comparison
    row = indicators.profile_row(DEFINITION, indicators.RATE, frame, FIFE,
                                 reference.directory(), 1)
    assert row["Compared with Scotland"] == comparison  # the chart and the table agree


def test_no_point_where_nothing_can_be_placed_against_scotland():
    directory = reference.directory()
    frame = _frame((600, 60_000))
    assert indicators.profile_point(DEFINITION, indicators.COUNT, frame, FIFE, directory) is None
    assert indicators.profile_point(DEFINITION, indicators.RATE, frame, SCOTLAND,
                                    directory) is None
    hidden = indicators.profile_point(DEFINITION, indicators.RATE, _frame((None, 60_000)),
                                      FIFE, directory)
    assert hidden is None  # a suppressed figure is never placed
    assert indicators.profile_point(DEFINITION, indicators.RATE, _frame((600, 60_000))[
        lambda f: f["area_code"] == FIFE], FIFE, directory) is None  # no Scotland figure
