"""Pseudonyms numbered per prefix (the node's code) and year: NO-2026-000041 follows NO-2026-000040.

They used to end in the person's id, which every node's people share: a node's next code jumped past the other
nodes' people (NO-2026-000040, then NO-2026-000209), so its staff could read roughly how many people the other
nodes had taken in meanwhile. A counter row per prefix and year, incremented under its row lock (UPDATE …
RETURNING) for each new person, numbers each node's own people without gaps. Two nodes without a code share
the ``RT`` prefix, and so one counter, which keeps their codes unique but shows each the other's volume: in an
installation of several nodes every node has its code (``tenants.code``; nodes are created by the operators).
"""
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..core import bulk
from ..core.rows import row_locking
from ..extensions import db
from .models import Person, PseudonymCounter


def _advance(prefix: str, year: int, by: int) -> int:
    """Move the counter by ``by`` (negative: give back) and return its new last number; the row stays locked
    until the transaction ends. The year's first number creates the row (ON CONFLICT: another antenna may be
    creating it at the same moment; this one then waits for it and moves it next)."""
    session = db.session
    # Taken for a person being written: the audit chain's head first, as before any lock such a write takes
    # (audit/chain.py). An import chunk flushes nothing before its first number, so without this it held the
    # counter and then waited for the head that a referral of the same antenna held while waiting for the
    # counter: a deadlock on PostgreSQL.
    row_locking.send(Person)
    move = (update(PseudonymCounter).where(PseudonymCounter.prefix == prefix, PseudonymCounter.year == year)
            .values(last=PseudonymCounter.last + by).returning(PseudonymCounter.last)
            .execution_options(synchronize_session=False))
    last = session.execute(move).scalar_one_or_none()
    if last is None:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(PseudonymCounter).values(prefix=prefix, year=year, last=0).on_conflict_do_nothing())
        last = session.execute(move).scalar_one()
    return last


def next_number(prefix: str, year: int) -> int:
    """The next number of ``prefix`` in ``year``. Its counter's row stays locked until the transaction ends, so
    numbers taken at once by two antennas of a node follow each other, and work rolled back gives its back."""
    kept = bulk.kept()
    if kept is None:
        return _advance(prefix, year, 1)
    # In a batch (the import, a chunk at a time): numbers reserved a block at a time, one statement for many
    # people, and what the chunk did not use given back at its end (the row is still locked: nobody took any).
    key = ("pseudonym_counter", prefix, year)
    block = kept.get(key)
    if block is None:
        block = kept[key] = [1, 0]  # the next number to give, the last reserved: none yet

        def give_back():
            unused = block[1] - block[0] + 1
            if unused:
                _advance(prefix, year, -unused)

        bulk.at_end(give_back)
    if block[0] > block[1]:
        last = _advance(prefix, year, bulk.RESERVE)
        block[:] = [last - bulk.RESERVE + 1, last]
    block[0] += 1
    return block[0] - 1
