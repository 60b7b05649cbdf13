"""merge the monitoring, alerts, budget controls, forum groups and delivery totals/TOTP branches

Revision ID: 0013
Revises: 0007, 0008, 0009, 0010, 0012
Create Date: 2026-11-25 14:45:00

Built in parallel from 0006; from here on there is one head again.
"""

revision = '0013'
down_revision = ('0007', '0008', '0009', '0010', '0012')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
