"""Editing a contract (with its lines) and a budget line, under optimistic locking.

A change that would make the figures inconsistent is refused with a clear error, never "fixed":
- a contract's value below what its deliveries already consumed (approved, net of adjustments) or below
  what was already invoiced; lines worth more than the contract; a period that leaves out deliveries
  already logged; a CIG another contract has;
- a line's quantity below what orders already use; the price, service or unit of a line that orders
  already use (deliveries are priced from it); removing such a line;
- a budget line's allocation below what is committed on it.
A contract value that takes its budget line beyond the allocation passes only with an override reason,
as when it is created.
"""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..core.changes import apply_changes
from ..core.locking import check_version
from ..core.rows import lock
from ..extensions import db
from ..models_base import utcnow
from . import figures
from .contracts import check_cig, check_contract_period, check_contract_value, check_lines, ordered_by_line
from .models import BudgetLine, Contract, ContractLine, Delivery, DeliveryStatus, Procedure, ServiceOrder, Unit, cents
from .services import BudgetError, ensure_money, line_override

CONTRACT_FIELDS = ("title", "procedure", "legal_basis", "cig", "start_date", "end_date", "total_value", "vat_rate")


def used_lines(contract: Contract) -> set[int]:
    """Lines some order (even a cancelled one) refers to: their price, service and unit are fixed."""
    return set(db.session.scalars(
        select(ServiceOrder.contract_line_id).where(ServiceOrder.contract_id == contract.id).distinct()
    ))


def _delivery_span(contract: Contract):
    return db.session.execute(
        select(func.min(Delivery.delivered_on), func.max(Delivery.delivered_on))
        .where(Delivery.contract_id == contract.id, Delivery.status != DeliveryStatus.RETURNED)
    ).one()


def _check_lines(contract: Contract, lines: list[dict], total: Decimal) -> list[tuple[ContractLine | None, dict]]:
    check_lines(lines, total)
    existing = {str(line.id): line for line in contract.lines}
    used = used_lines(contract)
    ordered = ordered_by_line(contract)
    plan = []
    for item in lines:
        line = existing.get(str(item["id"])) if item["id"] else None
        if item["id"] and line is None:
            raise BudgetError(_("Una riga non appartiene a questo contratto."))
        if line is not None and line.id in used:
            if item["service_type"] is None:
                raise BudgetError(_("Una riga già usata da ordini di servizio non si può togliere."))
            if (cents(item["unit_price"]) != line.unit_price or str(item["service_type"]) != line.service_type.value
                    or str(item["unit"]) != line.unit.value):
                raise BudgetError(_("Prezzo, servizio e unità di una riga già usata da ordini di servizio non si possono cambiare."))
            if Decimal(item["quantity"]) < ordered.get(line.id, Decimal("0")):
                raise BudgetError(_("La quantità di una riga non può scendere sotto quella già ordinata (%(n)s).",
                                    n=ordered.get(line.id, Decimal("0"))))
        plan.append((line, item))
    return plan


def update_contract(contract: Contract, data: dict, lines: list[dict], *, expected_version, override_reason=None) -> list[str]:
    """Returns the names of the fields that changed (audited as such)."""
    ensure_money()
    # Locked before the figures are read, as approvals and invoices lock it before adding to them: a value
    # lowered while one is registered is weighed against it, not against the figures from before it.
    lock(Contract, contract.id)
    check_version(contract, expected_version)
    cig = check_cig(data.get("cig"))
    if cig != contract.cig and db.session.scalar(select(Contract.id).where(Contract.cig == cig, Contract.id != contract.id)):
        raise BudgetError(_("Esiste già un contratto con questo CIG."), "cig")
    start, end = data["start_date"], data["end_date"]
    check_contract_period(start, end)
    first, last = _delivery_span(contract)
    if first is not None and (start > first or end < last):
        raise BudgetError(_("Il periodo lascerebbe fuori prestazioni già registrate (dal %(first)s al %(last)s).",
                            first=first.strftime("%d/%m/%Y"), last=last.strftime("%d/%m/%Y")), "start_date")
    total = check_contract_value(data["total_value"])
    contract_figs = figures.contract_of(contract)
    if total < contract_figs.delivered:
        raise BudgetError(_("Il valore non può scendere sotto le prestazioni già approvate (%(amount)s).",
                            amount=_money(contract_figs.delivered)), "total_value")
    if total < contract_figs.invoiced:
        raise BudgetError(_("Il valore non può scendere sotto quanto già fatturato (%(amount)s).",
                            amount=_money(contract_figs.invoiced)), "total_value")
    plan = _check_lines(contract, lines, total)
    reason = contract.override_reason
    if total > contract.total_value:
        line = db.session.get(BudgetLine, contract.budget_line_id)
        reason = line_override(line, total - contract.total_value, override_reason,
                               _("Il contratto supera il residuo della linea di budget.")) or reason
    new = {
        "title": (data.get("title") or "").strip(), "procedure": Procedure(data["procedure"]),
        "legal_basis": (data.get("legal_basis") or "").strip(), "cig": cig, "start_date": start, "end_date": end,
        "total_value": total, "vat_rate": Decimal(data.get("vat_rate") or 0),
    }
    changed = apply_changes(contract, new, CONTRACT_FIELDS)
    line_changes = _apply_lines(contract, plan)
    if reason != contract.override_reason:
        contract.override_reason = reason
        changed.append("override_reason")
    if line_changes:
        changed.append("lines")
    if changed:
        contract.updated_at = utcnow()  # line changes move the contract's version on too
        db.session.flush()
        record("contract.updated", "contract", contract.id, sorted(changed))
        if "override_reason" in changed:
            record("contract.override", "contract", contract.id, ["override_reason"])
    return sorted(changed)


def _apply_lines(contract: Contract, plan) -> bool:
    changed = False
    for line, item in plan:
        if line is None:
            if item["service_type"] is None:
                continue
            db.session.add(ContractLine(
                tenant_id=contract.tenant_id, provider_id=contract.provider_id, contract_id=contract.id,
                service_type=item["service_type"], unit=Unit(item["unit"]), unit_price=cents(item["unit_price"]),
                quantity=Decimal(item["quantity"]),
            ))
            changed = True
        elif item["service_type"] is None:
            db.session.delete(line)
            changed = True
        else:
            values = {"service_type": item["service_type"], "unit": Unit(item["unit"]), "unit_price": cents(item["unit_price"]),
                      "quantity": Decimal(item["quantity"])}
            changed = bool(apply_changes(line, values)) or changed
    if changed:
        db.session.flush()
        db.session.expire(contract, ["lines"])
    return changed


def check_allocation(allocated) -> None:
    """A budget line's allocation as typed (the forms run it too, core.fields.ServiceRule)."""
    if allocated is None or cents(allocated) < 0:
        raise BudgetError(_("Lo stanziamento non può essere negativo."), "allocated")


def update_budget_line(line: BudgetLine, *, title: str, allocated: Decimal, expected_version) -> list[str]:
    ensure_money()
    # As a contract signed on the line locks it before taking its room: a lowered allocation is weighed
    # against a contract committed at the same instant, not against the figures from before it.
    lock(BudgetLine, line.id)
    check_version(line, expected_version)
    title = (title or "").strip()
    if not title:
        raise BudgetError(_("Indica il titolo della linea."), "title")
    check_allocation(allocated)
    allocated = cents(allocated)
    committed = figures.line_of(line).committed
    if allocated < committed:
        raise BudgetError(_("Lo stanziamento non può scendere sotto quanto già impegnato sulla linea (%(amount)s).",
                            amount=_money(committed)), "allocated")
    changed = [name for name, value in (("title", title), ("allocated", allocated)) if getattr(line, name) != value]
    line.title, line.allocated = title, allocated
    if changed:
        db.session.flush()
        record("budget_line.updated", "budget_line", line.id, changed)
    return changed


def _money(value) -> str:
    from ..i18n import format_money

    return format_money(value)
