"""drop the batch-only index on indicator_value

Every import of indicator values paid for it (about an eighth of a 100,000-row insert on
SQLite) and nothing needs it: rollback's dependency check joins on the key index, and took
the same time without it on a million values (SQLite 0.29 s / 0.28 s, PostgreSQL 0.88 s /
0.96 s, benchmarks/generate.indicator_database).

Revision ID: 0002_drop_value_batch_index
Revises: 0001_initial_schema
Create Date: 2026-11-28 17:50:00
"""

from alembic import op

revision = '0002_drop_value_batch_index'
down_revision = '0001_initial_schema'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index('ix_indicator_value_batch')


def downgrade() -> None:
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_value_batch', ['batch_id'], unique=False)
