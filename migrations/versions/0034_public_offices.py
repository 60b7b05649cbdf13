"""the Provincia's own offices as tenant kinds; a pathway's action addressed to one of them

Revision ID: 0034
Revises: 0035
Create Date: 2026-12-03 08:00:00

The new kinds (``employment_centre``, ``education_guidance_office``, ``labour_office``) need no schema
change: ``tenant_kind`` is a non-native enum (VARCHAR(40) without a CHECK), as ``regional_centre`` in 0024.
``actions.office_id`` names the public office (a tenant of the node's network) the person is sent to for
the action; it shares nothing with that office, so the table's policies stay as they are.
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with an inline REFERENCES on SQLite: a batch copy of ``actions`` would drop the
    # delivery triggers of 0016 that write to it.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE actions ADD COLUMN office_id INTEGER REFERENCES tenants (id)")
    else:
        op.add_column('actions', sa.Column('office_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_actions_office_id_tenants'), 'actions', 'tenants', ['office_id'], ['id'])


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE actions DROP COLUMN office_id')
    else:
        op.drop_constraint(op.f('fk_actions_office_id_tenants'), 'actions', type_='foreignkey')
        op.drop_column('actions', 'office_id')
