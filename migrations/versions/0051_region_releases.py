"""region releases: each closed quarter published to its region once, frozen

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 10:00:00

A regional centre's page and exports read a release (the published cells of one quarter, hidden ones as
null), written once by the nightly region-refresh when the quarter's delay has passed, never recounted:
two downloads of the same quarter can no longer be compared (portal/region/releases.py). Owned by the
regional centre, whose policies read the plain tenant setting (helpers/rls_v3.py). The grounds table of a
release counts each referral once (its ground, or intersectional); region_summaries are rebuilt whole by
the same job, so no data migration: the first run after this upgrade recounts and then releases.
"""
import sqlalchemy as sa
from alembic import op
from helpers import rls_v3 as rls

revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_region_releases_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_releases')),
    sa.UniqueConstraint('tenant_id', 'quarter', name=op.f('uq_region_releases_tenant_id'))
    )
    with op.batch_alter_table('region_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_releases_tenant_id'), ['tenant_id'], unique=False)
    rls.enable_regional(op, 'region_releases')
    rls.grant_app_role(op)


def downgrade():
    rls.disable(op, 'region_releases')
    op.drop_table('region_releases')
