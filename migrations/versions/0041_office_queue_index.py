"""the office's home queue: its referrals waiting to be taken in charge, oldest first

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-05 08:00:00

A partial index holding exactly the queue's rows in its order (docs/home-speed.md): the first page stops
after a few entries, the capped count reads the index alone (tenant_id included for the owner-or-peer RLS
filter). Declared next to the query, portal/cases/queue.py.
"""
import sqlalchemy as sa
from alembic import op

revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None

INDEX = 'ix_office_referrals_queue_waiting'
_WAITING = "state = 'referred'"


def upgrade():
    op.create_index(INDEX, 'office_referrals', ['peer_id', 'referred_at', 'id'], postgresql_include=['tenant_id'],
                    postgresql_where=sa.text(_WAITING), sqlite_where=sa.text(_WAITING))


def downgrade():
    op.drop_index(INDEX, table_name='office_referrals')
