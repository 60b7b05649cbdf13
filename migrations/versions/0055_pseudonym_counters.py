"""pseudonyms numbered per node code and year, not by the person's id

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-07 20:00:00

A pseudonym ended in the person's id, which all nodes share, so a node's codes jumped past the other nodes'
people and showed roughly how many they had. New pseudonyms take the next number of a counter per prefix and
year (portal/people/pseudonyms.py). Existing codes do not change (they are in letters, exports and the staff's
notes); each counter starts after the highest number its prefix and year already used, so no code repeats.
A global table like ``users``: no row-level security (it holds numbers, and the application reads only the
prefix of the node it works for).
"""
import re
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from helpers import rls_v3 as rls
from helpers import unforced_v1

revision = '0055'
down_revision = '0054'
branch_labels = None
depends_on = None

CODE = re.compile(r"^([A-Z0-9]{1,8})-(\d{4})-(\d+)$")


def upgrade():
    counters = op.create_table(
        'pseudonym_counters',
        sa.Column('prefix', sa.String(length=8), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_pseudonym_counters')),
    )
    highest = defaultdict(int)
    with unforced_v1.unforced(op, 'people'):
        for (pseudonym,) in op.get_bind().execute(sa.text("SELECT pseudonym FROM people WHERE pseudonym IS NOT NULL")):
            found = CODE.match(pseudonym)
            if found:
                key = (found.group(1), int(found.group(2)))
                highest[key] = max(highest[key], int(found.group(3)))
    if highest:
        op.bulk_insert(counters, [{"prefix": prefix, "year": year, "last": last}
                                  for (prefix, year), last in sorted(highest.items())])
    rls.grant_app_role(op)


def downgrade():
    op.drop_table('pseudonym_counters')
