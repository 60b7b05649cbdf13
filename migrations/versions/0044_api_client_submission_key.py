"""an API client created from the administration page carries its form's key: a page sent again creates it once

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-08 08:00:00

The page that creates a client answers the post itself (the key is shown once and kept nowhere), so
reloading it posts the form again: a second client with a second key. The form carries a random key,
stored on the client it creates; a second post finds it (or, at the same instant, is refused by the
unique index uq_api_clients_submission_key). NULL for clients created before.
"""
from alembic import op
from helpers import submission_key_v1 as submission_key

revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade():
    submission_key.add(op, 'api_clients')


def downgrade():
    submission_key.drop(op, 'api_clients')
