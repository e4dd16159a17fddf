"""Bring a database to a usable state: latest schema, reference data, and (when asked, or for
the embedded default SQLite file) the sample data loaded as one illustrative batch.

Several processes may start at once against one database (`make serve-cluster`, or two
`init-db` run by mistake): `init_db` runs under one database-wide *init lock*, so the first
process migrates, synchronises and publishes, and the others wait, then find nothing to do.
On PostgreSQL the lock is a session-level advisory lock on its own connection (a key distinct
from the write lock that every step inside still takes); on SQLite it is an exclusive lock on a
file beside the database (`<database>-init.lock`).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from cpip_dashboard.batches.pipeline import ImportReport, run_import
from cpip_dashboard.batches.sample import SAMPLE_FILE_NAME, sample_sheets
from cpip_dashboard.protection import publication
from cpip_dashboard.store import db, reference
from cpip_dashboard.store.queries import batch_count

INIT_LOCK_KEY = 720_418  # PostgreSQL advisory lock id for "CPIP database initialisation"


@contextmanager
def init_lock(engine: Engine) -> Iterator[None]:
    """Held by one process at a time, for the whole of `init_db`."""
    if db.is_sqlite(engine):
        database = engine.url.database
        if not database or database == ":memory:":
            yield  # one process only
            return
        path = Path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}-init.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({INIT_LOCK_KEY})")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({INIT_LOCK_KEY})")


def init_db(engine: Engine, sample: bool, user: str) -> ImportReport | None:
    """Migrate, synchronise reference data; with `sample`, load it if no batch exists yet.
    One process at a time (`init_lock`): run at once by several, the first does the work."""
    with init_lock(engine):
        db.migrate(engine)
        with db.write_transaction(engine) as conn:
            reference.sync(conn)
        report = None
        if sample:
            with engine.connect() as conn:
                empty = not batch_count(conn)
            if empty:
                # the demonstration data is committed directly, whatever CPIP_APPROVAL says
                report = run_import(engine, SAMPLE_FILE_NAME, sheets=sample_sheets(), user=user,
                                    illustrative=True, approval="single")
        with db.write_transaction(engine) as conn:
            publication.ensure(conn)  # figures protected by today's method and threshold
        return report
