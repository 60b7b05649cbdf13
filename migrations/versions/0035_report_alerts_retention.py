"""public reports: a burst of reports is a security alert; retention erases old reports

Revision ID: 0035
Revises: 0033
Create Date: 2026-12-03 08:00:00

``security_alerts`` gets a ``kind`` (the existing rows are unusual access) and its subject user and tenant
become optional: a burst of public reports has no user behind it. ``public_reports.erased_at`` marks a report
whose texts, identity, thread and files the retention job erased.
"""
import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'kind', sa.Enum('unusual_access', 'public_report_burst', name='security_alert_kind', native_enum=False,
                            length=40), nullable=False, server_default='unusual_access'))
        batch_op.alter_column('subject_user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('subject_tenant_id', existing_type=sa.Integer(), nullable=True)
    # A plain ADD COLUMN: public_reports is referenced by its messages, files and keys, so no table copy.
    op.add_column('public_reports', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('public_reports', 'erased_at')
    op.execute("DELETE FROM security_alerts WHERE kind <> 'unusual_access'")
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.alter_column('subject_tenant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('subject_user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('kind')
