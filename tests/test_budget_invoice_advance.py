"""An invoice beyond the work approved so far (Fatturato above Erogato) is not verified without a word: the
statement says by how much, and verifying it takes the budget officer's confirmation that it is an advance the
contract allows, audited as such."""
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.budget.models import DeliveryStatus, Invoice, InvoiceStatus
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .fixtures import fresh
from .helpers import csrf_token


def _invoice(officer, contract, number, amount):
    token = csrf_token(officer, f"/budget/contratti/{contract.id}")
    response = officer.post(f"/budget/contratti/{contract.id}/fatture", data={
        "csrf_token": token, "number": number, "issued_on": "2026-04-01", "amount": amount})
    assert response.status_code == 302
    return db.session.scalar(select(Invoice).where(Invoice.contract_id == contract.id, Invoice.number == number))


def _verify(officer, invoice, **extra):
    token = csrf_token(officer, f"/budget/contratti/{invoice.contract_id}")
    return officer.post(f"/budget/fatture/{invoice.id}", data={
        "csrf_token": token, "version": invoice.version, "step": "verify", **extra}, follow_redirects=True)


def test_an_invoice_beyond_the_approved_work_is_verified_only_as_a_confirmed_advance(login, network):
    node = network.tenants["n1"].id
    contract = make_contract(network, budget_of(network), network.tenants["p"])  # € 25,00 an hour
    make_delivery(make_order(contract, network.action, quantity="10"), units="4", status=DeliveryStatus.APPROVED)
    officer = login("n1_budget_officer")
    with context.acting_as(node):
        within = _invoice(officer, contract, "1/2026", "80,00")
        beyond = _invoice(officer, contract, "2/2026", "50,00")
    assert "Verificandola" not in officer.get(f"/budget/contratti/{contract.id}").get_data(as_text=True)  # each alone
    assert _verify(officer, within).status_code == 200
    assert fresh(Invoice, within.id, node).status == InvoiceStatus.VERIFIED
    page = officer.get(f"/budget/contratti/{contract.id}").get_data(as_text=True)
    assert page.count("Verificandola") == 1  # 80 + 50 − 100:
    assert "Verificandola, le fatture verificate supererebbero l’erogato di €\xa030,00." in page
    assert f'id="advance-{beyond.id}"' in page
    token = csrf_token(officer, f"/budget/contratti/{contract.id}")
    answer = officer.post(f"/budget/fatture/{beyond.id}", data={"csrf_token": token, "version": beyond.version,
                                                                "step": "verify"})
    assert answer.location.endswith(f"/budget/contratti/{contract.id}")  # the top, where the refusal is told
    refused = officer.get(answer.location).get_data(as_text=True)
    assert ("Verificando la fattura 2/2026, le fatture verificate supererebbero di €\xa030,00 le prestazioni "
            "erogate e approvate finora") in refused
    assert fresh(Invoice, beyond.id, node).status == InvoiceStatus.RECEIVED
    assert 'name="advance" value="30.00"' in page  # the tick carries the excess it confirms
    _verify(officer, fresh(Invoice, beyond.id, node), advance="30.00")
    assert fresh(Invoice, beyond.id, node).status == InvoiceStatus.VERIFIED
    with context.acting_as(node):
        audited = {e.object_id: e.fields for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "invoice.verified"))}
    assert audited == {str(within.id): ["status"], str(beyond.id): ["advance", "status"]}


def test_a_tick_confirms_the_excess_it_was_shown_not_one_grown_since(login, network):
    """The page showed € 30,00 beyond; meanwhile another invoice was verified as an advance, and this one would
    now go € 70,00 beyond: the old tick does not cover it, the refusal says the new figure. Found by review."""
    node = network.tenants["n1"].id
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    make_delivery(make_order(contract, network.action, quantity="10"), units="4", status=DeliveryStatus.APPROVED)
    officer = login("n1_budget_officer")
    with context.acting_as(node):
        first = _invoice(officer, contract, "1/2026", "80,00")
        second = _invoice(officer, contract, "2/2026", "50,00")
        third = _invoice(officer, contract, "3/2026", "40,00")
    _verify(officer, first)
    assert 'name="advance" value="30.00"' in officer.get(f"/budget/contratti/{contract.id}").get_data(as_text=True)
    _verify(officer, third, advance="20.00")  # a colleague: 80 + 40 − 100
    refused = _verify(officer, second, advance="30.00").get_data(as_text=True)
    assert "L'eccedenza della fattura 2/2026 è cambiata: ora le fatture verificate supererebbero di €\xa070,00" \
        in refused.replace("&#39;", "'")
    assert fresh(Invoice, second.id, node).status == InvoiceStatus.RECEIVED
    _verify(officer, fresh(Invoice, second.id, node), advance="70.00")
    assert fresh(Invoice, second.id, node).status == InvoiceStatus.VERIFIED
