"""Budget screens over HTTP: the reconciliation warning and its settlement, contracts with
lines and the commitment limit, service orders, deliveries logged by the provider and reviewed by the
node, invoices and payments, internal costs, optimistic locking, audit, exports and bounded queries."""
import io
import re
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.budget.models import Contract, Delivery, DeliveryStatus, InternalCost, Invoice, InvoiceStatus, ServiceOrder
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, contract_form, make_contract, make_delivery, make_order
from .factories import make_action
from .fixtures import fresh
from .helpers import csrf_from, csrf_token


def _events(network, action):
    with context.acting_as(network.tenants["n1"].id):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_overview_shows_the_reconciliation_difference_and_records_its_settlement(login, network):
    budget = budget_of(network)
    client = login("n1_budget_officer")
    page = client.get("/budget/").get_data(as_text=True)
    assert "Differenza di riconciliazione: €\xa00,44" in page
    assert "€\xa01.100,44" in page and "€\xa01.100,00" in page
    assert "<svg role=\"img\"" in page and "<table" in page
    token = csrf_from(page)
    response = client.post(f"/budget/{budget.id}/riconciliazione", data={"csrf_token": token, "version": budget.version, "note": ""})
    assert response.status_code == 200 and "Il modulo contiene errori" in response.get_data(as_text=True)
    response = client.post(f"/budget/{budget.id}/riconciliazione",
                           data={"csrf_token": token, "version": budget.version, "note": "Arrotondamento della delibera"})
    assert response.status_code == 302
    page = client.get("/budget/").get_data(as_text=True)
    # Never silently fixed: the warning stays, with how it was settled.
    assert "Differenza di riconciliazione: €\xa00,44" in page and "Arrotondamento della delibera" in page
    assert _events(network, "budget.reconciliation_settled")
    stale = client.post(f"/budget/{budget.id}/riconciliazione", data={"csrf_token": token, "version": budget.version, "note": "x"})
    assert stale.status_code == 409


def test_create_contract_with_lines_validates_and_keeps_input(login, network):
    budget = budget_of(network)
    client = login("n1_budget_officer")
    token = csrf_token(client, "/budget/contratti/nuovo")
    bad = client.post("/budget/contratti/nuovo", data={**contract_form(network, budget, cig="NOPE"), "csrf_token": token})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Il CIG è di 10 caratteri" in body and 'value="Servizi di orientamento (prova)"' in body
    over = client.post("/budget/contratti/nuovo", data={**contract_form(network, budget, total_value="1.200,00"), "csrf_token": token})
    assert over.status_code == 200 and "supera il residuo della linea" in over.get_data(as_text=True)
    ok = client.post("/budget/contratti/nuovo", data={**contract_form(network, budget), "csrf_token": token})
    assert ok.status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        contract = db.session.scalar(select(Contract).where(Contract.cig == "AB12CD34EF"))
        assert contract.total_value == Decimal("600.00") and contract.provider_id == network.tenants["p"].id
        assert [(line.unit_price, line.quantity) for line in contract.lines] == [(Decimal("25.50"), Decimal("20.00"))]
    assert _events(network, "contract.created")
    forced = client.post("/budget/contratti/nuovo", data={
        **contract_form(network, budget, cig="ZZ12CD34EF", total_value="520,00"), "override_reason": "Variante approvata",
        "csrf_token": token})
    assert forced.status_code == 302
    assert _events(network, "contract.override")
    page = client.get("/budget/").get_data(as_text=True)
    assert "€\xa01.120,00" in page  # committed: 600 + 520


def _refused_contract(login, network, **overrides) -> str:
    """The page a new contract's refused form comes back as."""
    client = login("n1_budget_officer")
    token = csrf_token(client, "/budget/contratti/nuovo")
    response = client.post("/budget/contratti/nuovo", data={
        **contract_form(network, budget_of(network), **overrides), "csrf_token": token})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_refused_contract_row_is_named_by_its_row_in_the_error_summary(login, network):
    body = _refused_contract(login, network, **{"lines-0-unit_price": "-3"})
    assert 'href="#lines-0-unit_price">Riga 1, Prezzo unitario (€)</a>: Il numero deve essere maggiore' in body
    assert "Lines" not in body and "{&#39;" not in body


def test_an_amount_larger_than_the_database_keeps_is_refused_not_a_server_error(login, network):
    # PostgreSQL's numeric(12, 2) overflowed: a 500
    body = _refused_contract(login, network, total_value="99999999999,00", override_reason="Variante")
    assert "L&#39;importo non può superare €\xa09.999.999.999,99." in body and 'value="99999999999,00"' in body


def test_only_money_roles_create_contracts(login, network):
    budget_of(network)
    for key in ("n1_case_worker", "p_user", "a_operator"):
        assert login(key).get("/budget/contratti/nuovo").status_code == 403


def test_order_delivery_review_flow_and_figures(login, network):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"], value="500.00", price="25.00", quantity="20")
    officer = login("n1_budget_officer")
    page = officer.get(f"/budget/contratti/{contract.id}/ordini/nuovo").get_data(as_text=True)
    assert network.case.pseudonym in page
    response = officer.post(f"/budget/contratti/{contract.id}/ordini/nuovo", data={
        "csrf_token": csrf_from(page), "action": network.action.id, "line": contract.lines[0].id, "quantity": "10"})
    assert response.status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        order = db.session.scalar(select(ServiceOrder).where(ServiceOrder.action_id == network.action.id))
    provider = login("p_user")
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    token = csrf_from(page)
    for units, day in (("2", "2026-03-02"), ("3,5", "2026-03-09")):
        r = provider.post(f"/budget/ordini/{order.id}", data={"csrf_token": token, "delivered_on": day, "units": units, "attended": "y", "note": "Colloquio"})
        assert r.status_code == 302
    refused = provider.post(f"/budget/ordini/{order.id}", data={"csrf_token": token, "delivered_on": "2026-03-10", "units": "100", "note": "troppo"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "supera il valore residuo del contratto" in body and 'value="100"' in body
    with context.acting_as(network.tenants["n1"].id):
        first, second = db.session.scalars(select(Delivery).where(Delivery.order_id == order.id).order_by(Delivery.id)).all()
        assert (first.amount, second.amount) == (Decimal("50.00"), Decimal("87.50"))
    # The provider cannot approve; the node approves one and returns the other (a note is required).
    assert provider.post(f"/budget/prestazioni/{first.id}/esame", data={"csrf_token": token, "version": first.version, "decision": "approve"}).status_code == 403
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    forged = officer.post(f"/budget/prestazioni/{first.id}/esame", data={"csrf_token": token, "version": first.version, "decision": "delete"})
    assert forged.status_code == 400 and fresh(Delivery, first.id, network.tenants["n1"].id).status == DeliveryStatus.SUBMITTED
    assert officer.post(f"/budget/prestazioni/{first.id}/esame", data={"csrf_token": token, "version": first.version, "decision": "approve"}).status_code == 302
    officer.post(f"/budget/prestazioni/{second.id}/esame", data={"csrf_token": token, "version": second.version, "decision": "return"})
    assert fresh(Delivery, second.id, network.tenants["n1"].id).status == DeliveryStatus.SUBMITTED
    officer.post(f"/budget/prestazioni/{second.id}/esame", data={"csrf_token": token, "version": second.version, "decision": "return", "note": "Manca il foglio firme"})
    assert fresh(Delivery, second.id, network.tenants["n1"].id).status == DeliveryStatus.RETURNED
    # Stale version: conflict, nothing overwritten.
    assert officer.post(f"/budget/prestazioni/{first.id}/esame", data={"csrf_token": token, "version": first.version, "decision": "return", "note": "x"}).status_code == 409
    assert _events(network, "delivery.approved") and _events(network, "delivery.returned")
    statement = officer.get(f"/budget/contratti/{contract.id}").get_data(as_text=True)
    assert 'data-figure="committed">€\xa0500,00' in statement and 'data-figure="delivered">€\xa050,00' in statement
    overview = officer.get("/budget/").get_data(as_text=True)
    assert 'data-figure="delivered">€\xa050,00' in overview
    workbook = load_workbook(io.BytesIO(officer.get(f"/budget/contratti/{contract.id}/prestazioni.xlsx").data))
    summary = {row[0]: row[1] for row in workbook["Riepilogo"].iter_rows(values_only=True)}
    assert summary["Impegnato"] == 500 and summary["Erogato (maturato)"] == 50
    rows = list(workbook["Prestazioni"].iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][6] == 50 and rows[1][0].date() == date(2026, 3, 2)
    assert workbook["Prestazioni"]["G2"].number_format.endswith("#,##0.00")
    csv_text = officer.get(f"/budget/contratti/{contract.id}/prestazioni.csv").data.decode("utf-8-sig")
    assert "02/03/2026" in csv_text and "50,00" in csv_text and "87,50" in csv_text


def test_delivery_over_contract_needs_an_override_to_be_approved(login, network):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"], value="100.00", price="25.00", quantity="4")
    order = make_order(contract, network.action, quantity="4")
    make_delivery(order, units="4", status=DeliveryStatus.APPROVED)
    extra = make_delivery(order, units="1")  # slipped in (e.g. logged concurrently): would exceed the contract
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    officer.post(f"/budget/prestazioni/{extra.id}/esame", data={"csrf_token": token, "version": extra.version, "decision": "approve"})
    assert fresh(Delivery, extra.id, network.tenants["n1"].id).status == DeliveryStatus.SUBMITTED
    officer.post(f"/budget/prestazioni/{extra.id}/esame", data={
        "csrf_token": token, "version": extra.version, "decision": "approve", "override_reason": "Ore extra autorizzate"})
    approved = fresh(Delivery, extra.id, network.tenants["n1"].id)
    assert approved.status == DeliveryStatus.APPROVED and approved.override_reason == "Ore extra autorizzate"
    assert _events(network, "delivery.override")


def test_the_order_page_asks_for_the_override_where_approving_would_exceed_the_contract(login, network):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"], value="100.00", price="25.00", quantity="4")
    order = make_order(contract, network.action, quantity="4")
    make_delivery(order, units="3", status=DeliveryStatus.APPROVED)
    fits = make_delivery(order, units="1")
    extra = make_delivery(order, units="1")  # both submitted: approving either fits, approving both does not
    officer = login("n1_budget_officer")
    page = officer.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert f'id="override-{fits.id}"' not in page and f'id="override-{extra.id}"' not in page
    token = csrf_from(page)
    officer.post(f"/budget/prestazioni/{fits.id}/esame", data={"csrf_token": token, "version": fits.version,
                                                                "decision": "approve", "next": "order"})
    page = officer.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    # The one left would pass the contract's value: its approval asks for the reason, on the page, before sending.
    assert re.search(rf'<textarea[^>]*id="override-{extra.id}"[^>]*name="override_reason"[^>]*required', page)
    assert "Approvandola si supera il valore del contratto." in page
    officer.post(f"/budget/prestazioni/{extra.id}/esame", data={
        "csrf_token": token, "version": extra.version, "decision": "approve", "next": "order",
        "override_reason": "Ore extra autorizzate"})
    assert fresh(Delivery, extra.id, network.tenants["n1"].id).status == DeliveryStatus.APPROVED


def test_a_button_form_with_a_text_past_its_limit_says_so_instead_of_a_400(login, network):
    """A client that ignores the box's maxlength sends 501 characters: the page says which box and why."""
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"])
    order = make_order(contract, network.action, quantity="4")
    delivery = make_delivery(order, units="1")
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    response = officer.post(f"/budget/prestazioni/{delivery.id}/esame", data={
        "csrf_token": token, "version": delivery.version, "decision": "return", "next": "order", "note": "x" * 501})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/budget/ordini/{order.id}")
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nota per il soggetto attuatore: " in page and "500" in page
    assert fresh(Delivery, delivery.id, network.tenants["n1"].id).status == DeliveryStatus.SUBMITTED
    # A forged or stale form (its hidden fields) is still a 400.
    forged = officer.post(f"/budget/prestazioni/{delivery.id}/esame", data={
        "csrf_token": token, "version": "", "decision": "return", "note": "x"})
    assert forged.status_code == 400


def test_invoices_and_payments(login, network):
    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"])
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/contratti/{contract.id}")
    too_much = officer.post(f"/budget/contratti/{contract.id}/fatture", data={"csrf_token": token, "number": "1/2026", "issued_on": "2026-04-01", "amount": "600,00"})
    assert too_much.status_code == 200 and "supera il valore del contratto" in too_much.get_data(as_text=True)
    future = officer.post(f"/budget/contratti/{contract.id}/fatture", data={
        "csrf_token": token, "number": "1/2026", "issued_on": f"{date.today().year + 1}-01-01", "amount": "120,50"})
    assert future.status_code == 200 and "La data non può essere nel futuro." in future.get_data(as_text=True)
    assert officer.post(f"/budget/contratti/{contract.id}/fatture", data={"csrf_token": token, "number": "1/2026", "issued_on": "2026-04-01", "amount": "120,50"}).status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        invoice = db.session.scalar(select(Invoice).where(Invoice.contract_id == contract.id))
    forged = officer.post(f"/budget/fatture/{invoice.id}", data={"csrf_token": token, "version": invoice.version, "step": "cancel"})
    assert forged.status_code == 400 and fresh(Invoice, invoice.id, network.tenants["n1"].id).status == InvoiceStatus.RECEIVED
    officer.post(f"/budget/fatture/{invoice.id}", data={"csrf_token": token, "version": invoice.version, "step": "verify",
                                                       "advance": "120.50"})  # nothing delivered yet: an advance
    invoice = fresh(Invoice, invoice.id, network.tenants["n1"].id)
    assert invoice.status == InvoiceStatus.VERIFIED
    undated = officer.post(f"/budget/fatture/{invoice.id}", data={"csrf_token": token, "version": invoice.version,
                                                                  "step": "pay", "paid_on": ""}, follow_redirects=True)
    assert "Indica la data del pagamento." in undated.get_data(as_text=True) and not _events(network, "payment.created")
    assert fresh(Invoice, invoice.id, network.tenants["n1"].id).status == InvoiceStatus.VERIFIED
    officer.post(f"/budget/fatture/{invoice.id}", data={"csrf_token": token, "version": invoice.version, "step": "pay", "paid_on": "2026-05-01"})
    assert fresh(Invoice, invoice.id, network.tenants["n1"].id).status == InvoiceStatus.PAID
    page = officer.get(f"/budget/contratti/{contract.id}").get_data(as_text=True)
    assert 'data-figure="invoiced">€\xa0120,50' in page and 'data-figure="paid">€\xa0120,50' in page
    assert _events(network, "payment.created")


def test_internal_costs_on_the_direct_line(login, network):
    budget_of(network)
    client = login("n1_coordinator")
    page = client.get("/budget/costi-interni").get_data(as_text=True)
    line_id = page.split('<option value="')[1].split('"')[0]
    data = {"csrf_token": csrf_from(page), "line": line_id, "spent_on": "2026-02-01", "description": "Monitoraggio", "amount": "80,00"}
    future = client.post("/budget/costi-interni", data={**data, "spent_on": f"{date.today().year + 1}-01-01"})
    assert future.status_code == 200 and "La data non può essere nel futuro." in future.get_data(as_text=True)
    assert client.post("/budget/costi-interni", data=data).status_code == 302
    over = client.post("/budget/costi-interni", data={**data, "amount": "30,00"})
    assert over.status_code == 200 and "supera il residuo" in over.get_data(as_text=True)
    assert client.post("/budget/costi-interni", data={**data, "amount": "30,00", "override_reason": "Riserva"}).status_code == 302
    overview = client.get("/budget/").get_data(as_text=True)
    assert "€\xa0110,00" in overview


def test_an_internal_cost_form_posted_twice_counts_once(login, network, monkeypatch):
    """A double click (or the page sent again): the form's key is kept on the cost, the second post adds
    nothing (the money counted once); sent at the same instant, the unique key refuses the second on the form."""
    from portal.budget import services as budget_services

    budget_of(network)
    client = login("n1_coordinator")
    page = client.get("/budget/costi-interni").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "submission_key": key, "line": page.split('<option value="')[1].split('"')[0],
            "spent_on": "2026-02-01", "description": "Monitoraggio", "amount": "30,00"}  # room for three
    first, again = client.post("/budget/costi-interni", data=data), client.post("/budget/costi-interni", data=data)
    assert first.status_code == again.status_code == 302
    assert "Questo costo interno era già stato registrato." in client.get(again.location).get_data(as_text=True)
    monkeypatch.setattr(budget_services, "internal_cost_by_key", lambda key: None)  # the first not yet seen
    raced = client.post("/budget/costi-interni", data=data)
    assert raced.status_code == 200 and "Questo costo interno era già stato registrato." in raced.get_data(as_text=True)
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalars(select(InternalCost.amount)).all() == [Decimal("30.00")]


def test_overview_and_statement_run_a_bounded_number_of_queries(login, network, count_queries):
    budget = budget_of(network)
    client = login("n1_budget_officer")

    def measure(path):
        client.get(path)
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    contract = make_contract(network, budget, network.tenants["p"], cig="QUERY00001", value="900.00")
    order = make_order(contract, network.action)
    make_delivery(order, status=DeliveryStatus.APPROVED)
    small_overview, small_statement = measure("/budget/"), measure(f"/budget/contratti/{contract.id}")
    for n in range(4):
        extra = make_contract(network, budget, network.tenants["p"], cig=f"QUERY1000{n}", value="10.00")
        extra_order = make_order(extra, make_action(network.case, provider=network.tenants["p"]))
        for _ in range(3):
            make_delivery(extra_order, units="0.1", status=DeliveryStatus.APPROVED)
            make_delivery(order, units="0.1", status=DeliveryStatus.APPROVED)
    assert measure("/budget/") == small_overview
    assert measure(f"/budget/contratti/{contract.id}") == small_statement
    assert small_overview < 30 and small_statement < 30


def test_overview_xlsx_and_csv_exports(login, network):
    budget_of(network)
    client = login("n1_budget_officer")
    response = client.get("/budget/export.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    workbook = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1] for row in workbook["Riepilogo"].iter_rows(values_only=True)}
    assert summary["Differenza di riconciliazione"] == 0.44 and summary["Totale dichiarato"] == 1100.44
    assert "[$€-410]" in workbook["Riepilogo"]["B3"].number_format
    text = client.get("/budget/export.csv").data.decode("utf-8-sig")
    assert "1.100,44" in text and "0,44" in text


def test_a_delivery_form_posted_twice_registers_one_delivery(login, network, monkeypatch):
    """A double click (or a page sent again) on the order page: the form's key is kept on the delivery, so
    the second post adds nothing; two posts at the same instant (the first not yet seen by the second's
    check) are told apart by the unique index, the second refused on the form."""
    from portal.budget import contracts as contract_services

    budget = budget_of(network)
    contract = make_contract(network, budget, network.tenants["p"], value="500.00", price="25.00", quantity="20")
    order = make_order(contract, network.action, quantity="10")
    provider = login("p_user")
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    assert key not in provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)  # a key per rendered form
    form = {"csrf_token": csrf_from(page), "submission_key": key, "delivered_on": "2026-03-02", "units": "2",
            "attended": "y"}
    assert provider.post(f"/budget/ordini/{order.id}", data=form).status_code == 302
    again = provider.post(f"/budget/ordini/{order.id}", data=form, follow_redirects=True)
    assert "Questa prestazione era già stata registrata." in again.get_data(as_text=True)
    monkeypatch.setattr(contract_services, "delivery_by_key", lambda order, key: None)  # the race
    raced = provider.post(f"/budget/ordini/{order.id}", data=form)
    assert raced.status_code == 200 and "Questa prestazione era già stata registrata." in raced.get_data(as_text=True)
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalar(select(func.count(Delivery.id)).where(Delivery.order_id == order.id)) == 1
