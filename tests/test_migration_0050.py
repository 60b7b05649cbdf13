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


def test_0050_on_a_populated_database(migration_db):
    with contract_at("0049") as (conn, ids):
        category = conn.execute(text(CATEGORY)).scalar()
        thread = conn.execute(text(THREAD), {"cat": category, "user": ids["user"], "node": ids["node"]}).scalar()
        conn.execute(text(POST), {"thread": thread, "user": ids["user"], "node": ids["node"]})
    upgrade(revision="0050")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version, submission_key FROM forum_posts")).all() == [(1, None)]
    assert "names_person" in {c["name"] for c in inspect(db.engine).get_columns("case_documents")}
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("UPDATE forum_threads SET submission_key = 'k'"))
        conn.execute(text(THREAD.replace("'T'", "'U'")), {"cat": category, "user": ids["user"], "node": ids["node"]})
        conn.execute(text("UPDATE forum_threads SET submission_key = 'k' WHERE title = 'U'"))
    downgrade(revision="0049")
    columns = {c["name"] for c in inspect(db.engine).get_columns("forum_posts")}
    assert "version" not in columns and "submission_key" not in columns
    assert "names_person" not in {c["name"] for c in inspect(db.engine).get_columns("case_documents")}
