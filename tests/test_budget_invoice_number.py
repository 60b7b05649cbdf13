"""An invoice number already registered on a contract is refused on the number field, before the insert (the
unique key on contract and number is the last guard: tests/test_budget_concurrent_requests.py); the same
number from another contract's provider is another invoice."""
from sqlalchemy import func, select

from portal.budget.models import Invoice
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract
from .helpers import csrf_token, field_error


def _post(client, token, contract, number="FT 12/2026", amount="100,00"):
    return client.post(f"/budget/contratti/{contract.id}/fatture", data={
        "csrf_token": token, "number": number, "issued_on": "2026-04-01", "amount": amount})


def test_a_number_already_registered_on_the_contract_is_a_form_error(login, network):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"], cig="NUMERO0001")
    other = make_contract(network, budget, network.tenants["p"], cig="NUMERO0002")
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/contratti/{contract.id}")
    assert _post(officer, token, contract).status_code == 302
    again = _post(officer, token, contract, number=" FT 12/2026 ", amount="50,00")
    body = again.get_data(as_text=True)
    assert again.status_code == 200
    assert field_error(body, "number") == "Questa fattura è già registrata per il contratto."
    assert 'value="50,00"' in body  # the input kept
    assert _post(officer, token, other).status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        counts = dict(db.session.execute(select(Invoice.contract_id, func.count()).group_by(Invoice.contract_id)).all())
    assert counts == {contract.id: 1, other.id: 1}
