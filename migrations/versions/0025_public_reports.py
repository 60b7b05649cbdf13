"""public reports: the public door's reports, their thread and files, and the receipt-code lookup

Revision ID: 0025
Revises: 0015
Create Date: 2026-12-02 18:00:00

``public_reports``, ``public_report_messages`` and ``public_report_files`` are owned by the competent node
(TenantOwned): RLS with the tenant-only rule. ``public_report_keys`` is Shared (the public door looks a code's
keyed hash up before any tenant is known) and holds two ids and the hash, nothing else.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0025'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ('public_reports', 'public_report_messages', 'public_report_files')


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=40)


AUTHOR = ('reporter', 'node')


def upgrade():
    op.create_table(
        'public_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('code_hash', sa.String(length=200), nullable=False),
        sa.Column('state', _enum('public_report_state', 'new', 'info_requested', 'answered', 'closed', 'converted'),
                  nullable=False),
        sa.Column('reporter_kind', _enum('public_reporter_kind', 'victim', 'witness', 'organisation'), nullable=False),
        sa.Column('what_enc', sa.Text(), nullable=True),
        sa.Column('municipality_code', sa.String(length=8), nullable=True),
        sa.Column('context', sa.String(length=40), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=True),
        sa.Column('grounds', sa.JSON(), nullable=False),
        sa.Column('wants_contact', sa.Boolean(), nullable=False),
        sa.Column('name_enc', sa.Text(), nullable=True),
        sa.Column('contact_enc', sa.Text(), nullable=True),
        sa.Column('notify_email_enc', sa.Text(), nullable=True),
        sa.Column('consent_notice_version', sa.String(length=20), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('routed_by_default', sa.Boolean(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('close_reason', _enum('public_report_close_reason', 'out_of_scope', 'not_enough_information',
                                        'referred_elsewhere', 'no_answer', 'duplicate', 'abusive', 'other'), nullable=True),
        sa.Column('referral_id', sa.Integer(), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_public_reports_referral_id_referrals')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_public_reports_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_reports')),
        sa.UniqueConstraint('uid', name=op.f('uq_public_reports_uid')),
    )
    with op.batch_alter_table('public_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_reports_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_reports_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index('ix_public_reports_tenant_state_submitted', ['tenant_id', 'state', 'submitted_at', 'id'],
                              unique=False)
    op.create_table(
        'public_report_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('author', _enum('public_report_author', *AUTHOR), nullable=False),
        sa.Column('author_user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('body_enc', sa.Text(), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_public_report_messages_author_user_id_users')),
        sa.ForeignKeyConstraint(['report_id'], ['public_reports.id'],
                                name=op.f('fk_public_report_messages_report_id_public_reports')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_public_report_messages_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report_messages')),
        sa.UniqueConstraint('uid', name=op.f('uq_public_report_messages_uid')),
    )
    with op.batch_alter_table('public_report_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_report_messages_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_messages_tenant_id'), ['tenant_id'], unique=False)
    op.create_table(
        'public_report_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('author', _enum('public_report_author', *AUTHOR), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=80), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['public_report_messages.id'],
                                name=op.f('fk_public_report_files_message_id_public_report_messages')),
        sa.ForeignKeyConstraint(['report_id'], ['public_reports.id'],
                                name=op.f('fk_public_report_files_report_id_public_reports')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_public_report_files_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report_files')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_public_report_files_storage_key')),
    )
    with op.batch_alter_table('public_report_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_report_files_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_files_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_files_tenant_id'), ['tenant_id'], unique=False)
    op.create_table(
        'public_report_keys',
        sa.Column('lookup', sa.String(length=40), nullable=False),
        sa.Column('node_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['node_id'], ['tenants.id'], name=op.f('fk_public_report_keys_node_id_tenants')),
        sa.ForeignKeyConstraint(['report_id'], ['public_reports.id'],
                                name=op.f('fk_public_report_keys_report_id_public_reports')),
        sa.PrimaryKeyConstraint('lookup', name=op.f('pk_public_report_keys')),
    )
    for table in TABLES:
        rls.enable(op, table)
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    for table in TABLES:
        rls.disable(op, table)
    op.drop_table('public_report_keys')
    for table in ('public_report_files', 'public_report_messages'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in [i for i in ('message_id', 'report_id', 'tenant_id')
                          if not (table == 'public_report_messages' and i == 'message_id')]:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{index}'))
        op.drop_table(table)
    with op.batch_alter_table('public_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_public_reports_tenant_state_submitted')
        batch_op.drop_index(batch_op.f('ix_public_reports_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_public_reports_tenant_id'))
    op.drop_table('public_reports')
