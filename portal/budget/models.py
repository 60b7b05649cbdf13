"""Budget, contracts, service orders, deliveries, invoices, payments and internal costs.

Money is ``Numeric(12, 2)`` in the database and ``Decimal`` in Python. The budget figures (committed,
delivered, invoiced, paid, residual) are never stored: ``figures.py`` sums the rows that cause them.

Ownership: every row belongs to the node (``tenant_id``). Contracts, their lines, service orders and
deliveries are also shared with the contract's provider (``provider_id``, ProviderShared); a delivery is
written by the provider into the node's space (``__sharer_may_insert__``). Budgets, lines, invoices,
payments and internal costs are the node's alone.

Amounts and VAT (explicit rules):
- every amount of the budget is VAT included (IVA inclusa), as the Provincia commits gross amounts; the
  contract records its VAT rate only to show the taxable base;
- a delivery's amount is ``units × unit price`` rounded half-up to the cent, computed once when the
  delivery is logged and stored on the delivery row (the unit price of a line never changes after an
  order uses it), so that SQL sums and Python sums agree to the cent;
- a contract line's value is ``quantity × unit price`` rounded the same way.
"""
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..cases.models import ServiceType
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import FormKeyed, LabelledEnum, Timestamped, Versioned
from ..tenancy.mixins import ProviderShared, TenantOwned
from ..tenancy.models import enum_column

MONEY = Numeric(12, 2)
UNITS = Numeric(9, 2)
CENT = Decimal("0.01")


def cents(value) -> Decimal:
    """Round half-up to the cent (the one rounding rule of the portal)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(units, unit_price) -> Decimal:
    return cents(Decimal(units) * Decimal(unit_price))


class LineKind(LabelledEnum):
    SERVICES = "services", _l("Appalto di servizi")  # appalto di servizi
    DIRECT_MANAGEMENT = "direct_management", _l("Realizzazione diretta")  # realizzazione diretta: controllo, monitoraggio, riserva


LINE_KIND_LABELS = LineKind.labels()


class Procedure(LabelledEnum):
    OPEN = "open", _l("Procedura aperta")
    NEGOTIATED = "negotiated", _l("Procedura negoziata")
    DIRECT_AWARD = "direct_award", _l("Affidamento diretto")


PROCEDURE_LABELS = Procedure.labels()


class Unit(LabelledEnum):
    HOUR = "hour", _l("Ora")
    PARTICIPANT = "participant", _l("Partecipante")
    LUMP_SUM = "lump_sum", _l("A corpo")


UNIT_LABELS = Unit.labels()


class OrderStatus(LabelledEnum):
    OPEN = "open", _l("Aperto")
    CLOSED = "closed", _l("Chiuso")
    CANCELLED = "cancelled", _l("Annullato")


ORDER_STATUS_LABELS = OrderStatus.labels()


class DeliveryStatus(LabelledEnum):
    SUBMITTED = "submitted", _l("Da approvare")
    APPROVED = "approved", _l("Approvata")
    RETURNED = "returned", _l("Restituita")


DELIVERY_STATUS_LABELS = DeliveryStatus.labels()


class InvoiceStatus(LabelledEnum):
    RECEIVED = "received", _l("Ricevuta")
    VERIFIED = "verified", _l("Verificata")
    PAID = "paid", _l("Pagata")


INVOICE_STATUS_LABELS = InvoiceStatus.labels()


class Budget(TenantOwned, Versioned, Timestamped, db.Model):
    """A programme budget (Azione 2). ``declared_total`` is the figure of the source document; it may
    differ from the sum of the lines: the difference is shown, never corrected, and its settlement is
    recorded in words by the budget officer."""

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(300))
    declared_total: Mapped[Decimal] = mapped_column(MONEY)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    settlement_note: Mapped[str | None] = mapped_column(Text)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list["BudgetLine"]] = relationship(back_populates="budget", order_by="BudgetLine.position")


class BudgetLine(TenantOwned, Versioned, Timestamped, db.Model):
    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind, name="budget_line_kind"))
    allocated: Mapped[Decimal] = mapped_column(MONEY)

    budget: Mapped[Budget] = relationship(back_populates="lines")


class Contract(ProviderShared, Versioned, Timestamped, db.Model):
    """A public service contract with a provider, committed against a budget line."""

    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("tenant_id", "cig"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    procedure: Mapped[Procedure] = mapped_column(enum_column(Procedure, name="contract_procedure"))
    legal_basis: Mapped[str] = mapped_column(String(120))
    cig: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    total_value: Mapped[Decimal] = mapped_column(MONEY)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    override_reason: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list["ContractLine"]] = relationship(back_populates="contract", order_by="ContractLine.id")


class ContractLine(ProviderShared, Versioned, Timestamped, db.Model):
    __tablename__ = "contract_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    service_type: Mapped[ServiceType] = mapped_column(enum_column(ServiceType, name="service_type"))
    unit: Mapped[Unit] = mapped_column(enum_column(Unit, name="contract_unit"))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    quantity: Mapped[Decimal] = mapped_column(UNITS)

    contract: Mapped[Contract] = relationship(back_populates="lines")

    @property
    def value(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price)


class ServiceOrder(ProviderShared, Versioned, Timestamped, db.Model):
    """A case's action assigned to the provider under a contract line."""

    __tablename__ = "service_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    contract_line_id: Mapped[int] = mapped_column(ForeignKey("contract_lines.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(UNITS)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, name="order_status"), default=OrderStatus.OPEN)
    override_reason: Mapped[str | None] = mapped_column(Text)
    # Why the node closed or cancelled it, who and when (migration 0009).
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    contract: Mapped[Contract] = relationship()
    line: Mapped[ContractLine] = relationship()


class Delivery(ProviderShared, Versioned, Timestamped, db.Model):
    """What the provider delivered under an order; the node approves it or sends it back."""

    __tablename__ = "deliveries"
    __sharer_may_insert__ = True  # the provider logs it into the node's space
    # The budget sums read (contract, status, amount) only: an index-only scan on PostgreSQL.
    __table_args__ = (Index("ix_deliveries_contract_status", "contract_id", "status", "amount"),
                      Index("uq_deliveries_submission_key", "submission_key", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    # Denormalised from the order so the budget sums need no join through orders.
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    delivered_on: Mapped[date] = mapped_column(Date)
    units: Mapped[Decimal] = mapped_column(UNITS)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    attended: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, name="delivery_status"), default=DeliveryStatus.SUBMITTED, index=True
    )
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(String(500))
    override_reason: Mapped[str | None] = mapped_column(Text)
    # How many times the node sent it back (a fact of this row, for the provider scorecard; migration 0009).
    times_returned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The order page's form key (migration 0043): a second post of the same form creates nothing.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    order: Mapped[ServiceOrder] = relationship()


class Invoice(TenantOwned, Versioned, Timestamped, db.Model):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus, name="invoice_status"), default=InvoiceStatus.RECEIVED)


class Payment(TenantOwned, Timestamped, db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reference: Mapped[str | None] = mapped_column(String(80))


class InternalCost(TenantOwned, FormKeyed, Timestamped, db.Model):
    """Realizzazione diretta: a cost the Provincia bears itself (control, monitoring, reserve)."""

    __tablename__ = "internal_costs"
    __table_args__ = (Index("uq_internal_costs_submission_key", "submission_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    spent_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    override_reason: Mapped[str | None] = mapped_column(Text)


# --- controls on services: identity grants, closing orders, sample checks ---------------------------------
# ServiceOrder.status_reason/status_changed_* and Delivery.times_returned are added by migration 0009.


class IdentityGrant(ProviderShared, Versioned, Timestamped, db.Model):
    """The node lets a provider see a person's identity for one case (need to know), with a reason.

    Owned by the node, shared with the provider it names. Revoking keeps the row (``revoked_at``): the
    history of who could see what stays. ``people.services.can_see_identity`` reads the active grants.
    """

    __tablename__ = "identity_grants"
    __table_args__ = (Index("ix_identity_grants_person_provider", "person_id", "provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    pseudonym: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class VerificationOutcome(LabelledEnum):
    PENDING = "pending", _l("Da verificare")
    CONFIRMED = "confirmed", _l("Confermata")
    DISCREPANCY = "discrepancy", _l("Discrepanza")


OUTCOME_LABELS = VerificationOutcome.labels()


class SampleCheck(TenantOwned, Versioned, Timestamped, db.Model):
    """A random sample of a provider's approved deliveries, drawn by the coordinator to be verified.

    Reproducible: the population is every approved delivery of the provider (optionally within a period)
    reviewed before ``drawn_at`` and not drawn by an earlier check; sorted by id, it is sampled with
    ``random.Random(seed)``. ``population_digest`` (SHA-256 of the sorted ids) proves which population it was.
    The node's alone: the provider sees only the adjustments a discrepancy causes.
    """

    __tablename__ = "sample_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    requested_size: Mapped[int | None] = mapped_column(Integer)
    requested_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    seed: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    population_digest: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))

    items: Mapped[list["SampleCheckItem"]] = relationship(back_populates="check", order_by="SampleCheckItem.position")


class SampleCheckItem(TenantOwned, Versioned, Timestamped, db.Model):
    __tablename__ = "sample_check_items"
    __table_args__ = (UniqueConstraint("check_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("sample_checks.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[VerificationOutcome] = mapped_column(
        enum_column(VerificationOutcome, name="verification_outcome"), default=VerificationOutcome.PENDING
    )
    discrepancy_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    note: Mapped[str | None] = mapped_column(String(500))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    check: Mapped[SampleCheck] = relationship(back_populates="items")
    delivery: Mapped[Delivery] = relationship()


class DeliveryAdjustment(ProviderShared, Timestamped, db.Model):
    """A reduction of an approved delivery's accrued amount, caused by a sample check's discrepancy.

    The budget figures subtract these rows (SQL sums, like everything else); shared with the provider,
    who sees why its contract's delivered figure went down. One per sample item (updated if the
    outcome is corrected, deleted if it becomes "confirmed").
    """

    __tablename__ = "delivery_adjustments"
    __table_args__ = (Index("ix_delivery_adjustments_contract", "contract_id", "amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("sample_check_items.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(500))  # the discrepancy note as written (the check is item_id)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
