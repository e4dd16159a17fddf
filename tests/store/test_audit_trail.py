"""The audit trail is append-only and tamper-evident (issue 20, CONTRACT.md `verify-audit`):
every row's hash chains to the one before; `verify-audit` exits 0 when whole and 1 naming the
first row that breaks the chain (a row changed, removed, reordered or added behind the
dashboard's back); writers at once keep one chain; migration 0008 hashes the rows already
there; on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE, even to the owner role (the
app role, as which the PostgreSQL tests run, may only INSERT and SELECT there: test_app_role.py)."""

from __future__ import annotations

import itertools
import threading

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from cpip_dashboard import auth
from cpip_dashboard.config import PROJECT_ROOT
from cpip_dashboard.store import audit
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import AuditEvent
from tests.cli_helpers import cli
from tests.conftest import APP_ROLE, as_role

ANN = auth.Who("Ann <ann@gov.scot>", "https://login.example|ann")


def write_some(engine, count: int = 4) -> None:
    for number in range(count):
        audit.record(engine, ANN if number % 2 else "ops", "download", f"file-{number}.csv")


def tamper(engine, *statements: str) -> None:
    """Change the table as someone with direct access would (on PostgreSQL, a superuser who
    switches the trigger off for the session: the tests' own role cannot)."""
    if engine.dialect.name == "postgresql":
        engine = make_engine(as_role(engine.url.render_as_string(False), "admin"))
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        if engine.dialect.name == "postgresql":
            engine.dispose()


def ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())


def test_every_write_is_chained_and_recorded_by_identity(engine):
    write_some(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent).order_by(AuditEvent.id)).all()
        verdict = audit.verify(conn)
    assert verdict.ok and verdict.rows == len(rows) >= 4
    assert rows[0].prev_hash == audit.GENESIS
    for before, row in itertools.pairwise(rows):
        assert row.prev_hash == before.hash and len(row.hash) == 64
    mine = [(r.user, r.user_id) for r in rows if r.detail.startswith("file-")]
    assert mine == [("ops", "ops"), ("Ann <ann@gov.scot>", "https://login.example|ann")] * 2
    assert verdict.message.endswith(f"the last row's hash is {rows[-1].hash}.")


@pytest.mark.parametrize("how", ["changed", "removed", "reordered", "added", "rehashed"])
def test_verify_audit_names_the_first_row_that_breaks_the_chain(db_url, how):
    engine = make_engine(db_url)
    try:
        write_some(engine, 5)
        whole = cli(db_url, "verify-audit")
        assert whole.returncode == 0, whole.stdout + whole.stderr
        assert whole.stdout.startswith("The audit trail is whole: ")
        second, third = ids(engine)[2:4]
        expected = {"changed": second, "removed": third, "reordered": second,
                    "added": None, "rehashed": second}[how]
        if how == "changed":
            tamper(engine, f"UPDATE audit_event SET detail = 'nothing' WHERE id = {second}")
        elif how == "removed":
            tamper(engine, f"DELETE FROM audit_event WHERE id = {second}")
        elif how == "reordered":
            tamper(engine, f"UPDATE audit_event SET id = -1 WHERE id = {second}",
                   f"UPDATE audit_event SET id = {second} WHERE id = {third}",
                   f"UPDATE audit_event SET id = {third} WHERE id = -1")
        elif how == "added":  # a row inserted behind the dashboard's back, with no hash
            tamper(engine, "INSERT INTO audit_event (id, at, \"user\", event, detail) VALUES "
                           "(100000, '2026-01-01 00:00:00', 'x', 'download', 'forged')")
            expected = 100000
        else:  # the content changed and its own hash recomputed: the next row no longer follows
            with engine.connect() as conn:
                row = conn.execute(select(AuditEvent).where(AuditEvent.id == second)).one()
            forged = audit.row_hash(row.prev_hash, row.at, row.user, row.user_id, row.event,
                                    "nothing", row.batch_id)
            tamper(engine, f"UPDATE audit_event SET detail = 'nothing', hash = '{forged}' "
                           f"WHERE id = {second}")
            expected = third
        broken = cli(db_url, "verify-audit")
        assert broken.returncode == 1
        assert broken.stdout.startswith(f"The audit trail is broken at row {expected} (")
    finally:
        engine.dispose()


def test_writers_at_once_keep_one_chain(db_url):
    engine = make_engine(db_url)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for number in range(15):
                audit.record(engine, name, "sign-in", f"{name} {number}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not errors and not any(t.is_alive() for t in threads)
        with engine.connect() as conn:
            verdict = audit.verify(conn)
        assert verdict.ok, verdict.message
        assert len(ids(engine)) >= 60
    finally:
        engine.dispose()


def test_migration_0008_hashes_the_rows_already_there(db_url):
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    postgresql = db_url.startswith("postgresql")
    engine = make_engine(as_role(db_url, "owner") if postgresql else db_url)  # migrations: owner's
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005_published_figure_area_index")
            conn.exec_driver_sql('DELETE FROM audit_event')
            for number, user in enumerate(["ann@gov.scot", "Bob", "ops"]):
                conn.execute(text('INSERT INTO audit_event (at, "user", event, detail) VALUES '
                                  '(:at, :user, :event, :detail)'),
                             {"at": f"2024-0{number + 1}-02 10:00:00", "user": user,
                              "event": "download", "detail": f"héllo {number}"})
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with engine.connect() as conn:
            rows = conn.execute(select(AuditEvent.user, AuditEvent.user_id)
                                .order_by(AuditEvent.id)).all()
            assert audit.verify(conn).ok
        assert [tuple(r) for r in rows] == [("ann@gov.scot", "ann@gov.scot"), ("Bob", "Bob"),
                                            ("ops", "ops")]
        if postgresql:  # the app role, granted again after the upgrade, carries on
            with engine.begin() as conn:
                for statement in audit.app_role_grants(APP_ROLE):
                    conn.exec_driver_sql(statement)
            engine.dispose()
            engine = make_engine(db_url)
        audit.record(engine, ANN, "sign-in", "after")  # the chain carries on from them
        with engine.connect() as conn:
            assert audit.verify(conn).rows == 4 and audit.verify(conn).ok
    finally:
        engine.dispose()


def test_postgresql_refuses_update_delete_and_truncate_even_to_the_owner(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the trigger is PostgreSQL's")
    engine = make_engine(db_url)
    owner = make_engine(as_role(db_url, "owner"))  # may change its tables, not this one
    try:
        write_some(engine, 2)
        for statement in ("UPDATE audit_event SET detail = 'x'", "DELETE FROM audit_event",
                          "TRUNCATE audit_event CASCADE"):
            with pytest.raises(DBAPIError, match="append-only"), owner.begin() as conn:
                conn.exec_driver_sql(statement)
        with engine.connect() as conn:
            assert audit.verify(conn).ok and audit.verify(conn).rows == len(ids(engine))
    finally:
        owner.dispose()
        engine.dispose()
