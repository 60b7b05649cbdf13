"""A delivery of a cancelled order is never approved (the order's quantity no longer counts on its contract
line: paying it would spend what is not committed); it can still be sent back, which clears it from the
node's queue, and the provider cannot submit it again on an order that is not open.

Such a delivery is what a cancel racing a delivery left behind before the order was locked for the count
(tests/test_budget_concurrent_requests.py); it is built here directly."""
from portal.budget.models import Delivery, DeliveryStatus, OrderStatus
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .fixtures import fresh
from .helpers import csrf_token


def _left_on_a_cancelled_order(network):
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    order = make_order(contract, network.action)
    delivery = make_delivery(order, units="2")
    with context.acting_as(network.tenants["n1"].id):
        order.status = OrderStatus.CANCELLED
        db.session.flush()
    return order, delivery


def _review(client, token, delivery, decision, **extra):
    return client.post(f"/budget/prestazioni/{delivery.id}/esame", data={
        "csrf_token": token, "version": delivery.version, "decision": decision, "next": "order", **extra})


def test_a_delivery_of_a_cancelled_order_is_not_approved(login, network):
    order, delivery = _left_on_a_cancelled_order(network)
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    response = _review(officer, token, delivery, "approve", override_reason="Deroga")
    assert response.status_code == 302
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "L&#39;ordine di servizio è annullato: la prestazione non si può approvare" in page
    assert fresh(Delivery, delivery.id, network.tenants["n1"].id).status == DeliveryStatus.SUBMITTED


def test_a_delivery_of_a_cancelled_order_can_be_sent_back(login, network):
    order, delivery = _left_on_a_cancelled_order(network)
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    assert _review(officer, token, delivery, "return", note="Ordine annullato").status_code == 302
    returned = fresh(Delivery, delivery.id, network.tenants["n1"].id)
    assert returned.status == DeliveryStatus.RETURNED and returned.times_returned == 1
    provider = login("p_user")
    assert provider.get(f"/budget/prestazioni/{delivery.id}/modifica").status_code == 403  # not submitted again
