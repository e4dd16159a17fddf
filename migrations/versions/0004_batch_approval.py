"""two-person approval of uploads

A batch may now be pending (stored, awaiting a second secretariat member) or rejected, besides
committed and rolled back; who approved or rejected it and when, and the rejection's reason,
are kept on the batch. A pending batch's preview (as its uploader saw it) is kept beside it.
Existing batches stay committed or rolled back, approved by nobody (they were committed
directly).

Revision ID: 0004_batch_approval
Revises: 0003_publications
Create Date: 2026-12-08 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0004_batch_approval'
down_revision = '0003_publications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('upload_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rejected_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rejected_reason', sa.Text(), nullable=True))
    op.create_table('batch_preview',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('preview_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['upload_batch.id'], name=op.f('fk_batch_preview_batch_id_upload_batch')),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_batch_preview'))
    )


def downgrade() -> None:
    op.drop_table('batch_preview')
    with op.batch_alter_table('upload_batch', schema=None) as batch_op:
        batch_op.drop_column('rejected_reason')
        batch_op.drop_column('rejected_at')
        batch_op.drop_column('rejected_by')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by')
