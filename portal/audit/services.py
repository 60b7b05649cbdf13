"""Recording and verifying audit events. The one function every domain calls: :func:`record`."""
import hashlib
import json
from datetime import UTC

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..core import bulk
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _canonical_time(at):
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    payload = json.dumps(
        [
            event.chain_key, event.seq, event.tenant_id, event.node_id, event.actor_user_id, event.action,
            event.object_type, event.object_id, sorted(event.fields or []), event.ip,
            _canonical_time(event.at), prev_hash,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


_SEEN = "audit_heads_seen"


def _lock_head(chain_key: str) -> AuditChainHead:
    """The chain's head, locked (FOR UPDATE) until the transaction ends; created on first use. Once seen in a
    transaction the row is known to exist (heads are never deleted): the next events of the transaction (a
    bulk import writes thousands) skip the insert."""
    held = bulk.kept()  # in a batch (the import): the head locked by its first event, kept for the next ones
    if held is not None and ("audit_head", chain_key) in held:
        return held["audit_head", chain_key]
    seen = db.session.info.setdefault(_SEEN, set())
    if chain_key not in seen:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(
            insert(AuditChainHead).values(chain_key=chain_key, seq=0, last_hash=GENESIS).on_conflict_do_nothing()
        )
    head = db.session.execute(
        select(AuditChainHead).where(AuditChainHead.chain_key == chain_key).with_for_update()
    ).scalar_one()
    seen.add(chain_key)
    if held is not None:
        held["audit_head", chain_key] = head
    return head


def _chain_key(tenant_id: int | None) -> str:
    return f"t{tenant_id}" if tenant_id is not None else "global"


def hold_chain() -> None:
    """Take the acting tenant's chain head now; its next event would take it anyway. Every audited write of a
    tenant holds the head from its first event to its commit, so a service about to lock another row (a
    contract line, a contract) takes the head first: all of them then lock in one order, head then row, and
    two requests can never each hold what the other waits for (PostgreSQL would end one with a deadlock)."""
    _lock_head(_chain_key(current().tenant_id))


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_seen_heads(session, transaction):
    """A transaction or savepoint ended (a rolled-back one may have created the row): insert-if-missing again.
    The inner units every flush opens are neither."""
    if transaction.nested or transaction.parent is None:
        session.info.pop(_SEEN, None)


def record(action: str, object_type: str | None = None, object_id=None, fields=(), *, tenant_id=None, user_id=None,
           keep_ip: bool = True):
    """Append one event in the caller's transaction (it commits or rolls back with the change itself).

    ``keep_ip=False``: the public report door, whose reporters' addresses are never stored with a report."""
    ctx = current()
    tenant_id = tenant_id if tenant_id is not None else ctx.tenant_id
    if user_id is None and has_request_context() and current_user and current_user.is_authenticated:
        user_id = current_user.id
    node_id = None
    if tenant_id is not None:
        tenant = db.session.get(Tenant, tenant_id)
        node_id = tenant.network_node_id if tenant else None
    chain_key = _chain_key(tenant_id)
    head = _lock_head(chain_key)
    event = AuditEvent(
        tenant_id=tenant_id, node_id=node_id, chain_key=chain_key, seq=head.seq + 1, at=utcnow(),
        actor_user_id=user_id, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), fields=sorted(fields),
        ip=request.remote_addr if keep_ip and has_request_context() else None, prev_hash=head.last_hash,
    )
    event.hash = event_hash(event, head.last_hash)
    head.seq, head.last_hash = event.seq, event.hash
    db.session.add(event)
    bulk.assign_id(event)  # a flush, except in a batch (written with the rest of the chunk)
    return event


def verify_chains(keys: list[str] | None = None) -> list[str]:
    """Recompute the chains (all of them by default; the CLI runs as owner, unscoped).

    Returns the problems found: empty when the log is intact.
    """
    problems = []
    heads = {h.chain_key: h for h in db.session.scalars(select(AuditChainHead))}
    if keys is None:
        keys = set(heads) | set(db.session.scalars(select(AuditEvent.chain_key).distinct()))
    for key in sorted(keys):
        prev, expected_seq = GENESIS, 1
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.chain_key == key).order_by(AuditEvent.seq)
        )
        for event in rows:
            if event.seq != expected_seq:
                problems.append(f"{key}: missing event before seq {event.seq} (expected {expected_seq})")
            if event.prev_hash != prev or event_hash(event, prev) != event.hash:
                problems.append(f"{key}: event seq {event.seq} (id {event.id}) was altered")
            prev, expected_seq = event.hash, event.seq + 1
        head = heads.get(key)
        if head is None or head.seq != expected_seq - 1 or head.last_hash != prev:
            problems.append(f"{key}: chain head does not match the last event (events removed at the end?)")
    return problems
