"""The pathway's actions take only what can be true (QA: an action planned for 0 hours, or dated 1900 or
9999, was accepted): planned hours above zero, planned days between 1 January 2000 and five years from
today (computed at each check), and a node's own delivery recorded with its hours. Refused by the service
(the authority) and shown by the form in the same round, on their fields.

And a cancelled action: the hours delivered before it was cancelled stay counted as delivered, the planned
ones no longer count (monitoring and scheda already did so); a provider's order of a cancelled action now
ends with it (closed, or cancelled when nothing was logged), so nothing more is delivered on it."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import g
from flask_login import login_user
from sqlalchemy import select

from portal.budget.models import Delivery, DeliveryStatus, OrderStatus, ServiceOrder
from portal.cases import pathway, record
from portal.cases.models import ActionStatus, Case
from portal.core import checks
from portal.core.errors import ServiceError
from portal.extensions import db
from portal.monitoring import queries
from portal.monitoring.filters import Filters
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .case_support import action_of, audit_actions, post
from .factories import make_action
from .fixtures import fresh
from .helpers import csrf_token
from .test_cases_workflow import _new_actions, _plan

HOURS = "Indica le ore previste, più di zero."


def _as_worker(app, network):
    """A request context as N1's case worker, for calling the pathway's services directly."""
    n1, worker = network.tenants["n1"], network.users["n1_case_worker"]
    ctx = app.test_request_context()
    ctx.push()
    scope = context.acting_as(n1.id, worker.id)
    scope.__enter__()
    login_user(worker)
    g.membership = network.memberships["n1_case_worker"]
    return lambda: (scope.__exit__(None, None, None), ctx.pop())


# --- planned hours ---------------------------------------------------------------------------------------

def test_an_action_planned_for_no_hours_is_refused(login, network):
    client = login("n1_case_worker")
    for hours in ("0", "0,00", "-2"):
        response = _plan(client, network.case.id, planned_hours=hours, planned_start="1900-01-01")
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and HOURS in body, hours
        assert "La data deve essere compresa tra il 01/01/2000" in body  # with the date, in the same round
    assert _new_actions(network) == []
    action = make_action(network.case)
    response = post(client, f"/casi/azioni/{action.id}", {
        "version": action.version, "service_type": "counselling", "phase": "preparatory", "planned_start": "2026-03-02",
        "planned_hours": "0"})
    assert response.status_code == 200 and HOURS in response.get_data(as_text=True)
    assert action_of(network, action.id).planned_hours == Decimal("10.00")


def test_the_service_refuses_no_hours_and_implausible_days_whatever_the_form_let_through(app, network):
    done = _as_worker(app, network)
    try:
        case = db.session.get(Case, network.case.id)
        base = {"service_type": "counselling", "phase": "preparatory", "planned_start": date(2026, 4, 1),
                "planned_hours": Decimal("6")}
        for changes, field in (({"planned_hours": Decimal("0")}, "planned_hours"), ({"planned_hours": None}, "planned_hours"),
                               ({"planned_start": date(1900, 1, 1)}, "planned_start"),
                               ({"planned_end": date(9999, 12, 31)}, "planned_end")):
            with pytest.raises(ServiceError) as refused:
                pathway.plan_action(case, {**base, **changes})
            assert refused.value.field == field
        action = make_action(network.case)
        with pytest.raises(ServiceError):
            pathway.update_action(action, {"planned_start": date(1999, 12, 31)}, action.version)
    finally:
        done()


# --- planned days --------------------------------------------------------------------------------------

def test_planned_days_between_2000_and_five_years_from_today(login, network):
    client = login("n1_case_worker")
    latest = checks.latest_day()
    for start, end in (("1900-01-01", ""), ("1999-12-31", ""), ("2026-04-01", "9999-12-31"),
                       ((latest + timedelta(days=1)).isoformat(), "")):
        response = _plan(client, network.case.id, planned_start=start, planned_end=end)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "La data deve essere compresa tra il 01/01/2000 e il " in body, start
        assert f'value="{start}"' in body
    assert _new_actions(network) == []
    assert _plan(client, network.case.id, planned_start="2000-01-01").status_code == 302
    assert _plan(client, network.case.id, planned_start=latest.isoformat()).status_code == 302


def test_the_window_is_read_at_each_check_not_at_import(monkeypatch):
    checks.check_plausible_day(date(2031, 6, 1))  # within five years of the real today
    monkeypatch.setattr(checks, "local_today", lambda: date(2031, 2, 28))
    assert checks.latest_day() == date(2036, 2, 28)
    checks.check_plausible_day(date(2036, 2, 28))
    with pytest.raises(ServiceError):
        checks.check_plausible_day(date(2036, 2, 29))
    assert checks.latest_day(date(2028, 2, 29)) == date(2033, 2, 28)  # a 29 February five years on


# --- hours delivered by the node itself ----------------------------------------------------------------

def test_a_done_or_dated_own_delivery_needs_its_hours(login, network):
    client = login("n1_case_worker")
    action = make_action(network.case)  # delivered by the node: hours typed here
    url = f"/casi/azioni/{action.id}/registra"
    response = post(client, url, {"version": action.version, "status": "done", "delivered_hours": "", "delivered_on": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Indica le ore erogate, più di zero." in body and "Indica la data dell&#39;ultima erogazione." in body
    response = post(client, url, {"version": action.version, "status": "in_progress", "delivered_hours": "0",
                                  "delivered_on": "2026-03-05"})
    assert response.status_code == 200 and "Indica le ore erogate, più di zero." in response.get_data(as_text=True)
    # Nothing delivered yet: 0 hours and no day is what it is.
    assert post(client, url, {"version": action.version, "status": "in_progress", "delivered_hours": "0",
                              "delivered_on": ""}).status_code == 302


# --- a cancelled action ------------------------------------------------------------------------------

def _cancel(client, action):
    return post(client, f"/casi/azioni/{action.id}/registra", {"version": action.version, "status": "cancelled"})


def _order(network, action_id):
    with context.acting_as(network.tenants["n1"].id):
        return db.session.scalar(select(ServiceOrder).where(ServiceOrder.action_id == action_id)
                                 .execution_options(populate_existing=True))


def test_cancelling_a_provider_action_with_deliveries_closes_its_order(app, login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], value="500.00", price="25.00")
    order = make_order(contract, network.action, quantity="10")
    approved = make_delivery(order, units="3", status=DeliveryStatus.APPROVED)
    waiting = make_delivery(order, units="2")
    worker = login("n1_case_worker")
    assert _cancel(worker, action_of(network, network.action.id)).status_code == 302
    closed = _order(network, network.action.id)
    assert closed.status == OrderStatus.CLOSED and closed.status_changed_at is not None
    assert "service_order.closed" in [e.action for e in audit_actions(network, object_type="service_order")]
    # The provider logs nothing more on it; what it logged before is still reviewed.
    provider = login("p_user")
    token = csrf_token(provider, f"/budget/ordini/{order.id}")
    refused = provider.post(f"/budget/ordini/{order.id}", data={
        "csrf_token": token, "delivered_on": "2026-03-10", "units": "1"})
    assert refused.status_code == 200 and "non è aperto" in refused.get_data(as_text=True)  # the service's refusal
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert "azione è stata annullata" in page
    officer = login("n1_budget_officer")
    token = csrf_token(officer, f"/budget/ordini/{order.id}")
    assert officer.post(f"/budget/prestazioni/{waiting.id}/esame", data={
        "csrf_token": token, "version": waiting.version, "decision": "approve"}).status_code == 302
    # Delivered before the cancelling: counted as delivered; planned: no longer counted.
    action = action_of(network, network.action.id)
    assert action.status == ActionStatus.CANCELLED and action.delivered_hours == Decimal("5.00")
    done = _as_worker(app, network)
    try:
        sheet = record.analytical_record(db.session.get(Case, network.case.id))
        assert sheet.delivered_total == Decimal("5.00") and sheet.planned_total == Decimal("0")
        result = queries.NodeDashboard()
        queries.action_panels(Filters(date(2026, 1, 1), date(2026, 12, 31)), result)
        [(_service, row)] = result.actions_by_service
        assert (row.planned, row.planned_hours, row.delivered_hours) == (0, 0.0, 5.0)
    finally:
        done()
    assert fresh(Delivery, approved.id, network.tenants["n1"].id).status == DeliveryStatus.APPROVED


def test_cancelling_a_provider_action_with_nothing_logged_cancels_its_order(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    order = make_order(contract, network.action, quantity="10")
    make_delivery(order, units="2", status=DeliveryStatus.RETURNED)  # sent back: nothing to pay
    assert _cancel(login("n1_case_worker"), action_of(network, network.action.id)).status_code == 302
    assert _order(network, network.action.id).status == OrderStatus.CANCELLED  # its quantity is free again
    assert "service_order.cancelled" in [e.action for e in audit_actions(network, object_type="service_order")]


def test_a_cancelled_provider_action_stays_cancelled(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    make_order(contract, network.action, quantity="10")
    worker = login("n1_case_worker")
    assert _cancel(worker, action_of(network, network.action.id)).status_code == 302
    action = action_of(network, network.action.id)
    response = post(worker, f"/casi/azioni/{action.id}/registra", {"version": action.version, "status": "planned"})
    assert response.status_code == 200 and "pianificane una nuova" in response.get_data(as_text=True)
    assert action_of(network, action.id).status == ActionStatus.CANCELLED
    # The node's own action may be taken up again (nothing was ordered).
    own = make_action(network.case, status=ActionStatus.CANCELLED)
    assert post(worker, f"/casi/azioni/{own.id}/registra", {"version": own.version, "status": "planned"}).status_code == 302
    assert action_of(network, own.id).status == ActionStatus.PLANNED
