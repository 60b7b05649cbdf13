"""second factor (TOTP): encrypted secret bound to a user uid, last accepted step

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 13:20:00

The unused plain ``totp_secret`` column of 0001 is replaced by an encrypted one (a ciphertext does not
fit in 64 characters, and a secret must never be stored in clear).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _drop_column(table, column):
    if op.get_bind().dialect.name == 'sqlite':  # native since SQLite 3.35; avoids rebuilding users
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column(table, column)


def upgrade():
    _drop_column('users', 'totp_secret')
    op.add_column('users', sa.Column('uid', sa.String(length=32), nullable=True))
    op.add_column('users', sa.Column('totp_secret_enc', sa.String(length=255), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.add_column('users', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_users_uid'), 'users', ['uid'], unique=True)  # SQLite cannot add a constraint


def downgrade():
    op.drop_index(op.f('ix_users_uid'), table_name='users')
    for column in ('totp_enabled_at', 'totp_last_step', 'totp_secret_enc', 'uid'):
        _drop_column('users', column)
    op.add_column('users', sa.Column('totp_secret', sa.String(length=64), nullable=True))
