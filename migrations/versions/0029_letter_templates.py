"""letter templates of the node (acceptance, decline, summons, closure; Italian and English)

Revision ID: 0029
Revises: 0015
Create Date: 2026-12-02 18:00:00

``letter_templates`` is owned by the node (TenantOwned): RLS with the tenant-only rule. No rows are seeded:
a kind and language without a row falls back to the built-in default (portal/documents/defaults.py), so
nodes created later get the defaults too; the coordinator's first save creates the row.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0029'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'letter_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('acceptance', 'decline', 'summons', 'closure', name='letter_kind', native_enum=False,
                                  length=40), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_letter_templates_tenant_id_tenants')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_letter_templates_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_templates')),
        sa.UniqueConstraint('tenant_id', 'kind', 'language', name='uq_letter_templates_tenant_kind_language'),
    )
    with op.batch_alter_table('letter_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_templates_tenant_id'), ['tenant_id'], unique=False)
    rls.enable(op, 'letter_templates')
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    rls.disable(op, 'letter_templates')
    op.drop_table('letter_templates')
