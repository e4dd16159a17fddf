"""publications and their protected figures

Every commit or rollback is a publication (the data version); the figures the dashboard can
publish are protected once per change of indicator data and stored, so pages only read them.

Revision ID: 0003_publications
Revises: 0002_drop_value_batch_index
Create Date: 2026-12-01 14:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0003_publications'
down_revision = '0002_drop_value_batch_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publication',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('figures_from', sa.Integer(), nullable=True),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('summary_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['upload_batch.id'], name=op.f('fk_publication_batch_id_upload_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication'))
    )
    op.create_table('published_figure',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=64), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('area_code', sa.String(length=16), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('symbol', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('count', sa.Float(), nullable=True),
    sa.Column('population', sa.Float(), nullable=True),
    sa.Column('population_year', sa.Integer(), nullable=True),
    sa.Column('base', sa.Float(), nullable=True),
    sa.Column('illustrative', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], name=op.f('fk_published_figure_publication_id_publication')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_figure'))
    )
    op.create_index('ix_published_figure_publication_id_indicator_code_measure', 'published_figure', ['publication_id', 'indicator_code', 'measure'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_published_figure_publication_id_indicator_code_measure', table_name='published_figure')
    op.drop_table('published_figure')
    op.drop_table('publication')
