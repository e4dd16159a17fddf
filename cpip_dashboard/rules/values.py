"""Reading cell values as CONTRACT.md says: dates, periods, numbers, percentages, symbols.

Each parser returns the value or raises `ValueProblem` with a sentence for the secretariat.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

EXCEL_EPOCH = dt.date(1899, 12, 30)

# Missing-value symbols: stored as "no value" with the symbol kept, never read as zero.
MISSING_SYMBOLS: dict[str, str] = {
    "*": "suppressed to protect confidentiality (Scottish Government tables)",
    "c": "confidential: suppressed to protect confidentiality",
    "[c]": "confidential: suppressed to protect confidentiality",
    "x": "not available",
    "[x]": "not available",
    "z": "not applicable",
    "[z]": "not applicable",
    "..": "not available",
    "-": "not available or nil",
    ":": "not available",
}
# Symbols that hide a real number (and so need secondary protection); the others mean no
# figure exists.
HIDING_SYMBOLS = frozenset({"*", "c", "[c]"})
VALUE_STATUSES = ("provisional", "revised")

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is shown to the person who uploaded it."""


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_text(value: object) -> str | None:
    """A cell as the text shown in messages (None when blank)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def missing_symbol(value: object) -> str | None:
    text = as_text(value)
    if text is None:
        return None
    lowered = text.lower()
    return lowered if lowered in MISSING_SYMBOLS else None


# --- dates ----------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_UK = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]+)[\s-]+(\d{4})$")


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueProblem(f"{text} is not a real date (dates are day first, e.g. 31/07/2024)") from None


def parse_date(value: object) -> dt.date:
    """ISO, UK day-first, `31 July 2024`, `31-Jul-2024`, Excel date cells and serial numbers."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueProblem(f"{value} is not a date")
    if isinstance(value, int | float):
        if 1 <= value < 2958466 and float(value).is_integer():
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueProblem(f"{as_text(value)} is not a date")
    text = str(value).strip()
    if m := _ISO.match(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _UK.match(text):
        return _make_date(int(m[3]), int(m[2]), int(m[1]), text)
    if m := _WORDS.match(text):
        month = MONTHS.get(m[2].lower())
        if month is None:
            raise ValueProblem(f"{text} is not a date: {m[2]!r} is not a month")
        return _make_date(int(m[3]), month, int(m[1]), text)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    raise ValueProblem(
        f"{text} is not a date: write it as 2024-07-31, 31/07/2024 or 31 July 2024")


# --- periods --------------------------------------------------------------------------------

FREQUENCIES = ("annual", "monthly", "quarterly")
_YEAR = re.compile(r"^(\d{4})(?:\.0)?$")
_FIN_YEAR = re.compile(r"^(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$")
_MONTH_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_WORDS = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*[- ]?\s*Q([1-4])$", re.IGNORECASE)
QUARTER_ENDS = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(value: object, frequency: str) -> dt.date:
    """The date a period ends, for an indicator of the given frequency."""
    text = as_text(value) or ""
    if frequency == "annual":
        if isinstance(value, int | float) and not isinstance(value, bool) and 1900 <= value <= 2200:
            if not float(value).is_integer():  # 2024.5 is no year (it was read as 2024)
                raise ValueProblem(f"{text} is not a reporting year (expected e.g. 2023-24)")
            return dt.date(int(value), 7, 31)
        if m := _YEAR.match(text):
            return dt.date(int(m[1]), 7, 31)
        if m := _FIN_YEAR.match(text):
            start, end = int(m[1]), m[2]
            # two digits name the next year's last two: 2023-24, and 1999-00 across a century
            end_year = int(end) if len(end) == 4 else (
                start + 1 if (start + 1) % 100 == int(end) else -1)
            if end_year != start + 1:
                raise ValueProblem(f"{text} is not a reporting year (expected e.g. 2023-24)")
            return dt.date(end_year, 7, 31)
        day = _period_date(value, text, "annual")
        if (day.month, day.day) != (7, 31):
            raise ValueProblem(
                f"{text} is not a child protection year end: annual periods end on 31 July")
        return day
    if frequency == "monthly":
        if m := _MONTH_ISO.match(text):
            month = int(m[2])
            if not 1 <= month <= 12:
                raise ValueProblem(f"{text} is not a month")
            return _month_end(int(m[1]), month)
        if m := _MONTH_WORDS.match(text):
            month = MONTHS.get(m[1].lower())
            if month is None:
                raise ValueProblem(f"{text} is not a month")
            return _month_end(int(m[2]), month)
        day = _period_date(value, text, "monthly")
        return _month_end(day.year, day.month)
    if frequency == "quarterly":
        if m := _QUARTER.match(text):
            month, day = QUARTER_ENDS[int(m[2])]
            return dt.date(int(m[1]), month, day)
        day = _period_date(value, text, "quarterly")
        quarter = (day.month - 1) // 3 + 1
        month, last = QUARTER_ENDS[quarter]
        return dt.date(day.year, month, last)
    raise ValueProblem(f"{frequency} is not a known frequency")


def _period_date(value: object, text: str, frequency: str) -> dt.date:
    examples = {"annual": "2024, 2023-24 or 31/07/2024", "monthly": "2024-03 or March 2024",
                "quarterly": "2024 Q1 or a date in the quarter"}
    try:
        return parse_date(value)
    except ValueProblem:
        raise ValueProblem(
            f"{text} is not {'an' if frequency[0] in 'aeiou' else 'a'} {frequency} period: "
            f"write it as {examples[frequency]}") from None


def period_label(period: dt.date, frequency: str) -> str:
    """How a period is shown: `2023-24`, `Mar 2024`, `2024 Q1`."""
    if frequency == "annual":
        return f"{period.year - 1}-{str(period.year)[2:]}"
    if frequency == "monthly":
        return period.strftime("%b %Y")
    return f"{period.year} Q{(period.month - 1) // 3 + 1}"


# --- numbers and percentages --------------------------------------------------------------

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+(,\d+)?$")
_EURO_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_number(value: object, decimal_comma: bool = False) -> float:
    """A number: `2,129` groups thousands; in semicolon files `8,6` is 8.6."""
    if isinstance(value, bool):
        raise ValueProblem(f"{value} is not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueProblem(f"{value} is not a number")
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        if _EURO_THOUSANDS.match(text):
            return float(text.replace(".", "").replace(",", "."))
        if _DECIMAL_COMMA.match(text):
            return float(text.replace(",", "."))
    if _PLAIN.match(text):
        return float(text)
    if _THOUSANDS.match(text):
        return float(text.replace(",", ""))
    raise ValueProblem(f"{value} is not a number")


def parse_percentage(value: object, fraction_column: bool, decimal_comma: bool = False) -> float:
    """`45`, `45%`, and `0.45` in a column whose numbers are all between 0 and 1, all mean 45.
    (That a percentage lies between 0 and 100 is a limit checked by `imports.schemas`.)"""
    text = as_text(value) or ""
    if text.endswith("%"):
        try:
            number = parse_number(text[:-1].strip(), decimal_comma)
        except ValueProblem:
            raise ValueProblem(f"{text} is not a percentage (e.g. 45 or 45%)") from None
    else:
        number = parse_number(value, decimal_comma)
        if fraction_column:
            number *= 100
    return round(number, 6)


def fraction_column(values: list[object], decimal_comma: bool = False) -> bool:
    """True when every number in the column (ignoring `%` text and blanks) is between 0 and 1."""
    numbers = []
    for value in values:
        if is_blank(value) or (isinstance(value, str) and value.strip().endswith("%")):
            continue
        try:
            numbers.append(parse_number(value, decimal_comma))
        except ValueProblem:
            continue
    return bool(numbers) and all(0 <= n <= 1 for n in numbers) and any(0 < n < 1 for n in numbers)


def long_date(day: dt.date) -> str:
    """A date as people write it, "17 September 2024" (never ISO, no leading zero): the one
    date format on every page, download and pack."""
    return f"{day.day} {day:%B %Y}"


def long_moment(moment: dt.datetime) -> str:
    """A time as "17 September 2024 14:05 UTC" (the database keeps UTC)."""
    return f"{long_date(moment)} {moment:%H:%M} UTC"
