"""Bring a database to a usable state: latest schema, reference data, and (when asked, or for
the embedded default SQLite file) the sample data loaded as one illustrative batch."""

from __future__ import annotations

from sqlalchemy import Engine

from . import db, publication, reference
from .imports.pipeline import ImportReport, run_import
from .queries import batch_count
from .sample import SAMPLE_FILE_NAME, sample_sheets


def init_db(engine: Engine, sample: bool, user: str) -> ImportReport | None:
    """Migrate, synchronise reference data; with `sample`, load it if no batch exists yet."""
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
