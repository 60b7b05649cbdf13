"""alerts on critical cases, rule settings and security alerts on unusual access (issue 7 B)

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-25 12:45:00

"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ("alert_rule_settings", "alerts", "security_alerts")


def upgrade():
    op.create_table('alert_rule_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Enum('referral_undecided', 'case_without_action', 'action_overdue', 'delivery_missing', 'follow_up_due', 'urgent_unassigned', 'drop_out', 'unusual_access', name='alert_rule', native_enum=False, length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('window_minutes', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alert_rule_settings_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule_settings')),
    sa.UniqueConstraint('tenant_id', 'rule', name=op.f('uq_alert_rule_settings_tenant_id'))
    )
    with op.batch_alter_table('alert_rule_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_rule_settings_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('security_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=False),
    sa.Column('subject_tenant_id', sa.Integer(), nullable=False),
    sa.Column('open_key', sa.String(length=40), nullable=True),
    sa.Column('state', sa.Enum('open', 'acknowledged', 'resolved', name='alert_state', native_enum=False, length=40), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_minutes', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('identities_read', sa.Integer(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_security_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_security_alerts_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['subject_tenant_id'], ['tenants.id'], name=op.f('fk_security_alerts_subject_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['subject_user_id'], ['users.id'], name=op.f('fk_security_alerts_subject_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_security_alerts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_alerts')),
    sa.UniqueConstraint('open_key', name=op.f('uq_security_alerts_open_key'))
    )
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_alerts_detected_at'), ['detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_alerts_subject_user_id'), ['subject_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_alerts_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_security_alerts_tenant_state', ['tenant_id', 'state', 'detected_at'], unique=False)
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Enum('referral_undecided', 'case_without_action', 'action_overdue', 'delivery_missing', 'follow_up_due', 'urgent_unassigned', 'drop_out', 'unusual_access', name='alert_rule', native_enum=False, length=40), nullable=False),
    sa.Column('state', sa.Enum('open', 'acknowledged', 'resolved', name='alert_state', native_enum=False, length=40), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('open_key', sa.String(length=80), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('pseudonym', sa.String(length=20), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('auto_resolved', sa.Boolean(), nullable=False),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_alerts_case_id_cases')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_alerts_owner_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_alerts_referral_id_referrals')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_alerts_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alerts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('open_key', name=op.f('uq_alerts_open_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_acknowledged_at'), ['acknowledged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_alerts_object', ['rule', 'object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_alerts_owner_opened', ['owner_id', 'opened_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_resolved_at'), ['resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_alerts_tenant_opened', ['tenant_id', 'opened_at', 'id'], unique=False)
    for table in TABLES:
        rls.enable(op, table)
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    for table in TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_tenant_opened')
        batch_op.drop_index(batch_op.f('ix_alerts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_alerts_referral_id'))
        batch_op.drop_index('ix_alerts_owner_opened')
        batch_op.drop_index('ix_alerts_object')
        batch_op.drop_index(batch_op.f('ix_alerts_case_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_acknowledged_at'))
    op.drop_table('alerts')
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_security_alerts_tenant_state')
        batch_op.drop_index(batch_op.f('ix_security_alerts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_security_alerts_subject_user_id'))
        batch_op.drop_index(batch_op.f('ix_security_alerts_detected_at'))
    op.drop_table('security_alerts')
    with op.batch_alter_table('alert_rule_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_rule_settings_tenant_id'))
    op.drop_table('alert_rule_settings')
