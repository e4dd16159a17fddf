"""Links between actions and the indicators they mean to move (pure).

CONTRACT.md, the Actions sheet's `Indicators` column: comma-separated indicator codes, each
optionally followed by `up` or `down`, the way the action means to move it
(`CP_REREGISTRATIONS down`). Stored as that text, canonical: codes upper case, directions lower
case, one comma between links (`CP_REREGISTRATIONS down,CP_REGISTER`). Without a direction the
indicator's polarity says which way is better; polarity `neither` and no direction: no way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UP, DOWN = "up", "down"
DIRECTIONS = (UP, DOWN)
POLARITY_WAY = {"higher is better": UP, "lower is better": DOWN}


@dataclass(frozen=True)
class Link:
    code: str
    direction: str | None  # "up", "down", or None: the indicator's polarity applies


class LinkProblem(ValueError):
    """A cell that is not a list of codes each optionally followed by up or down."""


def parse(text: object) -> list[Link]:
    """Links from a cell or a stored value: `CP_REREGISTRATIONS down, CP_REGISTER`. Codes may
    also be separated by semicolons or spaces (older sheets); a direction belongs to the code
    before it. Raises LinkProblem (one sentence) for a direction with no code before it or two
    directions for one code. Repeated codes keep their first link."""
    if text is None or not isinstance(text, str) or not text.strip():
        return []
    tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    links: list[Link] = []
    for token in tokens:
        word = token.lower()
        if word in DIRECTIONS:
            if not links:
                raise LinkProblem(f"{token} must follow an indicator code "
                                  "(for example CP_REREGISTRATIONS down)")
            last = links[-1]
            if last.direction is not None:
                raise LinkProblem(f"{last.code} has two directions: give one, up or down")
            links[-1] = Link(last.code, word)
        else:
            links.append(Link(token.upper(), None))
    seen: set[str] = set()
    unique = []
    for link in links:
        if link.code not in seen:
            seen.add(link.code)
            unique.append(link)
    return unique


def text(links: list[Link]) -> str:
    """The stored form: `CP_REREGISTRATIONS down,CP_REGISTER`."""
    return ",".join(f"{k.code} {k.direction}" if k.direction else k.code for k in links)


def codes(stored: object) -> list[str]:
    """The indicator codes of a stored value, in order; an unreadable value gives none."""
    try:
        return [k.code for k in parse(stored)]
    except LinkProblem:
        return []


def way(link: Link, polarity: str | None) -> str | None:
    """Which way the action means the indicator to move: the link's direction, else the way
    its polarity calls better; None for polarity `neither` (or unknown) with no direction."""
    return link.direction or POLARITY_WAY.get(polarity or "")


def describe(link: Link, polarity: str | None) -> str:
    """How a link reads on an action's history: "down (as linked)", "down (lower is better)",
    "no direction (polarity neither)"."""
    chosen = way(link, polarity)
    if link.direction:
        return f"{link.direction} (as linked)"
    if chosen:
        return f"{chosen} ({polarity})"
    return "no direction (polarity neither)"
