"""Reading cell values (CONTRACT.md "Values everywhere"): table-driven."""

import datetime as dt
import re

import pytest

from cpip_dashboard.rules.values import (
    ValueProblem,
    as_text,
    fraction_column,
    is_blank,
    long_date,
    long_moment,
    missing_symbol,
    parse_date,
    parse_number,
    parse_percentage,
    parse_period,
    period_label,
)

D = dt.date


@pytest.mark.parametrize("cell,expected", [
    ("2024-07-31", D(2024, 7, 31)),
    ("31/07/2024", D(2024, 7, 31)),
    ("01/02/2024", D(2024, 2, 1)),  # day first, never month first
    ("31 July 2024", D(2024, 7, 31)),
    ("31-Jul-2024", D(2024, 7, 31)),
    ("1st March 2019", D(2019, 3, 1)),
    (dt.datetime(2024, 7, 31, 0, 0), D(2024, 7, 31)),
    (D(2024, 7, 31), D(2024, 7, 31)),
    (45504, D(2024, 7, 31)),  # Excel serial number
    (45504.0, D(2024, 7, 31)),
    ("45504", D(2024, 7, 31)),
])
def test_dates_read(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize("cell", ["31/02/2024", "07/31/2024", "2024-13-01", "yesterday",
                                  "31 Julember 2024", 1.5, True])
def test_impossible_dates_are_errors(cell):
    with pytest.raises(ValueProblem):
        parse_date(cell)


@pytest.mark.parametrize("cell,frequency,expected", [
    ("2024", "annual", D(2024, 7, 31)),
    (2024, "annual", D(2024, 7, 31)),
    (2024.0, "annual", D(2024, 7, 31)),
    ("2023-24", "annual", D(2024, 7, 31)),
    ("2023/24", "annual", D(2024, 7, 31)),
    ("2023-2024", "annual", D(2024, 7, 31)),
    # two-digit years across a century: 1999-00 is the year ending 31 July 2000
    ("1999-00", "annual", D(2000, 7, 31)),
    ("1999/00", "annual", D(2000, 7, 31)),
    ("2099-00", "annual", D(2100, 7, 31)),
    ("1999-2000", "annual", D(2000, 7, 31)),
    ("31/07/2024", "annual", D(2024, 7, 31)),
    ("2024-03", "monthly", D(2024, 3, 31)),
    ("Mar 2024", "monthly", D(2024, 3, 31)),
    ("March 2024", "monthly", D(2024, 3, 31)),
    ("2024-02-10", "monthly", D(2024, 2, 29)),
    ("2024 Q1", "quarterly", D(2024, 3, 31)),
    ("2024Q3", "quarterly", D(2024, 9, 30)),
    ("15/11/2024", "quarterly", D(2024, 12, 31)),
])
def test_periods_end_dates(cell, frequency, expected):
    assert parse_period(cell, frequency) == expected


@pytest.mark.parametrize("cell,frequency", [
    ("30/06/2024", "annual"),  # annual periods end on 31 July
    ("2023-25", "annual"),
    ("1999-99", "annual"),  # not the next year
    ("1999-01", "annual"),
    ("2000-00", "annual"),
    ("2024-13", "monthly"),
    ("Smarch 2024", "monthly"),
    ("2024 Q5", "quarterly"),
])
def test_bad_periods_are_errors(cell, frequency):
    with pytest.raises(ValueProblem):
        parse_period(cell, frequency)


@pytest.mark.parametrize("period,frequency,label", [
    (D(2024, 7, 31), "annual", "2023-24"),
    (D(2024, 3, 31), "monthly", "Mar 2024"),
    (D(2024, 6, 30), "quarterly", "2024 Q2"),
])
def test_period_labels(period, frequency, label):
    assert period_label(period, frequency) == label


@pytest.mark.parametrize("cell,decimal_comma,expected", [
    ("2,129", False, 2129.0),
    ("2129.0", False, 2129.0),
    (2129, False, 2129.0),
    ("1,234,567", False, 1234567.0),
    ("8,6", True, 8.6),
    ("1.234,5", True, 1234.5),
    (" 12 ", False, 12.0),
    ("8.6", False, 8.6),
])
def test_numbers(cell, decimal_comma, expected):
    assert parse_number(cell, decimal_comma) == expected


@pytest.mark.parametrize("cell", ["8,6", "12a", "", "1,23"])
def test_not_numbers_in_comma_files(cell):
    with pytest.raises(ValueProblem):
        parse_number(cell)


@pytest.mark.parametrize("cell,symbol", [
    ("*", "*"), ("c", "c"), ("[c]", "[c]"), ("x", "x"), ("[x]", "[x]"), ("z", "z"),
    ("[z]", "[z]"), ("..", ".."), ("-", "-"), (":", ":"), ("C", "c"), ("0", None), (0, None),
    ("", None),
])
def test_missing_value_symbols_are_kept_never_zero(cell, symbol):
    assert missing_symbol(cell) == symbol


@pytest.mark.parametrize("cell,fractions,expected", [
    ("45", False, 45.0), ("45%", False, 45.0), (0.45, True, 45.0), ("45 %", False, 45.0),
    (100, False, 100.0), (0, False, 0.0), (1, True, 100.0),
])
def test_percentages(cell, fractions, expected):
    assert parse_percentage(cell, fractions) == expected


@pytest.mark.parametrize("cell,fractions,expected", [
    ("101", False, 101.0), ("-1", False, -1.0), ("150%", False, 150.0)])
def test_percentages_out_of_range_are_read_for_the_schema_to_refuse(cell, fractions, expected):
    """Reading gives the number; imports.schemas refuses it (see test_import_rules)."""
    assert parse_percentage(cell, fractions) == expected


@pytest.mark.parametrize("cell,message", [("45 percent", "45 percent is not a number"),
                                          ("%", "% is not a percentage (e.g. 45 or 45%)"),
                                          ("a%", "a% is not a percentage (e.g. 45 or 45%)")])
def test_percentages_that_cannot_be_read(cell, message):
    with pytest.raises(ValueProblem, match=re.escape(message)):
        parse_percentage(cell, False)


@pytest.mark.parametrize("column,expected", [
    ([0.45, 0.5, 1, ""], True),  # an Excel percentage column
    ([45, 50, 0.5], False),
    ([0, 1], False),  # all whole: 0 and 1 are per cent, not fractions
    (["45%", 0.2], True),
])
def test_fraction_columns(column, expected):
    assert fraction_column(column) is expected


# --- the sentences and the edges (mutation testing: docs/mutation.md) -------------------------

@pytest.mark.parametrize("cell,sentence", [
    ("31/02/2024", "31/02/2024 is not a real date (dates are day first, e.g. 31/07/2024)"),
    ("2024-02-30", "2024-02-30 is not a real date (dates are day first, e.g. 31/07/2024)"),
    ("31 Julember 2024", "31 Julember 2024 is not a date: 'Julember' is not a month"),
    ("30 February 2024", ("30 February 2024 is not a real date (dates are day first, e.g. "
                         "31/07/2024)")),
    ("yesterday", "yesterday is not a date: write it as 2024-07-31, 31/07/2024 or 31 July 2024"),
    (True, "True is not a date"),
    (1.5, "1.5 is not a date"),
    (0, "0 is not a date"),
    (2958466, "2958466 is not a date"),
    ("123456", "123456 is not a date: write it as 2024-07-31, 31/07/2024 or 31 July 2024"),
])
def test_dates_that_cannot_be_read_say_why(cell, sentence):
    with pytest.raises(ValueProblem) as caught:
        parse_date(cell)
    assert str(caught.value) == sentence


@pytest.mark.parametrize("cell,expected", [
    (1, D(1899, 12, 31)), (2958465, D(9999, 12, 31)),  # the serial numbers' range
    ("2024-7-1", D(2024, 7, 1)), ("2024-07-31 00:00", D(2024, 7, 31)),
    ("2024-07-31T00:00:00", D(2024, 7, 31)), ("1.2.2024", D(2024, 2, 1)),
    ("3rd Sept 2019", D(2019, 9, 3)), ("2nd-feb-2020", D(2020, 2, 2)),
    ("45504.00", D(2024, 7, 31)), (" 31/07/2024 ", D(2024, 7, 31)),
])
def test_more_dates_read(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize("cell,frequency,sentence", [
    ("30/06/2024", "annual",
     "30/06/2024 is not a child protection year end: annual periods end on 31 July"),
    ("2023-25", "annual", "2023-25 is not a reporting year (expected e.g. 2023-24)"),
    ("soon", "annual", "soon is not an annual period: write it as 2024, 2023-24 or 31/07/2024"),
    ("2024-13", "monthly", "2024-13 is not a month"),
    ("2024-0", "monthly", "2024-0 is not a month"),
    ("Smarch 2024", "monthly", "Smarch 2024 is not a month"),
    ("soon", "monthly", "soon is not a monthly period: write it as 2024-03 or March 2024"),
    ("soon", "quarterly",
     "soon is not a quarterly period: write it as 2024 Q1 or a date in the quarter"),
    ("2024", "weekly", "weekly is not a known frequency"),
])
def test_periods_that_cannot_be_read_say_why(cell, frequency, sentence):
    with pytest.raises(ValueProblem) as caught:
        parse_period(cell, frequency)
    assert str(caught.value) == sentence


@pytest.mark.parametrize("cell,frequency,expected", [
    (1900, "annual", D(1900, 7, 31)), (2200, "annual", D(2200, 7, 31)),
    ("2024.0", "annual", D(2024, 7, 31)), ("2023 - 24", "annual", D(2024, 7, 31)),
    ("2023–24", "annual", D(2024, 7, 31)), (D(2024, 7, 31), "annual", D(2024, 7, 31)),
    ("2024-12", "monthly", D(2024, 12, 31)), ("2024-1", "monthly", D(2024, 1, 31)),
    ("Sept 2024", "monthly", D(2024, 9, 30)), ("Feb. 2023", "monthly", D(2023, 2, 28)),
    ("2024 Q2", "quarterly", D(2024, 6, 30)), ("2024-q4", "quarterly", D(2024, 12, 31)),
    ("2024 - Q1", "quarterly", D(2024, 3, 31)), ("31/03/2024", "quarterly", D(2024, 3, 31)),
    ("01/04/2024", "quarterly", D(2024, 6, 30)), ("30/09/2024", "quarterly", D(2024, 9, 30)),
    ("01/10/2024", "quarterly", D(2024, 12, 31)), ("01/01/2024", "quarterly", D(2024, 3, 31)),
])
def test_more_periods(cell, frequency, expected):
    assert parse_period(cell, frequency) == expected


@pytest.mark.parametrize("cell,sentence", [
    (2024.5, "2024.5 is not a reporting year (expected e.g. 2023-24)"),
    (1999.9, "1999.9 is not a reporting year (expected e.g. 2023-24)"),
    (True, "True is not an annual period: write it as 2024, 2023-24 or 31/07/2024"),
])
def test_a_number_that_is_no_whole_year_is_not_an_annual_period(cell, sentence):
    with pytest.raises(ValueProblem) as caught:
        parse_period(cell, "annual")
    assert str(caught.value) == sentence


@pytest.mark.parametrize("period,frequency,label", [
    (D(2000, 7, 31), "annual", "1999-00"), (D(2024, 12, 31), "monthly", "Dec 2024"),
    (D(2024, 3, 31), "quarterly", "2024 Q1"), (D(2024, 9, 30), "quarterly", "2024 Q3"),
    (D(2024, 12, 31), "quarterly", "2024 Q4"),
])
def test_more_period_labels(period, frequency, label):
    assert period_label(period, frequency) == label


@pytest.mark.parametrize("cell,decimal_comma,expected", [
    ("-2,129", False, -2129.0), ("-8,6", True, -8.6), ("-1.234.567,25", True, -1234567.25),
    ("1\u00a0234", False, 1234.0), ("1 234", False, 1234.0), (" 1 234 567 ", False, 1234567.0),
    ("12", True, 12.0), ("1,234.5", False, 1234.5),
    (2.5, False, 2.5), ("1.5", True, 1.5),
])
def test_more_numbers(cell, decimal_comma, expected):
    assert parse_number(cell, decimal_comma) == expected


@pytest.mark.parametrize("cell,sentence", [
    (True, "True is not a number"), (float("nan"), "nan is not a number"),
    (float("inf"), "inf is not a number"), ("12a", "12a is not a number"),
    ("1,2345", "1,2345 is not a number"),
])
def test_not_numbers_say_so(cell, sentence):
    with pytest.raises(ValueProblem) as caught:
        parse_number(cell)
    assert str(caught.value) == sentence


def test_a_percentage_in_a_comma_file_and_rounding_to_six_places():
    assert parse_percentage("8,5%", False, decimal_comma=True) == 8.5
    assert parse_percentage("0,5", True, decimal_comma=True) == 50.0
    assert parse_percentage(0.1234567891, True) == 12.345679


@pytest.mark.parametrize("column,expected", [
    ([], False), (["", None, "n/a"], False), ([0.5, "n/a"], True), ([1.5, 0.5], False),
    ([-0.5, 0.5], False), (["0,5"], False),
    (["n/a", 0.5, 0.25], True),  # an unreadable cell is passed over, not the end
    ([0, 0.5], True), ([0.5, 1], True),
])
def test_more_fraction_columns(column, expected):
    assert fraction_column(column) is expected


def test_a_comma_files_fraction_column():
    assert fraction_column(["0,5", "0,25"], decimal_comma=True) is True


@pytest.mark.parametrize("cell,text", [
    (None, None), (float("nan"), None), ("  ", None), (3.0, "3"), (3.5, "3.5"),
    (dt.datetime(2024, 7, 31), "2024-07-31"), (dt.datetime(2024, 7, 31, 9, 5), "2024-07-31T09:05:00"),
    (D(2024, 7, 31), "2024-07-31"), (" x ", "x"), (0, "0"),
])
def test_as_text(cell, text):
    assert as_text(cell) == text
    assert is_blank(cell) is (text is None)


def test_long_dates_and_moments():
    assert long_date(D(2024, 9, 7)) == "7 September 2024"
    assert long_moment(dt.datetime(2024, 9, 17, 4, 5)) == "17 September 2024 04:05 UTC"
