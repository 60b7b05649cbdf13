"""Helpers for the budget tests and the isolation matrix: budgets, contracts, orders and
deliveries built as their tenant would, and the victim rows of another provider ("q") of node N1."""
from datetime import date
from decimal import Decimal

from portal.budget.models import (
    Budget,
    BudgetLine,
    Contract,
    ContractLine,
    Delivery,
    DeliveryStatus,
    Invoice,
    InvoiceStatus,
    LineKind,
    OrderStatus,
    Procedure,
    ServiceOrder,
    Unit,
    line_amount,
)
from portal.cases.models import ServiceType
from portal.extensions import db
from portal.tenancy import context
from portal.tenancy.models import TenantKind

from .factories import TenantFactory, make_action

START, END = date(2026, 1, 1), date(2027, 12, 31)


def make_budget(net, node="n1", declared="1100.44", services="1000.00", direct="100.00") -> Budget:
    tenant = net.tenants[node]
    with context.acting_as(tenant.id):
        budget = Budget(tenant_id=tenant.id, code="azione-2", title="Azione 2 (prova)", declared_total=Decimal(declared),
                        start_date=START, end_date=END)
        db.session.add(budget)
        db.session.flush()
        db.session.add_all([
            BudgetLine(tenant_id=tenant.id, budget_id=budget.id, position=1, title="Servizi (prova)", kind=LineKind.SERVICES,
                       allocated=Decimal(services)),
            BudgetLine(tenant_id=tenant.id, budget_id=budget.id, position=2, title="Controlli (prova)",
                       kind=LineKind.DIRECT_MANAGEMENT, allocated=Decimal(direct)),
        ])
        db.session.flush()
        db.session.expire(budget, ["lines"])
        assert len(budget.lines) == 2  # loaded as the node (outside its context the relationship sees nothing)
    return budget


def make_contract(net, budget, provider, cig="1234567890", value="500.00", price="25.00", quantity="20",
                  service=ServiceType.COUNSELLING) -> Contract:
    node = budget.tenant_id
    with context.acting_as(node):
        contract = Contract(
            tenant_id=node, provider_id=provider.id, budget_line_id=budget.lines[0].id, title=f"Contratto {cig}",
            procedure=Procedure.OPEN, legal_basis="D.Lgs. 36/2023", cig=cig, start_date=START, end_date=END,
            total_value=Decimal(value), vat_rate=Decimal("5"),
        )
        db.session.add(contract)
        db.session.flush()
        db.session.add(ContractLine(tenant_id=node, provider_id=provider.id, contract_id=contract.id, service_type=service,
                                    unit=Unit.HOUR, unit_price=Decimal(price), quantity=Decimal(quantity)))
        db.session.flush()
        db.session.expire(contract, ["lines"])
        assert contract.lines
    return contract


def contract_form(network, budget, **overrides):
    """What the new-contract page posts (without its CSRF token): a valid contract of provider P."""
    data = {
        "title": "Servizi di orientamento (prova)", "budget_line": str(budget.lines[0].id),
        "provider": str(network.tenants["p"].id), "procedure": "open", "legal_basis": "D.Lgs. 36/2023",
        "cig": "ab12cd34ef", "start_date": "2026-01-01", "end_date": "2027-12-31", "total_value": "600,00", "vat_rate": "5",
        "lines-0-service_type": "counselling", "lines-0-unit": "hour", "lines-0-unit_price": "25,50", "lines-0-quantity": "20",
        "lines-1-service_type": "", "lines-2-service_type": "",
    }
    data.update(overrides)
    return data


def make_order(contract, action, quantity="10") -> ServiceOrder:
    with context.acting_as(contract.tenant_id):
        order = ServiceOrder(
            tenant_id=contract.tenant_id, provider_id=contract.provider_id, contract_id=contract.id,
            contract_line_id=contract.lines[0].id, action_id=action.id, pseudonym=action.pseudonym,
            quantity=Decimal(quantity), status=OrderStatus.OPEN,
        )
        db.session.add(order)
        db.session.flush()
    return order


def make_delivery(order, units="2", status=DeliveryStatus.SUBMITTED, day=date(2026, 3, 2)) -> Delivery:
    with context.acting_as(order.tenant_id):
        line = db.session.get(ContractLine, order.contract_line_id)
        delivery = Delivery(
            tenant_id=order.tenant_id, provider_id=order.provider_id, order_id=order.id, contract_id=order.contract_id,
            delivered_on=day, units=Decimal(units), unit_price=line.unit_price, amount=line_amount(units, line.unit_price),
            attended=True, note="Nota di prova", status=status,
        )
        db.session.add(delivery)
        db.session.flush()
    return delivery


def budget_of(net) -> Budget:
    existing = getattr(net, "_budget", None)
    if existing is None:
        existing = net._budget = make_budget(net)
    return existing


def victim(net) -> dict:
    """Rows of N1 shared with another provider Q (not P): what P, antennas and N2 must never reach."""
    existing = getattr(net, "_budget_victim", None)
    if existing is not None:
        return existing
    budget = budget_of(net)
    q = TenantFactory(slug="fornitore-qu", name="Fornitore Qu", kind=TenantKind.SERVICE_PROVIDER, node=net.tenants["n1"])
    action = make_action(net.case, provider=q)
    contract = make_contract(net, budget, q, cig="VITTIMA001")
    order = make_order(contract, action)
    delivery = make_delivery(order)
    with context.acting_as(net.tenants["n1"].id):
        invoice = Invoice(tenant_id=net.tenants["n1"].id, contract_id=contract.id, number="FT-1", issued_on=START,
                          amount=Decimal("10.00"), status=InvoiceStatus.RECEIVED)
        db.session.add(invoice)
        db.session.flush()
    approved = make_delivery(order, status=DeliveryStatus.APPROVED, day=date(2026, 3, 3))
    grant = make_grant(net.case, q)
    check, item = make_sample_check(q, [approved])
    net._budget_victim = {"budget": budget, "q": q, "action": action, "contract": contract, "order": order,
                          "delivery": delivery, "invoice": invoice, "approved": approved, "grant": grant, "check": check,
                          "item": item}
    return net._budget_victim


def make_grant(case, provider, reason="Accompagnamento al colloquio"):
    from portal.budget.models import IdentityGrant

    with context.acting_as(case.tenant_id):
        grant = IdentityGrant(tenant_id=case.tenant_id, provider_id=provider.id, case_id=case.id, person_id=case.person_id,
                              pseudonym=case.pseudonym, reason=reason)
        db.session.add(grant)
        db.session.flush()
    return grant


def make_sample_check(provider, deliveries, seed=42):
    """A check drawn by hand over the given deliveries (for the matrix; the draw itself is tested on its own)."""
    from portal.budget.controls import digest
    from portal.budget.models import SampleCheck, SampleCheckItem
    from portal.models_base import utcnow

    node = deliveries[0].tenant_id
    with context.acting_as(node):
        check = SampleCheck(tenant_id=node, provider_id=provider.id, requested_size=len(deliveries), seed=seed,
                            population=len(deliveries), population_digest=digest(sorted(d.id for d in deliveries)),
                            drawn_at=utcnow())
        db.session.add(check)
        db.session.flush()
        items = [SampleCheckItem(tenant_id=node, check_id=check.id, delivery_id=d.id, position=n)
                 for n, d in enumerate(deliveries, start=1)]
        db.session.add_all(items)
        db.session.flush()
    return check, items[0]
