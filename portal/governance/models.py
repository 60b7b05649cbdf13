"""Groups of organisations (members are tenants), their meetings and the minutes of each meeting.

All Shared: a group's members are organisations of several tenants, so no single-owner rule fits. What
each user sees is decided in ``services`` (one place): the group and its member list are known to the
network the group belongs to; meetings and minutes only to members' users and to the node's coordinators.
"""
from datetime import date, datetime, time

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import CreatedBy, LabelledEnum, MarkdownBody, Timestamped, Versioned, file_content
from ..tenancy.mixins import Shared
from ..tenancy.models import Tenant, enum_column


class GroupKind(LabelledEnum):
    STEERING_GROUP = "steering_group", _l("Cabina di regia")  # cabina di regia
    SIGNATORIES = "signatories", _l("Sottoscrittori del protocollo d'intesa")  # sottoscrittori del protocollo d'intesa
    OTHER = "other", _l("Altro gruppo di lavoro")


GROUP_KIND_LABELS = GroupKind.labels()


class NetworkGroup(Shared, Versioned, Timestamped, db.Model):
    __tablename__ = "governance_groups"
    __shared_reason__ = "a governance body of one network with member organisations from several tenants; " \
                        "services decide who sees its meetings (members and the node's coordinators)"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)  # the network it belongs to
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind, name="governance_group_kind"))
    description: Mapped[str | None] = mapped_column(Text)

    members: Mapped[list["GroupMember"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupMember.id"
    )


class GroupMember(Shared, db.Model):
    __tablename__ = "governance_group_members"
    __shared_reason__ = "membership of an organisation in a network group (public within the network)"
    __table_args__ = (UniqueConstraint("group_id", "tenant_id", name="uq_governance_group_members_group_tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("governance_groups.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)

    group: Mapped[NetworkGroup] = relationship(back_populates="members")
    tenant: Mapped[Tenant] = relationship(lazy="joined", innerjoin=True)


class Meeting(Shared, Versioned, CreatedBy, db.Model):
    __tablename__ = "governance_meetings"
    __shared_reason__ = "a meeting of a network group; services show it to the group's members only"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("governance_groups.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(300))
    agenda: Mapped[str] = mapped_column(Text)  # Markdown as written
    agenda_html: Mapped[str] = mapped_column(Text)  # rendered with raw HTML off, cleaned by nh3

    group: Mapped[NetworkGroup] = relationship(lazy="joined", innerjoin=True)
    minutes: Mapped["Minutes | None"] = relationship(back_populates="meeting", uselist=False)


class Minutes(Shared, MarkdownBody, Versioned, Timestamped, db.Model):
    """The minutes ("verbale") of a meeting: a draft the coordinator edits, then approved (final)."""

    __tablename__ = "governance_minutes"
    __shared_reason__ = "minutes of a network group's meeting; services show them to the group's members only"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("governance_meetings.id"), unique=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # One optional attachment (the signed minutes as PDF, say): checked by content, stored outside static/.
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(120))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    attachment_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_content: Mapped[bytes | None] = file_content("attachment_key")

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")
