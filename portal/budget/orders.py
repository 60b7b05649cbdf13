"""Service orders after they are issued: the list (filters, pages), closing or cancelling an order, and the
provider correcting a delivery the node sent back (or one still waiting) and submitting it again.

- Closing ends an open order (the service is over): no new deliveries; those already logged can still be
  reviewed. Cancelling is for an order issued by mistake: only while it has no delivery awaiting review
  or approved; its quantity no longer counts against the contract line. Both need a reason.
- An approved delivery is what the contract consumed: it is never edited. A returned one is corrected by
  the provider and goes back to "to approve"; the node's last note stays visible.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..audit.services import record
from ..cases.signals import action_cancelled
from ..core.locking import check_version
from ..core.rows import lock, one_page
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .contracts import check_delivery
from .models import Contract, ContractLine, Delivery, DeliveryStatus, OrderStatus, ServiceOrder
from .services import BudgetError, Forbidden, ensure_money, is_provider

PAGE_SIZE = 25


@dataclass
class OrderFilters:
    contract_id: int | None = None
    provider_id: int | None = None
    status: str = ""
    page: int = 1


@dataclass
class OrderRow:
    order: ServiceOrder
    cig: str
    provider: str
    service_type: object
    pending: int
    approved: Decimal


def order_list(filters: OrderFilters) -> tuple[list[OrderRow], bool]:
    """One page of orders (newest first) with contract, provider and service in one query, and the
    delivery figures of that page in a second one: two queries whatever the page size."""
    statement = (
        select(ServiceOrder, Contract.cig, Tenant.name, ContractLine.service_type)
        .join(Contract, Contract.id == ServiceOrder.contract_id)
        .join(ContractLine, ContractLine.id == ServiceOrder.contract_line_id)
        .join(Tenant, Tenant.id == ServiceOrder.provider_id)
    )
    if is_provider():
        statement = statement.where(ServiceOrder.provider_id == current().tenant_id)
    else:
        statement = statement.where(ServiceOrder.tenant_id == current().tenant_id)
    if filters.contract_id:
        statement = statement.where(ServiceOrder.contract_id == filters.contract_id)
    if filters.provider_id:
        statement = statement.where(ServiceOrder.provider_id == filters.provider_id)
    if filters.status in {s.value for s in OrderStatus}:
        statement = statement.where(ServiceOrder.status == OrderStatus(filters.status))
    page = max(1, filters.page)
    rows, has_next = one_page(db.session.execute, statement.order_by(ServiceOrder.id.desc()), page, PAGE_SIZE)
    ids = [row[0].id for row in rows]
    pending, approved = {}, {}
    if ids:
        for order_id, status, count, amount in db.session.execute(
            select(Delivery.order_id, Delivery.status, func.count(Delivery.id), func.sum(Delivery.amount))
            .where(Delivery.order_id.in_(ids)).group_by(Delivery.order_id, Delivery.status)
        ):
            if status == DeliveryStatus.SUBMITTED:
                pending[order_id] = count
            elif status == DeliveryStatus.APPROVED:
                approved[order_id] = Decimal(amount)
    return [
        OrderRow(order, cig, name, service_type, pending.get(order.id, 0), approved.get(order.id, Decimal("0.00")))
        for order, cig, name, service_type in rows
    ], has_next


def contract_choices() -> list[tuple[int, str]]:
    return [(id_, cig) for id_, cig in db.session.execute(select(Contract.id, Contract.cig).order_by(Contract.cig))]


# --- closing and cancelling --------------------------------------------------------------------------

def may_change_status(order: ServiceOrder) -> bool:
    from .services import may_manage_money

    return may_manage_money() and order.tenant_id == current().tenant_id and order.status == OrderStatus.OPEN


def change_status(order: ServiceOrder, *, step: str, reason: str | None, expected_version) -> None:
    ensure_money()
    if order.tenant_id != current().tenant_id:
        raise Forbidden()
    check_version(order, expected_version)
    if step not in ("close", "cancel"):
        raise BudgetError(_("Scegli se chiudere o annullare l'ordine."))
    if order.status != OrderStatus.OPEN:
        raise BudgetError(_("L'ordine di servizio non è aperto."))
    reason = (reason or "").strip()
    if not reason:
        raise BudgetError(_("Indica il motivo."), "reason")
    if step == "cancel" and _has_deliveries(order):
        raise BudgetError(_("L'ordine ha prestazioni approvate o da approvare: non si annulla, si chiude."))
    _end(order, step, reason)


def _has_deliveries(order: ServiceOrder) -> bool:
    """Deliveries approved or awaiting review: what the order may still have to pay. The order is locked
    first, as ``check_delivery`` locks it before logging one: a delivery logged at the same instant is
    counted here, or finds the order no longer open; never a cancelled order with a delivery to pay."""
    lock(ServiceOrder, order.id)
    return bool(db.session.scalar(select(func.count(Delivery.id)).where(
        Delivery.order_id == order.id, Delivery.status.in_([DeliveryStatus.SUBMITTED, DeliveryStatus.APPROVED])
    )))


def _end(order: ServiceOrder, step: str, reason: str | None) -> None:
    order.status = OrderStatus.CLOSED if step == "close" else OrderStatus.CANCELLED
    order.status_reason = reason
    order.status_changed_at = utcnow()
    order.status_changed_by_id = current_user.id
    db.session.flush()
    record(f"service_order.{'closed' if step == 'close' else 'cancelled'}", "service_order", order.id,
           ["status", "status_changed_at", "status_changed_by_id"] + (["status_reason"] if reason else []))


def on_action_cancelled(action, **_kw) -> None:
    """Receiver of ``cases.signals.action_cancelled``: the open order of an action cancelled in the pathway
    ends with it, so the provider delivers nothing more on it. Closed when it has deliveries approved or
    awaiting review (those are still reviewed and paid: they were delivered), cancelled otherwise (its
    quantity no longer counts on the contract line). The case service checked who may cancel."""
    order = db.session.scalar(select(ServiceOrder).where(ServiceOrder.action_id == action.id,
                                                         ServiceOrder.status == OrderStatus.OPEN))
    if order is not None:
        _end(order, "close" if _has_deliveries(order) else "cancel", None)


action_cancelled.connect(on_action_cancelled, weak=False)


# --- the provider corrects a delivery ----------------------------------------------------------------

EDITABLE = (DeliveryStatus.SUBMITTED, DeliveryStatus.RETURNED)


def may_edit_delivery(delivery: Delivery) -> bool:
    return (
        is_provider() and delivery.provider_id == current().tenant_id and delivery.status in EDITABLE
        and delivery.order.status == OrderStatus.OPEN
    )


def edit_delivery(delivery: Delivery, *, delivered_on: date, units: Decimal, attended: bool, note: str | None,
                  expected_version) -> bool:
    """Correct a delivery not yet approved; a returned one is submitted again. Returns True if resubmitted."""
    if not is_provider() or delivery.provider_id != current().tenant_id:
        raise Forbidden()
    check_version(delivery, expected_version)
    if delivery.status not in EDITABLE:
        raise BudgetError(_("Una prestazione approvata non si modifica."))
    amount = check_delivery(delivery.order, delivered_on=delivered_on, units=units, replacing=delivery)
    resubmitted = delivery.status == DeliveryStatus.RETURNED
    changed = [name for name, value in (("delivered_on", delivered_on), ("units", units), ("attended", bool(attended)),
                                        ("note", (note or "").strip() or None)) if getattr(delivery, name) != value]
    delivery.delivered_on, delivery.units, delivery.attended = delivered_on, units, bool(attended)
    delivery.note = (note or "").strip() or None
    delivery.amount = amount
    delivery.status = DeliveryStatus.SUBMITTED
    delivery.updated_at = utcnow()  # the version moves on even when nothing but the status changed
    db.session.flush()
    fields = sorted(set(changed) | {"amount"} | ({"status"} if resubmitted else set()))
    record("delivery.resubmitted" if resubmitted else "delivery.updated", "delivery", delivery.id, fields)
    return resubmitted
