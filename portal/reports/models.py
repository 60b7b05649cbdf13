"""Public reports, their two-way thread and files. Owned by the competent node (TenantOwned + RLS, 0025).

Identity (a name and a contact, both optional) and every free text are encrypted like a person's identity.
No column holds the receipt code in clear, and none the reporter's network address.
"""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedField
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum, RowUid, StoredFileColumns, Timestamped, Versioned, utcnow
from ..tenancy.mixins import Shared, TenantOwned
from ..tenancy.models import enum_column


class ReporterKind(LabelledEnum):
    VICTIM = "victim", _l("Ho subito io la discriminazione")
    WITNESS = "witness", _l("Ho assistito a una discriminazione")
    ORGANISATION = "organisation", _l("Scrivo per un'organizzazione")


REPORTER_LABELS = ReporterKind.labels()


class ReportState(LabelledEnum):
    NEW = "new", _l("Ricevuta, in attesa di esame")
    INFO_REQUESTED = "info_requested", _l("Il nodo ti ha chiesto altre informazioni")  # the node asked the reporter for more
    ANSWERED = "answered", _l("Hai risposto, il nodo la sta esaminando")  # the reporter answered; the node's turn again
    CLOSED = "closed", _l("Chiusa")
    CONVERTED = "converted", _l("Presa in esame dal nodo come caso")  # became a person + referral handled by the node


STATE_LABELS = ReportState.labels()


class CloseReason(LabelledEnum):
    OUT_OF_SCOPE = "out_of_scope", _l("Non riguarda una discriminazione di cui il nodo si occupa")
    NOT_ENOUGH_INFORMATION = "not_enough_information", _l("Le informazioni non bastano per intervenire")
    REFERRED_ELSEWHERE = "referred_elsewhere", _l("Indirizzata a un altro servizio")
    NO_ANSWER = "no_answer", _l("Nessuna risposta alle domande del nodo")
    DUPLICATE = "duplicate", _l("Già segnalata")
    ABUSIVE = "abusive", _l("Contenuto offensivo o non pertinente")
    OTHER = "other", _l("Altro")


CLOSE_LABELS = CloseReason.labels()


class MessageAuthor(enum.StrEnum):
    REPORTER = "reporter"
    NODE = "node"


class PublicReport(TenantOwned, RowUid, Versioned, Timestamped, db.Model):
    __tablename__ = "public_reports"
    __table_args__ = (Index("ix_public_reports_tenant_state_submitted", "tenant_id", "state", "submitted_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # argon2id hash of the receipt code; the code itself is shown once and never stored. Emptied by the
    # retention job, so the code opens nothing any more.
    code_hash: Mapped[str] = mapped_column(String(200))
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState, name="public_report_state"), default=ReportState.NEW)
    reporter_kind: Mapped[ReporterKind] = mapped_column(enum_column(ReporterKind, name="public_reporter_kind"))
    what_enc: Mapped[str | None] = mapped_column(Text)
    what = EncryptedField("what_enc")
    municipality_code: Mapped[str | None] = mapped_column(String(8))  # cadastral code; NULL: not said
    context: Mapped[str] = mapped_column(String(40))  # referrals.models.Context value
    occurred_on: Mapped[date | None] = mapped_column(Date)
    grounds: Mapped[list] = mapped_column(JSON, default=list)
    wants_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    name_enc: Mapped[str | None] = mapped_column(Text)
    contact_enc: Mapped[str | None] = mapped_column(Text)
    notify_email_enc: Mapped[str | None] = mapped_column(Text)
    name = EncryptedField("name_enc")
    contact = EncryptedField("contact_enc")
    notify_email = EncryptedField("notify_email_enc")
    consent_notice_version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="it")
    # No node's province matched the municipality: kept by the default node, which the page says.
    routed_by_default: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[CloseReason | None] = mapped_column(enum_column(CloseReason, name="public_report_close_reason"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    # Texts, identity, thread and files erased at the end of the retention period (retention.py).
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    messages: Mapped[list["PublicReportMessage"]] = relationship(
        back_populates="report", order_by="PublicReportMessage.id", cascade="all, delete-orphan"
    )
    files: Mapped[list["PublicReportFile"]] = relationship(order_by="PublicReportFile.id", cascade="all, delete-orphan")


class PublicReportMessage(TenantOwned, RowUid, db.Model):
    __tablename__ = "public_report_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("public_reports.id"), index=True)
    author: Mapped[MessageAuthor] = mapped_column(enum_column(MessageAuthor, name="public_report_author"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    body_enc: Mapped[str | None] = mapped_column(Text)
    body = EncryptedField("body_enc")

    report: Mapped[PublicReport] = relationship(back_populates="messages")
    files: Mapped[list["PublicReportFile"]] = relationship(order_by="PublicReportFile.id", viewonly=True)


class PublicReportFile(TenantOwned, StoredFileColumns, Timestamped, db.Model):
    """A file sent with the report or a message; checked by content, stored outside static/."""

    __tablename__ = "public_report_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("public_reports.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("public_report_messages.id"), index=True)
    author: Mapped[MessageAuthor] = mapped_column(enum_column(MessageAuthor, name="public_report_author"))


class PublicReportKey(Shared, db.Model):
    """Which node holds the report a receipt code opens, found before any tenant is known.

    Shared (no tenant filter) because the public door knows no tenant until the code is checked; it holds
    only a keyed HMAC of the code (``blind_index``) and two ids, nothing about the report's content.
    """

    __tablename__ = "public_report_keys"
    __shared_reason__ = "lookup from a keyed hash of a receipt code to the owning node; no content"

    lookup: Mapped[str] = mapped_column(String(40), primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("public_reports.id"))
