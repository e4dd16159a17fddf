"""The `Relation` column of the Definitions sheet (CONTRACT.md "definitions"): its forms, read.

A new indicator says how it relates to the others, so that no small number can be worked out
from them. The forms, in any case, CODE an indicator code:

- `none`: no relation beyond the area sums, which always apply;
- `part of CODE`: for the same area and period, at most CODE (for a percentage, CODE is its
  base);
- `rate of CODE`: a rate per 1,000 children whose count is CODE;
- `sum of CODE over N periods`: CODE's N periods (N a whole number, 2 or more) ending on this
  indicator's period, same area;
- `sum of CODE, CODE, ...`: those indicators' values (two or more), same area and period.

`parse` reads only the form: whether each CODE is known, and whether the units fit, needs the
other definitions and is checked by `imports.checks`. Plain Python: no database, no streamlit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("none", "part", "rate", "over_periods", "sum")

_CODE = r"[A-Za-z][A-Za-z0-9_]*"
_PART = re.compile(rf"part\s+of\s+({_CODE})", re.IGNORECASE)
_RATE = re.compile(rf"rate\s+of\s+({_CODE})", re.IGNORECASE)
_OVER = re.compile(rf"sum\s+of\s+({_CODE})\s+over\s+(\S+)\s+periods?", re.IGNORECASE)
_SUM = re.compile(r"sum\s+of\s+(.+)", re.IGNORECASE)
_CODE_ONLY = re.compile(rf"{_CODE}")

FORMS = ("none", "part of CODE", "rate of CODE", "sum of CODE over N periods",
         "sum of CODE, CODE, ...")
FORMS_TEXT = "; ".join(f"`{form}`" for form in FORMS)


@dataclass(frozen=True)
class Declared:
    """A relation as declared: its kind, the CODEs it names (upper-case, in order) and, for
    `over_periods`, the number of periods."""

    kind: str  # "none" | "part" | "rate" | "over_periods" | "sum"
    codes: tuple[str, ...]  # the CODEs named, upper-case, in order
    periods: int | None = None  # N for "over_periods"

    def text(self) -> str:
        """The canonical text, e.g. "sum of CP_REGISTRATIONS over 2 periods"; `parse` reads it
        back as the same relation."""
        if self.kind == "none":
            return "none"
        if self.kind == "part":
            return f"part of {self.codes[0]}"
        if self.kind == "rate":
            return f"rate of {self.codes[0]}"
        if self.kind == "over_periods":
            return f"sum of {self.codes[0]} over {self.periods} periods"
        return "sum of " + ", ".join(self.codes)


def _malformed(text: str) -> ValueError:
    return ValueError(f"{text} is not a relation: use one of {FORMS_TEXT} "
                      "(CODE an indicator code)")


def parse(text: str | None) -> Declared | None:
    """The relation a cell declares; None for a blank cell. Raises ValueError with one
    sentence when the text is none of the forms."""
    if text is None:
        return None
    cleaned = " ".join(str(text).split())
    if not cleaned:
        return None
    if cleaned.lower() == "none":
        return Declared("none", ())
    if match := _PART.fullmatch(cleaned):
        return Declared("part", (match.group(1).upper(),))
    if match := _RATE.fullmatch(cleaned):
        return Declared("rate", (match.group(1).upper(),))
    if match := _OVER.fullmatch(cleaned):
        number = match.group(2)
        if not number.isdigit() or int(number) < 2:
            raise ValueError(f"{cleaned}: the number of periods must be a whole number, 2 or "
                             f"more (e.g. sum of {match.group(1).upper()} over 2 periods)")
        return Declared("over_periods", (match.group(1).upper(),), int(number))
    if match := _SUM.fullmatch(cleaned):
        parts = [p.strip() for p in match.group(1).split(",")]
        if not all(_CODE_ONLY.fullmatch(p) for p in parts):
            raise _malformed(cleaned)
        if len(parts) < 2:
            raise ValueError(f"{cleaned}: a sum names two or more indicators, comma-separated "
                             f"(or say sum of {parts[0].upper()} over N periods)")
        codes = tuple(p.upper() for p in parts)
        if len(set(codes)) != len(codes):
            raise ValueError(f"{cleaned}: a sum names each indicator once")
        return Declared("sum", codes)
    raise _malformed(cleaned)
