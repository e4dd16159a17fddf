"""RAG status as data: levels, order, symbols, colours, spellings accepted in uploads.

RAG order (CONTRACT.md): Red < Amber < Green < Complete. `Not started` is outside the scale;
leaving it is "started". Status is always shown as text plus symbol, never colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RagLevel:
    name: str
    rank: int | None  # position on the scale; None for Not started
    symbol: str
    colour: str  # fill, 3:1 against white, colour-blind-safe with the symbol
    text_colour: str
    definition: str


LEVELS: tuple[RagLevel, ...] = (
    RagLevel("Complete", 3, "✔", "#0065bd", "#ffffff",
             "Delivered: the action's commitment has been met and any continuing work is "
             "business as usual."),
    RagLevel("Green", 2, "●", "#1d7a3a", "#ffffff",
             "On track: delivery to the agreed timescale appears highly likely and no major "
             "issue threatens it."),
    RagLevel("Amber", 1, "▲", "#b35c00", "#ffffff",
             "At risk: significant issues exist that need management attention; a recovery plan "
             "is in place."),
    RagLevel("Red", 0, "■", "#c8102e", "#ffffff",
             "Off track: delivery is in doubt or will be missed; needs escalation to the "
             "Leadership Group."),
    RagLevel("Not started", None, "○", "#6b6b6b", "#ffffff",
             "Work has not started yet (outside the Red-Amber-Green-Complete scale)."),
)
BY_NAME = {level.name: level for level in LEVELS}
NAMES = tuple(level.name for level in LEVELS)
# the scale from worst to best (Red, Amber, Green, Complete), then Not started, which is off it
WORST_FIRST = tuple(sorted(NAMES, key=lambda n: (BY_NAME[n].rank is None, BY_NAME[n].rank or 0)))
SCALE_WORDS = ", ".join(n for n in WORST_FIRST if BY_NAME[n].rank is not None)
ATTENTION = ("Red", "Amber")

# Spellings accepted in uploads (case-insensitive) -> canonical level.
SPELLINGS: dict[str, str] = {
    "red": "Red", "r": "Red",
    "amber": "Amber", "a": "Amber",
    "green": "Green", "g": "Green",
    "complete": "Complete", "completed": "Complete", "done": "Complete", "c": "Complete",
    "blue": "Complete",
    "not started": "Not started", "not yet started": "Not started",
}
FIVE_POINT = {"amber/green", "amber/red", "amber-green", "amber-red", "amber green", "amber red",
              "green/amber", "red/amber"}


def canonical(text: str) -> str | None:
    """The canonical RAG level for what an upload says, or None."""
    return SPELLINGS.get(" ".join(str(text).strip().lower().split()))


def is_five_point(text: str) -> bool:
    return " ".join(str(text).strip().lower().split()) in FIVE_POINT


def label(name: str) -> str:
    """`■ Red`: the symbol and the word, together wherever status is shown."""
    level = BY_NAME.get(name)
    return f"{level.symbol} {level.name}" if level else name


def steps(old: str | None, new: str | None) -> int | None:
    """Signed places moved on the scale (positive = improved); None if either is off-scale."""
    if old is None or new is None:
        return None
    a, b = BY_NAME[old].rank, BY_NAME[new].rank
    if a is None or b is None:
        return None
    return b - a
