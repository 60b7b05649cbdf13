"""The budget figures, from the rows that cause them (SQL aggregates; one summary the database keeps).

- committed: contracts (their total value) committed against a line, plus internal costs;
- delivered (accrued): approved deliveries (units × unit price, stored per delivery), minus the
  adjustments sample checks recorded on them (``DeliveryAdjustment``), plus internal costs;
- invoiced: invoices received from the providers, plus internal costs;
- paid: payments, plus internal costs (the Provincia pays its own costs when it records them);
- residual: allocated − committed for a line; contract value − delivered for a contract.

Each function runs a fixed number of grouped queries, whatever the number of contracts or deliveries;
the deliveries' sums per contract and status are read from ``delivery_totals``, which the database keeps
in the same transaction as each delivery (see totals.py for why that summary cannot drift), and rolled
up by line over the few contracts.
Scoping applies as everywhere: the current tenant's rows only.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..i18n import local_today
from .models import (
    Budget,
    BudgetLine,
    Contract,
    DeliveryAdjustment,
    DeliveryStatus,
    InternalCost,
    Invoice,
    Payment,
    cents,
)
from .totals import DeliveryTotal

ZERO = Decimal("0.00")


@dataclass
class Figures:
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    delivered: Decimal = ZERO
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    pending: Decimal = ZERO  # logged by the provider, not yet approved
    adjusted: Decimal = ZERO  # discrepancies found by sample checks, already subtracted from delivered

    @property
    def residual(self) -> Decimal:
        return self.allocated - self.committed

    def add(self, other: "Figures") -> None:
        for name in ("allocated", "committed", "delivered", "invoiced", "paid", "pending", "adjusted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ContractFigures(Figures):
    @property
    def residual(self) -> Decimal:  # what the contract can still deliver
        return self.committed - self.delivered


@dataclass
class Overview:
    budget: Budget
    lines: list = field(default_factory=list)  # (BudgetLine, Figures)
    total: Figures = field(default_factory=Figures)
    burn_rate: Decimal = ZERO  # delivered per month since the start of the programme
    forecast: Decimal = ZERO  # delivered at the end date at the current burn rate
    months_elapsed: int = 0
    months_total: int = 0

    @property
    def lines_total(self) -> Decimal:
        return sum((line.allocated for line, _ in self.lines), ZERO)

    @property
    def difference(self) -> Decimal:
        """Declared total minus the sum of the lines: shown as a warning, never corrected."""
        return self.budget.declared_total - self.lines_total


def _d(value) -> Decimal:
    return cents(value) if value is not None else ZERO


def _grouped(statement) -> dict:
    return {key: _d(value) for key, value in db.session.execute(statement)}


def line_figures(budget_id: int, contract_figs: dict | None = None) -> dict[int, Figures]:
    """Figures per line of a budget: the contracts' figures (SQL sums per contract, see below; pass them
    in when already computed for the page) rolled up by line, plus the line's internal costs."""
    lines = list(db.session.execute(select(BudgetLine.id, BudgetLine.allocated).where(BudgetLine.budget_id == budget_id)))
    ids = [line_id for line_id, _ in lines]
    contracts = list(db.session.execute(select(Contract.id, Contract.budget_line_id).where(Contract.budget_line_id.in_(ids))))
    missing = [cid for cid, _ in contracts if contract_figs is None or cid not in contract_figs]
    per_contract = dict(contract_figs or {})
    if missing:
        per_contract.update(contract_figures(missing))
    internal = _grouped(
        select(InternalCost.budget_line_id, func.sum(InternalCost.amount)).where(InternalCost.budget_line_id.in_(ids))
        .group_by(InternalCost.budget_line_id)
    )
    out = {}
    for line_id, allocated in lines:
        own = internal.get(line_id, ZERO)
        figs = Figures(allocated=_d(allocated), committed=own, delivered=own, invoiced=own, paid=own)
        for cid, contract_line in contracts:
            if contract_line == line_id:
                c = per_contract[cid]
                figs.committed += c.committed
                figs.delivered += c.delivered
                figs.invoiced += c.invoiced
                figs.paid += c.paid
                figs.pending += c.pending
                figs.adjusted += c.adjusted
        out[line_id] = figs
    return out


def line_of(line: BudgetLine) -> Figures:
    return line_figures(line.budget_id)[line.id]


def contract_figures(contract_ids=None) -> dict[int, ContractFigures]:
    """Figures per contract (all visible contracts, or the given ones): five grouped queries."""
    condition = (lambda column: column.in_(contract_ids)) if contract_ids is not None else (lambda column: column.is_not(None))
    values = list(db.session.execute(select(Contract.id, Contract.total_value).where(condition(Contract.id))))
    # Kept per contract and status by database triggers (totals.py): no scan of half a million deliveries.
    by_status = {
        (contract_id, DeliveryStatus(status)): _d(amount)
        for contract_id, status, amount in db.session.execute(
            select(DeliveryTotal.contract_id, DeliveryTotal.status, DeliveryTotal.amount)
            .where(condition(DeliveryTotal.contract_id), DeliveryTotal.status != DeliveryStatus.RETURNED.value)
        )
    }
    invoiced = _grouped(select(Invoice.contract_id, func.sum(Invoice.amount)).where(condition(Invoice.contract_id)).group_by(Invoice.contract_id))
    paid = _grouped(select(Payment.contract_id, func.sum(Payment.amount)).where(condition(Payment.contract_id)).group_by(Payment.contract_id))
    adjusted = _grouped(
        select(DeliveryAdjustment.contract_id, func.sum(DeliveryAdjustment.amount))
        .where(condition(DeliveryAdjustment.contract_id)).group_by(DeliveryAdjustment.contract_id)
    )
    return {
        contract_id: ContractFigures(
            allocated=_d(value), committed=_d(value),
            delivered=by_status.get((contract_id, DeliveryStatus.APPROVED), ZERO) - adjusted.get(contract_id, ZERO),
            adjusted=adjusted.get(contract_id, ZERO),
            pending=by_status.get((contract_id, DeliveryStatus.SUBMITTED), ZERO),
            invoiced=invoiced.get(contract_id, ZERO), paid=paid.get(contract_id, ZERO),
        )
        for contract_id, value in values
    }


def contract_of(contract: Contract) -> ContractFigures:
    return contract_figures([contract.id])[contract.id]


def months_between(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month + (1 if end.day >= start.day else 0))


def overview(budget: Budget, today: date | None = None, contract_figs: dict | None = None) -> Overview:
    today = today or local_today()
    figures = line_figures(budget.id, contract_figs)
    result = Overview(budget=budget)
    for line in budget.lines:
        line_figs = figures[line.id]
        result.lines.append((line, line_figs))
        result.total.add(line_figs)
    result.months_total = max(1, months_between(budget.start_date, budget.end_date))
    result.months_elapsed = min(result.months_total, max(1, months_between(budget.start_date, min(today, budget.end_date))))
    result.burn_rate = cents(result.total.delivered / result.months_elapsed)
    result.forecast = cents(result.total.delivered + result.burn_rate * (result.months_total - result.months_elapsed))
    return result
