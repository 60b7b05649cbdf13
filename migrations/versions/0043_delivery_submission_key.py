"""a delivery logged from the order page carries its form's key: a double click registers it once

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 08:00:00

The order page's delivery form carries a random key, stored on the delivery it creates; a second post of
the same form finds it (or, posted at the same instant, is refused by the unique index) instead of adding
a second delivery the node might approve and pay twice. NULL for deliveries logged before, by the API
(which has its own Idempotency-Key) or by the seed. A plain ADD COLUMN and a unique index: SQLite's batch
mode would copy the table and drop its triggers.
"""
import sqlalchemy as sa
from alembic import op

revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None

INDEX = 'uq_deliveries_submission_key'


def upgrade():
    op.add_column('deliveries', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index(INDEX, 'deliveries', ['submission_key'], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name='deliveries')
    if op.get_bind().dialect.name == 'sqlite':  # native DROP COLUMN (3.35+), no table copy
        op.execute('ALTER TABLE deliveries DROP COLUMN submission_key')
    else:
        op.drop_column('deliveries', 'submission_key')
