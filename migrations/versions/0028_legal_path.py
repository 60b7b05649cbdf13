"""legal path: a case's legal protection, its hearings and deadlines, and its requests to the funds

Revision ID: 0028
Revises: 0015
Create Date: 2026-12-02 18:00:00

The three tables are owned by the node (TenantOwned): RLS with the tenant-only rule.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0028'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ('case_legal_paths', 'case_legal_deadlines', 'case_fund_requests')


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def _common():
    return [
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ]


def _keys(table):
    return [
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f(f'fk_{table}_case_id_cases')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{table}_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def upgrade():
    op.create_table(
        'case_legal_paths',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('action_type', _enum('legal_action_type', 'conciliation', 'civil_action', 'association_action',
                                       'complaint'), nullable=False),
        sa.Column('counsel', sa.Text(), nullable=True),
        sa.Column('started_on', sa.Date(), nullable=True),
        sa.Column('outcome', _enum('legal_outcome', 'pending', 'settled', 'won', 'lost', 'withdrawn'), nullable=False),
        sa.Column('outcome_on', sa.Date(), nullable=True),
        *_common(),
        *_keys('case_legal_paths'),
        sa.UniqueConstraint('case_id', name=op.f('uq_case_legal_paths_case_id')),
    )
    op.create_table(
        'case_legal_deadlines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('kind', _enum('legal_deadline_kind', 'hearing', 'filing', 'other'), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        *_common(),
        *_keys('case_legal_deadlines'),
    )
    op.create_table(
        'case_fund_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('fund', _enum('legal_fund', 'regional_victims', 'legal_solidarity'), nullable=False),
        sa.Column('requested', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('requested_on', sa.Date(), nullable=False),
        sa.Column('granted', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('granted_on', sa.Date(), nullable=True),
        sa.Column('paid', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('paid_on', sa.Date(), nullable=True),
        *_common(),
        *_keys('case_fund_requests'),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_tenant_id'), ['tenant_id'], unique=False)
            if table != 'case_legal_paths':
                batch_op.create_index(batch_op.f(f'ix_{table}_case_id'), ['case_id'], unique=False)
            if table == 'case_legal_deadlines':
                batch_op.create_index(batch_op.f('ix_case_legal_deadlines_due_on'), ['due_on'], unique=False)
    for table in TABLES:
        rls.enable(op, table)
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    for table in TABLES:
        rls.disable(op, table)
    for table in reversed(TABLES):
        op.drop_table(table)
