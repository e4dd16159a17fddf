"""Alembic environment: migrations run on the connection the app hands over, or on the URL
from the project's configuration (`DATABASE_URL`, secrets, or the default SQLite file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from cpip_dashboard.config import database_choice
from cpip_dashboard.store.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(database_choice().url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # so ALTER TABLE works on SQLite too
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run init-db.")
run_migrations_online()
