"""every table that keeps a file has the same file columns

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 08:00:00

The file columns are declared once (portal/models_base.py, ``StoredFileColumns`` and ``OptionalFileColumns``):
the widest sizes the tables had before, so only widening, no data can be cut. ``content_type`` 100 -> 120
(referral attachments, case documents, public report files; a forum attachment's and an export's were 120);
``storage_key`` 64 -> 80 (forum attachments, exports; the other three were 80). On PostgreSQL a plain
ALTER COLUMN TYPE (no policy reads these columns); on SQLite batch mode copies the table.
"""
import sqlalchemy as sa
from alembic import op

revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None

# (table, column, nullable, before, after)
WIDENED = (
    ('attachments', 'content_type', False, 100, 120),
    ('case_documents', 'content_type', False, 100, 120),
    ('public_report_files', 'content_type', False, 100, 120),
    ('forum_attachments', 'storage_key', False, 64, 80),
    ('export_jobs', 'storage_key', True, 64, 80),
)


def _resize(size_of):
    for table, column, nullable, before, after in WIDENED:
        old, new = size_of(before, after)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=old), type_=sa.String(length=new),
                                  existing_nullable=nullable)


def upgrade():
    _resize(lambda before, after: (before, after))


def downgrade():
    _resize(lambda before, after: (after, before))
