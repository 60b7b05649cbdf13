"""the referrals-by-month summary counts Rome's months and days, as every other figure of the dashboard

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 04:00:00

0031 keyed ``monitoring_referral_months`` by the UTC month of the sending, and the days to the first action
from the UTC day: a referral sent at 00:30 on 1 April in Rome (22:30 UTC on 31 March) counted in March, in
the quarter before the one the node reports. The triggers now take the month and the day in Rome, and the
summary is recomputed from the referrals (with RLS not forced for a moment, as 0031 did, so a non-superuser
schema owner sees every node's rows). Downgrade puts back 0031's UTC triggers and figures.
"""
from alembic import op
from helpers import referral_summary_v1 as utc_months
from helpers import referral_summary_v2 as rome_months
from helpers import unforced_v1

revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def _replace(old, new):
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in old.POSTGRESQL_DROP if postgresql else old.SQLITE_DROP:
        op.execute(statement)
    op.execute(f"DELETE FROM {new.TABLE}")
    with unforced_v1.unforced(op, 'referrals', 'monitoring_case_facts'):
        op.execute(new.backfill(op.get_bind().dialect.name))
    for statement in new.POSTGRESQL_DDL if postgresql else new.SQLITE_DDL:
        op.execute(statement)


def upgrade():
    _replace(utc_months, rome_months)


def downgrade():
    _replace(rome_months, utc_months)
