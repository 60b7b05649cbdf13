"""Two budget requests at the same instant, on two connections of a real PostgreSQL: the second must wait for the
first's lock and then count what the first wrote, or a limit is passed that each request alone respected.

Each race holds the first request just after its write (its transaction open, its locks held) until the second
waits on a lock in PostgreSQL; then the first commits and the second goes on. Without the lock the second has
already weighed the figures before it waits (on the audit head or the row), and passes on the old ones.

tests/test_budget_order_quantity.py checks the order of the statements; this checks the outcome.
"""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.budget.models import BudgetLine, LineKind
from portal.extensions import db
from portal.tenancy import context

from .conftest import DB_KIND
from .helpers import csrf_from, field_error, log_in
from .race_support import race, race_app
from .race_support import status as _status

pytestmark = pytest.mark.skipif(
    DB_KIND != "postgresql", reason="row locks across two connections: PostgreSQL (SQLite runs one writer at a time)")

OFFICER, PROVIDER = "n1.budget.officer@prova.example", "p.user@prova.example"


@pytest.fixture(scope="module")
def shared(tmp_path_factory, mail_server):
    """A committed database with the test network, a budget and one contract (or line) per race; the app on it."""
    from .budget_support import contract_form, make_budget, make_contract, make_delivery, make_order
    from .factories import make_action

    def seed(net):
        budget = make_budget(net, services="100000.00")
        provider = net.tenants["p"]

        def contract(cig, **kwargs):
            return make_contract(net, budget, provider, cig=cig, **kwargs)

        def order(of, quantity="10"):
            return make_order(of, make_action(net.case, provider=provider), quantity=quantity)

        rows = {
            "two_invoices": contract("FATTURE001"), "same_number": contract("FATTURE002"),
            "same_number_guard": contract("FATTURE003"),
            "lowered_then_invoiced": contract("RIDUCE0001", quantity="10"),
            "invoiced_then_lowered": contract("RIDUCE0002", quantity="10"),
        }
        cancelled = contract("ANNULLA001", value="5000.00", quantity="100")
        rows["cancel"] = order(cancelled)
        approved = contract("APPROVA001", quantity="10")
        rows["approve"] = make_delivery(order(approved), units="4")
        ids = {key: row.id for key, row in rows.items()}
        ids["approve_contract"], ids["approve_order"] = approved.id, rows["approve"].order_id
        node = budget.tenant_id
        with context.acting_as(node):  # a line of its own, with room for one contract of € 600,00 and no more
            room = BudgetLine(tenant_id=node, budget_id=budget.id, position=3, title="Servizi (gara)",
                              kind=LineKind.SERVICES, allocated=Decimal("600.00"))
            db.session.add(room)
            db.session.flush()
        ids["room_line"] = room.id
        ids["room_contract_form"] = contract_form(net, budget, budget_line=str(room.id), cig="STANZIA001")
        return ids

    with race_app(tmp_path_factory, mail_server, "budget_race", seed) as shared:
        yield shared


def _client(app, email, page):
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client, csrf_from(client.get(page).get_data(as_text=True))


def _scalar(shared, sql, **params):
    with shared[2].connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def _invoice(client, token, contract_id, number, amount):
    return client.post(f"/budget/contratti/{contract_id}/fatture", data={
        "csrf_token": token, "number": number, "issued_on": "2026-04-01", "amount": amount})


def _edit(shared, contract_id):
    """The contract's edit form as the page renders it now (its one line: 10 h at € 25,00); ``value`` to post."""
    with shared[2].connect() as connection:
        version, cig = connection.execute(sa.text("SELECT version, cig FROM contracts WHERE id = :c"), {"c": contract_id}).one()
        line = connection.execute(sa.text("SELECT id FROM contract_lines WHERE contract_id = :c"), {"c": contract_id}).scalar()
    return {
        "version": version, "title": f"Contratto {cig}", "procedure": "open", "legal_basis": "D.Lgs. 36/2023", "cig": cig,
        "start_date": "2026-01-01", "end_date": "2027-12-31", "vat_rate": "5", "lines-0-line_id": str(line),
        "lines-0-service_type": "counselling", "lines-0-unit": "hour", "lines-0-unit_price": "25,00",
        "lines-0-quantity": "10", "lines-1-line_id": "", "lines-1-service_type": "",
    }


def _lower(client, token, form, contract_id, value):
    return client.post(f"/budget/contratti/{contract_id}/modifica", data={**form, "total_value": value, "csrf_token": token})


# --- invoices ------------------------------------------------------------------------------------------------

def test_two_invoices_at_once_cannot_together_pass_the_contracts_value(shared):
    app, _database, _inspector, ids = shared
    contract = ids["two_invoices"]
    page = f"/budget/contratti/{contract}"
    one, one_token = _client(app, OFFICER, page)
    two, two_token = _client(app, OFFICER, page)
    out = race(shared, lambda: _invoice(one, one_token, contract, "A/1", "300,00"), "INSERT INTO invoices",
               lambda: _invoice(two, two_token, contract, "A/2", "300,00"))
    assert _status(out["first"]) == 302 and out["waited"]
    assert _status(out["second"]) == 200, out["second"]
    assert "supera il valore del contratto" in field_error(out["second"].get_data(as_text=True), "amount")
    assert _scalar(shared, "SELECT sum(amount) FROM invoices WHERE contract_id = :c", c=contract) == 300


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "the-unique-key-alone"])
def test_the_same_invoice_posted_twice_at_once_is_a_form_error_not_a_500(shared, monkeypatch, locked):
    """A double click: the second post waits for the first and finds its number. Were the contract not locked
    (``locked=False``), the database's unique key would still refuse it: the same form error."""
    app, _database, _inspector, ids = shared
    contract = ids["same_number" if locked else "same_number_guard"]
    if not locked:
        from portal.budget import services

        def unlocked(model, ident, column=None):  # the value, read as any query reads it
            return db.session.scalar(sa.select(column if column is not None else model.id).where(model.id == ident))

        monkeypatch.setattr(services, "lock", unlocked)
    page = f"/budget/contratti/{contract}"
    one, one_token = _client(app, OFFICER, page)
    two, two_token = _client(app, OFFICER, page)
    out = race(shared, lambda: _invoice(one, one_token, contract, "FT-7", "100,00"), "INSERT INTO invoices",
               lambda: _invoice(two, two_token, contract, "FT-7", "100,00"))
    assert _status(out["first"]) == 302 and out["waited"]
    assert _status(out["second"]) == 200, out["second"]
    assert field_error(out["second"].get_data(as_text=True), "number") == "Questa fattura è già registrata per il contratto."
    assert _scalar(shared, "SELECT count(*) FROM invoices WHERE contract_id = :c", c=contract) == 1


def test_an_invoice_waiting_for_a_lowered_value_is_weighed_against_it(shared):
    """The contract's value is read as locked, not as the invoice's request loaded it before waiting."""
    app, _database, _inspector, ids = shared
    contract = ids["lowered_then_invoiced"]
    page = f"/budget/contratti/{contract}"
    editor, edit_token = _client(app, OFFICER, page + "/modifica")
    invoicer, invoice_token = _client(app, OFFICER, page)
    form = _edit(shared, contract)
    out = race(shared, lambda: _lower(editor, edit_token, form, contract, "300,00"), "UPDATE contracts",
               lambda: _invoice(invoicer, invoice_token, contract, "B/1", "400,00"))
    assert _status(out["first"]) == 302 and out["waited"]
    assert _status(out["second"]) == 200, out["second"]
    assert _scalar(shared, "SELECT count(*) FROM invoices WHERE contract_id = :c", c=contract) == 0


# --- lowering a contract's value -------------------------------------------------------------------------------

def test_a_value_lowered_while_an_invoice_is_registered_counts_the_invoice(shared):
    app, _database, _inspector, ids = shared
    contract = ids["invoiced_then_lowered"]
    page = f"/budget/contratti/{contract}"
    invoicer, invoice_token = _client(app, OFFICER, page)
    editor, edit_token = _client(app, OFFICER, page + "/modifica")
    form = _edit(shared, contract)
    out = race(shared, lambda: _invoice(invoicer, invoice_token, contract, "C/1", "400,00"), "INSERT INTO invoices",
               lambda: _lower(editor, edit_token, form, contract, "300,00"))
    assert _status(out["first"]) == 302 and out["waited"]
    assert _status(out["second"]) == 200, out["second"]
    assert "sotto quanto già fatturato (€\xa0400,00)" in out["second"].get_data(as_text=True)
    assert _scalar(shared, "SELECT total_value FROM contracts WHERE id = :c", c=contract) == 500


def test_a_value_lowered_while_a_delivery_is_approved_reads_the_figures_after_it(shared):
    """The edit waits for the approval holding the contract and reads the delivered figure after it. (Here the
    line's rule, a quantity not below what is ordered, keeps the value above the approved amount either way:
    what is checked is that the edit weighs the approval, not the figures from before it.)"""
    app, _database, _inspector, ids = shared
    contract, delivery = ids["approve_contract"], ids["approve"]
    reviewer, review_token = _client(app, OFFICER, f"/budget/ordini/{ids['approve_order']}")
    editor, edit_token = _client(app, OFFICER, f"/budget/contratti/{contract}/modifica")
    form = _edit(shared, contract)
    version = _scalar(shared, "SELECT version FROM deliveries WHERE id = :d", d=delivery)
    out = race(shared, lambda: reviewer.post(f"/budget/prestazioni/{delivery}/esame", data={
                   "csrf_token": review_token, "version": version, "decision": "approve"}),
               "UPDATE deliveries", lambda: _lower(editor, edit_token, form, contract, "450,00"), spy="delivery_totals")
    assert _status(out["first"]) == 302 and out["waited"]
    assert _status(out["second"]) == 302, out["second"]
    assert out["after_commit"] is True


# --- cancelling an order ---------------------------------------------------------------------------------------

def test_an_order_cancelled_while_a_delivery_is_logged_is_not_cancelled(shared):
    """The provider logs a delivery while the node cancels the order: the cancel waits for the delivery, counts
    it and is refused (close the order instead); never a cancelled order with a delivery to pay."""
    app, _database, _inspector, ids = shared
    order = ids["cancel"]
    page = f"/budget/ordini/{order}"
    provider, provider_token = _client(app, PROVIDER, page)
    officer, officer_token = _client(app, OFFICER, page)
    version = _scalar(shared, "SELECT version FROM service_orders WHERE id = :o", o=order)
    out = race(shared, lambda: provider.post(page, data={
                   "csrf_token": provider_token, "delivered_on": "2026-03-10", "units": "2", "attended": "y"}),
               "INSERT INTO deliveries", lambda: officer.post(f"{page}/stato", data={
                   "csrf_token": officer_token, "version": version, "step": "cancel", "reason": "Emesso per errore"}))
    assert _status(out["first"]) == 302 and out["waited"]
    assert _status(out["second"]) == 200, out["second"]
    assert "non si annulla, si chiude" in out["second"].get_data(as_text=True)
    assert _scalar(shared, "SELECT status FROM service_orders WHERE id = :o", o=order) == "open"
    assert _scalar(shared, "SELECT count(*) FROM deliveries WHERE order_id = :o", o=order) == 1


# --- lowering a budget line's allocation -----------------------------------------------------------------------

def test_an_allocation_lowered_while_a_contract_takes_the_lines_last_room_counts_the_contract(shared):
    """A contract signed on the line's last € 600,00 while the allocation is lowered to € 500,00: the edit waits
    for the contract holding the line and is weighed against it, never an allocation under what is committed."""
    app, _database, _inspector, ids = shared
    line = ids["room_line"]
    signer, sign_token = _client(app, OFFICER, "/budget/contratti/nuovo")
    editor, edit_token = _client(app, OFFICER, f"/budget/linee/{line}/modifica")
    version = _scalar(shared, "SELECT version FROM budget_lines WHERE id = :l", l=line)
    out = race(shared, lambda: signer.post("/budget/contratti/nuovo", data={**ids["room_contract_form"],
                                                                            "csrf_token": sign_token}),
               "INSERT INTO contracts", lambda: editor.post(f"/budget/linee/{line}/modifica", data={
                   "csrf_token": edit_token, "version": version, "title": "Servizi (gara)", "allocated": "500,00"}))
    assert _status(out["first"]) == 302 and out["waited"]
    assert _status(out["second"]) == 200, out["second"]
    assert field_error(out["second"].get_data(as_text=True), "allocated") == (
        "Lo stanziamento non può scendere sotto quanto già impegnato sulla linea (€\xa0600,00).")
    assert _scalar(shared, "SELECT allocated FROM budget_lines WHERE id = :l", l=line) == 600
    assert _scalar(shared, "SELECT sum(total_value) FROM contracts WHERE budget_line_id = :l", l=line) == 600
