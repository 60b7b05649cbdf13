"""case transfers between two nodes of the same region

Revision ID: 0033
Revises: 0036
Create Date: 2026-12-03 08:00:00

``case_transfers`` is owned by the sending node and shared with the receiving one (PeerShared, sharer
``peer_id``): RLS with the owner-or-peer rule, blind to a regional centre like every table of people's data.
Case states and referral outcome codes are non-native enums (VARCHAR): "transferred" needs no change.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0033'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('pseudonym', sa.String(length=20), nullable=False),
        sa.Column('state', sa.Enum('pending', 'accepted', 'declined', 'withdrawn', name='transfer_state',
                                   native_enum=False, length=40), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('notes_shared', sa.Integer(), nullable=False),
        sa.Column('new_case_id', sa.Integer(), nullable=True),
        sa.Column('new_pseudonym', sa.String(length=20), nullable=True),
        sa.Column('reason_enc', sa.Text(), nullable=True),
        sa.Column('decline_reason_enc', sa.Text(), nullable=True),
        sa.Column('snapshot_enc', sa.Text(), nullable=True),
        sa.Column('identity_enc', sa.Text(), nullable=True),
        sa.Column('peer_id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_transfers_case_id_cases')),
        sa.ForeignKeyConstraint(['new_case_id'], ['cases.id'], name=op.f('fk_case_transfers_new_case_id_cases')),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_case_transfers_proposed_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_case_transfers_decided_by_id_users')),
        sa.ForeignKeyConstraint(['peer_id'], ['tenants.id'], name=op.f('fk_case_transfers_peer_id_tenants')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_case_transfers_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_transfers')),
        sa.UniqueConstraint('uid', name=op.f('uq_case_transfers_uid')),
    )
    with op.batch_alter_table('case_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_transfers_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_transfers_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_transfers_peer_id'), ['peer_id'], unique=False)
        batch_op.create_index('ix_case_transfers_peer_state', ['peer_id', 'state', 'proposed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_transfers_tenant_id'), ['tenant_id'], unique=False)
    rls.enable(op, 'case_transfers', 'peer_id')
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    rls.disable(op, 'case_transfers')
    op.drop_table('case_transfers')
