"""an API client or webhook subscription created from the administration pages carries its form's key: a page sent again creates it once

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-08 08:00:00

The pages that create a client or a webhook subscription answer the post themselves (the key or the signing
secret is shown once and kept nowhere in clear), so reloading one posts the form again: a second client with
a second key, a second subscription sending every event twice. The form carries a random key, stored on the
row it creates; a second post finds it (or, at the same instant, is refused by the unique index). NULL for
rows created before.
"""
from alembic import op
from helpers import submission_key_v1 as submission_key

revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


TABLES = ('api_clients', 'webhook_subscriptions')


def upgrade():
    for table in TABLES:
        submission_key.add(op, table)


def downgrade():
    for table in TABLES:
        submission_key.drop(op, table)
