"""Migration 0050 on a populated database: a forum post written before it gets version 1 (its edit form now
carries the version), the form keys start empty, and a key is unique; case documents gain ``names_person``; the
downgrade takes them away."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from portal.extensions import db

from .migration_support import contract_at

CATEGORY = "INSERT INTO forum_categories (slug, name, kind, position) VALUES ('m50', 'M', 'network', 1) RETURNING id"
THREAD = ("INSERT INTO forum_threads (category_id, kind, title, author_user_id, author_tenant_id, locked, hidden,"
          " post_count, last_post_at, created_at, updated_at) VALUES (:cat, 'discussion', 'T', :user, :node, false,"
          " false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id")
POST = ("INSERT INTO forum_posts (thread_id, author_user_id, author_tenant_id, search_text, personal_data_flags, hidden,"
        " has_attachments, body, body_html, created_at, updated_at) VALUES (:thread, :user, :node, 'testo', '[]', false,"
        " false, 'Testo', '<p>Testo</p>', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


DOCUMENT = ("INSERT INTO case_documents (case_id, kind, filename, content_type, size, storage_key, sha256,"
            " uploaded_by_id, tenant_id, created_at, updated_at) VALUES (:case, 'case', :name, 'application/pdf', 1,"
            " :name, 'x', :user, :node, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
SECOND_REFERRAL = ("INSERT INTO referrals (tenant_id, node_id, person_id, created_by_id, uid, state, context, grounds,"
                   " urgency, legal_basis_requested, submission_key, version, created_at, updated_at) VALUES (:a, :n,"
                   " :person, :u, 'm50-referral', 'accepted', 'work', '[\"age\"]', 'normal', false, 'm50-key', 1,"
                   " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id")
SECOND_CASE = ("INSERT INTO cases (tenant_id, antenna_id, uid, referral_id, person_id, pseudonym, state, grounds, urgent,"
               " opened_at, version, created_at, updated_at) VALUES (:n, :a, 'm50-case', :r, :person, 'TOT-2', 'open',"
               " 'age', false, CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id")
LETTER_EVENT = ("INSERT INTO audit_events (tenant_id, chain_key, seq, at, actor_user_id, action, object_type, object_id,"
                " fields, prev_hash, hash) VALUES (:node, 'm50', :seq, CURRENT_TIMESTAMP, :user, 'case.letter_generated',"
                " 'case', :case, :fields, 'p', 'h')")


def test_0050_on_a_populated_database(migration_db):
    with contract_at("0049") as (conn, ids):
        category = conn.execute(text(CATEGORY)).scalar()
        thread = conn.execute(text(THREAD), {"cat": category, "user": ids["user"], "node": ids["node"]}).scalar()
        conn.execute(text(POST), {"thread": thread, "user": ids["user"], "node": ids["node"]})
        referral = conn.execute(text(SECOND_REFERRAL), {"n": ids["node"], "a": ids["a"], "person": ids["person"],
                                                        "u": ids["user"]}).scalar()
        other = conn.execute(text(SECOND_CASE), {"n": ids["node"], "a": ids["a"], "r": referral,
                                                 "person": ids["person"]}).scalar()
        for case, name in ((ids["case"], "lettera-presa-in-carico-TOT-1.pdf"), (ids["case"], "verbale.pdf"),
                           (other, "lettera-diniego-TOT-2.pdf")):
            conn.execute(text(DOCUMENT), {"case": case, "name": name, "user": ids["user"], "node": ids["node"]})
        for seq, case, fields in ((1, other, '["kind", "language"]'), (2, ids["case"], '["kind", "language", "addressee"]')):
            conn.execute(text(LETTER_EVENT), {"node": ids["node"], "seq": seq, "user": ids["user"],
                                              "case": str(case), "fields": fields})
    upgrade(revision="0050")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version, submission_key FROM forum_posts")).all() == [(1, None)]
        # A letter by name written before 0050 (its case's trail says so) is an identity read from now on.
        marked = conn.execute(text("SELECT filename, names_person FROM case_documents ORDER BY filename")).all()
        assert [(name, bool(flag)) for name, flag in marked] == [
            ("lettera-diniego-TOT-2.pdf", False), ("lettera-presa-in-carico-TOT-1.pdf", True), ("verbale.pdf", False)]
    assert "names_person" in {c["name"] for c in inspect(db.engine).get_columns("case_documents")}
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("UPDATE forum_threads SET submission_key = 'k'"))
        conn.execute(text(THREAD.replace("'T'", "'U'")), {"cat": category, "user": ids["user"], "node": ids["node"]})
        conn.execute(text("UPDATE forum_threads SET submission_key = 'k' WHERE title = 'U'"))
    downgrade(revision="0049")
    columns = {c["name"] for c in inspect(db.engine).get_columns("forum_posts")}
    assert "version" not in columns and "submission_key" not in columns
    assert "names_person" not in {c["name"] for c in inspect(db.engine).get_columns("case_documents")}
