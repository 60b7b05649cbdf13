"""budget controls: identity grants to providers, order closure, returned deliveries, sample checks and
delivery adjustments (issue 5 rest, issue 7 "controls on services")

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-25 13:00:00

"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None

def _ts():
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade():
    # Plain ADD COLUMNs: on SQLite a batch copy of service_orders would DROP the table that deliveries
    # reference, which fails on a database with data (foreign keys are on); the new foreign key goes inline.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('service_orders', sa.Column('status_reason', sa.Text(), nullable=True))
    op.add_column('service_orders', sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
    if sqlite:
        op.execute('ALTER TABLE service_orders ADD COLUMN status_changed_by_id INTEGER '
                   'CONSTRAINT fk_service_orders_status_changed_by_id_users REFERENCES users (id)')
    else:
        op.add_column('service_orders', sa.Column('status_changed_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_service_orders_status_changed_by_id_users'), 'service_orders', 'users',
                              ['status_changed_by_id'], ['id'])
    op.add_column('deliveries', sa.Column('times_returned', sa.Integer(), server_default='0', nullable=False))

    op.create_table('identity_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    *_ts(),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_identity_grants_case_id_cases')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_identity_grants_person_id_people')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_identity_grants_granted_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_identity_grants_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['tenants.id'], name=op.f('fk_identity_grants_provider_id_tenants')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_identity_grants_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_grants'))
    )
    with op.batch_alter_table('identity_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_grants_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_identity_grants_person_provider', ['person_id', 'provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_grants_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_grants_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('sample_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=True),
    sa.Column('period_to', sa.Date(), nullable=True),
    sa.Column('requested_size', sa.Integer(), nullable=True),
    sa.Column('requested_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('population_digest', sa.String(length=64), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    *_ts(),
    sa.ForeignKeyConstraint(['provider_id'], ['tenants.id'], name=op.f('fk_sample_checks_provider_id_tenants')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_sample_checks_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sample_checks_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_checks'))
    )
    with op.batch_alter_table('sample_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_checks_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_checks_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('sample_check_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('pending', 'confirmed', 'discrepancy', name='verification_outcome', native_enum=False, length=40), nullable=False),
    sa.Column('discrepancy_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    *_ts(),
    sa.ForeignKeyConstraint(['check_id'], ['sample_checks.id'], name=op.f('fk_sample_check_items_check_id_sample_checks')),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_sample_check_items_delivery_id_deliveries')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_sample_check_items_verified_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sample_check_items_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_check_items')),
    sa.UniqueConstraint('check_id', 'delivery_id', name=op.f('uq_sample_check_items_check_id'))
    )
    with op.batch_alter_table('sample_check_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_check_items_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_check_items_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_check_items_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('delivery_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    *_ts(),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_adjustments_delivery_id_deliveries')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_delivery_adjustments_contract_id_contracts')),
    sa.ForeignKeyConstraint(['item_id'], ['sample_check_items.id'], name=op.f('fk_delivery_adjustments_item_id_sample_check_items')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_delivery_adjustments_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['tenants.id'], name=op.f('fk_delivery_adjustments_provider_id_tenants')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_delivery_adjustments_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_adjustments')),
    sa.UniqueConstraint('item_id', name=op.f('uq_delivery_adjustments_item_id'))
    )
    with op.batch_alter_table('delivery_adjustments', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_adjustments_contract', ['contract_id', 'amount'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_adjustments_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_adjustments_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_adjustments_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(op, "identity_grants", "provider_id")
    rls.enable(op, "sample_checks")
    rls.enable(op, "sample_check_items")
    rls.enable(op, "delivery_adjustments", "provider_id")
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    for table in ("delivery_adjustments", "sample_check_items", "sample_checks", "identity_grants"):
        rls.disable(op, table)
        op.drop_table(table)
    if op.get_bind().dialect.name == 'sqlite':  # native DROP COLUMN (3.35+), no table copy
        for table, column in (('deliveries', 'times_returned'), ('service_orders', 'status_changed_by_id'),
                              ('service_orders', 'status_changed_at'), ('service_orders', 'status_reason')):
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column('deliveries', 'times_returned')
        op.drop_constraint(op.f('fk_service_orders_status_changed_by_id_users'), 'service_orders', type_='foreignkey')
        for column in ('status_changed_by_id', 'status_changed_at', 'status_reason'):
            op.drop_column('service_orders', column)
