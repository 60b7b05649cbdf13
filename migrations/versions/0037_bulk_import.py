"""bulk import: import batches and their rows (tenant-owned, RLS)

Revision ID: 0037
Revises: 0032
Create Date: 2026-12-03 08:30:00

A batch keeps the uploaded file's rows only as ciphertext (``rows_enc``) until it is confirmed or undone;
its rows keep codes (errors, warnings) and the ids of what they created, never cell values.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0037'
down_revision = '0032'
branch_labels = None
depends_on = None

TABLES = ('import_batches', 'import_rows')


def _enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade():
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('state', _enum('draft', 'checked', 'importing', 'imported', 'confirmed', 'undone',
                             name='import_batch_state'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('valid_rows', sa.Integer(), nullable=False),
    sa.Column('invalid_rows', sa.Integer(), nullable=False),
    sa.Column('duplicate_rows', sa.Integer(), nullable=False),
    sa.Column('existing_rows', sa.Integer(), nullable=False),
    sa.Column('done_rows', sa.Integer(), nullable=False),
    sa.Column('created_rows', sa.Integer(), nullable=False),
    sa.Column('failed_rows', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_enc', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_batches_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_batches_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches')),
    sa.UniqueConstraint('uid', name=op.f('uq_import_batches_uid'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batches_file_sha256'), ['file_sha256'], unique=False)
    op.create_table('import_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('row_key', sa.String(length=64), nullable=False),
    sa.Column('status', _enum('valid', 'invalid', 'already_imported', 'created', 'failed', 'removed',
                              name='import_row_status'), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_rows_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_import_rows_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_import_rows_person_id_people')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_import_rows_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_rows')),
    sa.UniqueConstraint('batch_id', 'number', name='uq_import_rows_batch_number')
    )
    with op.batch_alter_table('import_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_rows_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_import_rows_batch_status', ['batch_id', 'status'], unique=False)
    for table in TABLES:
        rls.enable(op, table)
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    for table in reversed(TABLES):
        rls.disable(op, table)
    op.drop_table('import_rows')
    op.drop_table('import_batches')
