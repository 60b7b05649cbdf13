"""Small summaries of the actions and the referrals, kept by the database itself (see summaries.py and
referral_summary.py for why), written only by triggers (on ``actions``, migration 0007; on ``referrals``,
migrations 0031 and 0047); and the statistics a tenant has published, once per quarter (releases.py).
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import utcnow
from ..tenancy.mixins import ProviderShared, TenantOwned


class ActionDay(ProviderShared, db.Model):
    """Actions by planned start day, service type, provider and status: their number and hours.

    ``provider_key`` is the provider's id or 0 for the node itself (a key column cannot be NULL);
    ``provider_id`` keeps the sharer, as on the actions it sums.
    """

    __tablename__ = "monitoring_action_days"

    tenant_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenants.id"), primary_key=True, index=True)
    planned_start: Mapped[date] = mapped_column(Date, primary_key=True)
    service_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    provider_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(40), primary_key=True)
    actions: Mapped[int] = mapped_column(Integer, default=0)
    planned_hours: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    delivered_hours: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))


class CaseFacts(TenantOwned, db.Model):
    """Per case: the planned start of its first not-cancelled action, and whether a training was completed."""

    __tablename__ = "monitoring_case_facts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    # The case's referral, so the dashboard joins referrals to these facts without reading the cases.
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True, unique=True)
    first_action_on: Mapped[date | None] = mapped_column(Date)
    training_done: Mapped[bool] = mapped_column(Boolean, default=False)


class ReferralMonth(TenantOwned, db.Model):
    """Received referrals (not drafts) by node, month of their first sending (in Rome), key and value: a
    "long" table with one row per value of each panel's key (``referral_summary.KEYS``): the grounds as
    listed, the state, the antenna, the hours to the decision, the days to the first action. Written only
    by the triggers of migrations 0031 and 0047 (referral_summary.py); the node's rows, read by the node only."""

    __tablename__ = "monitoring_referral_months"

    # Counts only: they go with their node (a test's committed data too, which the triggers leave at zero).
    tenant_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    key: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    referrals: Mapped[int] = mapped_column(Integer, default=0)


class StatisticsRelease(TenantOwned, db.Model):
    """One quarter's suppressed tables as their tenant published them, once (releases.py says why): a node's
    open data (``kind`` ``open_data``) or a regional centre's tables (``region``). ``content`` holds the
    published values only: a hidden cell is ``null``, its count never kept. A regional centre reads its own
    (one of mixins.REGIONAL_TABLES)."""

    __tablename__ = "statistics_releases"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q3"
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content: Mapped[dict] = mapped_column(JSON)
