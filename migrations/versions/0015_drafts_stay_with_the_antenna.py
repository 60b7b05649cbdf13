"""the node sees a referral once it is sent, and a person once one of their referrals is

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 14:00:00

Until now "the node never sees drafts" was a check in the referral and person views on top of the
NodeShared scoping. It is now part of the rule itself (NodeShared.__shared_when__): the scoping criteria
and these PostgreSQL policies read ``referrals.submitted_at`` and the new ``people.shared_at``. The
backfill sets ``shared_at`` as the old check decided (first submission, or creation for a person with no
referral), with RLS not forced for a moment so a non-superuser owner sees every row.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE people SET shared_at = coalesce(
    (SELECT min(r.submitted_at) FROM referrals r WHERE r.person_id = people.id),
    CASE WHEN NOT EXISTS (SELECT 1 FROM referrals r WHERE r.person_id = people.id) THEN people.created_at END)
"""


def _policies(shared: bool):
    rls.disable(op, 'people')
    rls.disable(op, 'referrals')
    rls.enable(op, 'people', 'node_id', shared_when='shared_at' if shared else None)
    rls.enable(op, 'referrals', 'node_id', shared_when='submitted_at' if shared else None)


def upgrade():
    op.add_column('people', sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True))
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.execute("ALTER TABLE people NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE referrals NO FORCE ROW LEVEL SECURITY")
    op.execute(BACKFILL)
    if postgresql:
        op.execute("ALTER TABLE people FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE referrals FORCE ROW LEVEL SECURITY")
    _policies(shared=True)


def downgrade():
    _policies(shared=False)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE people DROP COLUMN shared_at')
    else:
        op.drop_column('people', 'shared_at')
