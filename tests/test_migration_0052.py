"""Migration 0052 on a populated database: the names of stored files (a case document, a referral's attachment)
are encrypted, bound to their storage keys, and no longer kept in clear; the downgrade brings the names back and opens the files this release sealed."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.crypto import decrypt

from .migration_support import contract_at
from .referral_support import PDF

DOCUMENT = ("INSERT INTO case_documents (case_id, kind, filename, content_type, size, storage_key, sha256, names_person,"
            " uploaded_by_id, tenant_id, created_at, updated_at) VALUES (:case, 'case', :name, 'application/pdf', 1,"
            " :key, 'x', false, :user, :node, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
ATTACHMENT = ("INSERT INTO attachments (referral_id, tenant_id, node_id, filename, content_type, size, storage_key,"
              " sha256, uploaded_by_id, created_at, updated_at) VALUES (:referral, :a, :node, :name, 'application/pdf',"
              " 1, :key, 'x', :user, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
NAMES = {"case_documents": ("certificato_Mario_Rossi.pdf", "k-doc"), "attachments": ("referto_Mario_Rossi.pdf", "k-att")}


def _columns(table):
    from portal.extensions import db

    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_0052_on_a_populated_database(migration_db, tmp_path, monkeypatch):
    from flask import current_app

    from portal.crypto import seal
    from portal.extensions import db

    monkeypatch.setitem(current_app.config, "ATTACHMENT_DIR", str(tmp_path))

    with contract_at("0051") as (conn, ids):
        conn.execute(text(DOCUMENT), {"case": ids["case"], "name": NAMES["case_documents"][0],
                                      "key": NAMES["case_documents"][1], "user": ids["user"], "node": ids["node"]})
        conn.execute(text(ATTACHMENT), {"referral": ids["referral"], "a": ids["a"], "node": ids["node"],
                                        "name": NAMES["attachments"][0], "key": NAMES["attachments"][1],
                                        "user": ids["user"]})
    upgrade(revision="0052")
    with db.engine.connect() as conn:
        for table, (name, key) in NAMES.items():
            [token] = conn.execute(text(f"SELECT filename_enc FROM {table}")).scalars().all()
            assert "Rossi" not in token and decrypt(token, f"{table}.filename.{key}") == name
    for table in (*NAMES, "forum_attachments", "public_report_files", "export_jobs"):
        assert "filename" not in _columns(table) and "filename_enc" in _columns(table)
    # Files sealed by this release: the document's in its row, the attachment's in the local folder.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE case_documents SET content = :blob"), {"blob": seal(PDF, "k-doc")})
    (tmp_path / "k-att").write_bytes(seal(PDF, "k-att"))
    (tmp_path / "LEGGIMI.txt").write_bytes(b"altro")
    downgrade(revision="0051")
    with db.engine.connect() as conn:
        for table, (name, _key) in NAMES.items():
            assert conn.execute(text(f"SELECT filename FROM {table}")).scalars().all() == [name]
        # The code before 0052 serves the bytes as they are: the downgrade opened them.
        assert [bytes(b) for b in conn.execute(text("SELECT content FROM case_documents")).scalars()] == [PDF]
    assert (tmp_path / "k-att").read_bytes() == PDF and (tmp_path / "LEGGIMI.txt").read_bytes() == b"altro"
    assert "filename_enc" not in _columns("case_documents")
