"""One run at a time for the maintenance jobs cron starts (``flask rete …``).

Several hosts may carry the same crontab; a second run of a job must not send a digest twice, so it
exits 0 saying the job is already running. On PostgreSQL the lock is a session-level advisory lock with a
fixed key per command, taken on a connection of its own in autocommit (no transaction stays open for the
job's length; the job's own session commits as it likes) and released by PostgreSQL if the process dies.
SQLite lives on one host: an ``flock`` on a file beside the database does the same there.
"""
import contextlib
import fcntl
import functools
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path

import click
from sqlalchemy import text

from .extensions import db

log = logging.getLogger(__name__)

# pg_try_advisory_lock(int4, int4): the first key keeps Rete's jobs apart from any other advisory lock user.
LOCK_NAMESPACE = 0x52657465  # "Rete"


def lock_key(name: str) -> int:
    """The fixed key of one command, the same on every host."""
    return zlib.crc32(f"rete {name}".encode()) & 0x7FFFFFFF


def lock_path(name: str) -> Path | None:
    """SQLite: the lock file beside the database file (None for an in-memory database)."""
    database = db.engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.{name}.lock")


@contextlib.contextmanager
def held(name: str) -> Iterator[bool]:
    """Try to take the job's lock; yields whether this run got it (never waits)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            params = {"ns": LOCK_NAMESPACE, "key": lock_key(name)}
            got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, :key)"), params).scalar()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:ns, :key)"), params)
        return
    path = lock_path(name)
    if path is None:
        yield True
        return
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def runs_alone(command):
    """Decorate a ``flask rete`` command (below ``with_appcontext``) so only one run at a time does anything."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        name = click.get_current_context().command.name
        with held(name) as got:
            if not got:
                log.info("job skipped: already running", extra={"job": name})
                click.echo(f"rete {name}: già in esecuzione altrove (already running); questa esecuzione non fa nulla.")
                return None
            return command(*args, **kwargs)

    wrapper.runs_alone = True
    return wrapper
