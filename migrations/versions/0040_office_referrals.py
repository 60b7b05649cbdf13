"""the public office an action names sees it: office_referrals

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-04 08:00:00

``office_referrals`` is owned by the node and shared with the office the action names (PeerShared, sharer
``peer_id``): RLS with the owner-or-peer rule, blind to a regional centre like every table of people's data.
Granted to the application role by name: ``grant_app_role`` re-grants DML on every table, which would undo
0038's revoke on the referral summary.
"""
import os

import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None

APP_ROLE = os.environ.get("RETE_APP_ROLE", "rete_app")
_SERVICE_TYPES = ('counselling', 'orientation', 'skills_reinforcement', 'tutoring', 'training', 'job_matching',
                  'psychological_support', 'social_mediation', 'business_startup', 'self_employment', 'motivation')


def upgrade():
    op.create_table(
        'office_referrals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('pseudonym', sa.String(length=20), nullable=False),
        sa.Column('service_type', sa.Enum(*_SERVICE_TYPES, name='service_type', native_enum=False, length=40),
                  nullable=False),
        sa.Column('phase', sa.Enum('preparatory', 'job_insertion', 'inclusion', name='action_phase',
                                   native_enum=False, length=40), nullable=False),
        sa.Column('planned_start', sa.Date(), nullable=False),
        sa.Column('planned_end', sa.Date(), nullable=True),
        sa.Column('action_status', sa.Enum('to_order', 'planned', 'in_progress', 'done', 'cancelled',
                                           name='action_status', native_enum=False, length=40), nullable=False),
        sa.Column('state', sa.Enum('referred', 'taken', 'withdrawn', name='office_referral_state',
                                   native_enum=False, length=40), nullable=False),
        sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('taken_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome_note_enc', sa.Text(), nullable=True),
        sa.Column('peer_id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_office_referrals_action_id_actions')),
        sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_office_referrals_taken_by_id_users')),
        sa.ForeignKeyConstraint(['peer_id'], ['tenants.id'], name=op.f('fk_office_referrals_peer_id_tenants')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_office_referrals_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_referrals')),
        sa.UniqueConstraint('uid', name=op.f('uq_office_referrals_uid')),
        sa.UniqueConstraint('action_id', 'peer_id', name='uq_office_referrals_action_peer'),
    )
    with op.batch_alter_table('office_referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_referrals_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_referrals_peer_id'), ['peer_id'], unique=False)
        batch_op.create_index('ix_office_referrals_peer_state', ['peer_id', 'state', 'referred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_referrals_tenant_id'), ['tenant_id'], unique=False)
    rls.enable(op, 'office_referrals', 'peer_id')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON office_referrals TO {APP_ROLE}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE office_referrals_id_seq TO {APP_ROLE}")


def downgrade():
    rls.disable(op, 'office_referrals')
    op.drop_table('office_referrals')
