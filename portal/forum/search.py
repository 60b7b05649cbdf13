"""Full-text search in Italian, one query per dialect.

- PostgreSQL: the stored generated column ``search_vector = to_tsvector('italian', search_text)`` with a
  GIN index (migration 0004) and ``plainto_tsquery('italian', …)``: Snowball stems "discriminazioni" and "discriminazione" alike.
- SQLite: the FTS5 table ``forum_posts_fts`` (unicode61, diacritics removed), kept in sync by triggers
  created in the migration; each word becomes a prefix query on a crude Italian stem.
Hidden posts and hidden threads are left out (moderators included: they browse them, not search them).
"""
from sqlalchemy import Integer, column, func, literal_column, select
from sqlalchemy import text as sql

from ..extensions import db
from . import text
from .models import ForumPost, ForumThread
from .services import _require_forum

LIMIT = 20


def search(query: str, limit: int = LIMIT) -> list[tuple[ForumPost, ForumThread]]:
    _require_forum()
    if not text.words(query):
        return []
    base = (
        select(ForumPost, ForumThread)
        .join(ForumThread, ForumThread.id == ForumPost.thread_id)
        .where(ForumPost.hidden.is_(False), ForumThread.hidden.is_(False))
    )
    if db.session.get_bind().dialect.name == "postgresql":
        vector = literal_column("forum_posts.search_vector")  # generated column, migration 0004
        tsquery = func.plainto_tsquery(literal_column("'italian'::regconfig"), " ".join(text.words(query)))
        # Newest first, not ts_rank: ranking must score every match (slow for common words on 500k posts),
        # while "newest matching" lets PostgreSQL stop after LIMIT rows or use the GIN index for rare words.
        stmt = base.where(vector.op("@@")(tsquery)).order_by(ForumPost.id.desc())
    else:
        ids = sql("SELECT rowid FROM forum_posts_fts WHERE forum_posts_fts MATCH :q ORDER BY rank LIMIT 500")
        ids = ids.bindparams(q=text.fts5_query(query)).columns(column("rowid", Integer))
        stmt = base.where(ForumPost.id.in_(ids)).order_by(
            ForumPost.id.desc()
        )
    return [tuple(row) for row in db.session.execute(stmt.limit(limit)).all()]
