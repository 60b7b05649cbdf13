"""Every input error of a budget form in one round: a rule that needs no database (a day not in the future,
an amount above zero, the CIG's shape, a period's order, the lines against the total) is the service's own
check, run by the form too (core.fields.ServiceRule), so it shows with the form's other errors, on its
field, the input kept — not only once the user fixed those (QA: a delivery's future date appeared only
after its hours were fixed; a contract's malformed CIG only after its amounts)."""
from datetime import date, timedelta

import pytest
from flask import g
from flask_login import login_user
from sqlalchemy import func, select

from portal.budget import contracts
from portal.budget.models import Contract, Delivery, DeliveryStatus, InternalCost, Invoice
from portal.budget.services import BudgetError
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, contract_form, make_contract, make_delivery, make_order
from .fixtures import fresh
from .helpers import csrf_from, csrf_token

FUTURE = "La data non può essere nel futuro."
NOT_POSITIVE_UNITS = "Le ore o unità devono essere maggiori di zero."
NOT_POSITIVE_AMOUNT = "L&#39;importo deve essere maggiore di zero."


def _soon() -> str:
    return (date.today() + timedelta(days=10)).isoformat()


def _count(network, model):
    with context.acting_as(network.tenants["n1"].id):
        return db.session.scalar(select(func.count(model.id)))


def test_a_delivery_with_a_future_day_and_bad_hours_shows_both_at_once(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], value="500.00", price="25.00", quantity="20")
    order = make_order(contract, network.action, quantity="10")
    provider = login("p_user")
    token = csrf_token(provider, f"/budget/ordini/{order.id}")
    for units in ("-2", "0"):
        response = provider.post(f"/budget/ordini/{order.id}", data={
            "csrf_token": token, "delivered_on": _soon(), "units": units, "attended": "y", "note": "Colloquio"})
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert FUTURE in body and NOT_POSITIVE_UNITS in body, units
        assert f'value="{units}"' in body and f'value="{_soon()}"' in body and 'value="Colloquio"' in body
    assert _count(network, Delivery) == 0


def test_correcting_a_delivery_shows_every_input_error_at_once(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], value="500.00", price="25.00", quantity="20")
    order = make_order(contract, network.action, quantity="10")
    delivery = make_delivery(order, units="2", status=DeliveryStatus.RETURNED)
    provider = login("p_user")
    url = f"/budget/prestazioni/{delivery.id}/modifica"
    token = csrf_token(provider, url)
    response = provider.post(url, data={"csrf_token": token, "version": delivery.version, "delivered_on": _soon(),
                                        "units": "0", "note": "Corretta"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and FUTURE in body and NOT_POSITIVE_UNITS in body and 'value="Corretta"' in body
    assert fresh(Delivery, delivery.id, network.tenants["n1"].id).status == DeliveryStatus.RETURNED


def test_a_new_contract_shows_the_cig_period_and_amount_errors_in_one_round(login, network):
    budget = budget_of(network)
    officer = login("n1_budget_officer")
    token = csrf_token(officer, "/budget/contratti/nuovo")

    def refused(**overrides) -> str:
        response = officer.post("/budget/contratti/nuovo", data={**contract_form(network, budget, **overrides),
                                                                 "csrf_token": token})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    # The example QA found: a bad amount (here a negative price) and a malformed CIG.
    body = refused(cig="NOPE", end_date="2025-12-31", total_value="0,00", **{"lines-0-unit_price": "-3"})
    assert "Il CIG è di 10 caratteri" in body
    assert "La fine del contratto non può precedere l&#39;inizio." in body
    assert "Il valore del contratto deve essere maggiore di zero." in body
    assert "Il numero deve essere maggiore" in body  # the row's price: the form's own check
    assert 'value="NOPE"' in body and 'value="0,00"' in body
    # The rows against the total, and a row without quantity, with the CIG.
    body = refused(cig="NOPE", total_value="100,00")
    assert "Il CIG è di 10 caratteri" in body and "Le righe valgono più del valore del contratto." in body
    body = refused(cig="NOPE", **{"lines-0-quantity": "0"})
    assert "Il CIG è di 10 caratteri" in body and "Ogni riga ha una quantità maggiore di zero" in body
    assert _count(network, Contract) == 0


def test_a_contract_without_quantity_is_refused_by_the_service_too(app, network):
    """create_contract took a row of quantity 0 (only the edit refused it): one rule for both, in the service."""
    budget = budget_of(network)
    node = network.tenants["n1"]
    with app.test_request_context(), context.acting_as(node.id, network.users["n1_budget_officer"].id):
        login_user(network.users["n1_budget_officer"])
        g.membership = network.memberships["n1_budget_officer"]
        data = {"budget_line": budget.lines[0], "provider": network.tenants["p"].id, "title": "Zero", "procedure": "open",
                "cig": "ZERO000001", "start_date": date(2026, 1, 1), "end_date": date(2026, 12, 31),
                "total_value": "100.00", "vat_rate": "5"}
        with pytest.raises(BudgetError, match="quantità maggiore di zero"):
            contracts.create_contract(data, [{"service_type": "counselling", "unit": "hour", "unit_price": "10.00",
                                              "quantity": 0}])


def test_editing_a_contract_shows_the_cig_and_amount_errors_in_one_round(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="MODIFICA01", value="500.00")
    line = contract.lines[0]
    officer = login("n1_budget_officer")
    url = f"/budget/contratti/{contract.id}/modifica"
    token = csrf_token(officer, url)
    response = officer.post(url, data={
        "csrf_token": token, "version": contract.version, "title": contract.title, "procedure": "open",
        "legal_basis": "D.Lgs. 36/2023", "cig": "12-AB", "start_date": "2026-01-01", "end_date": "2027-12-31",
        "total_value": "0", "vat_rate": "5", "lines-0-line_id": str(line.id), "lines-0-service_type": "counselling",
        "lines-0-unit": "hour", "lines-0-unit_price": "25,00", "lines-0-quantity": "abc"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Il CIG è di 10 caratteri" in body and "Il valore del contratto deve essere maggiore di zero." in body
    assert "Scrivi un numero di ore" in body and 'value="12-AB"' in body
    assert fresh(Contract, contract.id, network.tenants["n1"].id).cig == "MODIFICA01"


def test_an_invoice_and_an_internal_cost_show_day_and_amount_errors_at_once(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    officer = login("n1_coordinator")
    token = csrf_token(officer, f"/budget/contratti/{contract.id}")
    response = officer.post(f"/budget/contratti/{contract.id}/fatture", data={
        "csrf_token": token, "number": "7/2026", "issued_on": _soon(), "amount": "0"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and FUTURE in body and NOT_POSITIVE_AMOUNT in body and 'value="7/2026"' in body
    page = officer.get("/budget/costi-interni").get_data(as_text=True)
    line_id = page.split('<option value="')[1].split('"')[0]
    response = officer.post("/budget/costi-interni", data={
        "csrf_token": csrf_from(page), "line": line_id, "spent_on": _soon(), "description": "Monitoraggio", "amount": "-5"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and FUTURE in body and NOT_POSITIVE_AMOUNT in body and 'value="-5"' in body
    assert _count(network, Invoice) == 0 and _count(network, InternalCost) == 0


def test_an_order_a_budget_line_and_a_sample_show_every_input_error_at_once(login, network):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"])
    officer = login("n1_coordinator")
    url = f"/budget/contratti/{contract.id}/ordini/nuovo"
    response = officer.post(url, data={"csrf_token": csrf_token(officer, url), "action": "", "line": "", "quantity": "0"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "La quantità deve essere maggiore di zero." in body
    url = f"/budget/linee/{budget.lines[0].id}/modifica"
    response = officer.post(url, data={"csrf_token": csrf_token(officer, url), "version": budget.lines[0].version,
                                       "title": "", "allocated": "-1,00"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Lo stanziamento non può essere negativo." in body
    response = officer.post("/budget/controlli/campioni", data={
        "csrf_token": csrf_token(officer, "/budget/controlli"), "provider": network.tenants["p"].id,
        "period_from": "2026-05-01", "period_to": "2026-04-01", "note": "Da tenere"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "uno dei due" in body
    assert "La fine del periodo non può precedere l&#39;inizio." in body and 'value="Da tenere"' in body
