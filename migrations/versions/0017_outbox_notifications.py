"""e-mail outbox and in-app notifications

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 16:50:00

Every notification e-mail becomes a row of ``mail_outbox`` written with the change that causes it, sent
after the commit and retried by ``flask rete send-outbox``; ``notifications`` are the users' in-app
notices. Both are tenant-owned (RLS); outbox rows of an anonymous action may have no tenant.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('uid', sa.String(length=32), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject_enc', sa.Text(), nullable=False),
    sa.Column('body_enc', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='outbox_status', native_enum=False, length=40), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_mail_outbox_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    sa.UniqueConstraint('uid', name=op.f('uq_mail_outbox_uid'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_mail_outbox_due', ['status', 'next_attempt_at'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_notifications_user_list', ['tenant_id', 'user_id', 'id'], unique=False)
        batch_op.create_index('ix_notifications_unread', ['tenant_id', 'user_id'], unique=False,
                              postgresql_where=sa.text('read_at IS NULL'), sqlite_where=sa.text('read_at IS NULL'))
    rls.enable(op, 'mail_outbox', tenantless_insert=True)
    rls.enable(op, 'notifications')
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    rls.disable(op, 'notifications')
    rls.disable(op, 'mail_outbox')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_unread')
        batch_op.drop_index('ix_notifications_user_list')
        batch_op.drop_index(batch_op.f('ix_notifications_tenant_id'))
    op.drop_table('notifications')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_due')
        batch_op.drop_index(batch_op.f('ix_mail_outbox_tenant_id'))
    op.drop_table('mail_outbox')
