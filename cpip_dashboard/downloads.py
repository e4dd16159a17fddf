"""CSV and Excel downloads that no spreadsheet will run as formulas.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
leading `'` (the bare symbol `-` excepted). Missing-value symbols stay symbols.

Given a `provenance.Provenance`, every file says what its figures are inside it: the columns
`Status` (official / illustrative), `Source` and `Data version` after the columns shown, and in
Excel a Notes sheet (the statement, sources with links, suppression rule, data version, when it
was produced). Every download the pages offer passes one (`ui.widgets.download_buttons`).
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from . import provenance as prov

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


def _with_provenance(frame: pd.DataFrame, provenance: prov.Provenance | None) -> pd.DataFrame:
    return frame if provenance is None else prov.attach(frame, provenance)


def to_csv(frame: pd.DataFrame, provenance: prov.Provenance | None = None) -> bytes:
    """UTF-8 with BOM, so Excel opens accented names correctly."""
    return guarded(_with_provenance(frame, provenance)).to_csv(index=False).encode("utf-8-sig")


def to_excel(frame: pd.DataFrame, sheet: str = "Data", notes: list[str] | None = None,
             provenance: prov.Provenance | None = None,
             produced: dt.datetime | None = None) -> bytes:
    """The frame (with its provenance columns) and a Notes sheet: the provenance notes, then
    any further `notes` lines."""
    rows = [] if provenance is None else prov.notes(provenance, produced)
    rows += [("Note", n) for n in notes or []]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False,
                                                   "strings_to_urls": False}}) as writer:
        guarded(_with_provenance(frame, provenance)).to_excel(
            writer, sheet_name=sheet[:31], index=False)
        if rows:
            pd.DataFrame({"Item": [guard(i) for i, _ in rows],
                          "Detail": [guard(d) for _, d in rows]}).to_excel(
                writer, sheet_name="Notes", index=False)
    return buffer.getvalue()
