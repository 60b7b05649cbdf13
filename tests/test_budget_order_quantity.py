"""A delivery never takes its order beyond the quantity ordered (QA: only the contract's remaining value was
checked, so an order of 10 hours took 30). Refused in the service, so the page, the correction and the API
refuse alike: the order's deliveries not returned (approved or awaiting review) plus the new one must fit.
The message, on the hours field, says what was ordered and what is left, written as the locale writes
numbers."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.budget import services as budget_services
from portal.budget.models import Delivery, DeliveryStatus
from portal.extensions import db
from portal.tenancy import context

from .api_support import make_client
from .budget_support import budget_of, make_contract, make_delivery, make_order, victim
from .conftest import DB_KIND
from .factories import make_action
from .helpers import csrf_token


def _order(network, quantity, price="25.00", value="5000.00", action=None):
    contract = getattr(network, "_quantity_contract", None) or make_contract(
        network, budget_of(network), network.tenants["p"], value=value, price=price, quantity="9999")
    network._quantity_contract = contract
    return make_order(contract, action or network.action, quantity=quantity)


def _log(client, order, units, token=None):
    token = token or csrf_token(client, f"/budget/ordini/{order.id}")
    return client.post(f"/budget/ordini/{order.id}", data={
        "csrf_token": token, "delivered_on": "2026-03-10", "units": units, "attended": "y", "note": "Colloquio"})


def _units(order):
    with context.acting_as(order.tenant_id):
        return sorted(db.session.scalars(select(Delivery.units).where(Delivery.order_id == order.id)))


def test_a_delivery_beyond_the_ordered_quantity_is_refused(login, network):
    order = _order(network, "10")
    make_delivery(order, units="4", status=DeliveryStatus.APPROVED)
    make_delivery(order, units="3")  # awaiting review: counts
    make_delivery(order, units="5", status=DeliveryStatus.RETURNED)  # sent back: does not
    provider = login("p_user")
    refused = _log(provider, order, "3,5")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Supera la quantità dell&#39;ordine: ordinate 10, ne restano 3." in body
    assert 'value="3,5"' in body and 'value="Colloquio"' in body
    assert _log(provider, order, "3").status_code == 302
    # Nothing left: the order's page offers no form that could only be refused, and says why.
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert "Tutta la quantità ordinata è già registrata" in page and "Registra la prestazione" not in page
    assert "ne restano 0." in _log(provider, order, "0,25").get_data(as_text=True)  # a post anyway: refused
    assert len(_units(order)) == 4


def test_the_figures_are_written_as_the_locale_writes_numbers(login, network):
    order = _order(network, "1234.5", price="1.00")
    make_delivery(order, units="1000", status=DeliveryStatus.APPROVED)
    provider = login("p_user")
    assert "ordinate 1.234,5, ne restano 234,5." in _log(provider, order, "300").get_data(as_text=True)
    with provider.session_transaction() as session:
        session["lang"] = "en"
    body = _log(provider, order, "300").get_data(as_text=True)
    assert "1,234.5" in body and "234.5" in body and "1.234,5" not in body


def test_correcting_a_delivery_counts_the_others_not_itself(login, network):
    order = _order(network, "4", price="10.00")
    make_delivery(order, units="1", status=DeliveryStatus.APPROVED)
    delivery = make_delivery(order, units="2")
    provider = login("p_user")
    url = f"/budget/prestazioni/{delivery.id}/modifica"
    token = csrf_token(provider, url)

    def edit(units):
        return provider.post(url, data={"csrf_token": token, "version": delivery.version, "delivered_on": "2026-03-02",
                                        "units": units, "attended": "y"})

    refused = edit("3,5")
    assert refused.status_code == 200 and "ordinate 4, ne restano 3." in refused.get_data(as_text=True)
    assert edit("3").status_code == 302
    assert _units(order) == [1, 3]


def test_the_api_refuses_it_too(client, network):
    rows = victim(network)  # an order of 10 with 2 approved and 2 awaiting review, provider Q
    _client, key = make_client(rows["q"], network.users["n1_coordinator"])
    headers = {"Authorization": f"Bearer {key}"}
    over = client.post(f"/api/v1/orders/{rows['order'].id}/deliveries", headers=headers,
                       json={"delivered_on": "2026-03-04", "units": "7"})
    assert over.status_code == 422 and "ne restano 6" in over.get_json()["detail"]
    assert client.post(f"/api/v1/orders/{rows['order'].id}/deliveries", headers=headers,
                       json={"delivered_on": "2026-03-04", "units": "6"}).status_code == 201


@pytest.mark.skipif(DB_KIND != "postgresql", reason="SQLite has no row locks (it writes one transaction at a time)")
def test_the_order_is_locked_before_its_deliveries_are_counted(login, network, count_queries):
    """Two deliveries logged at the same instant cannot both take the last hours: the order's row is locked
    (FOR UPDATE) before the sum, so the second waits for the first and then counts it."""
    order = _order(network, "10")
    provider = login("p_user")
    token = csrf_token(provider, f"/budget/ordini/{order.id}")  # the page counts what is left: not this request
    with count_queries() as counter:
        assert _log(provider, order, "2", token).status_code == 302
    locks = [s for s in counter.statements if "FOR UPDATE" in s and "service_orders" in s]
    sums = [i for i, s in enumerate(counter.statements) if "sum(deliveries.units)" in s]
    assert locks and sums and counter.statements.index(locks[0]) < sums[0]
    assert _lock_at(counter.statements, "audit_chain_heads") < counter.statements.index(locks[0])


def test_another_action_of_the_same_contract_has_its_own_order(login, network):
    """Only the order's own deliveries count: another order of the contract does not use its quantity."""
    order = _order(network, "2")
    other = _order(network, "5", action=make_action(network.case, provider=network.tenants["p"]))
    make_delivery(other, units="5", status=DeliveryStatus.APPROVED)
    assert _log(login("p_user"), order, "2").status_code == 302


def _lock_at(statements, table: str) -> int:
    """Where the request first locks a row of ``table`` (FOR UPDATE); past the end if it never does."""
    return next((i for i, s in enumerate(statements) if "FOR UPDATE" in s and f"FROM {table} " in s), len(statements))


def _locked_before(statements, table: str, counted: str) -> bool:
    """The row of ``table`` is locked before the first statement that sums ``counted``."""
    sums = [i for i, s in enumerate(statements) if counted in s]
    return bool(sums) and _lock_at(statements, table) < sums[0]


@pytest.mark.skipif(DB_KIND != "postgresql", reason="SQLite has no row locks (it writes one transaction at a time)")
def test_the_line_is_locked_before_its_orders_are_counted(login, network, count_queries):
    """Two actions ordered at once on one contract line (two case workers planning, each ordering by itself)
    cannot both take its last room without an override: the second waits for the first and counts it."""
    contract = make_contract(network, budget_of(network), network.tenants["p"], value="500.00", price="25.00",
                             quantity="20")
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/contratti/{contract.id}/ordini/nuovo")
    with count_queries() as counter:
        assert officer.post(f"/budget/contratti/{contract.id}/ordini/nuovo", data={
            "csrf_token": token, "action": network.action.id, "line": contract.lines[0].id,
            "quantity": "10"}).status_code == 302
    assert _locked_before(counter.statements, "contract_lines", "sum(service_orders.quantity)")
    # The audit head first, as a case worker's planning (which orders by itself after its own audit) takes
    # it: the other order would let the two deadlock.
    assert _lock_at(counter.statements, "audit_chain_heads") < _lock_at(counter.statements, "contract_lines")


@pytest.mark.skipif(DB_KIND != "postgresql", reason="SQLite has no row locks (it writes one transaction at a time)")
def test_the_contract_is_locked_before_an_approval_is_weighed_against_its_value(login, network, count_queries):
    """Two deliveries of one contract approved at once cannot both take its last value without an override."""
    order = _order(network, "10")
    delivery = make_delivery(order, units="2")
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    with count_queries() as counter:
        assert officer.post(f"/budget/prestazioni/{delivery.id}/esame", data={
            "csrf_token": token, "version": delivery.version, "decision": "approve"}).status_code == 302
    assert _locked_before(counter.statements, "contracts", "delivery_totals")
    assert _lock_at(counter.statements, "audit_chain_heads") < _lock_at(counter.statements, "contracts")


@pytest.mark.skipif(DB_KIND != "postgresql", reason="SQLite has no row locks (it writes one transaction at a time)")
def test_the_budget_line_is_locked_before_its_room_is_summed(network, count_queries):
    """Two contracts (or internal costs) put on one budget line at once cannot both take its last room."""
    line = budget_of(network).lines[0]
    db.session.commit()  # a transaction of its own, as a request's (the network's set-up took the head)
    context.activate(network.tenants["n1"].id)  # as a request is (a moment under acting_as takes no head)
    with count_queries() as counter:
        assert budget_services.line_override(line, Decimal("1.00"), None, "oltre") is None
    assert _lock_at(counter.statements, "audit_chain_heads") < _lock_at(counter.statements, "budget_lines")
    assert _locked_before(counter.statements, "budget_lines", "sum(")
