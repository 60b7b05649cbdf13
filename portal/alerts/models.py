"""Alerts on critical cases, their per-node rule settings, and security alerts on unusual access.

All three belong to the node tenant (TenantOwned): antennas and providers never read them. Alerts are
written set-based by ``rules.py``/``services.py`` (INSERT … SELECT), so every column the ORM would fill
by default is also given explicitly there.
"""
import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum, Timestamped, Versioned, utcnow
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column


class Rule(LabelledEnum):
    REFERRAL_UNDECIDED = "referral_undecided", _l("Segnalazione senza decisione")
    CASE_WITHOUT_ACTION = "case_without_action", _l("Presa in carico senza azioni")
    ACTION_OVERDUE = "action_overdue", _l("Azione pianificata scaduta")
    DELIVERY_MISSING = "delivery_missing", _l("Prestazione non registrata dal fornitore")
    FOLLOW_UP_DUE = "follow_up_due", _l("Follow-up in scadenza")
    URGENT_UNASSIGNED = "urgent_unassigned", _l("Caso urgente senza case manager")
    DROP_OUT = "drop_out", _l("Abbandono improvviso")
    LEGAL_DEADLINE_DUE = "legal_deadline_due", _l("Udienza o scadenza legale vicina")
    # Not a case rule: thresholds of the unusual-access detector, kept with the others for one settings table.
    UNUSUAL_ACCESS = "unusual_access", _l("Accessi insoliti alle identità")


RULE_LABELS = Rule.labels()


CASE_RULES = tuple(r for r in Rule if r != Rule.UNUSUAL_ACCESS)


class SecurityKind(enum.StrEnum):
    UNUSUAL_ACCESS = "unusual_access"  # one user read many identities
    PUBLIC_REPORT_BURST = "public_report_burst"  # many public reports reached the node in a short time


class AlertState(LabelledEnum):
    OPEN = "open", _l("Aperta")
    ACKNOWLEDGED = "acknowledged", _l("Presa in visione")
    RESOLVED = "resolved", _l("Risolta")


STATE_LABELS = AlertState.labels()


class RuleSetting(TenantOwned, Versioned, Timestamped, db.Model):
    """One rule of one node: on/off and its threshold (days, sessions or identities; see rules.DEFAULTS)."""

    __tablename__ = "alert_rule_settings"
    __table_args__ = (UniqueConstraint("tenant_id", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[Rule] = mapped_column(enum_column(Rule, name="alert_rule"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[int] = mapped_column(Integer)
    # Only the unusual-access rule uses a time window.
    window_minutes: Mapped[int | None] = mapped_column(Integer)


class Alert(TenantOwned, Versioned, Timestamped, db.Model):
    """A critical situation on one referral or case object, owned by its case worker (NULL: coordination).

    ``open_key`` is ``rule:object_type:object_id`` while the alert is open or acknowledged and NULL once
    resolved: the unique index makes a second open alert for the same rule and object impossible, even if
    two evaluations race. ``due_on`` is the day the situation became critical; a manual resolution closes
    that occurrence only (a new due date, e.g. an action re-planned and overdue again, raises a new alert).
    """

    __tablename__ = "alerts"
    __table_args__ = (
        # The lists read a page newest first (most alerts are open: walking these backwards finds it at once).
        Index("ix_alerts_tenant_opened", "tenant_id", "opened_at", "id"),
        Index("ix_alerts_owner_opened", "owner_id", "opened_at", "id"),
        Index("ix_alerts_object", "rule", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[Rule] = mapped_column(enum_column(Rule, name="alert_rule"))
    state: Mapped[AlertState] = mapped_column(enum_column(AlertState, name="alert_state"), default=AlertState.OPEN)
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    # The only personal reference an alert (and its e-mail) carries.
    pseudonym: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    auto_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_note: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])


class SecurityAlert(TenantOwned, Versioned, Timestamped, db.Model):
    """Something for the node's data protection officer: one user read many people's identities in a short
    time (``UNUSUAL_ACCESS``), or many public reports arrived in a short time (``PUBLIC_REPORT_BURST``: no
    subject user; ``identities_read`` then counts the reports in the window).

    Owned by the node of the reader's network (an antenna user's burst is the node DPO's business too).
    While one is open for a user (or a node's reports), further events update its count instead of raising
    another (``open_key``).
    """

    __tablename__ = "security_alerts"
    __table_args__ = (Index("ix_security_alerts_tenant_state", "tenant_id", "state", "detected_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[SecurityKind] = mapped_column(enum_column(SecurityKind, name="security_alert_kind"),
                                               default=SecurityKind.UNUSUAL_ACCESS, server_default="unusual_access")
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    state: Mapped[AlertState] = mapped_column(enum_column(AlertState, name="alert_state"), default=AlertState.OPEN)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    window_minutes: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    identities_read: Mapped[int] = mapped_column(Integer)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    subject: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])
