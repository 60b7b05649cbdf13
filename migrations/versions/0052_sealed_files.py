"""stored files' names encrypted: the name of an attachment, a case document, a forum or public report file or
an export is kept like identity (``filename_enc``), bound to the row's storage key

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 16:00:00

A file's name can name the person it is about ("Mario_Rossi_certificato_medico.pdf") and was the one text of
a referral or a case kept in clear. Each name is encrypted with the first of RETE_DATA_KEYS (a wrong or missing
key stops the upgrade, nothing lost), the associated data binding table, field and storage key, and the clear
column goes; downgrading decrypts them back. The files' bytes are sealed by the application from this release
(portal/core/storage.py); those stored before are read as they are until ``flask rete rotate-keys`` seals them,
so the upgrade does not touch them, and the downgrade opens every sealed file again (in its table's column, or
in the local folders by name), since the code before this release would serve the sealed bytes as they are. On PostgreSQL row-level security is not forced for a moment so a
non-superuser owner sees every row.
"""
import sqlalchemy as sa
from alembic import op

import os

from helpers.crypto_v1 import decrypt, encrypt
from helpers import sealed_files_v1 as sealed

revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None

# table -> whether every row has a file (an export has one only once it is ready)
TABLES = {"attachments": True, "case_documents": True, "forum_attachments": True, "public_report_files": True,
          "export_jobs": False}


def _forced() -> list[str]:
    if op.get_bind().dialect.name != 'postgresql':
        return []
    names = list(TABLES) + [table for table, _content, _key in sealed.FILE_COLUMNS]
    return list(op.get_bind().execute(sa.text(
        "SELECT relname FROM pg_class WHERE relforcerowsecurity AND relname = ANY(:names)"),
        {"names": sorted(set(names))}).scalars())


def _force(tables, on: bool):
    for table in tables:
        op.execute(f"ALTER TABLE {table} {'' if on else 'NO '}FORCE ROW LEVEL SECURITY")


def _aad(table: str, storage_key: str) -> str:
    return f"{table}.filename.{storage_key}"


def _move(source: str, target: str, target_type, convert):
    """Every table's ``source`` name column into ``target`` through ``convert(table, key, value)``."""
    forced = _forced()
    _force(forced, False)
    conn = op.get_bind()
    for table, required in TABLES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column(target, target_type, nullable=True))
        rows = conn.execute(sa.text(f"SELECT id, storage_key, {source} FROM {table} WHERE {source} IS NOT NULL")).all()
        for row_id, storage_key, value in rows:
            conn.execute(sa.text(f"UPDATE {table} SET {target} = :value WHERE id = :id"),
                         {"id": row_id, "value": convert(table, storage_key, value)})
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(source)
            if required:
                batch_op.alter_column(target, existing_type=target_type, nullable=False)
    _force(forced, True)


def upgrade():
    _move("filename", "filename_enc", sa.Text(), lambda table, key, name: encrypt(name, _aad(table, key)))


def _open_files():
    """Every sealed file back to its plain bytes, in the database and in the local folders."""
    conn = op.get_bind()
    on_disk = set()
    for table, content, key in sealed.FILE_COLUMNS:
        on_disk |= set(conn.execute(sa.text(f"SELECT {key} FROM {table} WHERE {content} IS NULL AND {key} IS NOT NULL")).scalars())
        for row_id, storage_key in conn.execute(sa.text(f"SELECT id, {key} FROM {table} WHERE {content} IS NOT NULL")).all():
            blob = conn.execute(sa.text(f"SELECT {content} FROM {table} WHERE id = :id"), {"id": row_id}).scalar()
            if bytes(blob).startswith(sealed.FILE_MAGIC):
                conn.execute(sa.text(f"UPDATE {table} SET {content} = :blob WHERE id = :id"),
                             {"id": row_id, "blob": sealed.unseal(blob, storage_key)})
    for folder in sealed.folders():
        for root, _dirs, names in os.walk(folder):
            for name in (n for n in names if n in on_disk):
                path = os.path.join(root, name)
                with open(path, "rb") as stored:
                    blob = stored.read()
                if blob.startswith(sealed.FILE_MAGIC):
                    with open(path + ".open", "wb") as out:
                        out.write(sealed.unseal(blob, name))
                    os.replace(path + ".open", path)


def downgrade():
    forced = _forced()
    _force(forced, False)
    _open_files()
    _force(forced, True)
    # Names longer than the old column's 200 characters are cut (uploads keep 150 and an extension).
    _move("filename_enc", "filename", sa.String(length=200),
          lambda table, key, token: decrypt(token, _aad(table, key))[:200])
