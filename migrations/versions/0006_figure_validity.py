"""published figures stored once per value, with the counts behind them

Until now every publication that changed a figure stored a full copy of every figure
(`figures_from`), so storage grew with figures x uploads. A figure row now holds one figure
from the publication that first showed it (`publication_id`) until the one from which it is
no longer shown (`valid_to`, NULL while current), and keeps the counts behind it at that
release (`truth`, `den_truth`; never shown) so that a later release's attacker problem can tie
each earlier release to its own values (figures._Releases).

Existing copies are kept as they are: each copy is valid until the next copy's publication.
A count shown as such is its own truth; the truth of earlier suppressed cells and rates is
not known and stays NULL (they then tie nothing together). The current figures are rebuilt
on the next start (publication.METHOD).

Revision ID: 0006_figure_validity
Revises: 0005_published_figure_area_index
Create Date: 2026-12-06 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_figure_validity'
down_revision = '0005_published_figure_area_index'
branch_labels = None
depends_on = None

OLD = 'ix_published_figure_publication_indicator_measure_area'
NEW = 'ix_published_figure_current'


def upgrade() -> None:
    with op.batch_alter_table('published_figure') as batch:
        batch.add_column(sa.Column('valid_to', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('truth', sa.Float(), nullable=True))
        batch.add_column(sa.Column('den_truth', sa.Float(), nullable=True))
    op.drop_index(OLD, table_name='published_figure')
    op.create_index(NEW, 'published_figure',
                    ['valid_to', 'indicator_code', 'measure', 'area_code'], unique=False)
    figure = sa.table('published_figure', sa.column('publication_id', sa.Integer),
                      sa.column('valid_to', sa.Integer), sa.column('truth', sa.Float),
                      sa.column('value', sa.Float), sa.column('measure', sa.String))
    conn = op.get_bind()
    copies = sorted(conn.execute(sa.select(figure.c.publication_id).distinct()).scalars())
    for copy, following in zip(copies, copies[1:], strict=False):
        conn.execute(figure.update().where(figure.c.publication_id == copy)
                     .values(valid_to=following))
    conn.execute(figure.update().where(figure.c.measure == 'count',
                                       figure.c.value.is_not(None))
                 .values(truth=figure.c.value))


def downgrade() -> None:
    op.drop_index(NEW, table_name='published_figure')
    op.create_index(OLD, 'published_figure',
                    ['publication_id', 'indicator_code', 'measure', 'area_code'], unique=False)
    with op.batch_alter_table('published_figure') as batch:
        batch.drop_column('den_truth')
        batch.drop_column('truth')
        batch.drop_column('valid_to')
