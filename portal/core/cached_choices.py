"""Choices of the filter forms on the busiest pages (a node's antennas, case workers, providers), kept per
tenant for a minute so a list page does not re-read them on every request.

Only *filter* choices come from here: a rule that decides (may this user be assigned? is this provider the
node's?) reads the database. A change to a watched model flushed in this process drops every entry at once
(a generation counter in the key); other workers see it within ``TTL_SECONDS``. Values are plain tuples,
never ORM objects, so nothing cached can lazy-load in another request's session.
"""
import itertools
import threading

from cachetools import TTLCache
from sqlalchemy import event
from sqlalchemy.orm import Session

TTL_SECONDS = 60
_cache: TTLCache = TTLCache(maxsize=2048, ttl=TTL_SECONDS)
_lock = threading.Lock()
_generation = itertools.count()
_current = next(_generation)
_watched: tuple[type, ...] = ()


def watch(*models: type) -> None:
    """Changes to these models (flushed in this process) invalidate every cached choice."""
    global _watched
    _watched = tuple({*_watched, *models})


def cached(name: str, tenant_id: int, load) -> tuple:
    """``load()``'s rows as tuples, from the cache when the same tenant asked within the minute."""
    key = (name, tenant_id, _current)
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = tuple(tuple(row) for row in load())
        with _lock:
            _cache[key] = found
    return found


def clear() -> None:
    global _current
    with _lock:
        _current = next(_generation)
        _cache.clear()


@event.listens_for(Session, "after_flush")
def _changed(session, _flush_context) -> None:
    if _watched and any(isinstance(obj, _watched) for obj in itertools.chain(session.new, session.dirty, session.deleted)):
        clear()
