"""merge the second round's branches (pathway, outbox, case story, outcome codes, sessions, work queues,
regional centre, public reports, information points, API clients, legal path, letters)

Revision ID: 0030
Revises: 0016, 0017, 0018, 0020, 0021, 0023, 0024, 0025, 0026, 0027, 0028, 0029
Create Date: 2026-12-02 18:05:00

Built in parallel from 0015; from here on there is one head again. The outbox and notification policies are
written once more here, after both 0017 and 0024 whatever order they ran in, so a regional centre's own
mails and notices are not refused by the region-blind rule (REGIONAL_TABLES lists them).
"""
from alembic import op

from helpers import rls_v1 as rls

revision = '0030'
down_revision = ('0016', '0017', '0018', '0020', '0021', '0023', '0024', '0025', '0026', '0027', '0028', '0029')
branch_labels = None
depends_on = None


def _policies():
    for table in ('mail_outbox', 'notifications'):
        rls.disable(op, table)
    rls.enable(op, 'mail_outbox', tenantless_insert=True)
    rls.enable(op, 'notifications')


def upgrade():
    _policies()


def downgrade():
    pass  # the policies stay as 0030 wrote them: 0017's downgrade drops them with the tables
