"""published figures found by area too

The area profile reads one area's and Scotland's figures of every indicator; the index on
(publication, indicator, measure) gains the area code, so those rows are sought, not scanned
(at a million figures a profile read every figure of every indicator). The Indicators page's
reads use the same index's first three columns, as before.

Revision ID: 0005_published_figure_area_index
Revises: 0004_batch_approval
Create Date: 2026-12-15 10:00:00
"""

from alembic import op

revision = '0005_published_figure_area_index'
down_revision = '0004_batch_approval'
branch_labels = None
depends_on = None

OLD = 'ix_published_figure_publication_id_indicator_code_measure'
NEW = 'ix_published_figure_publication_indicator_measure_area'


def upgrade() -> None:
    op.drop_index(OLD, table_name='published_figure')
    op.create_index(NEW, 'published_figure',
                    ['publication_id', 'indicator_code', 'measure', 'area_code'], unique=False)


def downgrade() -> None:
    op.drop_index(NEW, table_name='published_figure')
    op.create_index(OLD, 'published_figure', ['publication_id', 'indicator_code', 'measure'],
                    unique=False)
