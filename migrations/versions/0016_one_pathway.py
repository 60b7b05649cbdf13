"""one pathway: a provider action's delivered figures are its approved deliveries

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:00:00

Adds the action's approved sessions and attendance, installs the triggers on ``deliveries`` that keep a
provider action's delivered hours, last day, sessions and attendance equal to its approved deliveries
(portal/budget/delivered.py says why they cannot drift), and reconciles the existing rows: every provider
action takes its figures from its approved deliveries. Hours typed by hand on provider actions were a
second, disagreeing record; the migration prints how many actions changed and the total difference in
hours (no personal data). The monitoring triggers of 0007 follow the changed actions. RLS is not forced
for a moment so a non-superuser schema owner sees every tenant's rows.
"""
import sqlalchemy as sa
from alembic import op

from helpers import actions_delivered_v1 as delivered

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# Read or written by the reconciliation (directly or by the monitoring triggers it fires).
_TABLES = ('actions', 'deliveries', 'service_orders', 'contract_lines', 'monitoring_action_days', 'monitoring_case_facts')


def _force(postgresql: bool, on: bool) -> None:
    if postgresql:
        for table in _TABLES:
            op.execute(f"ALTER TABLE {table} {'' if on else 'NO '}FORCE ROW LEVEL SECURITY")


def upgrade():
    op.add_column('actions', sa.Column('delivered_sessions', sa.Integer(), server_default='0', nullable=False))
    op.add_column('actions', sa.Column('attended_sessions', sa.Integer(), server_default='0', nullable=False))
    postgresql = op.get_bind().dialect.name == 'postgresql'
    _force(postgresql, False)
    changed, hours = delivered.reconcile_summary(op.get_bind())
    op.execute(delivered.RECONCILE)
    _force(postgresql, True)
    for statement in delivered.POSTGRESQL_DDL if postgresql else delivered.SQLITE_DDL:
        op.execute(statement)
    # Counts only: which actions changed stays in the database, not in a deployment log.
    print(f"0016: provider actions reconciled with their approved deliveries: {changed} changed, "
          f"difference in delivered hours {hours:+.2f} h (derived - typed)")


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in delivered.POSTGRESQL_DROP if postgresql else delivered.SQLITE_DROP:
        op.execute(statement)
    if postgresql:
        op.drop_column('actions', 'attended_sessions')
        op.drop_column('actions', 'delivered_sessions')
    else:
        op.execute('ALTER TABLE actions DROP COLUMN attended_sessions')
        op.execute('ALTER TABLE actions DROP COLUMN delivered_sessions')
