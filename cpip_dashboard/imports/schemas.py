"""What a value may be once its cell has been read: pandera schemas over the typed columns.

Reading a cell (a UK date, `2,129`, a missing-value symbol) is the parsers' job in `values`;
the limits on the typed value are here, one check per rule with its message beside it. In a
message, `{value}` is the cell as written. Each column names the sheet column its problems
point at (`metadata["column"]`). Every column is nullable: a required cell left blank is the
checks' sentence ("Code is required"), not a second problem from the schema. Rules that need
the database or other rows (known areas, actions, duplicate keys) are named functions in
`checks`.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from cpip_dashboard.imports.checks import Records
from cpip_dashboard.imports.problems import Problem
from cpip_dashboard.rules.values import MISSING_SYMBOLS, VALUE_STATUSES, as_text

NEGATIVE = "{value} is negative: values must be 0 or more"


def _whole(series: pd.Series) -> pd.Series:
    return series % 1 == 0


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "indicators": pa.DataFrameSchema({
        "value": pa.Column(float, pa.Check.ge(0, error=NEGATIVE), nullable=True,
                           metadata={"column": "Value"}),
        "symbol": pa.Column(None, pa.Check.isin(
            list(MISSING_SYMBOLS), error="{value} is not a missing-value symbol: use one of "
            + " ".join(MISSING_SYMBOLS)), nullable=True, metadata={"column": "Value"}),
        "status": pa.Column(None, pa.Check.isin(
            VALUE_STATUSES, error=f"Status must be one of {', '.join(VALUE_STATUSES)}"),
            nullable=True, metadata={"column": "Status"}),
    }),
    "updates": pa.DataFrameSchema({
        "progress": pa.Column(float, pa.Check.in_range(
            0, 100, error="{value} is not a percentage between 0 and 100"), nullable=True,
            metadata={"column": "Progress %"}),
    }),
    "populations": pa.DataFrameSchema({
        "children": pa.Column(float, [
            pa.Check.ge(0, error=NEGATIVE),
            pa.Check(_whole, error="{value} is not a whole number of children"),
        ], nullable=True, metadata={"column": "Children aged 0-17"}),
    }),
    "definitions": pa.DataFrameSchema({
        "code": pa.Column(None, pa.Check.str_matches(
            r"^[A-Z][A-Z0-9_]{1,63}$",
            error="Code must be upper-case letters, digits and _ (e.g. CP_REGISTER)"),
            nullable=True, metadata={"column": "Code"}),
    }),
}


def _series(values: list, dtype: object) -> pd.Series:
    return pd.Series(values, dtype="float64" if dtype is not None else object)


def validate(records: Records, problems: list[Problem]) -> Records:
    """The records that pass their kind's schema and that no rule refused; a problem for each
    value that does not pass, with its sheet, Excel row, column as written and value. Rows a
    rule refused are checked too, so that every problem of a row is reported."""
    schema = SCHEMAS.get(records.kind)
    if schema is None or not len(records):
        return records.accepted()
    frame = pd.DataFrame({name: _series(records.columns[name], column.dtype)
                          for name, column in schema.columns.items()}, copy=False)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        failed: set[int] = set()
        located = []
        for name, message, index in exc.failure_cases[["column", "check", "index"]].itertuples(
                index=False):
            if index is None or pd.isna(index):  # the frame itself is wrong: a bug, not a cell
                raise
            i = int(index)
            cell = records.cell(i, schema.columns[name].metadata["column"])
            text = as_text(cell.value)
            located.append((records.row(i), Problem.error(
                records.sheet, records.row(i), cell.header, text, message.format(value=text))))
            failed.add(i)
        problems.extend(problem for _, problem in sorted(located, key=lambda p: p[0]))
        return records.accepted(failed)
    return records.accepted()
