"""A problem found in an upload: where it is (sheet, Excel row, column, value) and what it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    level: str  # error / warning
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str

    @classmethod
    def error(cls, sheet, row, column, value, message) -> Problem:
        return cls("error", sheet, row, column, value, message)

    @classmethod
    def warning(cls, sheet, row, column, value, message) -> Problem:
        return cls("warning", sheet, row, column, value, message)

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("level")
        return data
