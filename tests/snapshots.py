"""`snapshot(engine)`: every table's rows, to prove that something changed nothing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import MetaData


def snapshot(engine) -> dict[str, Counter]:
    """Every table's rows as a multiset (equal exactly when the tables hold the same rows,
    in any order; much cheaper than sorting tens of thousands of stored figures by repr)."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: Counter(map(tuple, conn.execute(table.select()).all()))
                for name, table in meta.tables.items()}
