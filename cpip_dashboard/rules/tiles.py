"""Headline indicator tiles: what a minister reads in a second, for the Briefing and the pack.

One tile per headline indicator that has a figure (or a suppressed one) for the area: its name
(never its code), the measure and unit, the latest value as published, its period, the change on
the year before in words, a short series for a sparkline, the source line and whether the
figures are illustrative.

Every figure is the protected one stored for the data version (`series.indicator_series`, i.e.
`publication.series`): a suppressed value stays suppressed, and a suppressed latest value says so
in words. Nothing here computes a figure; the change on the year before is the difference of two
published figures, at their published precision.

For a council or committee the measure is the one comparable with Scotland
(`indicators.headline_measure`: a rate per 1,000, or a percentage). A count whose rate is itself
a headline indicator (the register, beside the register rate) would then show the same figure
twice, so it is left out for that area.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from cpip_dashboard.rules import indicators
from cpip_dashboard.rules import provenance as prov
from cpip_dashboard.rules.values import HIDING_SYMBOLS, long_date, period_label
from cpip_dashboard.store.areas import SCOTLAND

SPARK_PERIODS = 10  # periods in a tile's sparkline (the latest ones)
SUPPRESSED_TEXT = "Suppressed to protect confidentiality"
UNIT_TITLES = {indicators.RATE: "Rate per 1,000 children aged 0-17", indicators.COUNT: "Number"}
UNITS = {indicators.RATE: " per 1,000", indicators.PERCENT: "%", indicators.COUNT: ""}
DIFFERENCE_UNITS = {indicators.RATE: " per 1,000", indicators.PERCENT: " percentage points",
                    indicators.COUNT: ""}


@dataclass(frozen=True)
class Point:
    """One period of a tile's series: the published value, or None (suppressed or missing)."""

    period: dt.date
    label: str  # "2023-24"
    value: float | None
    suppressed: bool


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    measure: str  # count | rate | percent
    unit_title: str  # "Rate per 1,000 children aged 0-17", "% of registrations", "Number"
    unit: str  # what follows a figure in a sentence: " per 1,000", "%" or ""
    value: float | None  # the latest value as published; None when suppressed
    value_text: str  # "2,129", "2.1", or "Suppressed to protect confidentiality"
    suppressed: bool
    status: str | None  # "provisional" / "revised" as its publisher marked it, else None
    period: dt.date
    period_text: str  # "2023-24"
    change: float | None  # on the year before, at published precision; None when not comparable
    change_text: str  # "down 3.1 per 1,000 on 2022-23", "no change on ...", "not comparable: ..."
    direction: str | None  # "up", "down", "same", or None when not comparable
    series: tuple[Point, ...]  # the area's latest periods, oldest first
    scotland_value: float | None  # Scotland in the same period and measure (None for Scotland)
    scotland_text: str | None
    source: str  # the source line (official source named only for official figures)
    illustrative: bool
    polarity: str
    symbol: str | None = None  # the latest row's symbol when it has no value ("[c]", "*")

    @property
    def figure_text(self) -> str:
        """The latest value with its unit: '2.1 per 1,000', '12.0%', '2,129', or the words
        saying it is suppressed."""
        return self.value_text if self.suppressed else self.value_text + self.unit


def places(definition: dict, measure: str) -> int:
    """Counts are whole numbers; rates and percentages are published to one decimal place."""
    return indicators.PLACES if measure != indicators.COUNT or definition["unit"] != "count" \
        else 0


def unit_title(definition: dict, measure: str, names: dict[str, str] | None = None) -> str:
    if measure == indicators.PERCENT:
        return indicators.measure_label(definition, measure, names)
    if measure == indicators.COUNT and definition.get("unit") == "percent":
        return "Per cent"
    return UNIT_TITLES[measure]


def _hidden(row) -> bool:
    flag = row.suppressed
    return bool(not pd.isna(flag) and flag) or (
        pd.isna(row.value) and isinstance(row.symbol, str) and row.symbol in HIDING_SYMBOLS)


def year_before(period: dt.date) -> dt.date:
    """The period a year earlier: the same month's end (periods are stored as their end)."""
    year = period.year - 1
    return dt.date(year, period.month, calendar.monthrange(year, period.month)[1])


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _note(text: str) -> str:
    """A series-break note inside a sentence: 'first year collected', not 'First year ...'."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def change_on_year_before(latest: Point | None, previous: Point | None, previous_period: dt.date,
                          measure: str, decimals: int, frequency: str,
                          breaks: list[tuple[dt.date, str]] = ()) -> tuple[
                              float | None, str, str | None]:
    """(the change at published precision, the change in words, its direction)."""
    before = period_label(previous_period, frequency)
    if latest is None:
        return None, "not comparable: no figure is published", None
    if latest.suppressed or latest.value is None:
        return None, "not comparable: the latest figure is suppressed", None
    for when, note in breaks:
        if previous_period < when <= latest.period:
            return None, f"not comparable: {_note(note)}", None
    if previous is None or (previous.value is None and not previous.suppressed):
        return None, f"not comparable: no figure for {before}", None
    if previous.suppressed or previous.value is None:
        return None, f"not comparable: the {before} figure is suppressed", None
    difference = round(latest.value - previous.value, decimals)
    if difference == 0:
        return 0.0, f"no change on {before}", "same"
    direction = "up" if difference > 0 else "down"
    text = f"{direction} {_number(abs(difference), decimals)}{DIFFERENCE_UNITS[measure]}"
    if measure == indicators.COUNT and decimals == 0 and previous.value > 0:
        text += f" ({abs(difference) / previous.value * 100:.1f}%)"
    return difference, f"{text} on {before}", direction


def tile(definition: dict, measure: str, frame: pd.DataFrame, area: str,
         names: dict[str, str] | None = None, populations: str | None = None) -> Tile | None:
    """The tile of one indicator for one area from its protected series (every area's rows of
    that indicator and measure, as `series.indicator_series` returns them); None when the area
    has neither a figure nor a suppressed one."""
    frequency = definition["frequency"]
    decimals = places(definition, measure)
    mine = frame[frame["area_code"] == area].dropna(subset=["period"]).sort_values("period")
    mine = mine.drop_duplicates(subset=["period"], keep="last")
    points: list[Point] = []
    statuses: dict[dt.date, str | None] = {}
    symbols: dict[dt.date, str | None] = {}
    for row in mine.itertuples(index=False):
        hidden = _hidden(row)
        value = None if hidden or pd.isna(row.value) else float(row.value)
        points.append(Point(row.period, period_label(row.period, frequency), value, hidden))
        statuses[row.period] = row.status if isinstance(row.status, str) else None
        symbols[row.period] = row.symbol if isinstance(row.symbol, str) and value is None \
            else None
    shown = [p for p in points if p.value is not None or p.suppressed]
    if not shown:
        return None
    latest = shown[-1]
    previous_period = year_before(latest.period)
    previous = next((p for p in points if p.period == previous_period), None)
    breaks = indicators.series_breaks().get(definition["code"], [])
    change, change_text, direction = change_on_year_before(
        latest, previous, previous_period, measure, decimals, frequency, breaks)
    scotland_value = scotland_text = None
    used = mine[mine["period"].isin([p.period for p in points[-SPARK_PERIODS:]])]
    if area != SCOTLAND:
        scot = frame[(frame["area_code"] == SCOTLAND) & (frame["period"] == latest.period)]
        if len(scot):
            row = next(scot.itertuples(index=False))
            if _hidden(row) or pd.isna(row.value):
                scotland_text = SUPPRESSED_TEXT if _hidden(row) else "no figure"
            else:
                scotland_value = float(row.value)
                scotland_text = _number(scotland_value, decimals) + UNITS[measure]
            used = pd.concat([used, scot])
    flags = [prov.flag(v) for v in used["illustrative"]] if "illustrative" in used else [True]
    return Tile(
        code=definition["code"], name=definition["name"], measure=measure,
        unit_title=unit_title(definition, measure, names), unit=UNITS[measure],
        value=latest.value,
        value_text=SUPPRESSED_TEXT if latest.value is None else _number(latest.value, decimals),
        suppressed=latest.value is None, status=statuses.get(latest.period),
        period=latest.period, period_text=latest.label, change=change,
        change_text=change_text, direction=direction,
        series=tuple(points[-SPARK_PERIODS:]), scotland_value=scotland_value,
        scotland_text=scotland_text,
        source=prov.source_caption(flags, definition, measure, populations),
        illustrative=any(flags), polarity=str(definition.get("polarity") or "neither"),
        symbol=symbols.get(latest.period))


def latest_statement(version: str, meeting: dt.date | None = None, what: str = "this pack was "
                     "prepared") -> str:
    """What the Briefing and the pack say above the tiles: these are the latest published
    figures, not the figures as at the meeting."""
    at = f" on {long_date(meeting)}" if meeting is not None else ""
    return (f"These are the latest published figures the dashboard held when {what} (data "
            f"version {version}), not the figures as they stood at the meeting{at}.")


def duplicate_rate(definition: dict, measure: str, headline: list[dict]) -> bool:
    """A count shown as its rate when another headline indicator is that rate."""
    return measure == indicators.RATE and definition["unit"] == "count" and any(
        other["code"] != definition["code"] and str(other["unit"]).startswith("rate")
        and other.get("numerator") == definition["code"] for other in headline)
