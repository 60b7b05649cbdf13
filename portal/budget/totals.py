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

The trigger DDL lives here, next to the model, so the migration and the tests install the same text.
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


_UPSERT = """
INSERT INTO delivery_totals (contract_id, status, tenant_id, provider_id, deliveries, amount)
VALUES ({p}.contract_id, {p}.status, {p}.tenant_id, {p}.provider_id, {n}, {amount})
ON CONFLICT (contract_id, status)
DO UPDATE SET deliveries = delivery_totals.deliveries + excluded.deliveries,
    amount = delivery_totals.amount + excluded.amount"""

POSTGRESQL_DDL = [
    f"""
CREATE FUNCTION delivery_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_UPSERT.format(p='NEW', n=1, amount='NEW.amount')};
  ELSIF TG_OP = 'DELETE' THEN
    {_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')};
  ELSIF (OLD.contract_id, OLD.status) = (NEW.contract_id, NEW.status) THEN
    IF NEW.amount IS DISTINCT FROM OLD.amount THEN
      {_UPSERT.format(p='NEW', n=0, amount='NEW.amount - OLD.amount')};
    END IF;
  ELSIF (OLD.contract_id, OLD.status) < (NEW.contract_id, NEW.status) THEN
    -- Lock the two summary rows in key order, whatever the direction of the change.
    {_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')};
    {_UPSERT.format(p='NEW', n=1, amount='NEW.amount')};
  ELSE
    {_UPSERT.format(p='NEW', n=1, amount='NEW.amount')};
    {_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')};
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER delivery_totals_insert AFTER INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION delivery_totals_apply()",
    "CREATE TRIGGER delivery_totals_update AFTER UPDATE OF contract_id, status, amount ON deliveries "
    "FOR EACH ROW EXECUTE FUNCTION delivery_totals_apply()",
    "CREATE TRIGGER delivery_totals_delete AFTER DELETE ON deliveries FOR EACH ROW EXECUTE FUNCTION delivery_totals_apply()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS delivery_totals_insert ON deliveries",
    "DROP TRIGGER IF EXISTS delivery_totals_update ON deliveries",
    "DROP TRIGGER IF EXISTS delivery_totals_delete ON deliveries",
    "DROP FUNCTION IF EXISTS delivery_totals_apply()",
]

# SQLite serialises writers on the database file, so ordering does not matter there.
SQLITE_DDL = [
    f"CREATE TRIGGER delivery_totals_insert AFTER INSERT ON deliveries BEGIN "
    f"{_UPSERT.format(p='NEW', n=1, amount='NEW.amount')}; END",
    f"CREATE TRIGGER delivery_totals_update AFTER UPDATE OF contract_id, status, amount ON deliveries BEGIN "
    f"{_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')}; "
    f"{_UPSERT.format(p='NEW', n=1, amount='NEW.amount')}; END",
    f"CREATE TRIGGER delivery_totals_delete AFTER DELETE ON deliveries BEGIN "
    f"{_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')}; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS delivery_totals_insert",
    "DROP TRIGGER IF EXISTS delivery_totals_update",
    "DROP TRIGGER IF EXISTS delivery_totals_delete",
]

BACKFILL = """
INSERT INTO delivery_totals (contract_id, status, tenant_id, provider_id, deliveries, amount)
SELECT contract_id, status, min(tenant_id), min(provider_id), count(*), coalesce(sum(amount), 0)
FROM deliveries GROUP BY contract_id, status"""


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
