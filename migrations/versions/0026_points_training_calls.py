"""information points as first-class rows, anti-discrimination training, agreements, public calls and
applications; a referral may name the information point it came from

Revision ID: 0026
Revises: 0015
Create Date: 2026-12-02 17:30:00

Points that existed before activation was a rule stay active (they were already published); the node's
page /rete/punti lists those without a trained operator or an agreement. On SQLite a column with a foreign
key is added with a plain ALTER (no table copy, which foreign keys forbid on a populated database).
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0026'
down_revision = '0015'
branch_labels = None
depends_on = None

KINDS = ('node', 'municipality', 'social_consortium', 'health_authority', 'hospital', 'court', 'prosecutor',
         'police', 'prison_administration', 'prefecture', 'professional_order', 'association', 'equality_advisor',
         'school', 'university', 'chamber_of_commerce', 'employers_association', 'service_provider')
NODE_TABLES = ('training_courses', 'training_participations', 'network_agreements', 'network_applications')


def _fk_column(table, column, target):
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target}(id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(f'fk_{table}_{column}_{target}'), table, target, [column], ['id'])


def _tenant(table):
    return [sa.Column('tenant_id', sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{table}_tenant_id_tenants'))]


def _stamps():
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False)]


def _file_columns(with_hash):
    cols = [sa.Column('filename', sa.String(length=200), nullable=True),
            sa.Column('content_type', sa.String(length=100), nullable=True),
            sa.Column('size', sa.Integer(), nullable=True),
            sa.Column('storage_key', sa.String(length=64), nullable=True)]
    return cols + ([sa.Column('sha256', sa.String(length=64), nullable=True)] if with_hash else [])


def upgrade():
    op.create_table('training_courses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('organiser', sa.String(length=200), nullable=True),
        *_tenant('training_courses'), *_stamps(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses')))
    op.create_table('training_participations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('completed_on', sa.Date(), nullable=True),
        sa.Column('hours_attended', sa.Numeric(precision=5, scale=1), nullable=True),
        *_tenant('training_participations'), *_stamps(),
        sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'],
                                name=op.f('fk_training_participations_course_id_training_courses')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_participations_user_id_users')),
        sa.ForeignKeyConstraint(['organisation_id'], ['tenants.id'],
                                name=op.f('fk_training_participations_organisation_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_participations')))
    op.create_table('network_agreements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        *_file_columns(True), *_tenant('network_agreements'), *_stamps(),
        sa.ForeignKeyConstraint(['organisation_id'], ['tenants.id'],
                                name=op.f('fk_network_agreements_organisation_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_agreements')))
    op.create_table('network_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('node_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('opens_on', sa.Date(), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=False),
        sa.Column('requirements', sa.Text(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(['node_id'], ['tenants.id'], name=op.f('fk_network_calls_node_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_calls')))
    op.create_table('network_applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('submitted', 'changes_requested', 'accepted', 'rejected',
                                    name='application_status', native_enum=False, length=40), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('organisation_name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='tenant_kind', native_enum=False, length=40), nullable=False),
        sa.Column('tax_code', sa.String(length=16), nullable=False),
        sa.Column('contact_name', sa.String(length=200), nullable=False),
        sa.Column('contact_email', sa.String(length=200), nullable=False),
        sa.Column('points', sa.JSON(), nullable=False),
        *_file_columns(False),
        sa.Column('review_message', sa.Text(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        *_tenant('network_applications'),
        sa.Column('version', sa.Integer(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(['call_id'], ['network_calls.id'], name=op.f('fk_network_applications_call_id_network_calls')),
        sa.ForeignKeyConstraint(['organisation_id'], ['tenants.id'],
                                name=op.f('fk_network_applications_organisation_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_applications')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_network_applications_token_hash')))
    for table, columns in (('training_courses', ['tenant_id']),
                           ('training_participations', ['course_id', 'user_id', 'organisation_id', 'tenant_id']),
                           ('network_agreements', ['organisation_id', 'tenant_id']),
                           ('network_calls', ['node_id']),
                           ('network_applications', ['call_id', 'tenant_id'])):
        for column in columns:
            op.create_index(op.f(f'ix_{table}_{column}'), table, [column], unique=False)

    with op.batch_alter_table('directory_information_points') as batch_op:
        batch_op.add_column(sa.Column('municipality_code', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('languages', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('accessibility', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    _fk_column('directory_information_points', 'agreement_id', 'network_agreements')
    _fk_column('referrals', 'information_point_id', 'directory_information_points')
    if op.get_bind().dialect.name != 'sqlite':  # new points start inactive; SQLite keeps the (unused) default
        op.alter_column('directory_information_points', 'active', server_default=None)
        op.alter_column('directory_information_points', 'version', server_default=None)
    for table in NODE_TABLES:
        rls.enable(op, table)
    rls.grant_app_role(op, append_only=("audit_events",))


def _drop_columns(table, columns, fk_of=()):
    if op.get_bind().dialect.name == 'sqlite':  # a plain DROP COLUMN: no table copy (see the docstring)
        for column in columns:
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        return
    for column, target in fk_of:
        op.drop_constraint(op.f(f'fk_{table}_{column}_{target}'), table, type_='foreignkey')
    for column in columns:
        op.drop_column(table, column)


def downgrade():
    for table in NODE_TABLES:
        rls.disable(op, table)
    _drop_columns('referrals', ['information_point_id'],
                  fk_of=[('information_point_id', 'directory_information_points')])
    _drop_columns('directory_information_points',
                  ['agreement_id', 'version', 'active', 'accessibility', 'languages', 'email', 'municipality_code'],
                  fk_of=[('agreement_id', 'network_agreements')])
    for table in ('network_applications', 'network_calls', 'network_agreements', 'training_participations',
                  'training_courses'):
        op.drop_table(table)
