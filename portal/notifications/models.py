"""The outbox of e-mails waiting to leave, and the users' in-app notifications."""
import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import EncryptedField
from ..extensions import db
from ..models_base import Created, SentWithRetries
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after OUTBOX_MAX_ATTEMPTS; the system admin may retry it


# The ``kind`` of a message to someone who is not a user and whose address is confidential (a public report's
# reporter): shown to nobody, not notified in the app, and blanked as soon as the message has left.
PRIVATE_RECIPIENT = "private_recipient"


class OutboxMail(TenantOwned, SentWithRetries, db.Model):
    """One message to one recipient. ``tenant_id`` is the tenant whose action caused it (NULL only for
    an anonymous action of someone without a membership). Subject and body are encrypted at rest: they
    are pseudonymous, but reset links are credentials and greetings carry the recipient's name."""

    __tablename__ = "mail_outbox"
    __allow_tenantless__ = True
    __table_args__ = (
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
        # PostgreSQL refuses INSERT ... RETURNING of a row the inserter cannot SELECT (a tenantless row).
        {"implicit_returning": False},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True, index=True)
    uid: Mapped[str | None] = mapped_column(String(32), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject_enc: Mapped[str] = mapped_column(Text)
    body_enc: Mapped[str | None] = mapped_column(Text)  # cleared once sent: nothing kept that is not needed
    subject = EncryptedField("subject_enc")
    body = EncryptedField("body_enc")
    kind: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, name="outbox_status"),
                                                 default=OutboxStatus.PENDING)


class Notification(TenantOwned, Created, db.Model):
    """An in-app notice for one user in one tenant: a code and its parameters, rendered when shown (so in
    the viewer's language), and a link inside Rete. Parameters are codes and pseudonyms, never identity."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count: one index-only count per page view.
        Index("ix_notifications_unread", "tenant_id", "user_id",
              postgresql_where=text("read_at IS NULL"), sqlite_where=text("read_at IS NULL")),
        Index("ix_notifications_user_list", "tenant_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))  # a path inside Rete ("/segnalazioni/12")
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
