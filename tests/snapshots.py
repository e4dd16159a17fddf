"""`snapshot(engine)`: every table's rows, sorted, to prove that something changed nothing."""

from __future__ import annotations

from sqlalchemy import MetaData


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every table's rows, sorted: to prove that something changed nothing."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(table.select()).all()), key=repr)
                for name, table in meta.tables.items()}
