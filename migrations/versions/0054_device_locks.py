"""device cookies: a browser that signed in to an account counts its failed attempts apart from the account's

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-07 19:30:00

Five wrong passwords from anybody locked the account for its owner too. A browser that has signed in to the
account holds a signed device cookie (portal/accounts/devices.py) and its failures are counted in
``device_locks``, a row only once it has failed. The table belongs to a user (a global identity, like
``users``): no row-level security, read by the cookie's nonce at sign-in before any tenant is chosen.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v3 as rls

revision = '0054'
down_revision = '0053'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'device_locks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_locks_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_device_locks')),
        sa.UniqueConstraint('nonce', name=op.f('uq_device_locks_nonce')),
    )
    op.create_index(op.f('ix_device_locks_user_id'), 'device_locks', ['user_id'], unique=False)
    rls.grant_app_role(op)


def downgrade():
    op.drop_index(op.f('ix_device_locks_user_id'), table_name='device_locks')
    op.drop_table('device_locks')
