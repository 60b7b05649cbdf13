"""merge the second round's branches (pathway, outbox, case story, outcome codes, sessions, work queues,
regional centre, public reports, information points, API clients, legal path, letters)

Revision ID: 0030
Revises: 0016, 0017, 0018, 0020, 0021, 0023, 0024, 0025, 0026, 0027, 0028, 0029
Create Date: 2026-12-02 18:05:00

Built in parallel from 0015; from here on there is one head again.
"""

revision = '0030'
down_revision = ('0016', '0017', '0018', '0020', '0021', '0023', '0024', '0025', '0026', '0027', '0028', '0029')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
