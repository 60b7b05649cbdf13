"""merge the budget, forum and list-index branches

Revision ID: 0006
Revises: 0003, 0004, 0005
Create Date: 2026-11-25 11:50:00

The domains were built in parallel from 0002; from here on there is one head again.
"""

revision = '0006'
down_revision = ('0003', '0004', '0005')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
