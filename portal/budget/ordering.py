"""Ordering an action: the one path from a case's pathway to the provider's service order.

Planning an action with a provider (cases/pathway.py) sends ``cases.signals.action_planned``; the
receiver here orders it in the same transaction on a contract line that covers the service type and the
action's period, or answers what is missing — the action then stays "to order". The budget's "assign an
action" page (contracts.assign_order) calls the same :func:`order_action`, with the line chosen by hand.

The order's quantity is the action's planned hours on a line priced by the hour, one unit otherwise
(a participant, a lump sum). Beyond what the line has left it needs the audited override reason of a
money role, as everywhere in the budget. The provider sees the order at once and is told by e-mail
(pseudonym and link only).
"""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.members import member_emails
from ..accounts.models import Role
from ..audit.services import record
from ..cases.labels import SERVICE_TYPE_LABELS
from ..cases.models import Action, ActionStatus
from ..cases.services import can_edit, is_read_only
from ..cases.signals import OrderResult, action_planned
from ..core import links
from ..core.rows import lock
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..tenancy import context
from ..tenancy.models import Tenant
from .models import Contract, ContractLine, OrderStatus, ServiceOrder, Unit
from .services import BudgetError, Forbidden, ensure_override_allowed, may_manage_money
from .signals import order_created


def _period_end(action: Action):
    return action.planned_end or action.planned_start


def covering_lines(action: Action) -> list[ContractLine]:
    """Lines of the provider's contracts with the action's service type whose period covers the action."""
    return list(db.session.scalars(
        select(ContractLine).join(Contract, Contract.id == ContractLine.contract_id).where(
            Contract.tenant_id == action.tenant_id, Contract.provider_id == action.provider_id,
            ContractLine.service_type == action.service_type,
            Contract.start_date <= action.planned_start, Contract.end_date >= _period_end(action),
        ).order_by(Contract.end_date, ContractLine.id)
    ))


def ordered_on(line: ContractLine) -> Decimal:
    """Quantity of a line already ordered (cancelled orders no longer count)."""
    return Decimal(db.session.scalar(
        select(func.coalesce(func.sum(ServiceOrder.quantity), 0))
        .where(ServiceOrder.contract_line_id == line.id, ServiceOrder.status != OrderStatus.CANCELLED)
    ) or 0)


def default_quantity(action: Action, line: ContractLine) -> Decimal:
    return Decimal(action.planned_hours or 0) if line.unit == Unit.HOUR else Decimal("1")


def order_action(action: Action, line: ContractLine, *, quantity: Decimal | None = None,
                 override_reason: str | None = None) -> ServiceOrder:
    """Create the service order of ``action`` on ``line`` (checked here, whoever calls)."""
    if not (may_manage_money() or can_edit(action.case)) or action.tenant_id != line.tenant_id:
        raise Forbidden()
    if is_read_only(action.case):  # the budget officer too: the case is (being) moved to another node
        raise BudgetError(_("Il caso è trasferito o in attesa di trasferimento: non si ordinano nuove azioni."), "action")
    if action.provider_id is None or action.provider_id != line.provider_id:
        raise BudgetError(_("La riga appartiene a un contratto di un altro soggetto attuatore."), "line")
    if action.status == ActionStatus.CANCELLED:
        raise BudgetError(_("L'azione è annullata."), "action")
    if db.session.scalar(select(ServiceOrder.id).where(ServiceOrder.action_id == action.id)):
        raise BudgetError(_("L'azione ha già un ordine di servizio."), "action")
    if line.service_type != action.service_type:
        raise BudgetError(_("Il tipo di servizio della riga non corrisponde a quello dell'azione."), "line")
    contract = line.contract
    if not (contract.start_date <= action.planned_start and _period_end(action) <= contract.end_date):
        raise BudgetError(_("Il periodo dell'azione è fuori da quello del contratto (%(start)s – %(end)s).",
                            start=f"{contract.start_date:%d/%m/%Y}", end=f"{contract.end_date:%d/%m/%Y}"), "line")
    quantity = default_quantity(action, line) if quantity is None else Decimal(quantity)
    if quantity <= 0:
        raise BudgetError(_("La quantità deve essere maggiore di zero: indica le ore previste."), "planned_hours"
                          if line.unit == Unit.HOUR else "quantity")
    reason = None
    lock(ContractLine, line.id)  # two actions ordered at once cannot both take the line's last room
    if ordered_on(line) + quantity > line.quantity:
        reason = ensure_override_allowed(override_reason, _(
            "La quantità (%(quantity)s) supera il residuo della riga del contratto %(cig)s (%(left)s).",
            quantity=_number(quantity), cig=contract.cig, left=_number(line.quantity - ordered_on(line))))
    order = ServiceOrder(
        tenant_id=action.tenant_id, provider_id=action.provider_id, contract_id=contract.id, contract_line_id=line.id,
        action_id=action.id, pseudonym=action.pseudonym, quantity=quantity, status=OrderStatus.OPEN, override_reason=reason,
    )
    db.session.add(order)
    if action.status == ActionStatus.TO_ORDER:
        action.status = ActionStatus.PLANNED
    db.session.flush()
    record("service_order.created", "service_order", order.id, ["action_id", "contract_line_id", "quantity"])
    if reason:
        record("service_order.override", "service_order", order.id, ["override_reason"])
    if action.status == ActionStatus.PLANNED:
        record("action.ordered", "action", action.id, ["status"])
    notify_provider(order)
    order_created.send(order)  # the API's webhooks subscribe, whichever door created the order
    return order


def missing_message(action: Action) -> str:
    provider = db.session.get(Tenant, action.provider_id)
    end = _period_end(action)
    period = f"{action.planned_start:%d/%m/%Y}" + (f" – {end:%d/%m/%Y}" if end != action.planned_start else "")
    return _("Nessuna riga di contratto copre il servizio \"%(service)s\" di %(provider)s nel periodo %(period)s: "
             "l'azione è salvata come da ordinare.", service=SERVICE_TYPE_LABELS[action.service_type],
             provider=provider.name if provider else "?", period=period)


def on_action_planned(action: Action, override_reason: str | None = None, **_kw) -> OrderResult:
    """Receiver of ``action_planned``: order on the first covering line with room, else the first one
    (which then needs the override), else say what is missing."""
    lines = covering_lines(action)
    if not lines:
        return OrderResult(False, missing_message(action), "provider")
    roomy = [line for line in lines if ordered_on(line) + default_quantity(action, line) <= line.quantity]
    try:
        order = order_action(action, (roomy or lines)[0], override_reason=override_reason)
    except BudgetError as exc:
        return OrderResult(False, str(exc) + " " + _("L'azione è salvata come da ordinare."), exc.field_name)
    except Forbidden:  # past the line's room it is a BudgetError saying who may override; this is the case's rights
        return OrderResult(False, _("Non puoi ordinare questa azione: è salvata come da ordinare."))
    return OrderResult(True, order_id=order.id)


action_planned.connect(on_action_planned, weak=False)


# --- telling the provider ----------------------------------------------------------------------------

def provider_recipients(provider_id: int) -> list[str]:
    """The provider's active users (looked up acting as the provider: memberships are its own rows)."""
    with context.acting_as(provider_id):
        rows = member_emails(provider_id, Role.PROVIDER_USER)
    tenant = db.session.get(Tenant, provider_id)
    return sorted(set(rows) | ({tenant.email} if tenant is not None and tenant.email else set()))


def notify_provider(order: ServiceOrder) -> None:
    """Pseudonym, service and a link: never who the person is nor why they are followed."""
    recipients = provider_recipients(order.provider_id)
    if not recipients:
        return
    path = links.path_for("budget.order", order_id=order.id)
    link = links.absolute(path)
    service = SERVICE_TYPE_LABELS[order.line.service_type]
    send_mail(
        recipients, _l("Rete – nuovo ordine di servizio per %(code)s", code=order.pseudonym),
        _l("Il nodo vi ha affidato un servizio (%(service)s) per la persona %(code)s.\n"
           "L'ordine e le prestazioni da registrare sono su Rete: %(link)s\n", service=service, code=order.pseudonym,
           link=link),
        kind="order.created", params={"code": order.pseudonym}, link=path, notify_tenant=order.provider_id,
    )


def _number(value) -> str:
    from ..i18n import format_number

    return format_number(value)
