"""file contents in the rows' tables (FILE_STORAGE=database)

Revision ID: 0032
Revises: 0030
Create Date: 2026-12-03 08:00:00

Each table that references a stored file gets a nullable ``content`` column (bytea on PostgreSQL): with
``FILE_STORAGE=database`` the bytes live there, under the row's own tenant rule (RLS unchanged), in its
transaction and in every backup. Existing files stay in their folder and are read from it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0030'
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


def downgrade():
    for table, column in reversed(CONTENT_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
