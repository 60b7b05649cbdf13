"""the REST API's stored answers (replayed for an Idempotency-Key) encrypted: an answer can carry what the
request wrote, such as a file's name

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-07 17:00:00

Each answer kept (24 hours at most) gets a row key and is encrypted with the first of RETE_DATA_KEYS, bound to
table, field and row, as identity is; the clear column goes. Downgrading decrypts them back. On PostgreSQL
row-level security is not forced for a moment so a non-superuser owner sees every row.
"""
import uuid

import sqlalchemy as sa
from alembic import op

from helpers.crypto_v1 import decrypt, encrypt

revision = '0053'
down_revision = '0052'
branch_labels = None
depends_on = None

TABLE = "api_idempotency"


def _forced() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == 'postgresql' and bool(bind.execute(sa.text(
        "SELECT relforcerowsecurity FROM pg_class WHERE relname = :name"), {"name": TABLE}).scalar())


def _force(on: bool):
    op.execute(f"ALTER TABLE {TABLE} {'' if on else 'NO '}FORCE ROW LEVEL SECURITY")


def _aad(uid: str) -> str:
    return f"{TABLE}.body.{uid}"


def upgrade():
    forced = _forced()
    if forced:
        _force(False)
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.add_column(sa.Column('uid', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('body_enc', sa.Text(), nullable=True))
    conn = op.get_bind()
    for row_id, body in conn.execute(sa.text(f"SELECT id, body FROM {TABLE}")).all():
        uid = uuid.uuid4().hex
        conn.execute(sa.text(f"UPDATE {TABLE} SET uid = :uid, body_enc = :token WHERE id = :id"),
                     {"id": row_id, "uid": uid, "token": encrypt(body, _aad(uid))})
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_column('body')
        batch_op.alter_column('body_enc', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('uid', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_api_idempotency_uid'), ['uid'])
    if forced:
        _force(True)


def downgrade():
    forced = _forced()
    if forced:
        _force(False)
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
    conn = op.get_bind()
    for row_id, uid, token in conn.execute(sa.text(f"SELECT id, uid, body_enc FROM {TABLE}")).all():
        conn.execute(sa.text(f"UPDATE {TABLE} SET body = :body WHERE id = :id"),
                     {"id": row_id, "body": decrypt(token, _aad(uid))})
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_api_idempotency_uid'), type_='unique')
        batch_op.drop_column('uid')
        batch_op.drop_column('body_enc')
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=False)
    if forced:
        _force(True)
