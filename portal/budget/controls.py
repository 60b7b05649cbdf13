"""Controls on services: sample checks of providers' approved deliveries and their effect on
the budget. The provider scorecard is in ``scorecard.py``.

Sample checks
- The coordinator (``Capability.CHECK_SERVICES``) draws, for one provider, a sample of a given size or
  percentage. The population is every approved delivery of the provider (optionally within a period of
  delivery dates) reviewed before the draw and not drawn by an earlier check, sorted by id; the sample is
  ``random.Random(seed).sample(population, k)``. The seed (given, or random) is stored with the draw,
  with the population's size and SHA-256 digest, so anyone can redraw it (:func:`redraw`) and prove it.
- Each drawn delivery is verified: confirmed, or a discrepancy with the amount not recognised (at most
  what the delivery is worth, net of other adjustments). A discrepancy is a :class:`DeliveryAdjustment`
  row, which ``figures.py`` subtracts from the delivered (accrued) figure of the contract and so of its
  budget line: computed in SQL from the rows that cause it, never a stored running total. Correcting an
  outcome updates or removes that row. Every step is audited.
"""
import hashlib
import math
import random
import secrets
from decimal import Decimal

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..accounts.permissions import Capability, can_in_node
from ..audit.services import record
from ..cases.services import node_providers
from ..core.locking import check_version
from ..core.rows import lock
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.context import current
from .models import (
    Contract,
    Delivery,
    DeliveryAdjustment,
    DeliveryStatus,
    SampleCheck,
    SampleCheckItem,
    ServiceOrder,
    VerificationOutcome,
    cents,
)
from .services import BudgetError, Forbidden, may_manage_money

MAX_SEED = 2_000_000_000


def may_check(membership=None) -> bool:
    return can_in_node(Capability.CHECK_SERVICES, membership)


def may_view_checks() -> bool:
    return may_check() or may_manage_money()


def ensure_check() -> None:
    if not may_check():
        raise Forbidden()


# --- drawing -------------------------------------------------------------------------------------------

def population(provider_id: int, *, period_from=None, period_to=None, before=None, before_check_id=None) -> list[int]:
    """Ids of the deliveries a draw chooses from, sorted (see the module docstring)."""
    earlier = select(SampleCheckItem.delivery_id)
    if before_check_id is not None:
        earlier = earlier.where(SampleCheckItem.check_id < before_check_id)
    statement = select(Delivery.id).where(
        Delivery.tenant_id == current().tenant_id, Delivery.provider_id == provider_id,
        Delivery.status == DeliveryStatus.APPROVED, Delivery.id.not_in(earlier),
    )
    if before is not None:
        statement = statement.where(or_(Delivery.reviewed_at.is_(None), Delivery.reviewed_at <= before))
    if period_from is not None:
        statement = statement.where(Delivery.delivered_on >= period_from)
    if period_to is not None:
        statement = statement.where(Delivery.delivered_on <= period_to)
    return list(db.session.scalars(statement.order_by(Delivery.id)))


def digest(ids: list[int]) -> str:
    return hashlib.sha256(",".join(str(i) for i in ids).encode()).hexdigest()


def sample_ids(ids: list[int], k: int, seed: int) -> list[int]:
    return random.Random(seed).sample(sorted(ids), k)


def sample_size(total: int, size: int | None, percent: Decimal | None) -> int:
    k = size if size else math.ceil(total * Decimal(percent) / 100)
    return max(1, min(total, k))


def check_sample_size(size, percent) -> None:
    """How many to draw, as typed (the form runs it too, core.fields.form_check)."""
    if bool(size) == bool(percent):
        raise BudgetError(_("Indica il numero di prestazioni oppure la percentuale (uno dei due)."), "size")


def check_sample_period(period_from, period_to) -> None:
    if period_from and period_to and period_to < period_from:
        raise BudgetError(_("La fine del periodo non può precedere l'inizio."), "period_to")


def draw_sample(provider_id, *, size=None, percent=None, period_from=None, period_to=None, seed=None, note=None) -> SampleCheck:
    ensure_check()
    provider = next((p for p in node_providers() if str(p.id) == str(provider_id)), None)
    if provider is None:
        raise BudgetError(_("Scegli un soggetto attuatore della rete."), "provider")
    check_sample_size(size, percent)
    check_sample_period(period_from, period_to)
    if seed is not None and not 0 <= int(seed) <= MAX_SEED:
        raise BudgetError(_("Il seme è un numero intero tra 0 e 2.000.000.000."), "seed")
    drawn_at = utcnow()
    ids = population(provider.id, period_from=period_from, period_to=period_to, before=drawn_at)
    if not ids:
        raise BudgetError(_("Nessuna prestazione approvata e non ancora estratta da verificare per questo soggetto attuatore."))
    seed = int(seed) if seed is not None else secrets.randbelow(MAX_SEED)
    chosen = sample_ids(ids, sample_size(len(ids), size, percent), seed)
    check = SampleCheck(
        tenant_id=current().tenant_id, provider_id=provider.id, period_from=period_from, period_to=period_to,
        requested_size=size or None, requested_percent=Decimal(percent) if percent else None, seed=seed,
        population=len(ids), population_digest=digest(ids), drawn_at=drawn_at, drawn_by_id=current_user.id,
        note=(note or "").strip() or None,
    )
    db.session.add(check)
    db.session.flush()
    for position, delivery_id in enumerate(chosen, start=1):
        db.session.add(SampleCheckItem(tenant_id=check.tenant_id, check_id=check.id, delivery_id=delivery_id, position=position))
    db.session.flush()
    record("sample_check.drawn", "sample_check", check.id,
           ["period_from", "period_to", "population", "provider_id", "requested_percent", "requested_size", "seed"])
    return check


def redraw(check: SampleCheck) -> tuple[bool, list[int]]:
    """Recompute the draw from what is stored: (the population is the same, the ids the seed selects)."""
    ids = population(check.provider_id, period_from=check.period_from, period_to=check.period_to,
                     before=check.drawn_at, before_check_id=check.id)
    size = len(check.items)
    return digest(ids) == check.population_digest, sample_ids(ids, size, check.seed) if len(ids) >= size else []


# --- reading -------------------------------------------------------------------------------------------

def checks() -> list[tuple[SampleCheck, int, int, int]]:
    """Every check with its counts per outcome (pending, confirmed, discrepancy): two queries."""
    rows = list(db.session.scalars(select(SampleCheck).order_by(SampleCheck.drawn_at.desc(), SampleCheck.id.desc())))
    counts = {}
    if rows:
        for check_id, outcome, n in db.session.execute(
            select(SampleCheckItem.check_id, SampleCheckItem.outcome, func.count(SampleCheckItem.id))
            .where(SampleCheckItem.check_id.in_([c.id for c in rows])).group_by(SampleCheckItem.check_id, SampleCheckItem.outcome)
        ):
            counts[(check_id, outcome)] = n
    return [(c, counts.get((c.id, VerificationOutcome.PENDING), 0), counts.get((c.id, VerificationOutcome.CONFIRMED), 0),
             counts.get((c.id, VerificationOutcome.DISCREPANCY), 0)) for c in rows]


def items_of(check: SampleCheck) -> list[tuple[SampleCheckItem, Delivery, str]]:
    """The drawn deliveries with their pseudonym, in draw order (one query)."""
    return [tuple(row) for row in db.session.execute(
        select(SampleCheckItem, Delivery, ServiceOrder.pseudonym)
        .join(Delivery, Delivery.id == SampleCheckItem.delivery_id)
        .join(ServiceOrder, ServiceOrder.id == Delivery.order_id)
        .where(SampleCheckItem.check_id == check.id).order_by(SampleCheckItem.position)
    )]


def adjustments_of_contract(contract_id: int) -> list[DeliveryAdjustment]:
    return list(db.session.scalars(
        select(DeliveryAdjustment).where(DeliveryAdjustment.contract_id == contract_id).order_by(DeliveryAdjustment.id)
    ))


# --- verifying -----------------------------------------------------------------------------------------

def record_outcome(item: SampleCheckItem, *, outcome: str, amount: Decimal | None, note: str | None, expected_version) -> None:
    ensure_check()
    if item.tenant_id != current().tenant_id:
        raise Forbidden()
    check_version(item, expected_version)
    if outcome not in (VerificationOutcome.CONFIRMED.value, VerificationOutcome.DISCREPANCY.value):
        raise BudgetError(_("Scegli l'esito: confermata o con discrepanza."), "outcome")
    delivery = db.session.get(Delivery, item.delivery_id)
    # The contract held, as verifying an invoice holds it: an adjustment lowers what it delivered, which an
    # invoice's verification weighs at the same moment (and the delivery's other adjustments are summed below).
    lock(Contract, delivery.contract_id)
    adjustment = db.session.scalar(select(DeliveryAdjustment).where(DeliveryAdjustment.item_id == item.id))
    note = (note or "").strip() or None
    if outcome == VerificationOutcome.DISCREPANCY:
        if amount is None or cents(amount) <= 0:
            raise BudgetError(_("Per una discrepanza indica l'importo non riconosciuto, maggiore di zero."), "discrepancy_amount")
        amount = cents(amount)
        others = db.session.scalar(select(func.coalesce(func.sum(DeliveryAdjustment.amount), 0)).where(
            DeliveryAdjustment.delivery_id == delivery.id,
            or_(DeliveryAdjustment.item_id.is_(None), DeliveryAdjustment.item_id != item.id),
        ))
        if amount > delivery.amount - cents(others):
            raise BudgetError(_("L'importo non riconosciuto supera il valore della prestazione (%(amount)s).",
                                amount=_money(delivery.amount - cents(others))), "discrepancy_amount")
        if not note:
            raise BudgetError(_("Descrivi la discrepanza riscontrata."), "note")
    else:
        amount = None
    item.outcome = VerificationOutcome(outcome)
    item.discrepancy_amount = amount
    item.note = note
    item.verified_by_id = current_user.id
    item.verified_at = utcnow()
    reason = (note or "")[:500]  # the reviewer's words only: the check it comes from is item_id, shown as a label
    if amount is not None and adjustment is None:
        adjustment = DeliveryAdjustment(
            tenant_id=delivery.tenant_id, provider_id=delivery.provider_id, delivery_id=delivery.id,
            contract_id=delivery.contract_id, item_id=item.id, amount=amount, reason=reason, recorded_by_id=current_user.id,
        )
        db.session.add(adjustment)
        db.session.flush()
        record("delivery_adjustment.created", "delivery_adjustment", adjustment.id, ["amount", "delivery_id", "reason"])
    elif amount is not None:
        adjustment.amount, adjustment.reason, adjustment.recorded_by_id = amount, reason, current_user.id
        db.session.flush()
        record("delivery_adjustment.updated", "delivery_adjustment", adjustment.id, ["amount", "reason"])
    elif adjustment is not None:
        adjustment_id = adjustment.id
        db.session.delete(adjustment)
        db.session.flush()
        record("delivery_adjustment.deleted", "delivery_adjustment", adjustment_id, ["amount"])
    db.session.flush()
    record("sample_check.verified", "sample_check_item", item.id,
           ["discrepancy_amount", "note", "outcome", "verified_at", "verified_by_id"])


def _money(value) -> str:
    from ..i18n import format_money

    return format_money(value)
