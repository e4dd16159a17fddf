"""identities and a tamper-evident audit trail

A person is now recorded by identity (a signed-in person's "<iss>|<sub>", a command-line name as
written) beside the name kept for display: `upload_batch` gains `uploaded_by_id`,
`approved_by_id`, `rejected_by_id` and `rolled_back_by_id`, NULL on existing rows (matched by
their recorded name, the email before this change). `audit_event` gains `user_id` (the existing
rows' recorded name) and `prev_hash` and `hash`: every existing row is hashed in id order, so the
chain starts with the first row ever written (`cpip_dashboard.store.audit.canonical`). On PostgreSQL a
trigger then refuses UPDATE, DELETE and TRUNCATE on `audit_event`.

Revision ID: 0008_audit_chain_identity
Revises: 0007_definition_relation_population_source
Create Date: 2026-12-20 10:00:00
"""

import datetime as dt
import hashlib
import json

from alembic import op
import sqlalchemy as sa

revision = '0008_audit_chain_identity'
down_revision = '0007_definition_relation_population_source'
branch_labels = None
depends_on = None

GENESIS = '0' * 64

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION cpip_audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on audit_event is refused', TG_OP;
END
$$
"""
TRIGGERS = (
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION cpip_audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION cpip_audit_event_append_only()",
)


def _canonical(prev, at, user, user_id, event, detail, batch_id) -> bytes:
    # exactly cpip_dashboard.store.audit.canonical, frozen here as this migration wrote it
    if isinstance(at, str):  # a driver that returns text
        at = dt.datetime.fromisoformat(at)
    moment = at.strftime('%Y-%m-%dT%H:%M:%S.%f')
    return json.dumps({'prev': prev, 'at': moment, 'user': user, 'user_id': user_id,
                       'event': event, 'detail': detail, 'batch_id': batch_id},
                      sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')


def upgrade() -> None:
    with op.batch_alter_table('upload_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uploaded_by_id', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('rejected_by_id', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('rolled_back_by_id', sa.String(length=512),
                                      nullable=True))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    audit = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                     sa.column('user', sa.String), sa.column('event', sa.String),
                     sa.column('detail', sa.Text), sa.column('batch_id', sa.Integer),
                     sa.column('user_id', sa.String), sa.column('prev_hash', sa.String),
                     sa.column('hash', sa.String))
    rows = bind.execute(sa.select(audit.c.id, audit.c.at, audit.c.user, audit.c.event,
                                  audit.c.detail, audit.c.batch_id).order_by(audit.c.id)).all()
    prev = GENESIS
    for row in rows:
        user = (row.user or '')[:200]
        detail = row.detail or ''
        digest = hashlib.sha256(_canonical(prev, row.at, user, user, row.event, detail,
                                           row.batch_id)).hexdigest()
        bind.execute(audit.update().where(audit.c.id == row.id).values(
            user=user, user_id=user, detail=detail, prev_hash=prev, hash=digest))
        prev = digest

    if bind.dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_FUNCTION)
        for statement in TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event')
        op.execute('DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event')
        op.execute('DROP FUNCTION IF EXISTS cpip_audit_event_append_only()')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('user_id')
    with op.batch_alter_table('upload_batch', schema=None) as batch_op:
        batch_op.drop_column('rolled_back_by_id')
        batch_op.drop_column('rejected_by_id')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('uploaded_by_id')
