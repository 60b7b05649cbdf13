"""Delivery totals per contract and status, kept by the database itself in the same transaction.

Why a maintained summary at all: the budget pages need "approved" and "pending" per contract, and
summing half a million deliveries on every page view costs 60-100 ms on a 2-core PostgreSQL before
anything is rendered. DESIGN.md rules out running totals *that can drift*; these cannot, by construction:

- they are written only by triggers on ``deliveries`` (migration 0011), in the transaction that changes
  the delivery, so no code path (ORM, bulk SQL, a psql session) changes a delivery without its total;
- concurrent writers are serialised on the summary row (``INSERT ... ON CONFLICT DO UPDATE``), and an
  update touches its two keys in a fixed order so two transactions cannot deadlock on them;
- :func:`drift` recomputes everything from the rows and ``flask rete budget-verify`` fails on any
  difference (tested under concurrent writers on PostgreSQL).

The trigger DDL is migration 0011's (``migrations/helpers/delivery_totals_v1.py``).
"""
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy.mixins import ProviderShared


class DeliveryTotal(ProviderShared, db.Model):
    """Count and amount of one contract's deliveries in one status (written by triggers only)."""

    __tablename__ = "delivery_totals"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(40), primary_key=True)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))


def drift() -> list[tuple]:
    """(contract, status, kept count, kept amount, real count, real amount) wherever they differ.

    Reads through the session, so it checks the current tenant's contracts (run per tenant by the CLI).
    """
    from .models import Delivery

    real = {
        (contract_id, str(status)): (count, Decimal(amount or 0).quantize(Decimal("0.01")))
        for contract_id, status, count, amount in db.session.execute(
            select(Delivery.contract_id, Delivery.status, func.count(), func.sum(Delivery.amount))
            .group_by(Delivery.contract_id, Delivery.status)
        )
    }
    kept = {
        (row.contract_id, row.status): (row.deliveries, Decimal(row.amount or 0).quantize(Decimal("0.01")))
        for row in db.session.scalars(select(DeliveryTotal))
    }
    out = []
    for key in sorted(set(real) | set(kept), key=lambda k: (k[0], k[1])):
        have, want = kept.get(key, (0, Decimal("0.00"))), real.get(key, (0, Decimal("0.00")))
        if have != want:
            out.append((*key, *have, *want))
    return out
