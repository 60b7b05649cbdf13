"""pseudonyms numbered per node code and year, not by the person's id

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-07 20:00:00

A pseudonym ended in the person's id, which all nodes share, so a node's codes jumped past the other nodes'
people and showed roughly how many they had. New pseudonyms take the next number of a counter per prefix and
year (portal/people/pseudonyms.py). Existing codes do not change (they are in letters, exports and the staff's
notes). No code is given twice: each counter starts after the highest number its prefix and year used, and this
year's, of every prefix in use (nodes' codes, ``RT``), after the last person id ever given, since people deleted
since (a discarded draft, an undone import) held codes up to it.
A global table like ``users``: no row-level security (it holds numbers, and the application reads only the
prefix of the node it works for).
"""
import re
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

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
    bind = op.get_bind()
    highest = defaultdict(int)
    with unforced_v1.unforced(op, 'people'):
        for (pseudonym,) in bind.execute(sa.text("SELECT pseudonym FROM people WHERE pseudonym IS NOT NULL")):
            found = CODE.match(pseudonym)
            if found:
                key = (found.group(1), int(found.group(2)))
                highest[key] = max(highest[key], int(found.group(3)))
        last_id = _last_person_id(bind)
    if last_id:
        this_year = datetime.now(ZoneInfo("Europe/Rome")).year
        prefixes = {prefix for prefix, _year in highest} | {"RT"} | {code.upper() for (code,) in bind.execute(sa.text(
            "SELECT code FROM tenants WHERE kind = 'node' AND code IS NOT NULL AND code <> ''"))}
        for prefix in prefixes:
            highest[prefix, this_year] = max(highest[prefix, this_year], last_id)
    if highest:
        op.bulk_insert(counters, [{"prefix": prefix, "year": year, "last": last}
                                  for (prefix, year), last in sorted(highest.items())])
    rls.grant_app_role(op)


def _last_person_id(bind) -> int:
    """The last id given to a person: PostgreSQL's sequence remembers the deleted ones; SQLite gives ids again."""
    if bind.dialect.name == 'postgresql':
        sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence('people', 'id')")).scalar()
        given = bind.execute(sa.text(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")).scalar()
        if given:
            return int(given)
    return int(bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM people")).scalar())


def downgrade():
    op.drop_table('pseudonym_counters')
