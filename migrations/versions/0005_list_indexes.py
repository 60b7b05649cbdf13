"""indexes for the case list and the referral lists at scale

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25 11:20:00

"""
from alembic import op

revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_tenant_opened', 'cases', ['tenant_id', 'opened_at', 'id'])
    op.create_index('ix_cases_tenant_pseudonym', 'cases', ['tenant_id', 'pseudonym', 'id'])
    op.create_index('ix_cases_pseudonym_prefix', 'cases', ['pseudonym'], postgresql_ops={'pseudonym': 'text_pattern_ops'})
    op.create_index('ix_referrals_tenant_updated', 'referrals', ['tenant_id', 'updated_at', 'id'])
    op.create_index('ix_referrals_node_state_submitted', 'referrals', ['node_id', 'state', 'submitted_at', 'id'])
    op.create_index('ix_referrals_node_submitted', 'referrals', ['node_id', 'submitted_at', 'id'])


def downgrade():
    for name, table in (
        ('ix_referrals_node_submitted', 'referrals'), ('ix_referrals_node_state_submitted', 'referrals'),
        ('ix_referrals_tenant_updated', 'referrals'), ('ix_cases_tenant_pseudonym', 'cases'),
        ('ix_cases_pseudonym_prefix', 'cases'), ('ix_cases_tenant_opened', 'cases'),
    ):
        op.drop_index(name, table_name=table)
