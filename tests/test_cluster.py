"""Several processes on one database: started at once, they migrate a fresh database once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from tests.conftest import PG_ADMIN_URL, ROOT, require_or_skip


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_processes_starting_at_once_migrate_a_fresh_database_once(kind, tmp_path):
    if kind == "postgresql":
        require_or_skip(bool(PG_ADMIN_URL), "PostgreSQL (set TEST_DATABASE_URL)")
        name = f"cpip_t_race_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    try:
        env = dict(os.environ, DATABASE_URL=url)
        procs = [subprocess.Popen([sys.executable, "-m", "cpip_dashboard", "init-db"], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
        for out, err, code in results:
            assert code == 0 and "Traceback" not in err and "Error" not in err, err
            assert "is at the latest schema" in out
        migrated = [out for out, _err, _code in results if "Migrated the database" in out]
        assert len(migrated) == 1 and "from no schema to" in migrated[0]

        from alembic.config import Config
        from alembic.script import ScriptDirectory

        from cpip_dashboard.models import Publication

        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.set_main_option("script_location", str(ROOT / "migrations"))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        engine = create_engine(url)
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            publications = conn.execute(select(func.count()).select_from(Publication)).scalar()
        engine.dispose()
        assert [tuple(v) for v in versions] == [(head,)]
        assert publications == 1  # the first start published; the second found it done
    finally:
        if kind == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
