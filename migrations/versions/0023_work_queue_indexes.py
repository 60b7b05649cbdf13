"""indexes for the home page's work queues ("Da fare")

Revision ID: 0023
Revises: 0015
Create Date: 2026-12-02 17:00:00

Indexes only (declared next to the queries, in each domain's queue.py): no table, column or policy
changes, so row-level security is untouched.
"""
from alembic import op

revision = '0023'
down_revision = '0015'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_referrals_tenant_state_decided', 'referrals', ['tenant_id', 'state', 'decided_at']),
    ('ix_cases_worker_state_opened', 'cases', ['case_worker_id', 'state', 'opened_at']),
    ('ix_actions_status_due', 'actions', ['status', 'planned_end', 'planned_start', 'case_id']),
    ('ix_verifications_pending_due', 'verifications', ['done_on', 'due_date', 'id']),
    ('ix_deliveries_status_delivered', 'deliveries', ['status', 'delivered_on', 'id']),
    ('ix_deliveries_order_delivered', 'deliveries', ['order_id', 'delivered_on']),
    ('ix_service_orders_provider_status_created', 'service_orders', ['provider_id', 'status', 'created_at']),
    ('ix_service_orders_line_status_quantity', 'service_orders', ['contract_line_id', 'status', 'quantity']),
    ('ix_forum_posts_created', 'forum_posts', ['created_at']),
    ('ix_alerts_owner_due', 'alerts', ['owner_id', 'due_on', 'id']),
    ('ix_alerts_tenant_due', 'alerts', ['tenant_id', 'due_on', 'id']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
