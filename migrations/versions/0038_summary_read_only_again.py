"""the application role may not write the referral summary (again)

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-03 10:30:00

0031 revoked the app role's writes on monitoring_referral_months (only its triggers write it); 0032 and
0037, chained after it at the merge, re-grant DML on every table through grant_app_role. Revoke again, last.
"""
import os

from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

APP_ROLE = os.environ.get("RETE_APP_ROLE", "rete_app")


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON monitoring_referral_months FROM {APP_ROLE}")


def downgrade():
    pass
