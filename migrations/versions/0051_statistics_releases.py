"""statistics releases: a node's open data and a region's tables, each quarter published once, frozen

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 10:00:00

A quarter's suppressed tables are stored when first published (a node's open data at its first export; a
regional centre's tables by the nightly region-refresh once the quarter's delay has passed) and every later
answer for that quarter is the stored one: two answers for the same quarter can no longer be compared
(portal/monitoring/releases.py). Only published values are stored, hidden cells as null. Owned by the node or
the regional centre; the policies read the plain tenant setting (helpers/rls_v3.py), so a region reads its own.
The grounds tables now count each person (or referral) once; region_summaries are rebuilt whole by the same
job, so no data migration: the first region-refresh after this upgrade recounts and then releases.
"""
import sqlalchemy as sa
from alembic import op
from helpers import rls_v3 as rls

revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statistics_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_statistics_releases_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_releases')),
    sa.UniqueConstraint('tenant_id', 'kind', 'quarter', name=op.f('uq_statistics_releases_tenant_id'))
    )
    with op.batch_alter_table('statistics_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statistics_releases_tenant_id'), ['tenant_id'], unique=False)
    rls.enable_regional(op, 'statistics_releases')
    rls.grant_app_role(op)


def downgrade():
    rls.disable(op, 'statistics_releases')
    op.drop_table('statistics_releases')
