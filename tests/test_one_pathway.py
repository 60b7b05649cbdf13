"""One pathway: planning an action with a provider orders it; a provider action's delivered figures are its
approved deliveries (on the action, the scheda analitica, the statement, the monitoring summaries);
dates that cannot be true are refused on their field."""
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, text

from portal.budget import delivered, figures
from portal.budget.models import Delivery, DeliveryStatus, ServiceOrder
from portal.cases.models import Action, ActionStatus, Case
from portal.extensions import db
from portal.monitoring import summaries
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .case_support import action_of, audit_actions, case_of, post
from .factories import make_action
from .helpers import csrf_token
from .network import VICTIM_LAST_NAME


def _plan(client, net, **fields):
    data = {"service_type": "counselling", "phase": "preparatory", "provider": str(net.tenants["p"].id),
            "planned_start": "2026-04-01", "planned_end": "2026-05-31", "planned_hours": "8", "notes": ""}
    data.update(fields)
    return post(client, f"/casi/{net.case.id}/azioni/nuova", data)


def _new_action(net):
    with context.acting_as(net.tenants["n1"].id):
        return db.session.scalars(
            select(Action).where(Action.case_id == net.case.id, Action.id != net.action.id).order_by(Action.id.desc())
            .execution_options(populate_existing=True)
        ).first()


def _order_of(net, action_id):
    with context.acting_as(net.tenants["n1"].id):
        return db.session.scalar(select(ServiceOrder).where(ServiceOrder.action_id == action_id)
                                 .execution_options(populate_existing=True))


def test_planning_with_a_covering_line_orders_at_once_and_tells_the_provider(login, network, mailbox):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="PERCORSO01")
    from .factories import MembershipFactory

    MembershipFactory(tenant=network.tenants["p"], role="provider_user")  # a second provider user gets it too
    mailbox.messages.clear()
    client = login("n1_case_worker")
    response = _plan(client, network)
    assert response.status_code == 302
    action = _new_action(network)
    order = _order_of(network, action.id)
    assert action.status == ActionStatus.PLANNED
    assert (order.contract_id, order.quantity, order.pseudonym) == (contract.id, Decimal("8.00"), network.case.pseudonym)
    assert {"action.created", "action.ordered"} <= {e.action for e in audit_actions(network, object_type="action")}
    assert [e.action for e in audit_actions(network, object_type="service_order")] == ["service_order.created"]
    # The provider sees the order at once, and is told by e-mail: pseudonym and link, nothing else.
    provider = login("p_user")
    assert provider.get(f"/budget/ordini/{order.id}").status_code == 200
    messages = mailbox.wait_for(1)
    assert messages and network.users["p_user"].email in messages[0]["To"]
    body = messages[0]["Subject"] + mailbox.body(messages[0])
    assert network.case.pseudonym in body and f"/budget/ordini/{order.id}" in body and VICTIM_LAST_NAME not in body


def test_no_covering_line_saves_to_order_then_orders_from_the_case_page(login, network):
    client = login("n1_case_worker")
    response = _plan(client, network, service_type="tutoring")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nessuna riga di contratto copre il servizio" in page and "Tutoraggio" in page
    assert network.tenants["p"].name in page and "01/04/2026 – 31/05/2026" in page
    action = _new_action(network)
    assert action.status == ActionStatus.TO_ORDER and _order_of(network, action.id) is None
    with context.acting_as(network.tenants["p"].id):  # nothing reaches the provider
        assert db.session.scalars(select(ServiceOrder)).all() == []
    # Still no line: ordering from the case page says so and changes nothing.
    response = post(client, f"/casi/azioni/{action.id}/ordina", {}, page=f"/casi/{network.case.id}")
    assert response.status_code == 302 and action_of(network, action.id).status == ActionStatus.TO_ORDER
    # A contract with a tutoring line arrives: the same button orders it.
    from portal.cases.models import ServiceType

    make_contract(network, budget_of(network), network.tenants["p"], cig="TUTORAGG01", service=ServiceType.TUTORING)
    response = post(client, f"/casi/azioni/{action.id}/ordina", {}, page=f"/casi/{network.case.id}")
    assert response.status_code == 302
    assert action_of(network, action.id).status == ActionStatus.PLANNED and _order_of(network, action.id) is not None
    # "To order" is never set by hand, and an action is ordered once.
    assert post(client, f"/casi/azioni/{action.id}/ordina", {}, page=f"/casi/{network.case.id}").status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        assert len(db.session.scalars(select(ServiceOrder).where(ServiceOrder.action_id == action.id)).all()) == 1


def test_a_period_outside_the_contract_is_not_covered(login, network):
    make_contract(network, budget_of(network), network.tenants["p"], cig="PERIODO001")  # 2026-01-01 .. 2027-12-31
    client = login("n1_case_worker")
    _plan(client, network, planned_start="2027-11-01", planned_end="2028-02-29")
    assert _new_action(network).status == ActionStatus.TO_ORDER


def test_beyond_the_line_needs_the_audited_override_of_a_money_role(login, network):
    make_contract(network, budget_of(network), network.tenants["p"], cig="RESIDUO001", quantity="20")
    worker = login("n1_case_worker")
    response = _plan(worker, network, planned_hours="30", override_reason="Urgente")
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "Solo chi gestisce il budget" in page
    assert _new_action(network).status == ActionStatus.TO_ORDER
    coordinator = login("n1_coordinator")
    response = _plan(coordinator, network, planned_hours="30")
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "supera il residuo della riga del contratto RESIDUO001" in page and "motivo della deroga" in page
    assert _new_action(network).status == ActionStatus.TO_ORDER
    _plan(coordinator, network, planned_hours="30", override_reason="Percorso intensivo deciso in équipe")
    action = _new_action(network)
    order = _order_of(network, action.id)
    assert action.status == ActionStatus.PLANNED and order.override_reason == "Percorso intensivo deciso in équipe"
    assert "service_order.override" in {e.action for e in audit_actions(network, object_type="service_order")}


def test_the_budget_assign_page_takes_the_same_path(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="ASSEGNA001")
    with context.acting_as(network.tenants["n1"].id):
        action = db.session.get(Action, network.action.id)
        action.status = ActionStatus.TO_ORDER
        db.session.flush()
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/contratti/{contract.id}/ordini/nuovo")
    response = officer.post(f"/budget/contratti/{contract.id}/ordini/nuovo", data={
        "csrf_token": token, "action": network.action.id, "line": contract.lines[0].id, "quantity": "4"})
    assert response.status_code == 302
    assert action_of(network, network.action.id).status == ActionStatus.PLANNED
    assert "action.ordered" in {e.action for e in audit_actions(network, object_type="action")}


def _review(officer, delivery, decision, note=""):
    token = csrf_token(officer, f"/budget/ordini/{delivery.order_id}")
    fresh = _delivery(delivery)
    return officer.post(f"/budget/prestazioni/{delivery.id}/esame", data={
        "csrf_token": token, "version": fresh.version, "decision": decision, "note": note})


def _delivery(delivery):
    with context.acting_as(delivery.tenant_id):
        return db.session.scalar(select(Delivery).where(Delivery.id == delivery.id).execution_options(populate_existing=True))


def test_delivered_figures_are_the_approved_deliveries_everywhere(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="EROGATO001")
    order = make_order(contract, network.action, quantity="10")
    first = make_delivery(order, units="2.5", day=date(2026, 3, 2))
    second = make_delivery(order, units="1.5", day=date(2026, 3, 9))
    officer = login("n1_budget_officer")
    assert _review(officer, first, "approve").status_code == 302
    assert _review(officer, second, "return", "Manca il foglio firme").status_code == 302
    action = action_of(network, network.action.id)
    assert (action.delivered_hours, action.delivered_on, action.delivered_sessions, action.attended_sessions) == (
        Decimal("2.50"), date(2026, 3, 2), 1, 1)
    # The provider corrects the returned one as not attended; approved, the action follows.
    with context.acting_as(network.tenants["n1"].id):
        fresh = _delivery(second)
        fresh.status, fresh.attended = DeliveryStatus.SUBMITTED, False
        db.session.flush()
    _review(officer, second, "approve")
    action = action_of(network, network.action.id)
    assert (action.delivered_hours, action.delivered_on, action.delivered_sessions, action.attended_sessions) == (
        Decimal("4.00"), date(2026, 3, 9), 2, 1)
    worker = login("n1_case_worker")
    record = worker.get(f"/casi/{network.case.id}/scheda").get_data(as_text=True)
    assert "4,00" in record
    with context.acting_as(network.tenants["n1"].id):
        assert figures.contract_of(contract).delivered == Decimal("100.00")  # 4 h × 25,00
        assert delivered.drift() == [] and summaries.drift() == []
        # The node dashboard counts the approved hours too, though the action is not marked done.
        from portal.monitoring import queries
        from portal.monitoring.filters import Filters

        assert action.status != ActionStatus.DONE
        board = queries.node_dashboard(Filters(date(2000, 1, 1), date(2099, 12, 31)), today=date(2026, 6, 1))
        assert sum(row.delivered_hours for _service, row in board.actions_by_service) == 4.0
    # The record form shows them, and refuses hours typed by hand.
    page = worker.get(f"/casi/azioni/{network.action.id}/registra").get_data(as_text=True)
    assert 'data-figure="delivered-hours">4,00' in page and 'name="delivered_hours"' not in page
    response = post(worker, f"/casi/azioni/{network.action.id}/registra", {
        "version": action.version, "status": "done", "delivered_hours": "10", "delivered_on": "2026-03-10"})
    assert response.status_code == 200 and "prestazioni approvate" in response.get_data(as_text=True)
    assert action_of(network, network.action.id).delivered_hours == Decimal("4.00")


def test_budget_verify_reports_a_tampered_action(app, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="VERIFICA01")
    order = make_order(contract, network.action)
    make_delivery(order, units="3", status=DeliveryStatus.APPROVED)
    with context.acting_as(network.tenants["n1"].id):
        assert delivered.drift() == []
        # Behind the triggers' back (a psql session, say): the verify sees it.
        db.session.execute(text("UPDATE actions SET delivered_hours = 10 WHERE id = :id"), {"id": network.action.id})
        [(action_id, kept, real)] = delivered.drift()
    assert (action_id, kept[0], real[0]) == (network.action.id, Decimal("10.00"), Decimal("3.00"))


def test_delivery_date_plausibility(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="DATE000001")
    order = make_order(contract, network.action)  # the action starts on 02/03/2026
    provider = login("p_user")
    token = csrf_token(provider, f"/budget/ordini/{order.id}")
    for day, message in (("2026-03-01", "non può precedere l&#39;inizio dell&#39;azione (02/03/2026)"),
                         ((date.today() + timedelta(days=1)).isoformat(), "non può essere nel futuro")):
        response = provider.post(f"/budget/ordini/{order.id}", data={"csrf_token": token, "delivered_on": day, "units": "1",
                                                                   "attended": "y"})
        assert response.status_code == 200 and message in response.get_data(as_text=True), day
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalars(select(Delivery)).all() == []
    # A node action's typed date, likewise.
    worker = login("n1_case_worker")
    own = make_action(network.case)
    response = post(worker, f"/casi/azioni/{own.id}/registra", {
        "version": own.version, "status": "done", "delivered_hours": "2", "delivered_on": "2026-02-01"})
    assert response.status_code == 200 and "non può precedere l&#39;inizio dell&#39;azione" in response.get_data(as_text=True)


def test_closure_not_before_the_last_delivery_nor_in_the_future(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="CHIUSURA01")
    order = make_order(contract, network.action)
    make_delivery(order, units="1", status=DeliveryStatus.APPROVED, day=date(2026, 3, 20))
    with context.acting_as(network.tenants["n1"].id):  # opened before its delivery, as a pathway is
        db.session.get(Case, network.case.id).opened_at = datetime(2026, 3, 2, 9, tzinfo=UTC)
        db.session.commit()
    client = login("n1_case_worker")
    case = case_of(network)
    for day, message in (("2026-03-19", "prima dell&#39;ultima erogazione (20/03/2026)"),
                         ((date.today() + timedelta(days=1)).isoformat(), "non può essere nel futuro")):
        response = post(client, f"/casi/{case.id}/chiudi", {"version": case.version, "outcome": "other", "reason": "Fine",
                                                            "closed_on": day})
        assert response.status_code == 200 and message in response.get_data(as_text=True), day
        assert case_of(network).closed_at is None
    response = post(client, f"/casi/{case.id}/chiudi", {"version": case.version, "outcome": "other", "reason": "Fine",
                                                        "closed_on": "2026-03-20"})
    assert response.status_code == 302 and case_of(network).closed_at.date() == date(2026, 3, 20)


def test_ordering_past_the_lines_room_asks_the_coordinator_for_the_override_on_the_case_page(login, network):
    make_contract(network, budget_of(network), network.tenants["p"], cig="STRETTO001", quantity="4")
    worker = login("n1_case_worker")
    assert _plan(worker, network, planned_hours="8").status_code == 302  # 8 hours on a 4-hour line: to order
    action = _new_action(network)
    assert action.status == ActionStatus.TO_ORDER
    # The case worker may not override: the refusal says so, and the page asks nothing more of them.
    response = post(worker, f"/casi/azioni/{action.id}/ordina", {}, page=f"/casi/{network.case.id}")
    assert response.status_code == 302 and "deroga=" not in response.headers["Location"]
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "Solo chi gestisce il budget può autorizzare una deroga." in page and "indica il motivo" not in page
    coordinator = login("n1_coordinator")
    response = post(coordinator, f"/casi/azioni/{action.id}/ordina", {}, page=f"/casi/{network.case.id}")
    assert response.status_code == 302 and f"deroga={action.id}" in response.headers["Location"]
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "supera il residuo della riga" in page
    assert re.search(rf'<textarea[^>]*id="override-action-{action.id}"[^>]*name="override_reason"[^>]*required', page)
    response = post(coordinator, f"/casi/azioni/{action.id}/ordina", {"override_reason": "Percorso più lungo, autorizzato"},
                    page=f"/casi/{network.case.id}")
    assert response.status_code == 302 and action_of(network, action.id).status == ActionStatus.PLANNED
    assert _order_of(network, action.id).override_reason == "Percorso più lungo, autorizzato"
