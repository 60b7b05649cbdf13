"""a public application carries its form's key: a double click on "Invia la candidatura" sends it once

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-08 12:00:00

The public application form (no account) posted twice made two applications to the same call, two
confirmation mails with two follow-up links, and two rows the node had to review. The form carries a random
key, stored on the application it creates; a second post finds it (or, at the same instant, is refused by
the unique index). NULL for applications sent before.
"""
from alembic import op
from helpers import submission_key_v1 as submission_key

revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade():
    submission_key.add(op, 'network_applications')


def downgrade():
    submission_key.drop(op, 'network_applications')
