"""The audit chains' heads, and the lock order of a request's writes: its tenant's chain head, then its rows.

Each tenant's events form a hash chain whose head row (``audit_chain_heads``) an event locks (FOR UPDATE)
and holds until its transaction ends, so two events never take the same place. A request that wrote a row
and then audited would therefore lock row, then head; one that audited and then wrote the same row, head,
then row: PostgreSQL would end one of the two with a deadlock. So the head comes first:

- the first flush that writes scoped rows, as the tenant the request was activated for, takes that
  tenant's head before them (when the transaction holds no head yet);
- :func:`record` takes the head of its event's chain (in a request, the flush its first query sets off has
  usually taken it already);
- a row locked to count against it (a budget limit: ``core.rows.lock``, which says so first through
  ``row_locking``) comes after the head too: a query's lock is no flush, so the flush hook would miss it;
- an operation that writes to two tenants' chains (the answer to a case transfer: the receiving node's and
  the sender's) takes both heads first with :func:`hold_chains`, lowest tenant id first. Taken side by side
  (receiver, then sender), two transfers crossing between the same two nodes, answered at the same moment,
  would each hold one head and wait for the other's.

Flushes in the system context and under ``acting_as`` (maintenance jobs, serialised by their own lock; a
request's moment as another tenant) take nothing: they name their chain per event, as before, and a second
head taken by a flush could be taken in either order by two requests. Rows nobody audits (a session's clock,
a user's own row) are unscoped and take nothing either, or every request of a tenant would wait for the
others. That a head is locked is remembered until the transaction ends or rolls back (a savepoint too:
rolling one back releases the locks taken inside it).
"""
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..core import bulk
from ..core.rows import row_locking
from ..extensions import db
from ..tenancy.context import current
from ..tenancy.mixins import SCOPED_MIXINS
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
_HELD = "audit_heads_held"


def chain_key(tenant_id: int | None) -> str:
    return f"t{tenant_id}" if tenant_id is not None else "global"


def lock_head(key: str, session: Session | None = None) -> AuditChainHead:
    """The chain's head, locked (FOR UPDATE) until the transaction ends; created on first use. Once locked in a
    transaction the row is known to exist (heads are never deleted): the next events of the transaction (a
    bulk import writes thousands) skip the insert."""
    session = session or db.session
    kept = bulk.kept()  # in a batch (the import): the head locked by its first event, kept for the next ones
    if kept is not None and ("audit_head", key) in kept:
        return kept["audit_head", key]
    held = session.info.setdefault(_HELD, set())
    if key not in held:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(AuditChainHead).values(chain_key=key, seq=0, last_hash=GENESIS).on_conflict_do_nothing())
    # Selected again by each event (it reads the head's values): the ORM object is not kept between events.
    head = session.execute(select(AuditChainHead).where(AuditChainHead.chain_key == key).with_for_update()).scalar_one()
    held.add(key)
    if kept is not None:
        kept["audit_head", key] = head
    return head


def hold_chains(*tenant_ids: int) -> None:
    """Take these tenants' heads now, in the one order every operation uses (lowest tenant id first)."""
    for tenant_id in sorted(set(tenant_ids)):
        lock_head(chain_key(tenant_id))


def _first_lock_as_activated(session) -> bool:
    """Whether a head taken now would be the transaction's first, as the tenant the request was activated for.
    A moment acting for another tenant (acting_as: a referral evaluated as its node) takes nothing, or two
    heads could be taken in either order by two requests; maintenance jobs (system) name theirs per event."""
    ctx = current()
    return not (ctx.system or ctx.borrowed or ctx.tenant_id is None or session.info.get(_HELD))


@sa_event.listens_for(Session, "before_flush")
def _head_before_rows(session, flush_context, instances):
    if not _first_lock_as_activated(session):
        return
    if any(_writes_scoped_row(session, obj) for obj in (*session.new, *session.dirty, *session.deleted)):
        lock_head(chain_key(current().tenant_id), session)


@row_locking.connect
def _head_before_locked_row(model, **_kwargs):
    if issubclass(model, SCOPED_MIXINS) and _first_lock_as_activated(db.session):
        lock_head(chain_key(current().tenant_id))


def _writes_scoped_row(session, obj) -> bool:
    if not isinstance(obj, SCOPED_MIXINS) or isinstance(obj, AuditEvent):
        return False
    return obj not in session.dirty or session.is_modified(obj, include_collections=False)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    """Rolling back (a savepoint too) releases the locks taken since it began, and may undo the head's insert.
    A savepoint released keeps them: they belong to the enclosing transaction then."""
    session.info.pop(_HELD, None)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session, transaction):
    if transaction.parent is None:
        session.info.pop(_HELD, None)
