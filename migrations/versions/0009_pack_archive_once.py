"""a meeting pack archived once per meeting, area and data version

`meeting_pack.once_key` ("meeting|area|data version") is unique: preparing the same pack again
returns the one archived (CONTRACT.md, Roles). Packs archived before this revision keep their
rows, evidence as circulated: the first of each meeting, area and data version gets the key,
any later copy keeps none (NULLs never clash), and the lookup returns the first.

Revision ID: 0009_pack_archive_once
Revises: 0008_audit_chain_identity
Create Date: 2026-12-06 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_pack_archive_once'
down_revision = '0008_audit_chain_identity'
branch_labels = None
depends_on = None

INDEX = 'ux_meeting_pack_once_key'


def upgrade() -> None:
    with op.batch_alter_table('meeting_pack', schema=None) as batch_op:
        batch_op.add_column(sa.Column('once_key', sa.String(length=200), nullable=True))
    conn = op.get_bind()
    pack = sa.table('meeting_pack', sa.column('id', sa.Integer),
                    sa.column('meeting_date', sa.Date), sa.column('area_code', sa.String),
                    sa.column('data_version', sa.String), sa.column('once_key', sa.String))
    seen: set[str] = set()
    for row in conn.execute(sa.select(pack.c.id, pack.c.meeting_date, pack.c.area_code,
                                      pack.c.data_version).order_by(pack.c.id)):
        key = f"{row.meeting_date.isoformat()}|{row.area_code}|{row.data_version}"
        if key not in seen:
            seen.add(key)
            conn.execute(sa.update(pack).where(pack.c.id == row.id).values(once_key=key))
    op.create_index(INDEX, 'meeting_pack', ['once_key'], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name='meeting_pack')
    with op.batch_alter_table('meeting_pack', schema=None) as batch_op:
        batch_op.drop_column('once_key')
