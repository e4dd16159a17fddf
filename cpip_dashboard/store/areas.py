"""Area names and codes: normalisation, resolution and suggestions (pure functions).

Names match ignoring case, `&`/`and`, `City of` / `, City of`, `Council`, `Islands`, the
leading `The`, punctuation and footnote markers (`Fife¹`, `Fife (1)`, `Fife*`), plus the known
variants in `data/reference/area_name_variants.csv`. Superseded GSS codes resolve to the current
ones.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

SCOTLAND = "S92000003"

_FOOTNOTE = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰†‡]+|\((?:note\s*)?\d+\)|\[(?:note\s*)?\d+\]|\*+$")
_CITY_OF_SUFFIX = re.compile(r",\s*city of\s*$")
_CITY_OF_PREFIX = re.compile(r"^city of\s+")
_DROP_WORDS = {"council", "islands", "the"}
_CODE = re.compile(r"^(S\d{8}|CPC\d{2})$", re.IGNORECASE)


def normalise_name(text: str) -> str:
    """The matching key for an area name."""
    name = _FOOTNOTE.sub("", str(text).strip().lower()).strip()
    name = name.replace("&", " and ")
    name = _CITY_OF_SUFFIX.sub("", name)
    name = _CITY_OF_PREFIX.sub("", name)
    name = re.sub(r"[^0-9a-z]+", " ", name)
    words = [w for w in name.split() if w not in _DROP_WORDS]
    return " ".join(words)


def looks_like_code(text: str) -> bool:
    return bool(_CODE.match(str(text).strip()))


@dataclass(frozen=True)
class AreaInfo:
    code: str
    name: str
    kind: str  # scotland / council / cpc
    parent_code: str | None
    sort_order: int


class AreaDirectory:
    """Every known area and alias; resolves what a spreadsheet says to an area code."""

    def __init__(self, areas: list[AreaInfo], aliases: dict[str, str]):
        self.areas = {a.code: a for a in areas}
        self.aliases = dict(aliases)  # normalised alias or upper-case code -> area code

    def resolve(self, text: object) -> str | None:
        raw = str(text).strip()
        if not raw:
            return None
        if looks_like_code(raw):
            code = raw.upper()
            if code in self.areas:
                return code
            return self.aliases.get(code)
        return self.aliases.get(normalise_name(raw))

    def suggestions(self, text: object, limit: int = 3) -> list[str]:
        """Names of the closest known areas, for an error message."""
        key = normalise_name(str(text))
        names = [k for k in self.aliases if not looks_like_code(k)]
        close = difflib.get_close_matches(key, names, n=limit * 3, cutoff=0.5)
        result: list[str] = []
        for alias in close:
            name = self.areas[self.aliases[alias]].name
            if name not in result:
                result.append(name)
        return result[:limit]

    def name(self, code: str) -> str:
        area = self.areas.get(code)
        return area.name if area else code

    def councils(self) -> list[AreaInfo]:
        return sorted(
            (a for a in self.areas.values() if a.kind == "council"), key=lambda a: a.sort_order
        )

    def cpcs(self) -> list[AreaInfo]:
        return sorted((a for a in self.areas.values() if a.kind == "cpc"), key=lambda a: a.sort_order)

    def members(self, cpc_code: str) -> list[str]:
        """The council codes a CPC covers."""
        return [a.code for a in self.councils() if a.parent_code == cpc_code]

    def covering(self, code: str) -> set[str]:
        """The areas whose figures or actions concern `code`: itself, its CPC or councils."""
        area = self.areas.get(code)
        if area is None or area.kind == "scotland":
            return {SCOTLAND}
        if area.kind == "cpc":
            return {code, *self.members(code)}
        return {code, area.parent_code} if area.parent_code else {code}
