"""the case carries its story: a dated case diary instead of one notes box, documents on cases, phase-1
outcomes and deliveries, and a referral's first sending kept when it is sent again

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-02 16:40:00

The cases' ``internal_notes`` become each case's first diary entry (no author: written before the diary),
re-encrypted for the new row (ciphertexts are bound to table, field and row), and the column goes. On
PostgreSQL row-level security is not forced for a moment so a non-superuser owner sees every row.
Downgrading joins each case's entries back into the notes column, oldest first.
"""
import uuid

import sqlalchemy as sa
from alembic import op

from helpers.crypto_v1 import decrypt, encrypt
from helpers import rls_v1 as rls

revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None

NEW_TABLES = ("case_diary_entries", "case_diary_revisions", "case_documents")


def _force(tables, on: bool):
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in tables:
        op.execute(f"ALTER TABLE {table} {'' if on else 'NO '}FORCE ROW LEVEL SECURITY")


def _notes_to_diary():
    conn = op.get_bind()
    cases = conn.execute(sa.text(
        "SELECT id, uid, tenant_id, internal_notes_enc, updated_at FROM cases WHERE internal_notes_enc IS NOT NULL"
    )).all()
    for case_id, case_uid, tenant_id, token, updated_at in cases:
        text = decrypt(token, f"cases.internal_notes.{case_uid}")  # a wrong key stops the upgrade: nothing lost
        if not text:
            continue
        uid = uuid.uuid4().hex
        conn.execute(sa.text(
            "INSERT INTO case_diary_entries (uid, case_id, author_id, written_at, text_enc, tenant_id, version,"
            " created_at, updated_at) VALUES (:uid, :case_id, NULL, :at, :text_enc, :tenant_id, 1, :at, :at)"
        ), {"uid": uid, "case_id": case_id, "at": updated_at, "tenant_id": tenant_id,
            "text_enc": encrypt(text, f"case_diary_entries.text.{uid}")})


def _diary_to_notes():
    conn = op.get_bind()
    notes: dict[int, list[str]] = {}
    for case_id, uid, token in conn.execute(sa.text(
        "SELECT case_id, uid, text_enc FROM case_diary_entries WHERE text_enc IS NOT NULL ORDER BY written_at, id"
    )):
        notes.setdefault(case_id, []).append(decrypt(token, f"case_diary_entries.text.{uid}"))
    for case_id, texts in notes.items():
        case_uid = conn.execute(sa.text("SELECT uid FROM cases WHERE id = :id"), {"id": case_id}).scalar()
        conn.execute(sa.text("UPDATE cases SET internal_notes_enc = :token WHERE id = :id"),
                     {"id": case_id, "token": encrypt("\n\n".join(texts), f"cases.internal_notes.{case_uid}")})


def upgrade():
    op.create_table('case_diary_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('text_enc', sa.Text(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_diary_entries_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_diary_entries_case_id_cases')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_case_diary_entries_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_diary_entries')),
    sa.UniqueConstraint('uid', name=op.f('uq_case_diary_entries_uid'))
    )
    with op.batch_alter_table('case_diary_entries', schema=None) as batch_op:
        batch_op.create_index('ix_case_diary_entries_case_written', ['case_id', 'written_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_diary_entries_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('case_diary_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text_enc', sa.Text(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['case_diary_entries.id'], name=op.f('fk_case_diary_revisions_entry_id_case_diary_entries')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_case_diary_revisions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_diary_revisions')),
    sa.UniqueConstraint('uid', name=op.f('uq_case_diary_revisions_uid'))
    )
    with op.batch_alter_table('case_diary_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_diary_revisions_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_diary_revisions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('case_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('case', 'phase_1_outcome', 'delivery', name='case_document_kind', native_enum=False, length=40), nullable=False),
    sa.Column('verification_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_documents_case_id_cases')),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_case_documents_delivery_id_deliveries')),
    sa.ForeignKeyConstraint(['provider_id'], ['tenants.id'], name=op.f('fk_case_documents_provider_id_tenants')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_case_documents_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_case_documents_uploaded_by_id_users')),
    sa.ForeignKeyConstraint(['verification_id'], ['verifications.id'], name=op.f('fk_case_documents_verification_id_verifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_case_documents_storage_key'))
    )
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_documents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_documents_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_documents_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_documents_tenant_id'), ['tenant_id'], unique=False)

    op.add_column('referrals', sa.Column('resubmitted_at', sa.DateTime(timezone=True), nullable=True))
    _force(("cases",), on=False)
    _notes_to_diary()
    _force(("cases",), on=True)
    # In place (no table copy, which the foreign keys to cases forbid on SQLite databases with data).
    op.execute('ALTER TABLE cases DROP COLUMN internal_notes_enc')
    rls.enable(op, 'case_diary_entries')
    rls.enable(op, 'case_diary_revisions')
    rls.enable(op, 'case_documents', 'provider_id', sharer_insert=True)
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    op.add_column('cases', sa.Column('internal_notes_enc', sa.Text(), nullable=True))
    _force(("cases", "case_diary_entries"), on=False)
    _diary_to_notes()
    _force(("cases", "case_diary_entries"), on=True)
    for table in NEW_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_documents_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_case_documents_provider_id'))
        batch_op.drop_index(batch_op.f('ix_case_documents_delivery_id'))
        batch_op.drop_index(batch_op.f('ix_case_documents_case_id'))

    op.drop_table('case_documents')
    with op.batch_alter_table('case_diary_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_diary_revisions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_case_diary_revisions_entry_id'))

    op.drop_table('case_diary_revisions')
    with op.batch_alter_table('case_diary_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_diary_entries_tenant_id'))
        batch_op.drop_index('ix_case_diary_entries_case_written')

    op.drop_table('case_diary_entries')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE referrals DROP COLUMN resubmitted_at')
    else:
        op.drop_column('referrals', 'resubmitted_at')
