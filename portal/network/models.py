"""Training records, agreements, calls and applications.

Courses, participations, agreements and applications are the node's rows (TenantOwned): the node's
coordinator keeps them. A call is published to the public, so it is Shared (its text is public anyway).
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum, Timestamped, Versioned, file_content
from ..tenancy.mixins import Shared, TenantOwned
from ..tenancy.models import Tenant, TenantKind, enum_column


class Course(TenantOwned, Timestamped, db.Model):
    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    organiser: Mapped[str | None] = mapped_column(String(200))

    participants: Mapped[list["Participation"]] = relationship(
        back_populates="course", order_by="Participation.id", cascade="all, delete-orphan")


class Participation(TenantOwned, Timestamped, db.Model):
    """A user of the network on a course, for the organisation they attended for; completion when recorded."""

    __tablename__ = "training_participations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    completed_on: Mapped[date | None] = mapped_column(Date)
    hours_attended: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))

    course: Mapped[Course] = relationship(back_populates="participants")
    user = relationship("User", lazy="joined")
    organisation: Mapped[Tenant] = relationship(lazy="joined", foreign_keys=[organisation_id])


class Agreement(TenantOwned, Timestamped, db.Model):
    """The accordo an organisation signed with the node; its document is stored like other files."""

    __tablename__ = "network_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = file_content()

    organisation: Mapped[Tenant] = relationship(lazy="joined", foreign_keys=[organisation_id])


class Call(Shared, Timestamped, db.Model):
    """An avviso pubblico: anyone may read it and apply while it is open."""

    __tablename__ = "network_calls"
    __shared_reason__ = "a public call is published to everyone; it holds only the node's public text"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    requirements: Mapped[str | None] = mapped_column(Text)

    node: Mapped[Tenant] = relationship(lazy="joined")

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on


class ApplicationStatus(LabelledEnum):
    SUBMITTED = "submitted", _l("Inviata")
    CHANGES_REQUESTED = "changes_requested", _l("Modifiche richieste")
    ACCEPTED = "accepted", _l("Accettata")
    REJECTED = "rejected", _l("Respinta")


STATUS_LABELS = ApplicationStatus.labels()


class Application(TenantOwned, Versioned, Timestamped, db.Model):
    """A candidatura: the node's row (tenant_id = the call's node) from the moment it is sent."""

    __tablename__ = "network_applications"
    __table_args__ = (Index("uq_network_applications_submission_key", "submission_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("network_calls.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, name="application_status"), default=ApplicationStatus.SUBMITTED)
    # sha256 of the follow-up link's random token: the link itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(enum_column(TenantKind, name="tenant_kind"))
    tax_code: Mapped[str] = mapped_column(String(16))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(200))
    points: Mapped[list] = mapped_column(JSON, default=list)  # [{name, address, municipality_name, ...}]
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = file_content()
    review_message: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))  # set on acceptance
    # The public form's key (migration 0046): a double click sends one application, not two.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    call: Mapped[Call] = relationship(lazy="joined")
