"""an existing account added to an organisation waits for its owner to accept

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07 05:00:00

An administrator who typed the address of an account that already existed (someone's, in another
organisation) gave it a role at once, and the user list then showed that person's name and whether they had
a codice fiscale registered. Such a membership is now ``pending`` (and not active) until its owner accepts it
from the link the invitation mail carries. False for every membership before.
"""
import sqlalchemy as sa
from alembic import op

revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite's batch mode would copy the table (and drop what hangs on it).
    op.add_column('memberships', sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':  # native DROP COLUMN (3.35+), no table copy
        op.execute('ALTER TABLE memberships DROP COLUMN pending')
    else:
        op.drop_column('memberships', 'pending')
