"""The dashboard runs on PostgreSQL as an app role that owns nothing (issue 20, README
"Deployment"): `cpip_owner` owns the schema and migrates; `cpip_app`, granted
`audit.app_role_grants`, reads everything, adds rows to the history and the audit trail and
changes only a batch's decision columns and a figure's end, and can neither UPDATE, DELETE nor
TRUNCATE the trail or the history. Every PostgreSQL test connects as `cpip_app` (tests/conftest.py),
which the first test here proves, so no test passes by a superuser's rights."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from cpip_dashboard import auth
from cpip_dashboard.batches.approval import approve
from cpip_dashboard.batches.pipeline import run_import
from cpip_dashboard.batches.rollback import rollback
from cpip_dashboard.config import PROJECT_ROOT
from cpip_dashboard.store import audit
from cpip_dashboard.store.db import make_engine
from cpip_dashboard.store.models import AuditEvent, Base, UploadBatch
from cpip_dashboard.views.pack import make_and_archive
from tests.conftest import APP_ROLE, OWNER_ROLE, PG_ADMIN_URL, as_role, require_or_skip
from tests.files import csv

# its module-scoped fixtures are built once, on one worker (`--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("app_role")

ANN = auth.Identity(True, "ann@gov.scot", "Ann", "secretariat",
                    issuer="https://login.example", subject="ann")
BOB = auth.Identity(True, "bob@gov.scot", "Bob", "secretariat",
                    issuer="https://login.example", subject="bob")

# the history: rows are added by uploads, publications and packs, never changed or removed
HISTORY = ["indicator", "action", "action_update", "meeting", "population", "indicator_value",
           "review_assessment", "meeting_pack", "batch_preview"]


@pytest.fixture(scope="module")
def pg_url(databases):
    """A PostgreSQL database with the sample data, as the tests get it (roles are PostgreSQL's:
    no SQLite run). Shared by this module: every refused statement changes nothing, and the
    writes test only adds a batch."""
    require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
    url = databases.fresh("postgresql", sample=True)
    yield url
    databases.drop(url)


def refused(engine, statement: str) -> str:
    """The error PostgreSQL gives `statement` run in its own transaction."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.exec_driver_sql(statement)
    return str(caught.value.orig)


def test_the_postgresql_tests_run_as_the_app_role_that_owns_nothing(pg_url):
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            me, superuser, create_db, create_role = conn.execute(text(
                "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                "WHERE rolname = current_user")).one()
            owned = conn.execute(text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user")
            ).scalar()
            owners = set(conn.execute(text(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            ).scalars())
            database_owner = conn.execute(text(
                "SELECT pg_get_userbyid(datdba) FROM pg_database "
                "WHERE datname = current_database()")).scalar()
    finally:
        engine.dispose()
    assert (me, superuser, create_db, create_role) == (APP_ROLE, False, False, False)
    assert owned == 0
    assert owners == {OWNER_ROLE} and database_owner == OWNER_ROLE


def test_every_table_has_the_app_roles_privileges_decided(pg_url):
    """A table added by a migration must be given its line in `APP_ROLE_PRIVILEGES`."""
    engine = make_engine(as_role(pg_url, "owner"))
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert tables == set(audit.APP_ROLE_PRIVILEGES)
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


def test_deploy_sql_is_the_grants_for_cpip_app():
    """deploy/app_role.sql, what an administrator runs, says exactly what the tests grant."""
    sql = (PROJECT_ROOT / "deploy" / "app_role.sql").read_text()
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    statements = [" ".join(s.split()) for s in body.split(";") if s.strip()]
    assert statements == audit.app_role_grants(APP_ROLE)


def test_the_app_role_does_the_dashboards_writes(pg_url):
    """Import (pending, then approved by another person), rollback, a pack archived, the
    audit trail appended: all as `cpip_app`, and the trail still chains."""
    engine = make_engine(pg_url)
    data = csv([["Indicator", "Area", "Period", "Value"], ["CP_REGISTER", "Fife", "2026-27", 400],
                ["CP_REGISTER", "Angus", "2026-27", 120]])
    try:
        report = run_import(engine, "more.csv", data, user=ANN, approval="two-person")
        assert report.ok, report.errors
        batch = report.batch_id
        decision = approve(engine, batch, BOB)
        assert decision.ok, decision.message
        undone = rollback(engine, batch, BOB)
        assert undone.ok, undone.message
        make_and_archive(engine, None, "S92000003", "ana")
        audit.record(engine, ANN, "download", "as the app role")
        with engine.connect() as conn:
            state = conn.execute(select(UploadBatch.state).where(UploadBatch.id == batch)
                                 ).scalar()
            events = [e for e in conn.execute(select(AuditEvent.event).where(
                AuditEvent.batch_id == batch).order_by(AuditEvent.id)).scalars()]
            verdict = audit.verify(conn)
    finally:
        engine.dispose()
    assert state == "rolled_back"
    assert events == ["upload", "approve", "rollback"]
    assert verdict.ok, verdict.message


@pytest.mark.parametrize("table", ["audit_event", *HISTORY])
def test_the_app_role_cannot_update_delete_or_truncate_the_trail_or_the_history(pg_url, table):
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            before = conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
        column = "id" if table != "batch_preview" else "batch_id"
        for statement in (f'UPDATE "{table}" SET {column} = {column}',
                          f'DELETE FROM "{table}"', f'TRUNCATE "{table}" CASCADE'):
            message = refused(engine, statement)
            assert re.search(rf"permission denied for table {table}\b", message), message
        with engine.connect() as conn:
            assert conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() == before
    finally:
        engine.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE upload_batch SET file_name = 'other.csv'",  # what was uploaded, and by whom
    "UPDATE upload_batch SET uploaded_by_id = 'someone|else'",
    "DELETE FROM upload_batch",
    "UPDATE publication SET threshold = 0",
    "UPDATE published_figure SET value = 0",  # a figure as published
    "DELETE FROM published_figure",
    "UPDATE area SET name = 'x'",  # reference data: init-db's, as the owner
    "DELETE FROM area_alias",
    "UPDATE alembic_version SET version_num = 'x'",
    "CREATE TABLE mine (x int)",
    "DROP TRIGGER audit_event_append_only ON audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER USER",
])
def test_the_app_role_cannot_rewrite_what_it_only_adds(pg_url, statement):
    engine = make_engine(pg_url)
    try:
        message = refused(engine, statement)
    finally:
        engine.dispose()
    assert "permission denied" in message or "must be owner" in message, message


def test_the_trigger_holds_even_for_the_owner(pg_url):
    """The owner role, which may change its tables, still cannot change the trail without
    first dropping the trigger (something the app role cannot do, above)."""
    engine = make_engine(as_role(pg_url, "owner"))
    try:
        for statement in ("UPDATE audit_event SET detail = 'x'", "DELETE FROM audit_event",
                          "TRUNCATE audit_event CASCADE"):
            assert "append-only" in refused(engine, statement)
    finally:
        engine.dispose()


def test_the_grants_can_be_run_again(pg_url):
    """After an upgrade the owner runs them again: the same privileges, no error."""
    owner = make_engine(as_role(pg_url, "owner"))

    def privileges() -> set[tuple]:
        with owner.connect() as conn:
            tables = conn.execute(text(
                "SELECT table_name, privilege_type FROM information_schema.table_privileges "
                "WHERE grantee = :role"), {"role": APP_ROLE}).all()
            columns = conn.execute(text(
                "SELECT table_name, column_name, privilege_type "
                "FROM information_schema.column_privileges WHERE grantee = :role "
                "AND privilege_type = 'UPDATE'"), {"role": APP_ROLE}).all()
        return {tuple(r) for r in tables} | {tuple(r) for r in columns}

    try:
        before = privileges()
        with owner.begin() as conn:
            conn.exec_driver_sql(f'GRANT DELETE ON audit_event TO "{APP_ROLE}"')  # a stray one
            for statement in audit.app_role_grants(APP_ROLE):
                conn.exec_driver_sql(statement)
        after = privileges()
    finally:
        owner.dispose()
    assert after == before
    assert ("audit_event", "INSERT") in after and ("audit_event", "DELETE") not in after
    assert ("published_figure", "valid_to", "UPDATE") in after
    assert ("published_figure", "value", "UPDATE") not in after
