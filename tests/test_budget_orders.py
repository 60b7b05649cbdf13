"""Service orders after issue: the list (filters, pages, bounded queries), closing and cancelling with a
reason, the provider correcting a returned delivery, and editing contracts and budget lines under
optimistic locking with the figures kept consistent."""
import re
from decimal import Decimal

from markupsafe import escape
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.budget.models import BudgetLine, Contract, Delivery, DeliveryStatus, OrderStatus, ServiceOrder
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .factories import make_action
from .fixtures import fresh
from .helpers import csrf_from, csrf_token


def _events(network, action, object_id=None):
    with context.acting_as(network.tenants["n1"].id):
        query = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            query = query.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(query))


# --- the list ------------------------------------------------------------------------------------------

def test_order_list_filters_and_pages_for_the_node_and_the_provider(login, network):
    budget = budget_of(network)
    first = make_contract(network, budget, network.tenants["p"], cig="LISTA00001", value="900.00")
    second = make_contract(network, budget, network.tenants["p"], cig="LISTA00002", value="90.00")
    orders = [make_order(first, network.action)]
    for _ in range(26):
        orders.append(make_order(second, make_action(network.case, provider=network.tenants["p"]), quantity="1"))
    with context.acting_as(network.tenants["n1"].id):
        orders[1].status = OrderStatus.CLOSED
        db.session.flush()
    officer = login("n1_budget_officer")
    page = officer.get("/budget/ordini").get_data(as_text=True)
    assert page.count('data-order="') == 25 and "Pagina successiva" in page and "Fornitore Pi" in page
    page2 = officer.get("/budget/ordini?pagina=2").get_data(as_text=True)
    assert page2.count('data-order="') == 2 and "Pagina precedente" in page2
    only_first = officer.get(f"/budget/ordini?contratto={first.id}").get_data(as_text=True)
    assert only_first.count('data-order="') == 1 and f'data-order="{orders[0].id}"' in only_first
    closed = officer.get("/budget/ordini?stato=closed").get_data(as_text=True)
    assert closed.count('data-order="') == 1 and f'data-order="{orders[1].id}"' in closed
    by_provider = officer.get(f"/budget/ordini?fornitore={network.tenants['p'].id}&stato=open").get_data(as_text=True)
    assert by_provider.count('data-order="') == 25 and "pagina=2" in by_provider and "stato=open" in by_provider
    nonsense = officer.get("/budget/ordini?stato=xyz&contratto=abc&pagina=-3")
    assert nonsense.status_code == 200
    provider = login("p_user")
    mine = provider.get(f"/budget/ordini?contratto={first.id}").get_data(as_text=True)
    assert mine.count('data-order="') == 1 and 'name="fornitore"' not in mine
    assert login("n1_case_worker").get("/budget/ordini").status_code == 403
    assert login("a_operator").get("/budget/ordini").status_code == 403


def test_order_list_runs_a_bounded_number_of_queries(login, network, count_queries):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"], cig="NPIU100001", value="900.00")
    order = make_order(contract, network.action)
    make_delivery(order)
    client = login("n1_coordinator")

    def measure():
        client.get("/budget/ordini")
        with count_queries() as counter:
            assert client.get("/budget/ordini").status_code == 200
        return counter.count

    small = measure()
    for _ in range(6):
        extra = make_order(contract, make_action(network.case, provider=network.tenants["p"]), quantity="0.5")
        make_delivery(extra, units="0.1", status=DeliveryStatus.APPROVED)
        make_delivery(extra, units="0.1")
    assert measure() == small and small < 25


# --- closing and cancelling ----------------------------------------------------------------------------

def test_close_keeps_input_on_error_then_blocks_new_deliveries(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    order = make_order(contract, network.action)
    make_delivery(order)
    version = order.version
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    url = f"/budget/ordini/{order.id}/stato"
    no_reason = officer.post(url, data={"csrf_token": token, "version": order.version, "step": "close", "reason": ""})
    assert no_reason.status_code == 200 and "Indica il motivo" in no_reason.get_data(as_text=True)
    cancel = officer.post(url, data={"csrf_token": token, "version": order.version, "step": "cancel", "reason": "Per errore"})
    body = cancel.get_data(as_text=True)
    assert cancel.status_code == 200 and "non si annulla, si chiude" in body and "Per errore" in body
    assert officer.post(url, data={"csrf_token": token, "version": order.version, "step": "close",
                                   "reason": "Percorso concluso"}).status_code == 302
    closed = fresh(ServiceOrder, order.id, network.tenants["n1"].id)
    assert closed.status == OrderStatus.CLOSED and closed.status_reason == "Percorso concluso"
    assert _events(network, "service_order.closed", order.id)
    assert officer.post(url, data={"csrf_token": token, "version": version, "step": "close", "reason": "x"}).status_code == 409
    provider = login("p_user")
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert "Registra una prestazione" not in page and "Percorso concluso" in page
    refused = provider.post(f"/budget/ordini/{order.id}", data={"csrf_token": csrf_from(page), "delivered_on": "2026-03-02",
                                                                "units": "1"})
    assert refused.status_code == 200 and "non è aperto" in refused.get_data(as_text=True)  # the service's refusal
    assert provider.post(url, data={"csrf_token": csrf_from(page), "version": closed.version, "step": "cancel",
                                    "reason": "x"}).status_code == 403


def test_cancel_an_order_without_deliveries_frees_its_quantity(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], quantity="10")
    order = make_order(contract, network.action, quantity="10")
    officer = login("n1_coordinator")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    assert officer.post(f"/budget/ordini/{order.id}/stato", data={
        "csrf_token": token, "version": order.version, "step": "cancel", "reason": "Emesso per errore"}).status_code == 302
    assert fresh(ServiceOrder, order.id, network.tenants["n1"].id).status == OrderStatus.CANCELLED
    assert _events(network, "service_order.cancelled", order.id)
    from portal.budget.contracts import ordered_by_line

    with context.acting_as(network.tenants["n1"].id):
        assert ordered_by_line(contract) == {}


# --- the node changes the order or the delivery while the provider types -----------------------------------

KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
TYPED_NOTE = "Colloquio di orientamento con la mediatrice"


def _deliveries(network, order) -> int:
    with context.acting_as(network.tenants["n1"].id):
        return db.session.scalar(select(func.count(Delivery.id)).where(Delivery.order_id == order.id))


def test_a_delivery_typed_while_the_node_closed_the_order_comes_back_refused_with_the_input(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    order = make_order(contract, network.action)
    make_delivery(order)
    provider = login("p_user")
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert "Registra una prestazione" in page
    officer = login("n1_budget_officer")
    assert officer.post(f"/budget/ordini/{order.id}/stato", data={
        "csrf_token": csrf_token(officer, f"/budget/ordini/{order.id}"), "version": order.version, "step": "close",
        "reason": "Servizio concluso"}).status_code == 302
    response = provider.post(f"/budget/ordini/{order.id}", data={
        "csrf_token": csrf_from(page), "submission_key": KEY_RE.search(page).group(1), "delivered_on": "2026-03-09",
        "units": "1,5", "attended": "y", "note": TYPED_NOTE})
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert str(escape("L'ordine di servizio non è aperto.")) in body
    assert TYPED_NOTE in body and 'value="2026-03-09"' in body and 'value="1,5"' in body
    assert _deliveries(network, order) == 1  # the one logged before the order closed
    # The node's own staff never log deliveries: that is the role's refusal.
    assert officer.post(f"/budget/ordini/{order.id}", data={
        "csrf_token": csrf_token(officer, f"/budget/ordini/{order.id}"), "delivered_on": "2026-03-09",
        "units": "1"}).status_code == 403


def _correction_page(login, network):
    """A delivery, and its correction page opened by the provider before the node does anything."""
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    order = make_order(contract, network.action)
    delivery = make_delivery(order)
    provider = login("p_user")
    url = f"/budget/prestazioni/{delivery.id}/modifica"
    return order, delivery, provider, url, provider.get(url).get_data(as_text=True), login("n1_budget_officer")


def _send_correction(provider, url, page, delivery):
    return provider.post(url, data={"csrf_token": csrf_from(page), "version": delivery.version,
                                    "delivered_on": "2026-03-03", "units": "3", "attended": "y", "note": TYPED_NOTE})


def test_a_correction_typed_while_the_node_reviewed_the_delivery_is_a_conflict_with_the_input(login, network):
    order, delivery, provider, url, page, officer = _correction_page(login, network)
    assert officer.post(f"/budget/prestazioni/{delivery.id}/esame", data={
        "csrf_token": csrf_token(officer, f"/budget/ordini/{order.id}"), "version": delivery.version,
        "decision": "approve"}).status_code == 302
    response = _send_correction(provider, url, page, delivery)
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body
    assert TYPED_NOTE in body and "03/03/2026" in body
    approved = fresh(Delivery, delivery.id, network.tenants["n1"].id)
    assert approved.status == DeliveryStatus.APPROVED and approved.note == "Nota di prova"
    assert provider.get(url).status_code == 403  # the page itself: an approved delivery is not corrected


def test_a_correction_typed_while_the_node_closed_the_order_comes_back_refused_with_the_input(login, network):
    order, delivery, provider, url, page, officer = _correction_page(login, network)
    assert officer.post(f"/budget/ordini/{order.id}/stato", data={
        "csrf_token": csrf_token(officer, f"/budget/ordini/{order.id}"), "version": order.version, "step": "close",
        "reason": "Servizio concluso"}).status_code == 302
    response = _send_correction(provider, url, page, delivery)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert str(escape("L'ordine di servizio non è aperto.")) in body and TYPED_NOTE in body
    assert fresh(Delivery, delivery.id, network.tenants["n1"].id).note == "Nota di prova"


# --- the provider corrects a returned delivery -----------------------------------------------------------

def test_provider_corrects_a_returned_delivery_and_resubmits_it(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], value="100.00", price="25.00", quantity="4")
    order = make_order(contract, network.action, quantity="4")
    approved = make_delivery(order, units="1", status=DeliveryStatus.APPROVED)
    delivery = make_delivery(order, units="2")
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    officer.post(f"/budget/prestazioni/{delivery.id}/esame", data={
        "csrf_token": token, "version": delivery.version, "decision": "return", "note": "Manca il foglio firme"})
    returned = fresh(Delivery, delivery.id, network.tenants["n1"].id)
    assert returned.status == DeliveryStatus.RETURNED and returned.times_returned == 1
    returned_version = returned.version

    provider = login("p_user")
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert f"/budget/prestazioni/{delivery.id}/modifica" in page and f"/budget/prestazioni/{approved.id}/modifica" not in page
    assert provider.get(f"/budget/prestazioni/{approved.id}/modifica").status_code == 403  # approved: never edited
    form_page = provider.get(f"/budget/prestazioni/{delivery.id}/modifica").get_data(as_text=True)
    assert "Manca il foglio firme" in form_page
    token = csrf_from(form_page)
    url = f"/budget/prestazioni/{delivery.id}/modifica"
    too_much = provider.post(url, data={"csrf_token": token, "version": returned.version, "delivered_on": "2026-03-02",
                                        "units": "4", "attended": "y", "note": "Con foglio firme"})
    body = too_much.get_data(as_text=True)
    assert too_much.status_code == 200 and "supera il valore residuo" in body and "Con foglio firme" in body
    assert provider.post(url, data={"csrf_token": token, "version": returned.version, "delivered_on": "2026-03-03",
                                    "units": "2,5", "attended": "y", "note": "Con foglio firme"}).status_code == 302
    again = fresh(Delivery, delivery.id, network.tenants["n1"].id)
    assert again.status == DeliveryStatus.SUBMITTED and again.amount == Decimal("62.50") and again.note == "Con foglio firme"
    assert again.review_note == "Manca il foglio firme" and again.times_returned == 1
    assert _events(network, "delivery.resubmitted", delivery.id)
    assert provider.post(url, data={"csrf_token": token, "version": returned_version, "delivered_on": "2026-03-03",
                                    "units": "1"}).status_code == 409
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    assert officer.post(f"/budget/prestazioni/{delivery.id}/esame", data={
        "csrf_token": token, "version": again.version, "decision": "approve"}).status_code == 302
    assert provider.get(url).status_code == 403
    assert officer.get(url).status_code == 403  # the node reviews, it does not edit the provider's delivery


# --- editing contracts and budget lines ----------------------------------------------------------------

def _edit_data(contract, line, **overrides):
    data = {
        "version": contract.version, "title": contract.title, "procedure": "open", "legal_basis": "D.Lgs. 36/2023",
        "cig": contract.cig, "start_date": "2026-01-01", "end_date": "2027-12-31", "total_value": "500,00", "vat_rate": "5",
        "lines-0-line_id": str(line.id), "lines-0-service_type": "counselling", "lines-0-unit": "hour",
        "lines-0-unit_price": "25,00", "lines-0-quantity": "20", "lines-1-line_id": "", "lines-1-service_type": "",
    }
    data.update(overrides)
    return data


def test_edit_contract_refuses_inconsistent_figures_and_keeps_input(login, network):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"], cig="MODIFICA01", value="500.00", price="25.00", quantity="20")
    make_contract(network, budget, network.tenants["p"], cig="ALTROCIG01", value="10.00")
    line = contract.lines[0]
    first_version = contract.version
    order = make_order(contract, network.action, quantity="8")
    make_delivery(order, units="8", status=DeliveryStatus.APPROVED)  # € 200,00 approved
    officer = login("n1_budget_officer")
    page = officer.get(f"/budget/contratti/{contract.id}/modifica").get_data(as_text=True)
    assert 'value="MODIFICA01"' in page and 'value="500,00"' in page
    assert f'id="lines-0-line_id" name="lines-0-line_id" type="hidden" value="{line.id}"' in page  # the lines first
    token = csrf_from(page)
    url = f"/budget/contratti/{contract.id}/modifica"

    def post(**overrides):
        return officer.post(url, data={**_edit_data(contract, line, **overrides), "csrf_token": token})

    below = post(total_value="150,00", title="Titolo nuovo", **{"lines-0-quantity": "6"})
    body = below.get_data(as_text=True)
    assert below.status_code == 200 and "sotto le prestazioni già approvate (€\xa0200,00)" in body
    assert 'value="Titolo nuovo"' in body and 'value="150,00"' in body
    # 24,00 × 20 stays within the value: 30,00 was also refused at once for the rows worth more than the contract
    assert "già usata da ordini" in post(**{"lines-0-unit_price": "24,00"}).get_data(as_text=True)
    assert "sotto quella già ordinata" in post(**{"lines-0-quantity": "7"}).get_data(as_text=True)
    assert "valgono più del valore" in post(total_value="400,00").get_data(as_text=True)
    assert "Esiste già un contratto con questo CIG" in post(cig="ALTROCIG01").get_data(as_text=True)
    assert "lascerebbe fuori prestazioni" in post(start_date="2026-04-01").get_data(as_text=True)
    assert "supera il residuo della linea" in post(total_value="995,00").get_data(as_text=True)
    assert fresh(Contract, contract.id, network.tenants["n1"].id).total_value == Decimal("500.00")

    ok = post(total_value="600,00", title="Titolo nuovo", **{"lines-0-quantity": "22", "lines-1-service_type": "training",
                                                              "lines-1-unit": "hour", "lines-1-unit_price": "10,00",
                                                              "lines-1-quantity": "5"})
    assert ok.status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        saved = db.session.scalar(select(Contract).where(Contract.id == contract.id).execution_options(populate_existing=True))
        db.session.expire(saved, ["lines"])
        for item in saved.lines:
            db.session.refresh(item)
        assert saved.total_value == Decimal("600.00") and saved.title == "Titolo nuovo"
        assert [(str(x.service_type), x.quantity) for x in saved.lines] == [("counselling", Decimal("22.00")), ("training", Decimal("5.00"))]
    events = _events(network, "contract.updated", contract.id)
    assert events and {"lines", "title", "total_value"} <= set(events[0].fields)
    assert post(total_value="610,00", version=first_version).status_code == 409  # stale version
    forced = officer.post(url, data={**_edit_data(saved, line, total_value="995,00", **{
        "lines-0-quantity": "22", "lines-1-line_id": str(saved.lines[1].id), "lines-1-service_type": "training",
        "lines-1-unit": "hour", "lines-1-unit_price": "10,00", "lines-1-quantity": "5"}),
        "override_reason": "Variante approvata", "csrf_token": token})
    assert forced.status_code == 302 and _events(network, "contract.override", contract.id)


def test_conflict_page_shows_the_typed_contract_under_its_labels(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="CONFLITTO1", value="500.00",
                             price="25.00", quantity="20")
    officer = login("n1_coordinator")
    url = f"/budget/contratti/{contract.id}/modifica"
    token = csrf_token(officer, url)
    stale = _edit_data(contract, contract.lines[0], version=contract.version - 1, title="Titolo dalla seconda scheda",
                       csrf_token=token)
    response = officer.post(url, data=stale)
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "Titolo dalla seconda scheda" in body
    # Labels, choices and dates as the form shows them: not field names, stored codes, ISO dates.
    assert "Oggetto del contratto" in body and "Procedura aperta" in body and "Counselling" in body
    assert "01/01/2026" in body and "Riga 1: Tipo di servizio" in body
    assert "<dt>title</dt>" not in body and "<dd>open</dd>" not in body and "2026-01-01" not in body


def test_unused_line_can_be_removed_and_only_money_roles_edit(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="RIGHE00001")
    line = contract.lines[0]
    officer = login("n1_coordinator")
    token = csrf_token(officer, f"/budget/contratti/{contract.id}/modifica")
    only_line = officer.post(f"/budget/contratti/{contract.id}/modifica",
                             data={**_edit_data(contract, line, **{"lines-0-service_type": ""}), "csrf_token": token})
    assert "almeno una riga" in only_line.get_data(as_text=True)
    for key in ("n1_case_worker", "p_user"):
        assert login(key).get(f"/budget/contratti/{contract.id}/modifica").status_code == 403


def test_edit_budget_line_not_below_committed(login, network):
    budget = budget_of(network)
    make_contract(network, budget, network.tenants["p"], cig="LINEA00001", value="700.00")
    line = budget.lines[0]
    version = line.version
    officer = login("n1_budget_officer")
    page = officer.get(f"/budget/linee/{line.id}/modifica").get_data(as_text=True)
    token = csrf_from(page)
    url = f"/budget/linee/{line.id}/modifica"
    below = officer.post(url, data={"csrf_token": token, "version": line.version, "title": "Servizi", "allocated": "600,00"})
    body = below.get_data(as_text=True)
    assert below.status_code == 200 and "sotto quanto già impegnato sulla linea (€\xa0700,00)" in body and 'value="600,00"' in body
    assert officer.post(url, data={"csrf_token": token, "version": line.version, "title": "Servizi in appalto",
                                   "allocated": "1.000,44"}).status_code == 302
    saved = fresh(BudgetLine, line.id, network.tenants["n1"].id)
    assert saved.allocated == Decimal("1000.44") and saved.title == "Servizi in appalto"
    assert _events(network, "budget_line.updated", line.id)
    overview = officer.get("/budget/").get_data(as_text=True)
    assert "Differenza di riconciliazione" not in overview  # the lines now add up to the declared total
    assert officer.post(url, data={"csrf_token": token, "version": version, "title": "x", "allocated": "1,00"}).status_code == 409
    assert login("n1_case_worker").get(url).status_code == 403
    assert login("n2_budget_officer").get(url).status_code == 404


def test_unknown_ids_are_404(login, network):
    budget_of(network)
    officer = login("n1_coordinator")
    token = csrf_token(officer, "/budget/ordini")
    for path in ("/budget/contratti/999999/modifica", "/budget/linee/999999/modifica", "/budget/casi/999999/accesso-identita",
                 "/budget/controlli/campioni/999999", "/budget/fornitori/999999/scheda"):
        assert officer.get(path).status_code == 404, path
    for path in ("/budget/ordini/999999/stato", "/budget/accesso-identita/999999/revoca", "/budget/controlli/verifiche/999999"):
        assert officer.post(path, data={"csrf_token": token, "version": "1"}).status_code == 404, path
    provider = login("p_user")
    assert provider.get("/budget/prestazioni/999999/modifica").status_code == 404
    # A tenant id that is no provider of this node (the antenna) is no scorecard either.
    assert officer.get(f"/budget/fornitori/{network.tenants['a'].id}/scheda").status_code == 404
