"""alerts keep the day in Rome their situation began, as the rules now compute it

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 06:00:00

The rules that date an alert from a timestamp (an undecided referral from its sending, a case without
actions and an urgent unassigned case from its opening) took the UTC day until this release; they take
Rome's now. A coordinator's manual resolution holds while the rule finds the same day, so for a situation
stamped between 23:00 and midnight UTC (22:00 in summer) the next evaluation would have opened the alert
again and mailed it. The alerts still dated by the UTC day of their source move to the Rome day (with RLS not
forced for a moment, as 0031 did, so a non-superuser schema owner sees every node's rows). Downgrade moves
them back.
"""
from alembic import op
from helpers import unforced_v1

revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None

TABLES = ('alerts', 'referrals', 'cases')
# (rule, table of its object, the timestamp its day comes from)
SOURCES = [
    ('referral_undecided', 'referrals', 'coalesce(s.resubmitted_at, s.submitted_at)'),
    ('case_without_action', 'cases', 's.opened_at'),
    ('urgent_unassigned', 'cases', 's.opened_at'),
]


def _sqlite_rome(column):
    # Copied from portal/core/sql.py at release (frozen): Rome's summer time, spelled out for SQLite.
    def change(months):
        return f"date({column}, 'start of year', '+{months} months', '+24 days', 'weekday 0') || ' 01:00:00'"
    return (f"datetime({column}, CASE WHEN {column} >= {change(2)} AND {column} < {change(9)} "
            f"THEN '+2 hours' ELSE '+1 hours' END)")


def _day(column, zone, postgresql):
    if postgresql:
        return f"CAST(({column} AT TIME ZONE '{zone}') AS DATE)"
    return f"date({column})" if zone == 'UTC' else f"date({_sqlite_rome(column)})"


def _move(from_zone, to_zone):
    with unforced_v1.unforced(op, *TABLES) as postgresql:
        for rule, table, moment in SOURCES:
            source = f"FROM {table} s WHERE s.id = alerts.object_id AND {moment} IS NOT NULL"
            op.execute(
                f"UPDATE alerts SET due_on = (SELECT {_day(moment, to_zone, postgresql)} {source}) "
                f"WHERE rule = '{rule}' AND due_on = (SELECT {_day(moment, from_zone, postgresql)} {source}) "
                f"AND due_on <> (SELECT {_day(moment, to_zone, postgresql)} {source})"
            )


def upgrade():
    _move('UTC', 'Europe/Rome')


def downgrade():
    _move('Europe/Rome', 'UTC')
