"""an archived meeting pack records the release of the indicators it shows

`meeting_pack.figures_release` is the publication (data version) whose headline indicator
figures the pack shows as at its meeting (CONTRACT.md, Time), and `figures_until` the last
period end shown when they are the first release's figures standing in for a meeting before
it (a database loaded after the fact). Packs archived before this revision keep NULLs: their
own text says which figures they hold.

Revision ID: 0011_pack_release
Revises: 0009_pack_archive_once
Create Date: 2026-12-06 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_pack_release'
down_revision = '0010_figure_storage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting_pack', schema=None) as batch_op:
        batch_op.add_column(sa.Column('figures_release', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('figures_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting_pack', schema=None) as batch_op:
        batch_op.drop_column('figures_until')
        batch_op.drop_column('figures_release')
