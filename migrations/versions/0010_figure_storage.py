"""a count figure row can carry its empty rate

A count indicator is published with its rate per 1,000 children; where no child population is
loaded the rate is `..` with nothing behind it (no value or population), and such rows
were half of what a publication wrote (a 100,000-row upload: 194,000 of 388,000). A count row
with `rate_empty` true now stands for that rate too, over the same validity: its rate is `..`
(or the count's own symbol), not suppressed, with the count's status, batch, illustrative mark,
truth and the count shown beside it (`publication.stored_rows` gives both rows back). Rows
stored before keep their rate rows (the column is false for them).

Revision ID: 0010_figure_storage
Revises: 0009_pack_archive_once
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_figure_storage'
down_revision = '0009_pack_archive_once'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('published_figure') as batch:
        batch.add_column(sa.Column('rate_empty', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('published_figure') as batch:
        batch.drop_column('rate_empty')
