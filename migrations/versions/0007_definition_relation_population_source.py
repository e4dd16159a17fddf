"""definitions declare their relation; populations keep their source

An indicator definition gains `relation` (CONTRACT.md "definitions", the `Relation` column, as
canonical text: `none`, `part of CODE`, `rate of CODE`, `sum of CODE over N periods`, `sum of
CODE, CODE, ...`). Indicators uploaded before this column existed, other than new versions of
the built-in ones (data/reference/indicators.csv, whose relations are in relations.csv), count as
`none`. A population row gains `source` (the Populations sheet's optional `Source`; blank means
NRS mid-year population estimates, which rows loaded before are given, so that loading the same
figures again changes nothing). Alembic's version column is widened to 64 characters on
PostgreSQL so that this revision's id fits (it stays wide on downgrade: harmless).

Revision ID: 0007_definition_relation_population_source
Revises: 0006_figure_validity
Create Date: 2026-12-06 10:00:00
"""

import csv

from alembic import op
import sqlalchemy as sa

from cpip_dashboard.config import REFERENCE_DIR

POPULATION_SOURCE = 'NRS mid-year population estimates'  # kinds.POPULATION_SOURCE, this day

revision = '0007_definition_relation_population_source'
down_revision = '0006_figure_validity'
branch_labels = None
depends_on = None


def _builtin_codes() -> list[str]:
    with (REFERENCE_DIR / 'indicators.csv').open(newline='', encoding='utf-8') as handle:
        return [row['code'] for row in csv.DictReader(handle)]


def upgrade() -> None:
    # This revision's id is longer than the 32 characters Alembic's own table holds: widen it
    # first (PostgreSQL enforces the length; SQLite does not, and is left alone).
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('alembic_version', 'version_num', type_=sa.String(length=64),
                        existing_type=sa.String(length=32), existing_nullable=False)
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relation', sa.Text(), nullable=True))
    with op.batch_alter_table('population', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Text(), nullable=True))
    indicator = sa.table('indicator', sa.column('code', sa.String()),
                         sa.column('batch_id', sa.Integer()), sa.column('relation', sa.Text()))
    op.get_bind().execute(
        indicator.update()
        .where(indicator.c.batch_id.is_not(None), indicator.c.code.not_in(_builtin_codes()))
        .values(relation='none'))
    population = sa.table('population', sa.column('source', sa.Text()))
    op.get_bind().execute(population.update().values(source=POPULATION_SOURCE))


def downgrade() -> None:
    with op.batch_alter_table('population', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('relation')
