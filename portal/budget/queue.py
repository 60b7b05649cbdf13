"""The budget's part of the home page's work queue (portal/core/queue.py).

Node (coordinator and budget officer, ``APPROVE_MONEY``): deliveries to approve. Budget officer also:
invoices received and not yet verified, contract lines near exhaustion (ordered quantity leaving less
than ``LINE_RESIDUAL_SHARE`` of the line, on contracts still running).
Provider: new orders (open, issued in the last ``ORDER_DAYS`` days, nothing logged yet), deliveries sent
back by the node, sessions to log (open orders older than that with no delivery in the last ``ORDER_DAYS``).
One statement per queue; scoping and RLS keep each to the node's rows or the provider's shared ones.
"""
from datetime import timedelta
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Index, exists, func, select

from ..accounts.models import Role
from ..accounts.permissions import Capability, can, can_in_node
from ..cases.labels import SERVICE_TYPE_LABELS
from ..cases.models import ServiceType
from ..core import queue
from ..core.queue import Item
from ..i18n import format_number
from ..i18n import lazy_gettext as _l
from .models import Contract, ContractLine, Delivery, DeliveryStatus, Invoice, InvoiceStatus, OrderStatus, ServiceOrder

ORDER_DAYS = 14
LINE_RESIDUAL_SHARE = Decimal("0.10")

# Migration 0023: deliveries by status in date order (to approve, sent back); a provider's open orders by
# age; the ordered quantity per contract line read from the index alone.
Index("ix_deliveries_status_delivered", Delivery.status, Delivery.delivered_on, Delivery.id)
Index("ix_service_orders_provider_status_created", ServiceOrder.provider_id, ServiceOrder.status, ServiceOrder.created_at)
Index("ix_service_orders_line_status_quantity", ServiceOrder.contract_line_id, ServiceOrder.status, ServiceOrder.quantity)
Index("ix_deliveries_order_delivered", Delivery.order_id, Delivery.delivered_on)


def _money_staff(membership) -> bool:
    return can_in_node(Capability.APPROVE_MONEY, membership)


def _budget_officer(membership) -> bool:
    return membership.role == Role.BUDGET_OFFICER and membership.tenant.is_node


def _provider(membership) -> bool:
    return can(Capability.LOG_DELIVERY, membership) and membership.tenant.is_provider


def _order_url(order_id) -> str:
    return url_for("budget.order", order_id=order_id)


def _order_item(row) -> Item:
    """A provider's open order (``_open_orders``), dated by the day it was issued."""
    return Item(_("Ordine n. %(id)s – %(pseudonym)s", id=row.id, pseudonym=row.pseudonym), _order_url(row.id),
                queue.as_day(row.created_at))


def _deliveries(owner_column, membership, status):
    """The organisation's deliveries in ``status``, oldest first, with their order's pseudonym; whose they are
    says ``owner_column``: ``Delivery.tenant_id`` for the node, ``Delivery.provider_id`` for the provider."""
    return (
        select(Delivery.id, Delivery.order_id, Delivery.delivered_on, ServiceOrder.pseudonym)
        .join(ServiceOrder, ServiceOrder.id == Delivery.order_id)
        .where(owner_column == membership.tenant_id, Delivery.status == status)
        .order_by(Delivery.delivered_on, Delivery.id)
    )


def _delivery_title(row) -> str:
    return _("%(pseudonym)s – prestazione n. %(id)s", pseudonym=row.pseudonym, id=row.id)


@queue.source("budget.deliveries_to_approve", _l("Prestazioni da approvare"), applies=_money_staff, order=30)
def deliveries_to_approve(membership, limit, offset):
    statement = _deliveries(Delivery.tenant_id, membership, DeliveryStatus.SUBMITTED)
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _delivery_title(row), _order_url(row.order_id), row.delivered_on,
        note=queue.waiting_since(row.delivered_on),
    ))


@queue.source("budget.invoices_to_verify", _l("Fatture da verificare"), applies=_budget_officer, order=31,
              hint=_l("Fatture ricevute e non ancora verificate."))
def invoices_to_verify(membership, limit, offset):
    statement = (
        select(Invoice.id, Invoice.number, Invoice.issued_on, Invoice.contract_id, Contract.cig)
        .join(Contract, Contract.id == Invoice.contract_id)
        .where(Invoice.tenant_id == membership.tenant_id, Invoice.status == InvoiceStatus.RECEIVED)
        .order_by(Invoice.issued_on, Invoice.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _("Fattura %(number)s – CIG %(cig)s", number=row.number, cig=row.cig),
        url_for("budget.contract", contract_id=row.contract_id) + "#fatture", row.issued_on,
    ))


@queue.source("budget.lines_near_exhaustion", _l("Righe di contratto quasi esaurite"), applies=_budget_officer,
              order=32, hint=_l("Quantità residua sotto il %(share)s%% della riga.", share=int(LINE_RESIDUAL_SHARE * 100)))
def lines_near_exhaustion(membership, limit, offset):
    ordered = (
        select(ServiceOrder.contract_line_id.label("line_id"), func.sum(ServiceOrder.quantity).label("ordered"))
        .where(ServiceOrder.tenant_id == membership.tenant_id, ServiceOrder.status != OrderStatus.CANCELLED)
        .group_by(ServiceOrder.contract_line_id)
        .subquery()
    )
    residual = ContractLine.quantity - ordered.c.ordered
    statement = (
        select(ContractLine.id, ContractLine.contract_id, ContractLine.service_type, ContractLine.quantity,
               ordered.c.ordered, Contract.cig, Contract.end_date)
        .join(ordered, ordered.c.line_id == ContractLine.id)
        .join(Contract, Contract.id == ContractLine.contract_id)
        .where(ContractLine.tenant_id == membership.tenant_id, Contract.end_date >= queue.today(),
               residual < ContractLine.quantity * LINE_RESIDUAL_SHARE)
        .order_by(residual / ContractLine.quantity, ContractLine.id)
    )

    def item(row):
        left = Decimal(row.quantity) - Decimal(row.ordered)
        return Item(
            _("CIG %(cig)s – %(service)s", cig=row.cig, service=SERVICE_TYPE_LABELS[ServiceType(row.service_type)]),
            url_for("budget.contract", contract_id=row.contract_id), row.end_date,
            note=_("residuo %(left)s su %(total)s", left=format_number(left), total=format_number(row.quantity)),
            late=left <= 0,
        )

    return queue.page_of(statement, limit, offset, item)


def _open_orders(membership):
    return (
        select(ServiceOrder.id, ServiceOrder.pseudonym, ServiceOrder.created_at)
        .where(ServiceOrder.provider_id == membership.tenant_id, ServiceOrder.status == OrderStatus.OPEN)
    )


@queue.source("budget.new_orders", _l("Nuovi ordini di servizio"), applies=_provider, order=30,
              hint=_l("Ricevuti negli ultimi %(days)s giorni, senza prestazioni registrate.", days=ORDER_DAYS))
def new_orders(membership, limit, offset):
    any_delivery = exists().where(Delivery.order_id == ServiceOrder.id)
    statement = (
        _open_orders(membership).where(ServiceOrder.created_at >= queue.now() - timedelta(days=ORDER_DAYS), ~any_delivery)
        .order_by(ServiceOrder.created_at, ServiceOrder.id)
    )
    return queue.page_of(statement, limit, offset, _order_item)


@queue.source("budget.returned_deliveries", _l("Prestazioni rinviate dal nodo"), applies=_provider, order=31,
              hint=_l("Correggile e inviale di nuovo."))
def returned_deliveries(membership, limit, offset):
    statement = _deliveries(Delivery.provider_id, membership, DeliveryStatus.RETURNED)
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _delivery_title(row), url_for("budget.edit_delivery", delivery_id=row.id), row.delivered_on, late=True,
    ))


@queue.source("budget.sessions_to_log", _l("Prestazioni da registrare"), applies=_provider, order=32,
              hint=_l("Ordini aperti senza prestazioni registrate negli ultimi %(days)s giorni.", days=ORDER_DAYS))
def sessions_to_log(membership, limit, offset):
    since = queue.today() - timedelta(days=ORDER_DAYS)
    recent = exists().where(Delivery.order_id == ServiceOrder.id, Delivery.delivered_on >= since)
    statement = (
        _open_orders(membership).where(ServiceOrder.created_at < queue.now() - timedelta(days=ORDER_DAYS), ~recent)
        .order_by(ServiceOrder.created_at, ServiceOrder.id)
    )
    return queue.page_of(statement, limit, offset, _order_item)
