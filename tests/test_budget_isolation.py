"""Budget routes against the isolation rules: the matrix rows of the "budget" section run on their own
(every other tenant's roles, the provider P included, aimed at N1's rows shared with provider Q), and the
provider reaches its own contract and orders but never identity, invoices or another provider's rows."""
import pytest
from flask import url_for

from portal.budget.models import DeliveryStatus

from .budget_support import budget_of, make_contract, make_delivery, make_order, victim
from .helpers import csrf_token
from .isolation import MATRIX
from .network import NODE_ATTACKERS, VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE

BUDGET_ENDPOINTS = sorted(name for name in MATRIX if name.startswith("budget."))


def test_every_budget_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("budget.")}
    assert endpoints == set(BUDGET_ENDPOINTS)


@pytest.mark.parametrize("attacker", sorted(NODE_ATTACKERS))
def test_budget_routes_as_attacker(app, login, network, attacker):
    client = login(attacker)
    token = csrf_token(client, "/profilo/password")
    secrets = network.secrets_of("n1") + ["VITTIMA-SEGRETO-7731", "VITTIMA001", "Fornitore Qu"]
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("budget."):
            continue
        spec = MATRIX[rule.endpoint]
        with app.test_request_context():
            url = url_for(rule.endpoint, **(spec.args(network) if spec.args else {}))
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "POST":
                response = client.post(url, data={**(spec.form(network) if spec.form else {}), "csrf_token": token})
            else:
                response = client.get(url)
            where = f"{method} {url} ({rule.endpoint})"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            if spec.kind == "foreign" and response.status_code not in (403, 404):
                failures.append(f"{where}: expected 403/404, got {response.status_code}")
            body = response.get_data(as_text=True) if response.mimetype.startswith("text/html") else response.get_data().decode("latin-1")
            leaked = [s for s in secrets if s in body]
            if leaked:
                failures.append(f"{where}: leaked {leaked}")
    assert not failures, "\n".join(failures)


def test_provider_sees_its_own_rows_only(login, network):
    rows = victim(network)
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="PROPRIO001")
    order = make_order(contract, network.action)
    make_delivery(order, status=DeliveryStatus.APPROVED)
    client = login("p_user")
    assert client.get(f"/budget/contratti/{contract.id}").status_code == 200
    page = client.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert network.case.pseudonym in page
    for secret in (VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE, "Fattura", "FT-1"):
        assert secret not in page
    listing = client.get("/budget/contratti").get_data(as_text=True)
    assert "PROPRIO001" in listing and "VITTIMA001" not in listing
    orders = client.get("/budget/ordini").get_data(as_text=True)
    assert f"/budget/ordini/{order.id}" in orders and f"/budget/ordini/{rows['order'].id}" not in orders
    assert client.get(f"/budget/contratti/{rows['contract'].id}").status_code == 404
    assert client.get(f"/budget/ordini/{rows['order'].id}").status_code == 404
    assert client.get("/budget/").status_code == 403


@pytest.mark.parametrize("key", ["n1_case_worker", "n1_dpo", "n1_sysadmin"])
def test_node_roles_without_money_get_403(login, network, key):
    rows = victim(network)
    client = login(key)
    assert client.get("/budget/").status_code == 403
    assert client.get(f"/budget/contratti/{rows['contract'].id}").status_code == 403
    assert client.get(f"/budget/ordini/{rows['order'].id}").status_code == 403
