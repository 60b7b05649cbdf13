"""a planned action carries its form's key: a double click on "Pianifica" plans (and orders) it once

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 01:00:00

Planning an action with a provider orders it at once on a contract line: the page posted twice made two
actions and two orders, both taking the line's room, and the provider was told twice. The form carries a
random key, stored on the action it creates; a second post finds it (or, at the same instant, is refused by
the unique index). NULL for actions planned before, and for those made by imports and transfers.
"""
from alembic import op
from helpers import submission_key_v1 as submission_key

revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade():
    submission_key.add(op, 'actions')


def downgrade():
    submission_key.drop(op, 'actions')
