"""Contracts with their lines, service orders (an action assigned to a provider under a contract line)
and deliveries (logged by the provider, approved or sent back by the node).

Limits, each blocked or passed only with an audited override reason given by a money role:
- a contract whose value exceeds what its budget line has left uncommitted;
- orders of a contract line beyond the line's quantity;
- a delivery that would take the contract beyond its value. The provider is always refused (it cannot
  override); the node may approve beyond the value only with a reason.
"""
import re
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..audit.services import record
from ..cases.models import Action, ActionStatus
from ..cases.pathway import action_changed
from ..cases.services import node_providers
from ..core.locking import check_version
from ..core.rows import add_keyed, by_submission_key, lock
from ..extensions import db
from ..i18n import format_money, format_quantity
from ..models_base import utcnow
from ..tenancy.context import current
from . import delivered, figures
from .models import (
    BudgetLine,
    Contract,
    ContractLine,
    Delivery,
    DeliveryStatus,
    LineKind,
    OrderStatus,
    Procedure,
    ServiceOrder,
    Unit,
    cents,
    line_amount,
)
from .services import (
    BudgetError,
    Forbidden,
    check_not_future,
    ensure_money,
    ensure_override_allowed,
    is_provider,
    line_override,
    may_manage_money,
)

# Codice Identificativo Gara: 10 characters, digits and upper-case letters (ANAC).
CIG_RE = re.compile(r"^[0-9A-Z]{10}$")
LEGAL_BASIS = "D.Lgs. 36/2023"


def normalise_cig(value: str | None) -> str:
    return (value or "").strip().upper().replace(" ", "")


def valid_cig(value: str | None) -> bool:
    return bool(CIG_RE.match(normalise_cig(value)))


# --- checks of typed values (no database: the forms run them too, core.fields.ServiceRule) ----------------

def check_cig(value: str | None) -> str:
    """The CIG as stored (upper case, no spaces), or refused."""
    if not valid_cig(value):
        raise BudgetError(_("Il CIG è di 10 caratteri: cifre e lettere maiuscole."), "cig")
    return normalise_cig(value)


def check_contract_period(start: date, end: date) -> None:
    if end < start:
        raise BudgetError(_("La fine del contratto non può precedere l'inizio."), "end_date")


def check_contract_value(total) -> Decimal:
    total = cents(total)
    if total <= 0:
        raise BudgetError(_("Il valore del contratto deve essere maggiore di zero."), "total_value")
    return total


def check_lines(lines: list[dict], total) -> None:
    """A contract's rows as typed (``service_type`` None: a row to remove): at least one kept, each with a
    quantity above zero and a price not negative, together worth no more than the contract."""
    kept = [item for item in lines if item["service_type"] is not None]
    if not kept:
        raise BudgetError(_("Aggiungi almeno una riga di servizio."))
    if any(Decimal(item["quantity"]) <= 0 or Decimal(item["unit_price"]) < 0 for item in kept):
        raise BudgetError(_("Ogni riga ha una quantità maggiore di zero e un prezzo non negativo."))
    if sum((line_amount(item["quantity"], item["unit_price"]) for item in kept), Decimal("0")) > cents(total):
        raise BudgetError(_("Le righe valgono più del valore del contratto."), "total_value")


def check_order_quantity(quantity) -> None:
    if quantity is None or quantity <= 0:
        raise BudgetError(_("La quantità deve essere maggiore di zero."), "quantity")


def check_units(units) -> None:
    """The hours or units of a delivery."""
    if units is None or units <= 0:
        raise BudgetError(_("Le ore o unità devono essere maggiori di zero."), "units")


# --- reading -----------------------------------------------------------------------------------------

def may_view_contract(contract: Contract) -> bool:
    tid = current().tenant_id
    if contract.tenant_id == tid:
        return may_manage_money()
    return contract.provider_id == tid and is_provider()


def ensure_can_view(contract: Contract) -> None:
    if not may_view_contract(contract):
        raise Forbidden()


def contracts() -> list[Contract]:
    return list(db.session.scalars(select(Contract).order_by(Contract.start_date.desc(), Contract.id.desc())))


def service_lines() -> list[BudgetLine]:
    return list(db.session.scalars(
        select(BudgetLine).where(BudgetLine.kind == LineKind.SERVICES).order_by(BudgetLine.budget_id, BudgetLine.position)
    ))


def orders_of(contract: Contract, limit: int = 100) -> tuple[list[ServiceOrder], int]:
    """The latest orders of a contract (at most ``limit``) and how many there are."""
    total = db.session.scalar(select(func.count(ServiceOrder.id)).where(ServiceOrder.contract_id == contract.id)) or 0
    latest = db.session.scalars(
        select(ServiceOrder).where(ServiceOrder.contract_id == contract.id).order_by(ServiceOrder.id.desc()).limit(limit)
    )
    return list(latest), total


def deliveries_of(order: ServiceOrder) -> list[Delivery]:
    return list(db.session.scalars(select(Delivery).where(Delivery.order_id == order.id).order_by(Delivery.delivered_on, Delivery.id)))


def recent_deliveries(contract: Contract, limit: int = 50) -> list[tuple[Delivery, str]]:
    """The latest deliveries with their pseudonym, in one query (the statement shows the latest only)."""
    return [tuple(row) for row in db.session.execute(
        select(Delivery, ServiceOrder.pseudonym).join(ServiceOrder, ServiceOrder.id == Delivery.order_id)
        .where(Delivery.contract_id == contract.id)
        .order_by(Delivery.status != DeliveryStatus.SUBMITTED, Delivery.delivered_on.desc(), Delivery.id.desc()).limit(limit)
    )]


def ordered_by_line(contract: Contract) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(ServiceOrder.contract_line_id, func.sum(ServiceOrder.quantity))
        .where(ServiceOrder.contract_id == contract.id, ServiceOrder.status != OrderStatus.CANCELLED)
        .group_by(ServiceOrder.contract_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in rows}


def assignable_actions(contract: Contract) -> list[Action]:
    """The node's actions planned with this contract's provider and not yet ordered."""
    ordered = select(ServiceOrder.action_id)
    return list(db.session.scalars(
        select(Action).where(
            Action.tenant_id == contract.tenant_id, Action.provider_id == contract.provider_id,
            Action.status != ActionStatus.CANCELLED, Action.id.not_in(ordered),
        ).order_by(Action.planned_start, Action.id)
    ))


# --- contracts ---------------------------------------------------------------------------------------

def create_contract(data: dict, lines: list[dict], override_reason: str | None = None) -> Contract:
    """``data``: budget_line (BudgetLine), provider (id), title, procedure, cig, start_date, end_date,
    total_value, vat_rate. ``lines``: service_type, unit, unit_price, quantity."""
    ensure_money()
    line: BudgetLine = data["budget_line"]
    if line is None or line.kind != LineKind.SERVICES:
        raise BudgetError(_("Scegli una linea di budget per servizi in appalto."), "budget_line")
    provider_id = data.get("provider")
    if provider_id not in {p.id for p in node_providers()}:
        raise BudgetError(_("Scegli un soggetto attuatore della rete."), "provider")
    cig = check_cig(data.get("cig"))
    if db.session.scalar(select(Contract.id).where(Contract.cig == cig)):
        raise BudgetError(_("Esiste già un contratto con questo CIG."), "cig")
    check_contract_period(data["start_date"], data["end_date"])
    total = check_contract_value(data["total_value"])
    check_lines(lines, total)
    reason = line_override(line, total, override_reason, _("Il contratto supera il residuo della linea di budget."))
    contract = Contract(
        tenant_id=line.tenant_id, provider_id=provider_id, budget_line_id=line.id, title=(data.get("title") or "").strip(),
        procedure=Procedure(data["procedure"]), legal_basis=data.get("legal_basis") or LEGAL_BASIS, cig=cig,
        start_date=data["start_date"], end_date=data["end_date"], total_value=total,
        vat_rate=Decimal(data.get("vat_rate") or 0), override_reason=reason,
    )
    db.session.add(contract)
    db.session.flush()
    for item in lines:
        db.session.add(ContractLine(
            tenant_id=contract.tenant_id, provider_id=provider_id, contract_id=contract.id, service_type=item["service_type"],
            unit=Unit(item["unit"]), unit_price=cents(item["unit_price"]), quantity=Decimal(item["quantity"]),
        ))
    db.session.flush()
    record("contract.created", "contract", contract.id, ["budget_line_id", "cig", "procedure", "provider_id", "total_value", "lines"])
    if reason:
        record("contract.override", "contract", contract.id, ["override_reason"])
    return contract


# --- service orders ----------------------------------------------------------------------------------

def assign_order(contract: Contract, *, action_id, line_id, quantity: Decimal, override_reason=None) -> ServiceOrder:
    """The budget's "assign an action": the line and quantity chosen by hand, the rest as when planning
    (ordering.order_action, the one path that creates an order)."""
    from .ordering import order_action

    ensure_money()
    if contract.tenant_id != current().tenant_id:
        raise Forbidden()
    action = next((a for a in assignable_actions(contract) if str(a.id) == str(action_id)), None)
    if action is None:
        raise BudgetError(_("Scegli un'azione affidata a questo soggetto attuatore e non ancora ordinata."), "action")
    line = next((item for item in contract.lines if str(item.id) == str(line_id)), None)
    if line is None:
        raise BudgetError(_("Scegli una riga del contratto."), "line")
    check_order_quantity(quantity)
    order = order_action(action, line, quantity=quantity, override_reason=override_reason)
    action_changed(action)  # now planned, as after the case page's ordering
    return order



# --- deliveries --------------------------------------------------------------------------------------

def is_order_provider(order: ServiceOrder) -> bool:
    """The current user is of the provider the order is addressed to: who logs its deliveries."""
    return is_provider() and order.provider_id == current().tenant_id


def may_log(order: ServiceOrder) -> bool:
    return is_order_provider(order) and order.status == OrderStatus.OPEN


def check_delivery(order: ServiceOrder, *, delivered_on: date, units: Decimal, replacing: Delivery | None = None) -> Decimal:
    """The rules of a delivery the provider logs or corrects (``replacing``: the one corrected, whose own
    figures give way to the new ones); returns its amount. The order's row is locked first (FOR UPDATE on
    PostgreSQL, until the transaction ends): two deliveries logged at once on one order are counted one
    after the other, and cannot both take its last hours."""
    status = lock(ServiceOrder, order.id, ServiceOrder.status)
    if status != OrderStatus.OPEN:
        raise BudgetError(_("L'ordine di servizio non è aperto."))
    contract = order.contract
    check_units(units)
    check_not_future(delivered_on, "delivered_on")
    if not contract.start_date <= delivered_on <= contract.end_date:
        raise BudgetError(_("La data è fuori dal periodo del contratto."), "delivered_on")
    action = db.session.get(Action, order.action_id)
    if action is not None and delivered_on < action.planned_start:
        raise BudgetError(_("La prestazione non può precedere l'inizio dell'azione (%(day)s).",
                            day=f"{action.planned_start:%d/%m/%Y}"), "delivered_on")
    amount = line_amount(units, order.line.unit_price)
    pending = replacing.amount if replacing is not None and replacing.status == DeliveryStatus.SUBMITTED else Decimal("0")
    contract_figs = figures.contract_of(contract)
    if contract_figs.delivered + contract_figs.pending - pending + amount > contract.total_value:
        raise BudgetError(
            _("La prestazione (%(amount)s) supera il valore residuo del contratto.", amount=format_money(amount)), "units"
        )
    _check_ordered_quantity(order, units, replacing)
    return amount


def _logged(order: ServiceOrder, replacing: Delivery | None = None) -> Decimal:
    """The units of the order's deliveries not sent back (approved or awaiting review), the corrected one aside."""
    others = [Delivery.id != replacing.id] if replacing is not None else []
    return Decimal(db.session.scalar(select(func.coalesce(func.sum(Delivery.units), 0)).where(
        Delivery.order_id == order.id, Delivery.status != DeliveryStatus.RETURNED, *others)) or 0)


def units_left(order: ServiceOrder) -> Decimal:
    """What the provider may still log on the order (its page offers no form once nothing is left)."""
    return max(Decimal("0"), order.quantity - _logged(order))


def _check_ordered_quantity(order: ServiceOrder, units: Decimal, replacing: Delivery | None) -> None:
    """The order's deliveries not sent back, the corrected one aside, and the new units fit in the quantity
    ordered."""
    logged = _logged(order, replacing)
    if logged + units > order.quantity:
        raise BudgetError(_("Supera la quantità dell'ordine: ordinate %(ordered)s, ne restano %(left)s.",
                            ordered=format_quantity(order.quantity), left=format_quantity(max(Decimal("0"), order.quantity - logged))),
                          "units")


def delivery_by_key(order: ServiceOrder, submission_key: str | None) -> Delivery | None:
    """The delivery a form with this key already created on the order (a second post of the same form)."""
    return by_submission_key(Delivery, submission_key, order_id=order.id)


def log_delivery(order: ServiceOrder, *, delivered_on: date, units: Decimal, attended: bool, note: str | None,
                 submission_key: str | None = None) -> Delivery:
    """The provider logs what it delivered. Over the contract's value it is refused (no override here). A
    ``submission_key`` already used (the same form posted twice) is refused: one delivery per form."""
    if not is_order_provider(order):
        raise Forbidden()
    amount = check_delivery(order, delivered_on=delivered_on, units=units)
    delivery = Delivery(
        tenant_id=order.tenant_id, provider_id=order.provider_id, order_id=order.id, contract_id=order.contract_id,
        delivered_on=delivered_on, units=units, unit_price=order.line.unit_price, amount=amount, attended=bool(attended),
        note=(note or "").strip() or None, status=DeliveryStatus.SUBMITTED, logged_by_id=current_user.id,
        submission_key=submission_key or None,
    )
    add_keyed(delivery, BudgetError(_("Questa prestazione era già stata registrata.")))
    # Audited in the provider's chain (the node reads it through node_id, as for every network event).
    record("delivery.logged", "delivery", delivery.id, ["amount", "attended", "delivered_on", "note", "units"])
    return delivery


def over_contract(deliveries) -> set[int]:
    """The ids of those ``deliveries`` (submitted, of one contract) whose approval would take what the contract
    has delivered past its value: approving one needs an override's reason (the order page asks for it)."""
    if not deliveries:
        return set()
    contract = deliveries[0].order.contract
    room = contract.total_value - figures.contract_of(contract).delivered
    return {d.id for d in deliveries if d.amount > room}


def review_delivery(delivery: Delivery, *, approve: bool, note: str | None, expected_version, override_reason=None) -> None:
    """The node approves a delivery (it becomes what the contract has consumed) or sends it back."""
    ensure_money()
    if delivery.tenant_id != current().tenant_id:
        raise Forbidden()
    check_version(delivery, expected_version)
    if delivery.status != DeliveryStatus.SUBMITTED:
        raise BudgetError(_("La prestazione è già stata esaminata."))
    note = (note or "").strip() or None
    reason = None
    if approve:
        if delivery.order.status == OrderStatus.CANCELLED:
            # Its quantity was released from the contract line: paying it would spend what is no longer
            # committed. Sending it back stays allowed, the one way to clear it from the node's queue.
            raise BudgetError(_("L'ordine di servizio è annullato: la prestazione non si può approvare, "
                                "solo restituire al soggetto attuatore."))
        lock(Contract, delivery.contract_id)  # two approvals at once cannot both take the contract's last value
        if delivery.id in over_contract([delivery]):
            reason = ensure_override_allowed(override_reason, _("Approvandola si supera il valore del contratto."))
    elif not note:
        raise BudgetError(_("Spiega al soggetto attuatore perché la prestazione torna indietro."), "note")
    delivery.status = DeliveryStatus.APPROVED if approve else DeliveryStatus.RETURNED
    if not approve:
        delivery.times_returned = (delivery.times_returned or 0) + 1
    delivery.review_note = note
    delivery.reviewed_by_id = current_user.id
    delivery.reviewed_at = utcnow()
    delivery.override_reason = reason
    db.session.flush()
    delivered.refresh(delivery.order.action_id)  # the triggers recomputed the action's delivered figures
    record("delivery.approved" if approve else "delivery.returned", "delivery", delivery.id,
           ["review_note", "reviewed_at", "reviewed_by_id", "status"] + ([] if approve else ["times_returned"]))
    if reason:
        record("delivery.override", "delivery", delivery.id, ["override_reason"])
