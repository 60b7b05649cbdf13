"""monitoring: summaries of the actions kept by triggers (node dashboard at 1,000,000 actions, issue 7 A)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 13:00:00

See portal/monitoring/summaries.py for why the summaries exist and why they cannot drift. The backfill
runs with RLS not forced on actions and cases for a moment, so a non-superuser schema owner sees every tenant's rows.
"""
import sqlalchemy as sa
from alembic import op

from helpers import monitoring_summaries_v1 as summaries
from helpers import rls_v1 as rls

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'monitoring_action_days',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('planned_start', sa.Date(), nullable=False),
        sa.Column('service_type', sa.String(length=40), nullable=False),
        sa.Column('provider_key', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('actions', sa.Integer(), nullable=False),
        sa.Column('planned_hours', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('delivered_hours', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['provider_id'], ['tenants.id'], name=op.f('fk_monitoring_action_days_provider_id_tenants')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_monitoring_action_days_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('tenant_id', 'planned_start', 'service_type', 'provider_key', 'status',
                                name=op.f('pk_monitoring_action_days')),
    )
    op.create_index(op.f('ix_monitoring_action_days_provider_id'), 'monitoring_action_days', ['provider_id'], unique=False)
    op.create_index(op.f('ix_monitoring_action_days_tenant_id'), 'monitoring_action_days', ['tenant_id'], unique=False)
    op.create_table(
        'monitoring_case_facts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('first_action_on', sa.Date(), nullable=True),
        sa.Column('training_done', sa.Boolean(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_monitoring_case_facts_case_id_cases')),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_monitoring_case_facts_referral_id_referrals')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_monitoring_case_facts_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_monitoring_case_facts')),
    )
    op.create_index(op.f('ix_monitoring_case_facts_referral_id'), 'monitoring_case_facts', ['referral_id'], unique=True)
    op.create_index(op.f('ix_monitoring_case_facts_tenant_id'), 'monitoring_case_facts', ['tenant_id'], unique=False)
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in summaries.POSTGRESQL_DDL if postgresql else summaries.SQLITE_DDL:
        op.execute(statement)
    if postgresql:
        op.execute("ALTER TABLE actions NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE cases NO FORCE ROW LEVEL SECURITY")
    for statement in summaries.BACKFILL:
        op.execute(statement)
    if postgresql:
        op.execute("ALTER TABLE cases FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE actions FORCE ROW LEVEL SECURITY")
    # Written by the triggers as the user who changes the action; the day summary is shared with the
    # action's provider as the actions are.
    rls.enable(op, 'monitoring_action_days', 'provider_id', sharer_insert=True)
    rls.enable(op, 'monitoring_case_facts')
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in summaries.POSTGRESQL_DROP if postgresql else summaries.SQLITE_DROP:
        op.execute(statement)
    rls.disable(op, 'monitoring_case_facts')
    rls.disable(op, 'monitoring_action_days')
    op.drop_index(op.f('ix_monitoring_case_facts_tenant_id'), table_name='monitoring_case_facts')
    op.drop_index(op.f('ix_monitoring_case_facts_referral_id'), table_name='monitoring_case_facts')
    op.drop_table('monitoring_case_facts')
    op.drop_index(op.f('ix_monitoring_action_days_tenant_id'), table_name='monitoring_action_days')
    op.drop_index(op.f('ix_monitoring_action_days_provider_id'), table_name='monitoring_action_days')
    op.drop_table('monitoring_action_days')
