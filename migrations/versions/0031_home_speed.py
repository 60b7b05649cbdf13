"""indexes for the case worker's and the coordinator's work queues; referrals summarised by month, kept by triggers

Revision ID: 0031
Revises: 0034
Create Date: 2026-12-03 08:00:00

- Partial indexes that hold exactly each queue's rows in its order (declared next to the queries, in each
  domain's queue.py), so a queue's first page and its capped count read a few index entries.
- ``monitoring_referral_months``: see portal/monitoring/referral_summary.py for why it exists and why it
  cannot drift. The backfill runs with RLS not forced on referrals and the case facts for a moment, so a
  non-superuser schema owner sees every tenant's rows. On PostgreSQL the table's rows are read by their
  node only; written only by the triggers' functions, which run as the schema owner (a policy for that
  role alone), and the application role keeps SELECT only.
"""
import sqlalchemy as sa
from alembic import op

from helpers import referral_summary_v1 as referral_summary
from helpers import rls_v1 as rls

revision = '0031'
down_revision = '0034'
branch_labels = None
depends_on = None

TABLE = referral_summary.TABLE


def _where(sql: str) -> dict:
    return {'postgresql_where': sa.text(sql), 'sqlite_where': sa.text(sql)}


INDEXES = [
    ('ix_cases_queue_new', 'cases', ['case_worker_id', 'tenant_id', sa.text('urgent DESC'), 'opened_at', 'id'],
     _where("state = 'open'")),
    ('ix_cases_queue_unassigned', 'cases', ['tenant_id', sa.text('urgent DESC'), 'opened_at', 'id'],
     _where("case_worker_id IS NULL AND state <> 'closed'")),
    ('ix_cases_queue_check', 'cases', ['id', 'case_worker_id', 'state', 'tenant_id'], {}),
    ('ix_actions_queue_open_due', 'actions', ['tenant_id', sa.text('coalesce(planned_end, planned_start)'), 'id', 'case_id'],
     {**_where("status IN ('planned', 'in_progress')"), 'postgresql_include': ['provider_id']}),
    ('ix_referrals_queue_to_decide', 'referrals', ['node_id', 'submitted_at', 'id'],
     {**_where("state = 'submitted'"), 'postgresql_include': ['tenant_id', 'urgency']}),
    ('ix_alerts_queue_owner', 'alerts', ['owner_id', 'due_on', 'id', 'tenant_id'], _where("state <> 'resolved'")),
    ('ix_alerts_queue_tenant', 'alerts', ['tenant_id', 'due_on', 'id'], _where("state <> 'resolved'")),
    ('ix_verifications_queue_pending', 'verifications', ['tenant_id', 'due_date', 'id', 'case_id'],
     _where("done_on IS NULL AND phase = 'inclusion'")),
]


def upgrade():
    for name, table, columns, kw in INDEXES:
        op.create_index(name, table, columns, **kw)
    op.create_table(
        TABLE,
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=20), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('referrals', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{TABLE}_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tenant_id', 'month', 'key', 'value', name=op.f(f'pk_{TABLE}')),
    )
    op.create_index(op.f(f'ix_{TABLE}_tenant_id'), TABLE, ['tenant_id'], unique=False)
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.execute("ALTER TABLE referrals NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE monitoring_case_facts NO FORCE ROW LEVEL SECURITY")
    op.execute(referral_summary.backfill(op.get_bind().dialect.name))
    if postgresql:
        op.execute("ALTER TABLE monitoring_case_facts FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE referrals FORCE ROW LEVEL SECURITY")
    for statement in referral_summary.POSTGRESQL_DDL if postgresql else referral_summary.SQLITE_DDL:
        op.execute(statement)
    rls.enable(op, TABLE, read_only=True)
    rls.grant_app_role(op, append_only=("audit_events",))
    if postgresql:
        op.execute(f"CREATE POLICY {TABLE}_triggers ON {TABLE} FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {TABLE} FROM {rls.APP_ROLE}")


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in referral_summary.POSTGRESQL_DROP if postgresql else referral_summary.SQLITE_DROP:
        op.execute(statement)
    if postgresql:
        op.execute(f"DROP POLICY IF EXISTS {TABLE}_triggers ON {TABLE}")
    rls.disable(op, TABLE)
    op.drop_index(op.f(f'ix_{TABLE}_tenant_id'), table_name=TABLE)
    op.drop_table(TABLE)
    for name, table, _columns, _kw in reversed(INDEXES):
        op.drop_index(name, table_name=table)
