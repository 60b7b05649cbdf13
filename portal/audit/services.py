"""Recording and verifying audit events. The one function every domain calls: :func:`record`."""
import hashlib
import json
from datetime import UTC

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from ..core import bulk
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .chain import GENESIS, chain_key, lock_head
from .models import AuditChainHead, AuditEvent

__all__ = ["GENESIS", "event_hash", "record", "verify_chains"]


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


def record(action: str, object_type: str | None = None, object_id=None, fields=(), *, tenant_id=None, user_id=None,
           keep_ip: bool = True, ip: str | None = None):
    """Append one event in the caller's transaction (it commits or rolls back with the change itself).

    ``keep_ip=False``: the public report door, whose reporters' addresses are never stored with a report.
    ``ip``: the request's address for work done after its answer (``portal.jobs.after_response``)."""
    ctx = current()
    tenant_id = tenant_id if tenant_id is not None else ctx.tenant_id
    if user_id is None and has_request_context() and current_user and current_user.is_authenticated:
        user_id = current_user.id
    node_id = None
    if tenant_id is not None:
        tenant = db.session.get(Tenant, tenant_id)
        node_id = tenant.network_node_id if tenant else None
    key = chain_key(tenant_id)
    head = lock_head(key)
    event = AuditEvent(
        tenant_id=tenant_id, node_id=node_id, chain_key=key, seq=head.seq + 1, at=utcnow(),
        actor_user_id=user_id, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), fields=sorted(fields),
        ip=(ip or (request.remote_addr if has_request_context() else None)) if keep_ip else None,
        prev_hash=head.last_hash,
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
