"""Budget rules: who may see and change money, the reconciliation note, internal costs, invoices and
payments. Contracts, service orders and deliveries live in ``contracts.py``.

Plain functions, as in the other domains: they check permission and version first, flush, audit with
``record()`` and never commit. ``Forbidden`` -> 403, ``BudgetError`` -> a form error, ``ConflictError``
-> the global 409 page. Only the coordinator and the budget officer (``APPROVE_MONEY``) change money.
"""
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.permissions import Capability, can, can_in_node, current_membership
from ..audit.services import record
from ..core.checks import check_plausible_day
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..core.rows import add_form_row, add_keyed, by_submission_key, lock
from ..extensions import db
from ..i18n import format_money, local_today
from ..models_base import utcnow
from ..tenancy.context import current
from . import figures
from .models import Budget, BudgetLine, Contract, InternalCost, Invoice, InvoiceStatus, LineKind, Payment, cents


class BudgetError(ServiceError):
    """A refused change, with a message fit for the user (views show it on the form)."""


# --- who may do what ---------------------------------------------------------------------------------

def is_node_member(membership=None) -> bool:
    membership = membership or current_membership()
    return membership is not None and membership.tenant.is_node


def may_manage_money(membership=None) -> bool:
    """Coordinator and budget officer of the node: see the budget, change money."""
    return can_in_node(Capability.APPROVE_MONEY, membership)


def is_provider(membership=None) -> bool:
    membership = membership or current_membership()
    return membership is not None and membership.tenant.is_provider and can(Capability.LOG_DELIVERY, membership)


def ensure_money() -> None:
    if not may_manage_money():
        raise Forbidden()


def ensure_override_allowed(reason: str | None, message: str) -> str:
    """An amount over a limit passes only with a reason, given by someone who may change money; anyone else is
    told who may (not asked for a reason they cannot give)."""
    if not may_manage_money():
        raise BudgetError(message + " " + _("Solo chi gestisce il budget può autorizzare una deroga."), "override_reason")
    reason = (reason or "").strip()
    if not reason:
        raise BudgetError(message + " " + _("Per procedere comunque indica il motivo della deroga."), "override_reason")
    return reason


def line_override(line: BudgetLine, more, override_reason: str | None, message: str) -> str | None:
    """Committing ``more`` on ``line`` past what it was allocated needs the override's reason (see
    :func:`ensure_override_allowed`); None when it fits."""
    lock(BudgetLine, line.id)  # two contracts (costs) at once cannot both take the line's last room
    line_figs = figures.line_of(line)
    if line_figs.committed + more > line_figs.allocated:
        return ensure_override_allowed(override_reason, message)
    return None


# --- checks of typed values (no database: the forms run them too, core.fields.ServiceRule) ----------------

def check_positive_amount(amount, field: str | None = "amount") -> None:
    if amount is None or cents(amount) <= 0:
        raise BudgetError(_("L'importo deve essere maggiore di zero."), field)


def check_not_future(day: date | None, field: str | None = None) -> None:
    """A day of something done (spent, invoiced, delivered): the budget counts it as happened."""
    if day is None or day > local_today():
        raise BudgetError(_("La data non può essere nel futuro."), field)
    check_plausible_day(day, field)  # nor 1900: a slip of the keyboard


# --- budget ------------------------------------------------------------------------------------------

def budgets() -> list[Budget]:
    return list(db.session.scalars(select(Budget).order_by(Budget.start_date, Budget.id)))


def settle_reconciliation(budget: Budget, note: str | None, expected_version) -> None:
    """Record in words how the difference between declared total and lines was settled (never a fix)."""
    ensure_money()
    check_version(budget, expected_version)
    note = (note or "").strip()
    if not note:
        raise BudgetError(_("Descrivi come è stata risolta la differenza."), "note")
    budget.settlement_note = note
    budget.settled_by_id = current_user.id
    budget.settled_at = utcnow()
    db.session.flush()
    record("budget.reconciliation_settled", "budget", budget.id, ["settled_at", "settled_by_id", "settlement_note"])


# --- internal costs (realizzazione diretta) -------------------------------------------------------------

def direct_lines() -> list[BudgetLine]:
    return list(db.session.scalars(
        select(BudgetLine).where(BudgetLine.kind == LineKind.DIRECT_MANAGEMENT).order_by(BudgetLine.budget_id, BudgetLine.position)
    ))


def internal_cost_by_key(submission_key: str | None) -> InternalCost | None:
    """The cost a form with this key already registered (the same form posted again)."""
    return by_submission_key(InternalCost, submission_key)


def add_internal_cost(line: BudgetLine, *, spent_on: date, description: str, amount: Decimal, override_reason=None,
                      submission_key: str | None = None) -> InternalCost:
    """A cost on a direct-management line; a ``submission_key`` already used (the same form posted twice at
    once) is refused: one cost per form, never counted twice."""
    ensure_money()
    if line.kind != LineKind.DIRECT_MANAGEMENT:
        raise BudgetError(_("I costi interni si registrano solo sulle linee a realizzazione diretta."), "line")
    check_positive_amount(amount)
    amount = cents(amount)
    description = (description or "").strip()
    if not description:
        raise BudgetError(_("Descrivi il costo."), "description")
    check_not_future(spent_on, "spent_on")  # spent, not planned: the line's figures count it as spending
    reason = line_override(line, amount, override_reason, _("Il costo supera il residuo della linea di budget."))
    cost = InternalCost(
        tenant_id=line.tenant_id, budget_line_id=line.id, spent_on=spent_on, description=description, amount=amount,
        override_reason=reason, submission_key=submission_key or None,
    )
    add_form_row(cost, BudgetError(_("Questo costo interno era già stato registrato.")))
    record("internal_cost.created", "internal_cost", cost.id, ["amount", "budget_line_id", "description", "spent_on"])
    if reason:
        record("internal_cost.override", "internal_cost", cost.id, ["override_reason"])
    return cost


# --- invoices and payments ---------------------------------------------------------------------------

def invoices_of(contract: Contract) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.contract_id == contract.id).order_by(Invoice.issued_on, Invoice.id)))


def paid_by_invoice(contract: Contract) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(Payment.invoice_id, func.sum(Payment.amount)).where(Payment.contract_id == contract.id).group_by(Payment.invoice_id)
    )
    return {invoice_id: cents(total) for invoice_id, total in rows}


def add_invoice(contract: Contract, *, number: str, issued_on: date, amount: Decimal) -> Invoice:
    ensure_money()
    if contract.tenant_id != current().tenant_id:
        raise Forbidden()
    number = (number or "").strip()
    if not number:
        raise BudgetError(_("Indica il numero della fattura."), "number")
    check_not_future(issued_on, "issued_on")  # a received invoice was issued already
    check_positive_amount(amount)
    amount = cents(amount)
    # Locked before counting: two invoices registered at once (or one form posted twice) are checked one after
    # the other, the second seeing the first's number and amount; the value as locked, not as read before.
    total_value = lock(Contract, contract.id, Contract.total_value)
    duplicate = BudgetError(_("Questa fattura è già registrata per il contratto."), "number")
    if db.session.scalar(select(Invoice.id).where(Invoice.contract_id == contract.id, Invoice.number == number)):
        raise duplicate
    contract_figs = figures.contract_of(contract)
    if contract_figs.invoiced + amount > total_value:
        raise BudgetError(_("La fattura supera il valore del contratto non ancora fatturato."), "amount")
    invoice = Invoice(tenant_id=contract.tenant_id, contract_id=contract.id, number=number, issued_on=issued_on, amount=amount,
                      status=InvoiceStatus.RECEIVED)
    add_keyed(invoice, duplicate)  # the unique (contract, number) stays the last guard: a form error, never a 500
    record("invoice.received", "invoice", invoice.id, ["amount", "contract_id", "issued_on", "number"])
    return invoice


VERIFIED_STATES = (InvoiceStatus.VERIFIED, InvoiceStatus.PAID)


def beyond_delivered(invoices: list[Invoice], delivered: Decimal) -> dict[int, Decimal]:
    """For each received invoice of ``invoices`` (the contract's), how much verifying it would put the contract's
    verified invoices above what was ``delivered`` (approved deliveries, net of the sample checks' findings):
    an invoice in advance of the work, which only the budget office can accept for what the contract allows."""
    verified = sum((i.amount for i in invoices if i.status in VERIFIED_STATES), figures.ZERO)
    return {i.id: max(figures.ZERO, verified + i.amount - delivered) for i in invoices if i.status == InvoiceStatus.RECEIVED}


def verify_invoice(invoice: Invoice, expected_version, *, advance_up_to: Decimal | None = None) -> None:
    """Verified: the invoice may be paid. One that goes beyond the work approved so far is verified only when
    the budget officer confirms it as an advance of the excess they were shown (``advance_up_to``; audited as
    such): a word of the page, not a silent total, and not an excess grown since the page was read."""
    ensure_money()
    check_version(invoice, expected_version)
    if invoice.status != InvoiceStatus.RECEIVED:
        raise BudgetError(_("La fattura è già stata verificata."))
    lock(Contract, invoice.contract_id)  # two invoices verified at once are weighed one after the other
    contract = db.session.get(Contract, invoice.contract_id)
    excess = beyond_delivered(invoices_of(contract), figures.contract_of(contract).delivered)[invoice.id]
    if excess and advance_up_to is None:
        raise BudgetError(_("Verificando la fattura %(n)s, le fatture verificate supererebbero di %(amount)s le "
                            "prestazioni erogate e approvate finora: verificala solo se il contratto prevede un "
                            "acconto, confermandolo.", n=invoice.number, amount=format_money(excess)), "advance")
    if excess and excess > advance_up_to:  # another invoice verified since the page was read
        raise BudgetError(_("L'eccedenza della fattura %(n)s è cambiata: ora le fatture verificate supererebbero "
                            "di %(amount)s le prestazioni erogate e approvate. Controlla e conferma di nuovo.",
                            n=invoice.number, amount=format_money(excess)), "advance")
    invoice.status = InvoiceStatus.VERIFIED
    db.session.flush()
    record("invoice.verified", "invoice", invoice.id, ["advance", "status"] if excess else ["status"])


def pay_invoice(invoice: Invoice, *, paid_on: date | None, amount: Decimal | None, reference: str | None,
                expected_version) -> Payment:
    """A payment of a verified invoice (partial payments allowed); fully paid -> status paid."""
    ensure_money()
    if paid_on is None:
        raise BudgetError(_("Indica la data del pagamento."))
    check_version(invoice, expected_version)
    if invoice.status != InvoiceStatus.VERIFIED:
        raise BudgetError(_("Si paga solo una fattura verificata e non ancora saldata."))
    already = cents(db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.invoice_id == invoice.id)))
    amount = cents(amount) if amount is not None else invoice.amount - already
    if amount <= 0 or already + amount > invoice.amount:
        raise BudgetError(_("Il pagamento supera l'importo ancora da pagare della fattura."), "amount")
    payment = Payment(tenant_id=invoice.tenant_id, invoice_id=invoice.id, contract_id=invoice.contract_id, paid_on=paid_on,
                      amount=amount, reference=(reference or "").strip() or None)
    db.session.add(payment)
    if already + amount == invoice.amount:
        invoice.status = InvoiceStatus.PAID
    invoice.updated_at = utcnow()  # a payment changes the invoice: its version moves on
    db.session.flush()
    record("payment.created", "payment", payment.id, ["amount", "invoice_id", "paid_on", "reference"])
    record("invoice.updated", "invoice", invoice.id, ["status"])
    return payment
