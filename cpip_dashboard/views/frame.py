"""What the frame around every page needs from the data: the areas a visitor can choose (with
their labels) and whether illustrative data is loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection

from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory, normalise_name
from cpip_dashboard.store.queries import area_directory, data_status


@dataclass(frozen=True)
class FrameView:
    directory: AreaDirectory
    options: tuple[str, ...]  # Scotland, the councils, then the committees
    labels: dict[str, str]  # area code -> what the area selector shows
    illustrative_batches: frozenset[int]
    status: dict

    def label(self, code: str) -> str:
        return self.labels.get(code, code)


def area_label(directory: AreaDirectory, code: str) -> str:
    area = directory.areas.get(code)
    if area is None:
        return code
    if area.kind == "cpc":
        members = ", ".join(directory.name(m) for m in directory.members(code))
        return f"CPC: {area.name} ({members})"
    return area.name


def view(conn: Connection) -> FrameView:
    directory = area_directory(conn)
    options = (SCOTLAND, *(a.code for a in directory.councils()),
               *(a.code for a in directory.cpcs()))
    status = data_status(conn)
    return FrameView(directory=directory, options=options,
                     labels={code: area_label(directory, code) for code in options},
                     illustrative_batches=frozenset(status["illustrative_batches"]),
                     status=status)


def _echo(value: str, limit: int = 40) -> str:
    """An address value quoted back in a notice, cut short (an address can be very long)."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def address_area(directory: AreaDirectory, options: tuple[str, ...], text: str,
                 fallback: str) -> tuple[str, str | None]:
    """The area an address's `area=` names (CONTRACT.md: a code, or a name matched as in
    spreadsheets: `orkney`, `Orkney Islands`, `S12000023`), and a notice when it names none:
    an ambiguous name says which areas it could be, an unknown one names up to three close
    ones; either way `fallback` is shown."""
    wanted = text.strip()
    if wanted.upper() in options:
        return wanted.upper(), None
    found = directory.resolve(wanted) if wanted else None
    if found in options:
        return found, None
    key = normalise_name(wanted)
    candidates = []
    if key:
        for code in options:
            name = normalise_name(directory.name(code))
            if name != key and re.search(rf"(^| ){re.escape(key)}", name):
                candidates.append(directory.name(code))
    shown = directory.name(fallback)
    if len(candidates) == 1:
        chosen = next(c for c in options if directory.name(c) == candidates[0])
        return chosen, None
    if candidates:
        return fallback, (f"Area {_echo(wanted)} in the address could be "
                          f"{_either(candidates[:6])}"
                          + (f" (and {len(candidates) - 6} more)" if len(candidates) > 6 else "")
                          + f": choose one; showing {shown}.")
    close = directory.suggestions(wanted) if key else []
    return fallback, (f"Area {_echo(wanted)} in the address is not known"
                      + (f" (did you mean {_either(close)}?)" if close else "")
                      + f"; showing {shown}.")
