"""the case's case worker copied onto its actions by triggers, for the overdue-actions queue

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-03 14:00:00

``actions.active_case_worker_id``: the case's case worker while the case is not ended, NULL otherwise
(portal/cases/action_worker.py says why and why it cannot drift), and the partial index that makes the
case worker's "Azioni in ritardo" one range of it (portal/cases/queue.py). No new table: the actions' row
policies and the application role's grants cover the column as they are (no grant_app_role here, which
would give back what 0038 revoked). On PostgreSQL the backfill runs with cases and actions locked against
writes, so no reassignment slips between it and the triggers, and with their RLS not forced for a moment,
so a non-superuser schema owner sees every tenant's rows.
"""
import sqlalchemy as sa
from alembic import op

from helpers import action_case_worker_v1 as copy

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

INDEX = 'ix_actions_queue_worker_due'
_OPEN = "status IN ('planned', 'in_progress')"


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.add_column('actions', sa.Column(copy.COLUMN, sa.Integer(), nullable=True))
    if postgresql:
        op.execute("LOCK TABLE cases, actions IN SHARE ROW EXCLUSIVE MODE")
        op.execute("ALTER TABLE cases NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE actions NO FORCE ROW LEVEL SECURITY")
    op.execute(copy.BACKFILL)
    if postgresql:
        op.execute("ALTER TABLE actions FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE cases FORCE ROW LEVEL SECURITY")
    for statement in copy.POSTGRESQL_DDL if postgresql else copy.SQLITE_DDL:
        op.execute(statement)
    op.create_index(INDEX, 'actions', [copy.COLUMN, 'tenant_id', sa.text('coalesce(planned_end, planned_start)'), 'id'],
                    postgresql_include=['provider_id'], postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.drop_index(INDEX, table_name='actions')
    for statement in copy.POSTGRESQL_DROP if postgresql else copy.SQLITE_DROP:
        op.execute(statement)
    op.drop_column('actions', copy.COLUMN)
