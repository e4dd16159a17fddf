"""How each indicator is published: its measures (a count with its rate per 1,000 children or
its percentage of another count; a rate; a percentage), their published precision, and the
columns of a published series. One home for these rules: `protection.figures` builds the figures
with them, and the indicator tables and tiles present them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

COUNT, RATE, PERCENT = "count", "rate", "percent"
PLACES = 1  # published precision of rates and percentages: one decimal place

# the columns of one indicator and measure's published series, as stored for a data version
SERIES_COLUMNS = ["area_code", "period", "value", "symbol", "status", "batch_id", "suppressed",
                  "count", "population", "population_year", "base", "illustrative"]

_CODE = re.compile(r"[A-Z][A-Z0-9_]*")


def published(value: float) -> float:
    """A rate or percentage at its published precision (half away from zero)."""
    scale = 10 ** PLACES
    return math.floor(abs(value) * scale + 0.5) / scale * (1 if value >= 0 else -1)


def denominator_code(definition: dict) -> str | None:
    """The indicator whose count a percentage is taken of (e.g. re-registrations as a % of
    registrations), when the definition names one."""
    denominator = definition.get("denominator")
    return denominator if isinstance(denominator, str) and _CODE.fullmatch(denominator) else None


def measures(definition: dict) -> list[str]:
    """The measures an indicator is published in: a count with its rate per 1,000 children,
    or with its percentage of another count; a rate; a percentage."""
    unit = definition["unit"]
    if unit == "count":
        return [COUNT, PERCENT] if denominator_code(definition) else [COUNT, RATE]
    return [RATE] if unit.startswith("rate") else [PERCENT]


@dataclass(frozen=True)
class Presentation:
    """How one measure is presented on pages, charts, downloads and the pack."""
    title: str  # the column or axis title
    suffix: str  # what follows a figure in a sentence
    places: int  # decimal places published


PRESENTATION = {
    COUNT: Presentation("Number", "", 0),
    RATE: Presentation("Rate per 1,000 children aged 0-17", " per 1,000", PLACES),
    PERCENT: Presentation("Per cent", "%", PLACES),
}


def unit_title(definition: dict, measure: str) -> str:
    """The title of a measure's column or axis ("Rate per 1,000 children aged 0-17", "Per
    cent", "Number"); a percentage indicator's figures are per cent whatever the measure."""
    if measure != RATE and definition["unit"] == "percent":
        return PRESENTATION[PERCENT].title
    return PRESENTATION.get(measure, PRESENTATION[COUNT]).title


def decimals(measure: str, definition: dict) -> int:
    """Counts are whole numbers; rates and percentages are published to one decimal place."""
    return PLACES if definition["unit"] != "count" else PRESENTATION.get(
        measure, PRESENTATION[COUNT]).places


def unit_text(measure: str) -> str:
    """What follows a figure in a sentence: ' per 1,000', '%' or nothing."""
    return PRESENTATION.get(measure, PRESENTATION[COUNT]).suffix
