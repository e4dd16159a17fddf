"""What the frame around every page needs from the data: the areas a visitor can choose (with
their labels) and whether illustrative data is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory
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
