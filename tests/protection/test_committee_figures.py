"""Committee (CPC) figures, through the import pipeline and `series.indicator_series`
(CONTRACT.md, "CPC and Scotland figures"): where no value was uploaded for a CPC and period,
its count is the sum of its councils' counts when every council has one; an uploaded CPC value
wins; the CPC's rate is recomputed from the summed count and the summed child population, never
an average of the councils' rates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.protection.series import indicator_series
from tests.files import xlsx

EAST_LOTHIAN, MIDLOTHIAN, CPC10 = "S12000010", "S12000019", "CPC10"  # CPC10 = those two
CHILDREN = {EAST_LOTHIAN: 20_000, MIDLOTHIAN: 10_000}


def period(year: int) -> dt.date:
    return dt.date(year, 7, 31)


@pytest.fixture
def loaded(engine):
    rows = [["Indicator", "Area", "Period", "Value"],
            # 2023-24: both councils -> CPC10 is their sum, 70
            ["CP_REGISTER", EAST_LOTHIAN, "2023-24", 60], ["CP_REGISTER", MIDLOTHIAN, "2023-24", 10],
            # 2022-23: Midlothian has no value -> no CPC10 figure
            ["CP_REGISTER", EAST_LOTHIAN, "2022-23", 50],
            # 2021-22: CPC10 uploaded as 75 -> 75, not the sum 60
            ["CP_REGISTER", EAST_LOTHIAN, "2021-22", 40], ["CP_REGISTER", MIDLOTHIAN, "2021-22", 20],
            ["CP_REGISTER", CPC10, "2021-22", 75],
            # 2020-21: Midlothian's figure is a publisher's "not available" symbol -> no sum
            ["CP_REGISTER", EAST_LOTHIAN, "2020-21", 30], ["CP_REGISTER", MIDLOTHIAN, "2020-21", "x"]]
    populations = [["Area", "Year", "Children aged 0-17"]] + [
        [area, year, children] for area, children in CHILDREN.items()
        for year in (2021, 2022, 2023, 2024)]
    report = run_import(engine, "cpc.xlsx", xlsx({"Indicators": rows,
                                                  "Populations": populations}), user="t")
    assert report.outcome == "committed", report.errors
    return engine


def figures(engine, code: str, measure: str, area: str) -> dict[dt.date, float | None]:
    with engine.connect() as conn:
        frame = indicator_series(conn, code, measure, 5)
    mine = frame[frame["area_code"] == area]
    return {p: (None if pd.isna(v) else float(v)) for p, v in zip(mine["period"], mine["value"],
                                                              strict=True)}


def test_committee_count_is_the_sum_only_when_every_council_has_one(loaded):
    counts = figures(loaded, "CP_REGISTER", "count", CPC10)
    assert counts[period(2024)] == 70
    assert counts.get(period(2023)) is None  # Midlothian missing
    assert counts.get(period(2021)) is None  # Midlothian "x"


def test_an_uploaded_committee_value_wins_over_the_sum(loaded):
    assert figures(loaded, "CP_REGISTER", "count", CPC10)[period(2022)] == 75


def test_committee_rate_is_recomputed_from_summed_counts_and_populations(loaded):
    rates = figures(loaded, "CP_REGISTER", "rate", CPC10)
    # (60 + 10) / (20,000 + 10,000) x 1,000 = 2.33 (rates may be stored rounded to 0.1);
    # the mean of the councils' rates (3.0 and 1.0) would be 2.0
    assert rates[period(2024)] == pytest.approx(70 / 30_000 * 1000, abs=0.05)
    assert figures(loaded, "CP_REGISTER", "rate", EAST_LOTHIAN)[period(2024)] == \
        pytest.approx(3.0, abs=0.05)
    assert figures(loaded, "CP_REGISTER", "rate", MIDLOTHIAN)[period(2024)] == \
        pytest.approx(1.0, abs=0.05)
    # the uploaded committee count over the summed population
    assert rates[period(2022)] == pytest.approx(75 / 30_000 * 1000, abs=0.05)
    assert rates.get(period(2023)) is None
    # the rate indicator built on the register count says the same
    assert figures(loaded, "CP_REGISTER_RATE", "rate", CPC10)[period(2024)] == \
        pytest.approx(70 / 30_000 * 1000, abs=0.05)
