"""CSV and Excel downloads that no spreadsheet will run as formulas.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
leading `'` (the bare symbol `-` excepted). Missing-value symbols stay symbols.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START) and value != "-":
        return "'" + value
    return value


def guarded(frame: pd.DataFrame) -> pd.DataFrame:
    result = frame.copy()
    for column in result.columns:
        if result[column].dtype == object or pd.api.types.is_string_dtype(result[column]):
            result[column] = result[column].map(guard)
    result.columns = [guard(str(c)) for c in result.columns]
    return result


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel opens accented names correctly."""
    return guarded(frame).to_csv(index=False).encode("utf-8-sig")


def to_excel(frame: pd.DataFrame, sheet: str = "Data", notes: list[str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False,
                                                   "strings_to_urls": False}}) as writer:
        guarded(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
        if notes:
            pd.DataFrame({"Notes": [guard(n) for n in notes]}).to_excel(
                writer, sheet_name="Notes", index=False)
    return buffer.getvalue()
