"""Azione 2's budget (from the seed document), a second fictitious provider, two fictitious contracts,
service orders for the demo cases' delivered actions with their deliveries, an invoice and internal costs,
and one sample check of the first provider's approved deliveries, one of them verified.

Idempotent: the budget by code, the provider by slug, contracts by CIG, orders by action, invoices by
number, the sample check by its note. Amounts are those of the document; contracts, CIG codes and invoices are invented.
"""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import Membership, Role, User
from ..accounts.passwords import hash_password
from ..budget.models import (
    Budget,
    BudgetLine,
    Contract,
    ContractLine,
    Delivery,
    DeliveryStatus,
    InternalCost,
    Invoice,
    InvoiceStatus,
    LineKind,
    OrderStatus,
    Payment,
    Procedure,
    SampleCheck,
    SampleCheckItem,
    ServiceOrder,
    Unit,
    VerificationOutcome,
    line_amount,
)
from ..cases.models import Action, ActionStatus
from ..cases.models import ServiceType as S
from ..extensions import db
from ..i18n import local_today
from ..models_base import utcnow
from ..tenancy.models import Tenant, TenantKind
from .network import DEMO_PASSWORD, NODE_SLUG

BUDGET_CODE = "azione-2"
BUDGET_TITLE = (
    "Azione 2 – Interventi finalizzati all'inclusione socio-lavorativa delle persone a rischio o vittime di discriminazione"
)
DECLARED_TOTAL = Decimal("126858.84")
LINES = [
    ("Obiettivi e risultati attesi", LineKind.SERVICES, Decimal("120858.40")),
    ("Controlli e monitoraggio", LineKind.DIRECT_MANAGEMENT, Decimal("6000.00")),
]
SECOND_PROVIDER = ("consorzio-lavoro-insieme", "Consorzio Lavoro Insieme (fittizio)")
SECOND_PROVIDER_USER = ("operatore@lavoro-insieme.example", "Ivo Marchetti (demo)")
# (provider slug, CIG, title, procedure, value, [(service, unit, unit price, quantity)]) – all fictitious.
CONTRACTS = [
    ("coop-esempio", "8F1A2B3C4D", "Percorsi di orientamento, formazione, tutoraggio e mediazione (dimostrativo)",
     Procedure.OPEN, Decimal("60000.00"),
     [(S.ORIENTATION, Unit.HOUR, "32.00", "300"), (S.TRAINING, Unit.HOUR, "35.00", "400"),
      (S.TUTORING, Unit.HOUR, "30.00", "500"), (S.SOCIAL_MEDIATION, Unit.HOUR, "40.00", "200")]),
    (SECOND_PROVIDER[0], "9B2C3D4E5F", "Counselling, sostegno psicologico e incontro domanda/offerta (dimostrativo)",
     Procedure.NEGOTIATED, Decimal("40000.00"),
     [(S.COUNSELLING, Unit.HOUR, "38.00", "300"), (S.PSYCHOLOGICAL_SUPPORT, Unit.HOUR, "45.00", "200"),
      (S.JOB_MATCHING, Unit.PARTICIPANT, "250.00", "40")]),
]
INTERNAL_COSTS = [
    ("Monitoraggio trimestrale dei percorsi (dimostrativo)", Decimal("750.00")),
    ("Verifiche presso i soggetti attuatori (dimostrativo)", Decimal("480.00")),
]


def _tenant(slug):
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _second_provider(node) -> int:
    created = 0
    provider = _tenant(SECOND_PROVIDER[0])
    if provider is None:
        provider = Tenant(slug=SECOND_PROVIDER[0], name=SECOND_PROVIDER[1], kind=TenantKind.SERVICE_PROVIDER, node_id=node.id,
                          active=True, email=f"segreteria@{SECOND_PROVIDER[0]}.example")
        db.session.add(provider)
        db.session.flush()
        created += 1
    email, name = SECOND_PROVIDER_USER
    if db.session.scalar(select(User).where(User.email == email)) is None:
        user = User(email=email, full_name=name, password_hash=hash_password(DEMO_PASSWORD), active=True)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, tenant_id=provider.id, role=Role.PROVIDER_USER, active=True))
        created += 1
    return created


def _budget(node, today):
    budget = db.session.scalar(select(Budget).where(Budget.tenant_id == node.id, Budget.code == BUDGET_CODE))
    if budget is not None:
        return budget, False
    budget = Budget(
        tenant_id=node.id, code=BUDGET_CODE, title=BUDGET_TITLE, declared_total=DECLARED_TOTAL,
        source="Provincia di Novara, Piano sintetico interventi – Azione 2 (2012)",
        start_date=date(today.year, 1, 1), end_date=date(today.year + 1, 12, 31),
    )
    db.session.add(budget)
    db.session.flush()
    for position, (title, kind, allocated) in enumerate(LINES, start=1):
        db.session.add(BudgetLine(tenant_id=node.id, budget_id=budget.id, position=position, title=title, kind=kind,
                                  allocated=allocated))
    db.session.flush()
    return budget, True


def seed() -> list[str]:
    node = _tenant(NODE_SLUG)
    if node is None:
        return []
    today = local_today()
    people = _second_provider(node)
    budget, new_budget = _budget(node, today)
    services_line, direct_line = budget.lines[0], budget.lines[1]
    contracts = orders = deliveries = 0
    budget_officer = db.session.scalar(select(User).where(User.email == "budget@nodo.novara.example"))
    for slug, cig, title, procedure, value, lines in CONTRACTS:
        provider = _tenant(slug)
        if provider is None or db.session.scalar(select(Contract.id).where(Contract.cig == cig)):
            continue
        contract = Contract(
            tenant_id=node.id, provider_id=provider.id, budget_line_id=services_line.id, title=title, procedure=procedure,
            legal_basis="D.Lgs. 36/2023 (il piano cita il D.Lgs. 163/2006)", cig=cig, start_date=budget.start_date,
            end_date=budget.end_date, total_value=value, vat_rate=Decimal("5.00"),
        )
        db.session.add(contract)
        db.session.flush()
        contracts += 1
        by_type = {}
        for service, unit, price, quantity in lines:
            line = ContractLine(tenant_id=node.id, provider_id=provider.id, contract_id=contract.id, service_type=service,
                                unit=unit, unit_price=Decimal(price), quantity=Decimal(quantity))
            db.session.add(line)
            by_type[service] = line
        db.session.flush()
        # The demo cases' actions already delivered by this provider become orders with an approved delivery;
        # planned ones stay unassigned, for the node to assign.
        done = db.session.scalars(
            select(Action).where(Action.provider_id == provider.id, Action.status == ActionStatus.DONE).order_by(Action.id)
        )
        approved_total = Decimal("0")
        for n, action in enumerate(done):
            line = by_type.get(action.service_type)
            if line is None or db.session.scalar(select(ServiceOrder.id).where(ServiceOrder.action_id == action.id)):
                continue
            order = ServiceOrder(tenant_id=node.id, provider_id=provider.id, contract_id=contract.id, contract_line_id=line.id,
                                 action_id=action.id, pseudonym=action.pseudonym, quantity=action.planned_hours,
                                 status=OrderStatus.OPEN)
            db.session.add(order)
            db.session.flush()
            orders += 1
            # The delivery is the source of the action's delivered hours (the triggers of migration 0016).
            day = action.planned_end or action.planned_start
            if day > today or day < contract.start_date:
                continue
            status = DeliveryStatus.SUBMITTED if n % 5 == 4 else DeliveryStatus.APPROVED
            amount = line_amount(action.planned_hours, line.unit_price)
            db.session.add(Delivery(
                tenant_id=node.id, provider_id=provider.id, order_id=order.id, contract_id=contract.id, delivered_on=day,
                units=action.planned_hours, unit_price=line.unit_price, amount=amount, attended=True,
                note="Incontro svolto (dimostrativo)", status=status,
                reviewed_by_id=budget_officer.id if status == DeliveryStatus.APPROVED and budget_officer else None,
                reviewed_at=utcnow() if status == DeliveryStatus.APPROVED else None,
            ))
            deliveries += 1
            if status == DeliveryStatus.APPROVED:
                approved_total += amount
        db.session.flush()
        if approved_total > 0:
            invoice = Invoice(tenant_id=node.id, contract_id=contract.id, number=f"FT-{cig[:4]}-001", issued_on=today,
                              amount=approved_total, status=InvoiceStatus.PAID)
            db.session.add(invoice)
            db.session.flush()
            db.session.add(Payment(tenant_id=node.id, invoice_id=invoice.id, contract_id=contract.id, paid_on=today,
                                   amount=approved_total, reference="Mandato dimostrativo"))
    if new_budget:
        for n, (description, amount) in enumerate(INTERNAL_COSTS):
            db.session.add(InternalCost(tenant_id=node.id, budget_line_id=direct_line.id,
                                        spent_on=min(date(today.year, min(12, 3 + 3 * n), 1), today),  # not ahead
                                        description=description, amount=amount))
    db.session.flush()
    checks = _sample_check(node)
    return [f"Budget demo: Azione 2 {'aggiunta' if new_budget else 'già presente'}, {people} fornitore/utente, "
            f"{contracts} contratti, {orders} ordini, {deliveries} prestazioni, {checks} controllo a campione"]


SAMPLE_NOTE = "Controllo a campione dimostrativo"
SAMPLE_SEED = 2026


def _sample_check(node) -> int:
    """Two of the first provider's approved deliveries drawn as the coordinator would (same population
    rule and seed as ``budget.controls``), the first verified as confirmed, the second left to verify."""
    from ..budget.controls import digest, sample_ids

    provider = _tenant(CONTRACTS[0][0])
    if provider is None or db.session.scalar(select(SampleCheck.id).where(SampleCheck.tenant_id == node.id,
                                                                          SampleCheck.note == SAMPLE_NOTE)):
        return 0
    ids = sorted(db.session.scalars(select(Delivery.id).where(
        Delivery.tenant_id == node.id, Delivery.provider_id == provider.id, Delivery.status == DeliveryStatus.APPROVED,
        Delivery.id.not_in(select(SampleCheckItem.delivery_id)),
    )))
    if len(ids) < 2:
        return 0
    coordinator = db.session.scalar(select(User).where(User.email == "coordinatrice@nodo.novara.example"))
    check = SampleCheck(tenant_id=node.id, provider_id=provider.id, requested_size=2, seed=SAMPLE_SEED, population=len(ids),
                        population_digest=digest(ids), drawn_at=utcnow(), drawn_by_id=coordinator.id if coordinator else None,
                        note=SAMPLE_NOTE)
    db.session.add(check)
    db.session.flush()
    for position, delivery_id in enumerate(sample_ids(ids, 2, SAMPLE_SEED), start=1):
        confirmed = position == 1
        db.session.add(SampleCheckItem(
            tenant_id=node.id, check_id=check.id, delivery_id=delivery_id, position=position,
            outcome=VerificationOutcome.CONFIRMED if confirmed else VerificationOutcome.PENDING,
            note="Foglio firme verificato presso il soggetto attuatore (dimostrativo)" if confirmed else None,
            verified_by_id=coordinator.id if confirmed and coordinator else None, verified_at=utcnow() if confirmed else None,
        ))
    db.session.flush()
    return 1
