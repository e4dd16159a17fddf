"""Engines, the one write transaction, migrations and the data version.

Every write that changes uploaded data happens inside `write_transaction`, which serialises
writers across processes: SQLite takes its write lock at `BEGIN IMMEDIATE`; PostgreSQL takes a
transaction-scoped advisory lock. So two imports never interleave; each commits whole or not at
all.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url

from cpip_dashboard.config import PROJECT_ROOT
from cpip_dashboard.store.models import Publication

WRITE_LOCK_KEY = 720_417  # PostgreSQL advisory lock id for "CPIP data write"


# Driver-level bulk inserts (`insert_rows` below) pass dates straight to sqlite3:
# store them exactly as SQLAlchemy's SQLite Date type does, "YYYY-MM-DD".
sqlite3.register_adapter(dt.date, dt.date.isoformat)


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite set up for safe concurrent use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is unreliable).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # 16 KiB pages: a 100,000-row indicator upload inserts about a fifth faster than with
        # the 4 KiB default (benchmarks/import_100k.py). Only a new, empty database takes it;
        # so it comes before WAL mode, which fixes the page size.
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:  # pragma: no cover - driver hook
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the database-wide write lock; commits on success."""
    if is_sqlite(engine):
        with engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
        return
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        yield conn


def utcnow() -> dt.datetime:
    """Now in UTC, without tzinfo (stored as naive UTC on both databases)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def migrate(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the database to the latest schema (Alembic), under the write lock. Returns the
    revision found and the revision left (equal when there was nothing to do; None for a
    database without a schema)."""
    from alembic import command  # noqa: PLC0415 (Alembic loads only to migrate)
    from alembic.config import Config  # noqa: PLC0415 (Alembic loads only to migrate)
    from alembic.migration import MigrationContext  # noqa: PLC0415 (Alembic loads only to migrate)

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    with write_transaction(engine) as conn:
        before = MigrationContext.configure(conn).get_current_revision()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        after = MigrationContext.configure(conn).get_current_revision()
    return before, after


def data_version(conn: Connection) -> str:
    """The latest publication's id: it moves exactly when what the pages show changes (a
    commit or a rollback), and keys every cached result."""
    return str(conn.execute(select(func.max(Publication.id))).scalar() or 0)


# PostgreSQL's binary form of each column type `insert_rows(binary=True)` can send
_BINARY = ((Boolean, "bool"), (Integer, "int4"), (Float, "float8"), (DateTime, "timestamp"),
           (Date, "date"), (String, "text"))


def _binary_types(table, names) -> list[str] | None:
    types = []
    for name in names:
        kind = table.c[name].type
        found = next((pg for base, pg in _BINARY if isinstance(kind, base)), None)
        if found is None or isinstance(kind, BigInteger) or getattr(kind, "timezone", False):
            return None
        types.append(found)
    return types


def insert_rows(conn: Connection, table, columns: dict[str, list], binary: bool = False
                ) -> None:
    """Many rows at once at driver level: COPY on PostgreSQL, executemany elsewhere; values are
    always sent as data, never spliced into SQL.

    The statement names only the model's own table and columns. A column that is empty in
    every row is left to its default (NULL). On SQLite, dates are written in the same ISO form
    SQLAlchemy's Date type writes (each distinct date converted once; see `db.make_engine`).
    `binary`: PostgreSQL's COPY sends the values in binary form, typed by the columns (the
    caller's values are exactly of their column's Python type: str, int, float, bool, date,
    datetime; a fifth of the client's time for a 194,000-row publication)."""
    columns = {name: values for name, values in columns.items()
               if values.count(None) != len(values)}
    if not columns or not next(iter(columns.values())):
        return
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        types = _binary_types(table, columns) if binary else None
        # COPY: the rows travel as data, separately from the statement.
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY {quote(table.name)} ({names}) FROM STDIN"
                + (" (FORMAT BINARY)" if types else "")) as copy:
            if types:
                copy.set_types(types)
            for row in zip(*columns.values(), strict=True):
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        columns = {name: _iso_dates(values) for name, values in columns.items()}
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([marker] * len(columns))})",
        list(zip(*columns.values(), strict=True)))


def _iso_dates(values: list) -> list:
    """A column of dates (and blanks) as ISO text; any other column as it is."""
    sample = next((v for v in values if v is not None), None)
    if not isinstance(sample, dt.date) or isinstance(sample, dt.datetime):
        return values
    iso = {day: day.isoformat() for day in dict.fromkeys(values) if day is not None}
    iso[None] = None
    return list(map(iso.__getitem__, values))
