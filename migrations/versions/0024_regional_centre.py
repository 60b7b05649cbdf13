"""the regional centre: tenants.region_id, per-node summaries, and every policy blind to a region

Revision ID: 0024
Revises: 0015
Create Date: 2026-12-02 17:30:00

- ``tenants.region_id``: the regional centre a node belongs to (kind ``regional_centre``, no schema
  change: kinds are stored as strings).
- ``region_summaries``: per-node monthly counts, owned by the node and shared with its region
  (``tenant_id = tenant OR region_id = tenant``, like every owner-plus-sharer table).
- Every existing policy, except those of the tables a region may use (memberships, audit_events,
  region_summaries: ``REGIONAL_TABLES`` (migrations/helpers/rls_v1.py), and any table shared with its user, whose
  policy reads ``app.user_id``), is rewritten so that its tenant is
  ``(SELECT rete_data_tenant())`` — NULL when ``app.tenant_id`` names a regional centre. A region then
  matches no person, referral, case, action, verification or attachment even if a row carried its id.
  The policies are rewritten from pg_policies (as 0014 did), whatever table they are on, so tables that
  other branches add before this revision are covered too; migrations/helpers/rls_v1.py writes new policies
  in the same form.
"""
import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

from helpers import rls_v1 as rls
from helpers.rls_v1 import REGIONAL_TABLES

revision = '0024'
down_revision = '0015'
branch_labels = None
depends_on = None

# pg_policies deparses (SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer) as below.
PLAIN = re.compile(r"\(\s*SELECT \(NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)::integer"
                   r"(?: AS \"?nullif\"?)?\)")
BLIND = re.compile(r"\(\s*SELECT rete_data_tenant\(\)(?: AS \"?rete_data_tenant\"?)?\)")


def _rewrite(to_blind: bool):
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    policies = bind.execute(text(
        "SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = current_schema()"
    )).all()
    # Tables shared with their user (UserShared: any policy reads app.user_id) hold a user's own rows,
    # which a regional user needs like anyone else (rls.py does the same for new tables).
    user_tables = {table for table, _name, qual, check in policies if "app.user_id" in f"{qual} {check}"}
    for table, name, qual, check in policies:
        if table in REGIONAL_TABLES or table in user_tables:
            continue

        def convert(expression):
            if expression is None:
                return None
            if to_blind:
                return PLAIN.sub("(SELECT rete_data_tenant())", expression)
            return BLIND.sub("(SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer)", expression)

        parts = []
        if qual is not None:
            parts.append(f"USING ({convert(qual)})")
        if check is not None:
            parts.append(f"WITH CHECK ({convert(check)})")
        if parts:
            op.execute(f'ALTER POLICY "{name}" ON "{table}" ' + " ".join(parts))


def upgrade():
    # A plain ADD COLUMN with an inline REFERENCES: SQLite allows it, and a batch copy of ``tenants``
    # (referenced by every table) is what foreign keys forbid on a populated SQLite database.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE tenants ADD COLUMN region_id INTEGER REFERENCES tenants (id)")
    else:
        op.add_column('tenants', sa.Column('region_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_tenants_region_id_tenants'), 'tenants', 'tenants', ['region_id'], ['id'])
    op.create_index(op.f('ix_tenants_region_id'), 'tenants', ['region_id'], unique=False)
    op.create_table(
        'region_summaries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('measure', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['tenants.id'], name=op.f('fk_region_summaries_region_id_tenants')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_region_summaries_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_summaries')),
        sa.UniqueConstraint('tenant_id', 'month', 'measure', 'value',
                            name=op.f('uq_region_summaries_tenant_id')),
    )
    op.create_index('ix_region_summaries_region_month', 'region_summaries', ['region_id', 'month'], unique=False)
    op.create_index(op.f('ix_region_summaries_region_id'), 'region_summaries', ['region_id'], unique=False)
    op.create_index(op.f('ix_region_summaries_tenant_id'), 'region_summaries', ['tenant_id'], unique=False)
    rls.create_data_tenant_function(op)
    _rewrite(to_blind=True)
    rls.enable(op, 'region_summaries', 'region_id')
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    rls.disable(op, 'region_summaries')
    _rewrite(to_blind=False)
    op.drop_index(op.f('ix_region_summaries_tenant_id'), table_name='region_summaries')
    op.drop_index(op.f('ix_region_summaries_region_id'), table_name='region_summaries')
    op.drop_index('ix_region_summaries_region_month', table_name='region_summaries')
    op.drop_table('region_summaries')
    op.drop_index(op.f('ix_tenants_region_id'), table_name='tenants')
    if op.get_bind().dialect.name == 'sqlite':
        # A plain DROP COLUMN, as the upgrade's plain ADD COLUMN: a batch copy of `tenants` fails on a
        # database with data (every tenant-owned table references it).
        op.execute('ALTER TABLE tenants DROP COLUMN region_id')
    else:
        op.drop_constraint(op.f('fk_tenants_region_id_tenants'), 'tenants', type_='foreignkey')
        op.drop_column('tenants', 'region_id')
