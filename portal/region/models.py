"""Per-node summaries that the regional centre reads: counts only, never a row about a person.

``RegionShared``: the node owns its rows (``tenant_id``) and shares them with its region
(``region_id``), the same owner-plus-one-sharer rule as everywhere else, in the ORM and in PostgreSQL
(migration 0024). The region reads nothing else of a node: people, referrals, cases, actions,
verifications and attachments match no row for a regional tenant (portal/tenancy/scoping.py).

One row per node × month × measure × value (a "long" table): see ``MEASURES`` in services.py. The rows
hold raw counts; suppression is applied when the region's tables are built (queries.py), the only door
through which the counts leave the database.
"""
from datetime import date

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy.mixins import RegionShared


class RegionSummary(RegionShared, db.Model):
    __tablename__ = "region_summaries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "month", "measure", "value"),
        Index("ix_region_summaries_region_month", "region_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    measure: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer, default=0)

