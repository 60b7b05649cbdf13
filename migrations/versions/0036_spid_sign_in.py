"""SPID/CIE sign-in: users' fiscal codes (encrypted, blind index) and the per-organisation password switch

Revision ID: 0036
Revises: 0030
Create Date: 2026-12-03 08:00:00

Both tables are shared (no RLS change): a user is a global identity and the tenant registry is readable by all.
"""
import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTERs (no batch copy of the tables): SQLite keeps the other columns' foreign keys as they were,
    # so the older downgrades that drop them natively still work.
    op.add_column('users', sa.Column('fiscal_code_enc', sa.Text(), nullable=True))
    op.add_column('users', sa.Column('fiscal_code_bidx', sa.String(length=40), nullable=True))
    op.create_index(op.f('ix_users_fiscal_code_bidx'), 'users', ['fiscal_code_bidx'], unique=True)
    op.add_column('tenants', sa.Column('password_sign_in_disabled', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))


def downgrade():
    op.drop_column('tenants', 'password_sign_in_disabled')
    op.drop_index(op.f('ix_users_fiscal_code_bidx'), table_name='users')
    op.drop_column('users', 'fiscal_code_bidx')
    op.drop_column('users', 'fiscal_code_enc')
