"""Writes batched a chunk at a time, for bulk work (the import) that goes through the ordinary services.

A service that needs a new row's id (a pseudonym, an audit event naming the row) calls ``assign_id(obj)``
rather than ``db.session.flush()``, and ``flush()`` where it flushes only to write. Outside ``batched()``
both flush, exactly as before. Inside it, on PostgreSQL, ids come from the tables' own sequences, reserved
``RESERVE`` at a time in one statement, and nothing is written until the block ends: then one flush writes
the chunk, each table's rows as one multi-row statement (ten or more round trips a row was most
of an import's time). The rules stay those of the services; only when the rows reach the database changes.

Autoflush is off inside: a query there does not see the rows the block created, so use it only where the
items are independent of each other (the import's rows are: the dry run refuses a row repeated in the file).
SQLite has no sequences and a local file: there ``batched()`` changes nothing.
"""
import contextlib

from sqlalchemy import func, select

from ..extensions import db

RESERVE = 500
_KEY = "bulk_batch"


class _Batch:
    def __init__(self):
        self.ids: dict[str, list[int]] = {}
        self.kept: dict = {}  # objects the batch holds on to (the identity map keeps only weak references)
        self.closers: list = []  # run when the block ends well, before its flush (at_end)

    def take(self, table) -> int:
        free = self.ids.setdefault(table.name, [])
        if not free:
            sequence = select(func.pg_get_serial_sequence(table.name, "id")).scalar_subquery()
            free.extend(reversed(db.session.execute(
                select(func.nextval(sequence)).select_from(func.generate_series(1, RESERVE))).scalars().all()))
        return free.pop()


def _current() -> _Batch | None:
    return db.session.info.get(_KEY)


@contextlib.contextmanager
def batched():
    """Defer the services' flushes to the end of the block (PostgreSQL); nested blocks join the outer one."""
    session = db.session
    if _current() is not None or session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.info[_KEY] = _Batch()
    try:
        with session.no_autoflush:
            yield
        for close in session.info[_KEY].closers:
            close()
        session.flush()
    finally:
        session.info.pop(_KEY, None)


def active() -> bool:
    return _current() is not None


def kept() -> dict | None:
    """The current batch's store of objects to hold for its duration (None outside a batch)."""
    batch = _current()
    return batch.kept if batch is not None else None


def at_end(close) -> None:
    """Call ``close()`` when the current batch ends well, before its flush (a counter giving back the numbers it
    reserved and did not use); nothing when the block fails, whose savepoint undoes what it reserved."""
    _current().closers.append(close)


def assign_id(obj) -> None:
    """Give ``obj`` (already added to the session) its primary key: reserved in a batch, else by a flush."""
    batch = _current()
    if batch is None:
        db.session.flush()
    elif obj.id is None:
        obj.id = batch.take(type(obj).__table__)


def flush() -> None:
    """Flush now, or at the end of the current batch."""
    if _current() is None:
        db.session.flush()

