"""file contents in the rows' tables (FILE_STORAGE=database); export jobs

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 08:00:00

Each table that references a stored file gets a nullable ``content`` column (bytea on PostgreSQL): with
``FILE_STORAGE=database`` the bytes live there, under the row's own tenant rule (RLS unchanged), in its
transaction and in every backup. Existing files stay in their folder and are read from it.

``export_jobs``: exports prepared on the job queue, tenant-owned (RLS), their file in the row too.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

CONTENT_COLUMNS = (
    ('attachments', 'content'),
    ('case_documents', 'content'),
    ('forum_attachments', 'content'),
    ('network_agreements', 'content'),
    ('network_applications', 'content'),
    ('public_report_files', 'content'),
    ('governance_minutes', 'attachment_content'),
)


def upgrade():
    for table, column in CONTENT_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.LargeBinary(), nullable=True))
    op.create_table('export_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='exportstate', native_enum=False,
                               length=40), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=40), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=64), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_export_jobs_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_export_jobs_requested_by_id_users')),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'],
                            name=op.f('fk_export_jobs_membership_id_memberships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_export_jobs_storage_key'))
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_jobs_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_jobs_expires_at'), ['expires_at'], unique=False)
    rls.enable(op, 'export_jobs')
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    rls.disable(op, 'export_jobs')
    op.drop_table('export_jobs')
    for table, column in reversed(CONTENT_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
