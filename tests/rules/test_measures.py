"""How each indicator is published (cpip_dashboard.rules.measures): its measures, their
precision (half away from zero), and their titles and suffixes."""

import pytest

from cpip_dashboard.rules import measures
from cpip_dashboard.rules.measures import COUNT, PERCENT, RATE


@pytest.mark.parametrize(("value", "shown"), [
    (0.0, 0.0), (1.25, 1.3), (1.24, 1.2), (2.35, 2.4), (-1.25, -1.3), (-1.24, -1.2),
    (0.05, 0.1), (-0.05, -0.1), (0.04, 0.0), (12.0, 12.0), (99.95, 100.0),
])
def test_published_rounds_half_away_from_zero_to_one_place(value, shown):
    assert measures.published(value) == shown
    assert f"{measures.published(value)}" == f"{shown}"  # never "-0.0"
    assert measures.PLACES == 1


@pytest.mark.parametrize(("definition", "code"), [
    ({"denominator": "CP_REGISTRATIONS"}, "CP_REGISTRATIONS"),
    ({"denominator": "A1_B"}, "A1_B"),
    ({"denominator": "cp_registrations"}, None),  # codes are upper case
    ({"denominator": "1ABC"}, None),
    ({"denominator": "CP REG"}, None),
    ({"denominator": "CP_REG\n"}, None),
    ({"denominator": ""}, None),
    ({"denominator": 5}, None),
    ({"denominator": None}, None),
    ({}, None),
])
def test_denominator_code(definition, code):
    assert measures.denominator_code(definition) == code


@pytest.mark.parametrize(("definition", "published_as"), [
    ({"unit": "count"}, [COUNT, RATE]),
    ({"unit": "count", "denominator": "CP_REGISTRATIONS"}, [COUNT, PERCENT]),
    ({"unit": "count", "denominator": "not a code"}, [COUNT, RATE]),
    ({"unit": "rate per 1,000"}, [RATE]),
    ({"unit": "rate"}, [RATE]),
    ({"unit": "percent"}, [PERCENT]),
])
def test_measures(definition, published_as):
    assert measures.measures(definition) == published_as
    assert (COUNT, RATE, PERCENT) == ("count", "rate", "percent")


RATE_TITLE = "Rate per 1,000 children aged 0-17"


@pytest.mark.parametrize(("unit", "measure", "title", "places"), [
    ("count", COUNT, "Number", 0),
    ("count", RATE, RATE_TITLE, 1),
    ("count", PERCENT, "Per cent", 1),
    ("count", "other", "Number", 0),  # an unknown measure reads as a count
    ("percent", PERCENT, "Per cent", 1),
    ("percent", COUNT, "Per cent", 1),  # a percentage indicator's figures are per cent
    ("percent", RATE, RATE_TITLE, 1),
    ("rate", RATE, RATE_TITLE, 1),
    ("rate", COUNT, "Number", 1),
])
def test_unit_title_and_decimals(unit, measure, title, places):
    definition = {"unit": unit}
    assert measures.unit_title(definition, measure) == title
    assert measures.decimals(measure, definition) == places


@pytest.mark.parametrize(("measure", "suffix"), [
    (COUNT, ""), (RATE, " per 1,000"), (PERCENT, "%"), ("other", ""),
])
def test_unit_text(measure, suffix):
    assert measures.unit_text(measure) == suffix


def test_series_columns():
    assert measures.SERIES_COLUMNS == [
        "area_code", "period", "value", "symbol", "status", "batch_id", "suppressed", "count",
        "population", "population_year", "base", "illustrative"]
