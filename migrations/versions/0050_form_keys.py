"""forum threads and replies, case-diary notes, case documents and internal costs carry their form's key;
forum posts carry a version

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-07 07:00:00

Each of these forms carries a random key, stored on the row it creates; a second post of the same form (a
double click, a page posted again) finds that row, or, posted at the same instant, is refused by the unique
index, instead of adding a second thread, reply, note, document or cost (a cost counted twice in the
budget). NULL for rows created before.

A forum post's edit form carries the post's ``version`` (models_base.Versioned): an edit saved meanwhile (a
second tab) is a conflict, not overwritten. Existing posts start at 1; on PostgreSQL the default then goes,
as the model gives it (SQLite cannot drop a default without a table copy: it keeps the unused one).

A case document that is a letter addressed to the person by name says so (``names_person``): opening it is a
read of their identity, on need-to-know and audited as one. Letters generated before this are marked when
their case's audit trail shows a letter by name (every letter of that case: which one it was is not recorded).

Plain ADD COLUMN and unique indexes, as 0043: SQLite's batch mode would copy the tables and drop their
triggers (forum_posts' full-text search triggers among them).
"""
import sqlalchemy as sa
from alembic import op
from helpers import unforced_v1

revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None

TABLES = ('forum_threads', 'forum_posts', 'case_diary_entries', 'case_documents', 'internal_costs')


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('submission_key', sa.String(length=64), nullable=True))
        op.create_index(f'uq_{table}_submission_key', table, ['submission_key'], unique=True)
    op.add_column('forum_posts', sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('forum_posts', 'version', server_default=None)
    op.add_column('case_documents', sa.Column('names_person', sa.Boolean(), nullable=False, server_default=sa.false()))
    with unforced_v1.unforced(op, 'case_documents', 'audit_events'):  # every tenant's rows, as the owner
        op.execute(MARK_LETTERS_BY_NAME)


# Letters generated before this (documents/letters.py names them "lettera-<kind>-<pseudonym>.pdf") on a case whose
# audit trail has a letter by name ("case.letter_generated" with the field "addressee"): which of the case's
# letters it was is not recorded, so each of them is marked, on the side of need-to-know.
MARK_LETTERS_BY_NAME = """
UPDATE case_documents SET names_person = true
WHERE kind = 'case' AND filename LIKE 'lettera-%' AND EXISTS (
    SELECT 1 FROM audit_events
    WHERE audit_events.action = 'case.letter_generated' AND audit_events.object_type = 'case'
      AND audit_events.object_id = CAST(case_documents.case_id AS VARCHAR(60))
      AND CAST(audit_events.fields AS TEXT) LIKE '%"addressee"%')
"""


def downgrade():
    _drop_column('case_documents', 'names_person')
    _drop_column('forum_posts', 'version')
    for table in TABLES:
        op.drop_index(f'uq_{table}_submission_key', table_name=table)
        _drop_column(table, 'submission_key')


def _drop_column(table, column):
    if op.get_bind().dialect.name == 'sqlite':  # native DROP COLUMN (3.35+), no table copy
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column(table, column)
