"""Audit events and the heads of their hash chains."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import utcnow
from ..tenancy.mixins import NodeShared, Shared


class AuditEvent(NodeShared, db.Model):
    """One event. ``tenant_id`` is the actor's tenant and ``node_id`` its network's node, so the node's
    data protection officer reads the whole network's trail and an antenna's reads its own.

    Rows are never updated or deleted: on PostgreSQL the app role lacks the privilege, and each row
    carries the hash of the previous row of its chain (one chain per tenant) for tamper evidence.
    """

    __tablename__ = "audit_events"
    __allow_tenantless__ = True  # e.g. a failed login for an unknown e-mail
    __table_args__ = (
        Index("ix_audit_events_chain_seq", "chain_key", "seq", unique=True),
        Index("ix_audit_events_object", "object_type", "object_id"),
        # Anonymous events (failed logins) are readable by no tenant, and PostgreSQL refuses
        # INSERT ... RETURNING of a row the inserter cannot SELECT: fetch ids from the sequence instead.
        {"implicit_returning": False},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True, index=True)
    node_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True, index=True)
    chain_key: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    # Names of the fields read or changed - never their values (special-category data stays out).
    fields: Mapped[list] = mapped_column(JSON, default=list)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Shared, db.Model):
    """The last sequence number and hash of each chain; locked while appending so chains never fork."""

    __tablename__ = "audit_chain_heads"
    __shared_reason__ = "holds only sequence numbers and hashes, no tenant data"

    chain_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
