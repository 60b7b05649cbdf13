"""API clients, idempotency records, webhook subscriptions and the webhook outbox (all tenant-owned)."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedField
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import CreatedBy, LabelledEnum, RowUid, SentWithRetries, Timestamped, utcnow
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column


class Scope(LabelledEnum):
    REFERRALS_READ = "referrals:read", _l("leggere stato ed esito delle proprie segnalazioni")
    REFERRALS_WRITE = "referrals:write", _l("creare, inviare e corredare di allegati segnalazioni")
    IDENTITY_READ = "identity:read", _l("leggere l'identità delle persone segnalate, dove consentito (ogni lettura è registrata)")  # only where people.services.can_see_identity allows; audited
    CASES_READ = "cases:read", _l("leggere casi e azioni in forma pseudonimizzata")
    ORDERS_READ = "orders:read", _l("leggere i propri ordini di servizio")
    DELIVERIES_WRITE = "deliveries:write", _l("registrare le prestazioni erogate")
    DIRECTORY_READ = "directory:read", _l("leggere l'elenco della rete")
    WEBHOOKS = "webhooks:manage", _l("ricevere notifiche (webhook) degli eventi dell'organizzazione")
    OPEN_DATA_READ = "opendata:read", _l("leggere i dati aperti del nodo (aggregati, celle piccole soppresse)")  # the node's suppressed aggregates, as published


SCOPE_LABELS = Scope.labels()


class ApiClient(TenantOwned, CreatedBy, db.Model):
    """A system of one organisation. The key is ``rete_<tenant>_<key_id>_<secret>``: only the SHA-256 of
    the secret is kept; the tenant in the key lets authentication look the client up under its tenant's
    scoping and RLS (no unscoped read of the table)."""

    __tablename__ = "api_clients"
    __table_args__ = (Index("uq_api_clients_submission_key", "submission_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    # The technical user the client acts as (audit actor, created_by of its referrals); it has no password.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The random key of the page's form that created it: the same form posted again creates nothing.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User", foreign_keys=[user_id])

    def usable(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or _aware(self.expires_at) > now


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


class IdempotencyRecord(TenantOwned, RowUid, db.Model):
    """The answer to a POST with an ``Idempotency-Key``, replayed for 24 hours to the same client. Encrypted:
    an answer can carry what the request wrote (a file's name, a referral's pseudonym and state)."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_api_idempotency_client_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body: a reused key is refused
    status: Mapped[int] = mapped_column(Integer)
    body = EncryptedField("body_enc")
    body_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class EventKind(LabelledEnum):
    REFERRAL_STATE_CHANGED = "referral.state_changed", _l("una segnalazione cambia stato")
    ORDER_CREATED = "order.created", _l("nuovo ordine di servizio")
    REPORT_RECEIVED = "report.received", _l("nuova segnalazione pubblica (solo nodo)")


EVENT_LABELS = EventKind.labels()


class WebhookSubscription(TenantOwned, Timestamped, db.Model):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("uq_webhook_subscriptions_submission_key", "submission_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret_enc: Mapped[str] = mapped_column(Text)  # needed in clear to sign: encrypted at rest
    secret = EncryptedField("secret_enc")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    uid: Mapped[str | None] = mapped_column(String(32), unique=True)  # EncryptedField binds ciphertext to it
    # The random key of the page's form that created it: the same form posted again creates nothing.
    submission_key: Mapped[str | None] = mapped_column(String(64))


class DeliveryStatus(LabelledEnum):
    PENDING = "pending", _l("In attesa")
    SENT = "sent", _l("Consegnata")
    FAILED = "failed", _l("Non riuscita")


DELIVERY_LABELS = DeliveryStatus.labels()


class WebhookDelivery(TenantOwned, SentWithRetries, db.Model):
    """One event for one subscription: written in the event's transaction, sent after the commit."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON)  # pseudonyms, codes and links only
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus, name="webhook_status"),
                                                   default=DeliveryStatus.PENDING)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the receiver's HTTP status

    subscription = relationship(WebhookSubscription)
