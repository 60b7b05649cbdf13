"""delivery totals per contract and status, kept by triggers (budget pages at 500,000 deliveries)

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-25 13:10:00

See portal/budget/totals.py for why the summary exists and why it cannot drift. The backfill runs with
RLS not forced on deliveries for a moment, so a non-superuser schema owner sees every tenant's rows.
"""
import sqlalchemy as sa
from alembic import op

from helpers import delivery_totals_v1 as totals
from helpers import rls_v1 as rls

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delivery_totals',
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('deliveries', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_delivery_totals_contract_id_contracts')),
        sa.ForeignKeyConstraint(['provider_id'], ['tenants.id'], name=op.f('fk_delivery_totals_provider_id_tenants')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_delivery_totals_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('contract_id', 'status', name=op.f('pk_delivery_totals')),
    )
    op.create_index(op.f('ix_delivery_totals_provider_id'), 'delivery_totals', ['provider_id'], unique=False)
    op.create_index(op.f('ix_delivery_totals_tenant_id'), 'delivery_totals', ['tenant_id'], unique=False)
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in totals.POSTGRESQL_DDL if postgresql else totals.SQLITE_DDL:
        op.execute(statement)
    if postgresql:
        op.execute("ALTER TABLE deliveries NO FORCE ROW LEVEL SECURITY")
    op.execute(totals.BACKFILL)
    if postgresql:
        op.execute("ALTER TABLE deliveries FORCE ROW LEVEL SECURITY")
    # Written by the triggers as the user who changes the delivery: a provider logging one writes the
    # node's total for its contract, as it writes the delivery itself.
    rls.enable(op, 'delivery_totals', 'provider_id', sharer_insert=True)
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in totals.POSTGRESQL_DROP if postgresql else totals.SQLITE_DROP:
        op.execute(statement)
    rls.disable(op, 'delivery_totals')
    op.drop_index(op.f('ix_delivery_totals_tenant_id'), table_name='delivery_totals')
    op.drop_index(op.f('ix_delivery_totals_provider_id'), table_name='delivery_totals')
    op.drop_table('delivery_totals')
