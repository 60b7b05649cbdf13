"""forum attachments; network groups (cabina di regia, protocol signatories) with meetings and minutes

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-25 13:00:00

Every table here is Shared (no RLS policies), like the rest of the forum and the directory: forum
attachments are read by the whole network as their posts; a group's members are organisations of several
tenants, so who sees its meetings and minutes is decided in portal/governance/services.py.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('governance_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('steering_group', 'signatories', 'other', name='governance_group_kind', native_enum=False, length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['tenants.id'], name=op.f('fk_governance_groups_node_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_groups'))
    )
    with op.batch_alter_table('governance_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_groups_node_id'), ['node_id'], unique=False)
    op.create_table('governance_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['governance_groups.id'], name=op.f('fk_governance_group_members_group_id_governance_groups')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_governance_group_members_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_group_members')),
    sa.UniqueConstraint('group_id', 'tenant_id', name='uq_governance_group_members_group_tenant')
    )
    with op.batch_alter_table('governance_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_group_members_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_group_members_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('governance_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('agenda_html', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_governance_meetings_created_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['governance_groups.id'], name=op.f('fk_governance_meetings_group_id_governance_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_meetings'))
    )
    with op.batch_alter_table('governance_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_meetings_group_id'), ['group_id'], unique=False)
    op.create_table('forum_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_attachments_post_id_forum_posts')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_forum_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_forum_attachments_storage_key'))
    )
    with op.batch_alter_table('forum_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_attachments_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_attachments_uploaded_by_id'), ['uploaded_by_id'], unique=False)
    op.create_table('governance_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('attachment_name', sa.String(length=200), nullable=True),
    sa.Column('attachment_type', sa.String(length=120), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('attachment_key', sa.String(length=64), nullable=True),
    sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_governance_minutes_approved_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['governance_meetings.id'], name=op.f('fk_governance_minutes_meeting_id_governance_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_minutes')),
    sa.UniqueConstraint('attachment_key', name=op.f('uq_governance_minutes_attachment_key')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_governance_minutes_meeting_id'))
    )
    # A plain ADD COLUMN (no batch copy): the SQLite FTS triggers of migration 0004 stay on the table.
    op.add_column('forum_posts', sa.Column('has_attachments', sa.Boolean(), server_default=sa.false(), nullable=False))
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":  # native DROP COLUMN (SQLite 3.35+) keeps the FTS triggers
        op.execute("ALTER TABLE forum_posts DROP COLUMN has_attachments")
    else:
        op.drop_column('forum_posts', 'has_attachments')
    op.drop_table('governance_minutes')
    with op.batch_alter_table('forum_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_attachments_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_forum_attachments_post_id'))
    op.drop_table('forum_attachments')
    with op.batch_alter_table('governance_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_meetings_group_id'))
    op.drop_table('governance_meetings')
    with op.batch_alter_table('governance_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_group_members_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_governance_group_members_group_id'))
    op.drop_table('governance_group_members')
    with op.batch_alter_table('governance_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_groups_node_id'))
    op.drop_table('governance_groups')
