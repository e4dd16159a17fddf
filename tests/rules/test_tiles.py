"""Headline indicator tiles: the latest published figure, its period, the change on the year
before in words, the sparkline's series, the source line, and suppression kept."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cpip_dashboard.rules import tiles
from cpip_dashboard.rules.measures import SERIES_COLUMNS
from cpip_dashboard.views.common import headline_tiles

FIFE, SCOT = "S12000047", "S92000003"
COUNT_DEF = {"code": "CP_REGISTRATIONS", "name": "Registrations during the year to 31 July",
             "unit": "count", "frequency": "annual", "polarity": "neither",
             "source": "Scottish Government: CSWS", "source_url": "", "numerator": None,
             "denominator": None}
RATE_DEF = {**COUNT_DEF, "code": "CP_REGISTER_RATE", "unit": "rate per 1,000",
            "name": "Children on the register per 1,000 children aged 0-17"}
PERCENT_DEF = {**COUNT_DEF, "code": "CP_REREGISTRATIONS", "denominator": "CP_REGISTRATIONS",
               "name": "Re-registrations during the year to 31 July", "polarity": "lower is better"}
IRD_DEF = {**COUNT_DEF, "code": "IRD", "name": "Inter-agency referral discussions"}


def year(y: int) -> dt.date:
    return dt.date(y, 7, 31)


def frame(rows: list[tuple], illustrative: bool = False) -> pd.DataFrame:
    """rows of (area, year, value, suppressed[, status]) as the stored series holds them."""
    out = []
    for area, y, value, hidden, *status in rows:
        out.append({"area_code": area, "period": year(y),
                    "value": None if hidden else value,
                    "symbol": "[c]" if hidden else None,
                    "status": status[0] if status else None, "batch_id": 1,
                    "suppressed": hidden, "count": None, "population": None,
                    "population_year": None, "base": None, "illustrative": illustrative})
    return pd.DataFrame(out, columns=SERIES_COLUMNS).astype({"value": "float64"})


P = tiles.Point


@pytest.mark.parametrize("latest,previous,measure,decimals,expected", [
    (P(year(2024), "2023-24", 3167, False), P(year(2023), "2022-23", 3234, False), "count", 0,
     (-67, "down 67 (2.1%) on 2022-23", "down")),
    (P(year(2024), "2023-24", 2129, False), P(year(2023), "2022-23", 2077, False), "count", 0,
     (52, "up 52 (2.5%) on 2022-23", "up")),
    (P(year(2024), "2023-24", 2.4, False), P(year(2023), "2022-23", 5.5, False), "rate", 1,
     (-3.1, "down 3.1 per 1,000 on 2022-23", "down")),
    (P(year(2024), "2023-24", 12.0, False), P(year(2023), "2022-23", 11.1, False), "percent", 1,
     (0.9, "up 0.9 percentage points on 2022-23", "up")),
    # "No change", never "+0"; a difference within the published precision is no change
    (P(year(2024), "2023-24", 2.6, False), P(year(2023), "2022-23", 2.6, False), "rate", 1,
     (0.0, "no change on 2022-23", "same")),
    (P(year(2024), "2023-24", 40, False), P(year(2023), "2022-23", 40, False), "count", 0,
     (0.0, "no change on 2022-23", "same")),
    # a count from nothing: no percentage of zero
    (P(year(2024), "2023-24", 7, False), P(year(2023), "2022-23", 0, False), "count", 0,
     (7, "up 7 on 2022-23", "up")),
    (P(year(2024), "2023-24", None, True), P(year(2023), "2022-23", 9, False), "count", 0,
     (None, "not comparable: the latest figure is suppressed", None)),
    (P(year(2024), "2023-24", 9, False), P(year(2023), "2022-23", None, True), "count", 0,
     (None, "not comparable: the 2022-23 figure is suppressed", None)),
    (P(year(2024), "2023-24", 9, False), None, "count", 0,
     (None, "not comparable: no figure for 2022-23", None)),
    (P(year(2024), "2023-24", 9, False), P(year(2023), "2022-23", None, False), "count", 0,
     (None, "not comparable: no figure for 2022-23", None)),
])
def test_change_on_the_year_before_in_words(latest, previous, measure, decimals, expected):
    got = tiles.change_on_year_before(latest, previous, year(2023), measure, decimals, "annual")
    assert got == expected


@pytest.mark.parametrize("break_at,expected", [
    (year(2024), "not comparable: first year collected (2023-24)"),  # the latest starts a series
    (year(2023), "down 1 (11.1%) on 2022-23"),  # the break is before both
    (year(2025), "down 1 (11.1%) on 2022-23"),  # after both
])
def test_a_series_break_between_the_years_makes_them_not_comparable(break_at, expected):
    got = tiles.change_on_year_before(P(year(2024), "2023-24", 8, False),
                                      P(year(2023), "2022-23", 9, False), year(2023), "count", 0,
                                      "annual", [(break_at, "First year collected (2023-24)")])
    assert got[1] == expected


@pytest.mark.parametrize("period,expected", [
    (dt.date(2024, 7, 31), dt.date(2023, 7, 31)),
    (dt.date(2024, 2, 29), dt.date(2023, 2, 28)),
    (dt.date(2023, 2, 28), dt.date(2022, 2, 28)),
    (dt.date(2025, 2, 28), dt.date(2024, 2, 29)),
    (dt.date(2024, 9, 30), dt.date(2023, 9, 30)),
])
def test_year_before_is_the_same_period_end_a_year_earlier(period, expected):
    assert tiles.year_before(period) == expected


@pytest.mark.parametrize("definition,measure,rows,area,expected", [
    # Scotland's count: whole numbers, no unit, no Scotland comparator
    (COUNT_DEF, "count", [(SCOT, 2022, 3287, False), (SCOT, 2023, 3234, False),
                          (SCOT, 2024, 3167, False)], SCOT,
     {"value_text": "3,167", "figure_text": "3,167", "period_text": "2023-24",
      "change_text": "down 67 (2.1%) on 2022-23", "unit_title": "Number",
      "scotland_text": None, "suppressed": False}),
    # a council's rate beside Scotland's in the same period
    (RATE_DEF, "rate", [(FIFE, 2023, 5.5, False), (FIFE, 2024, 2.4, False),
                        (SCOT, 2024, 2.1, False), (SCOT, 2025, 2.0, False)], FIFE,
     {"value_text": "2.4", "figure_text": "2.4 per 1,000", "period_text": "2023-24",
      "change_text": "down 3.1 per 1,000 on 2022-23",
      "unit_title": "Rate per 1,000 children aged 0-17", "scotland_text": "2.1 per 1,000"}),
    # a suppressed latest value says so in words, and no number is anywhere in the tile
    (PERCENT_DEF, "percent", [(FIFE, 2023, 12.5, False), (FIFE, 2024, 3.0, True)], FIFE,
     {"value": None, "value_text": "Suppressed to protect confidentiality",
      "figure_text": "Suppressed to protect confidentiality", "suppressed": True,
      "change_text": "not comparable: the latest figure is suppressed",
      "unit_title": "% of registrations", "change": None}),
    # the latest period with a figure (a later period with no figure at all is a gap)
    (COUNT_DEF, "count", [(SCOT, 2023, 100, False), (SCOT, 2024, None, False)], SCOT,
     {"period_text": "2022-23", "value_text": "100"}),
    # a publisher's status travels with the latest figure
    (COUNT_DEF, "count", [(SCOT, 2023, 100, False), (SCOT, 2024, 110, False, "provisional")],
     SCOT, {"status": "provisional", "change_text": "up 10 (10.0%) on 2022-23"}),
    # a series break from the reference data (IRD: first collected in 2023-24)
    (IRD_DEF, "count", [(SCOT, 2023, 100, False), (SCOT, 2024, 16850, False)], SCOT,
     {"change_text": "not comparable: first year collected (2023-24); Aberdeenshire did not "
                     "submit", "direction": None}),
])
def test_a_tile_from_the_stored_series(definition, measure, rows, area, expected):
    names = {"CP_REGISTRATIONS": COUNT_DEF["name"]}
    made = tiles.tile(definition, measure, frame(rows), area, names)
    assert made is not None
    assert made.name == definition["name"] and made.code == definition["code"]
    for field, value in expected.items():
        assert getattr(made, field) == value, field


def test_a_suppressed_value_never_reaches_the_series():
    # the stored row of a suppressed figure has no value; even a value left in the row by
    # mistake is not shown once the row is marked suppressed
    rows = frame([(FIFE, 2022, 8, False), (FIFE, 2023, 3, False), (FIFE, 2024, 9, False)])
    rows.loc[1, "suppressed"] = True
    made = tiles.tile(COUNT_DEF, "count", rows, FIFE)
    assert [(p.label, p.value, p.suppressed) for p in made.series] == [
        ("2021-22", 8.0, False), ("2022-23", None, True), ("2023-24", 9.0, False)]
    assert made.change_text == "not comparable: the 2022-23 figure is suppressed"


def test_the_sparkline_holds_the_latest_periods():
    rows = frame([(SCOT, y, 100 + y - 2000, False) for y in range(2005, 2025)])
    made = tiles.tile(COUNT_DEF, "count", rows, SCOT)
    assert len(made.series) == tiles.SPARK_PERIODS
    assert made.series[0].label == "2014-15" and made.series[-1].label == "2023-24"


def test_no_figure_for_the_area_is_no_tile():
    rows = frame([(SCOT, 2024, 100, False)])
    assert tiles.tile(COUNT_DEF, "count", rows, FIFE) is None
    assert tiles.tile(COUNT_DEF, "count", frame([]), SCOT) is None


@pytest.mark.parametrize("illustrative,starts", [
    (True, "Source: illustrative figures generated by this dashboard's sample data"),
    (False, "Source: Scottish Government: CSWS."),
])
def test_the_source_line_names_an_official_source_only_for_official_figures(illustrative,
                                                                            starts):
    made = tiles.tile(COUNT_DEF, "count", frame([(SCOT, 2024, 100, False)], illustrative), SCOT)
    assert made.illustrative is illustrative
    assert made.source.startswith(starts)


def test_a_tile_is_frozen():
    made = tiles.tile(COUNT_DEF, "count", frame([(SCOT, 2024, 100, False)]), SCOT)
    with pytest.raises(AttributeError):
        made.value = 1  # type: ignore[misc]


# --- from the database (SQLite and PostgreSQL) ---------------------------------------------


def test_headline_tiles_for_scotland(sample_engine):
    with sample_engine.connect() as conn:
        made = headline_tiles(conn, SCOT)
    assert [t.code for t in made] == ["CP_REGISTER", "CP_REGISTER_RATE", "CP_REGISTRATIONS",
                                      "CP_REREGISTRATIONS", "IRD"]
    register = made[0]
    assert register.name == "Children on the child protection register at 31 July"
    assert (register.measure, register.figure_text, register.period_text) == (
        "count", "2,129", "2023-24")
    assert register.change_text == "up 52 (2.5%) on 2022-23"
    assert register.illustrative and "illustrative" in register.source
    assert all(t.name != t.code for t in made)


def test_headline_tiles_for_a_small_council_use_rates_and_keep_suppression(sample_engine):
    orkney = "S12000023"
    with sample_engine.connect() as conn:
        made = {t.code: t for t in headline_tiles(conn, orkney)}
    # the register's count would be its rate for a council: shown once, as the rate indicator
    assert "CP_REGISTER" not in made
    assert made["CP_REGISTER_RATE"].measure == "rate"
    assert made["CP_REGISTER_RATE"].scotland_text == "2.1 per 1,000"
    assert made["CP_REGISTRATIONS"].measure == "rate"
    # re-registrations as a % of registrations: suppressed for Orkney in every year
    rereg = made["CP_REREGISTRATIONS"]
    assert rereg.measure == "percent" and rereg.suppressed and rereg.value is None
    assert rereg.figure_text == "Suppressed to protect confidentiality"
    assert all(p.value is None and p.suppressed for p in rereg.series)


@pytest.mark.parametrize("meeting,what,expected", [
    (dt.date(2018, 10, 2), "this pack was prepared",
     ("These are the latest published figures the dashboard held when this pack was prepared "
     "(data version 7), not the figures as they stood at the meeting on 2 October 2018.")),
    (None, "this page was drawn",
     ("These are the latest published figures the dashboard held when this page was drawn "
     "(data version 7), not the figures as they stood at the meeting.")),
])
def test_the_latest_figures_statement(meeting, what, expected):
    assert tiles.latest_statement("7", meeting, what) == expected
