"""who reaches the case screens (403/404), who may change a case, optimistic locking (409)."""
import pytest

from portal.cases.models import CaseState

from .case_support import action_of, case_of, post
from .factories import MembershipFactory, make_action
from .helpers import log_in
from .network import VICTIM_FIRST_NAME


@pytest.fixture
def other_worker(app, network):
    """A second case worker of node N1, not assigned to the victim's case."""
    membership = MembershipFactory(tenant=network.tenants["n1"], role="case_worker")
    client = app.test_client()
    log_in(client, membership.user.email)
    return client


def test_case_worker_reads_but_cannot_change_a_case_assigned_to_someone_else(other_worker, login, network):
    case = network.case
    page = other_worker.get(f"/casi/{case.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and case.pseudonym in body
    assert "Mostra i dati identificativi" not in body and "Pianifica un" not in body
    assert other_worker.get(f"/casi/{case.id}?identita=1").status_code == 403
    token_page = f"/casi/{case.id}"
    for path, data in [
        (f"/casi/{case.id}/diario", {"text": "intrusione"}),
        (f"/casi/{case.id}/stato", {"version": case.version, "transition": "start_phase_1"}),
        (f"/casi/{case.id}/chiudi", {"version": case.version, "outcome": "other", "reason": "x"}),
        (f"/casi/{case.id}/azioni/nuova", {"service_type": "training", "phase": "preparatory",
                                          "planned_start": "2026-03-01", "planned_hours": "1"}),
        (f"/casi/azioni/{network.action.id}/registra", {"version": network.action.version, "status": "done"}),
        (f"/casi/{case.id}/assegna", {"version": case.version, "case_worker": ""}),
    ]:
        assert post(other_worker, path, data, page=token_page).status_code == 403, path
    assert other_worker.get(f"/casi/{case.id}/chiudi").status_code == 403
    assert other_worker.get(f"/casi/azioni/{network.action.id}").status_code == 403
    fresh = case_of(network)
    assert fresh.state == CaseState.OPEN and "intrusione" not in login("n1_coordinator").get(f"/casi/{case.id}").get_data(as_text=True)


def test_coordinator_changes_any_case_and_reassigns(login, network, other_worker):
    coordinator = login("n1_coordinator")
    case = case_of(network)
    worker_id = network.users["n1_coordinator"].id
    response = post(coordinator, f"/casi/{case.id}/assegna", {"version": case.version, "case_worker": str(worker_id)},
                    page=f"/casi/{case.id}")
    assert response.status_code == 302 and case_of(network).case_worker_id == worker_id
    # The case worker it was taken from can no longer change it; nor can a case worker reassign.
    worker = login("n1_case_worker")
    case = case_of(network)
    assert post(worker, f"/casi/{case.id}/diario", {"text": "x"}, page=f"/casi/{case.id}").status_code == 403
    # Only users of the node may be assigned.
    response = post(coordinator, f"/casi/{case.id}/assegna",
                    {"version": case.version, "case_worker": str(network.users["n2_case_worker"].id)},
                    page=f"/casi/{case.id}")
    assert response.status_code == 200 and case_of(network).case_worker_id == worker_id
    # The coordinator sees identity on demand.
    assert VICTIM_FIRST_NAME in coordinator.get(f"/casi/{case.id}?identita=1").get_data(as_text=True)


@pytest.mark.parametrize("who", ["a_operator", "a_admin", "b_operator", "p_user", "n1_budget_officer", "n1_dpo"])
def test_other_roles_get_403(login, network, who):
    client = login(who)
    for path in (f"/casi/{network.case.id}", f"/casi/{network.case.id}/scheda", f"/casi/{network.case.id}/scheda.csv",
                 f"/casi/azioni/{network.action.id}/registra"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("who", ["n2_coordinator", "n2_case_worker"])
def test_another_node_gets_404(login, network, who):
    client = login(who)
    for path in (f"/casi/{network.case.id}", f"/casi/{network.case.id}/scheda.xlsx", f"/casi/azioni/{network.action.id}",
                 f"/casi/{network.case.id}/esito-fase-1", f"/casi/{network.case.id}/follow-up/3"):
        assert client.get(path).status_code == 404, path
    response = post(client, f"/casi/{network.case.id}/diario", {"text": "x"}, page="/casi/")
    assert response.status_code == 404


def test_wrong_ids_are_404(login):
    client = login("n1_coordinator")
    for path in ("/casi/999999", "/casi/999999/scheda", "/casi/azioni/999999", "/casi/azioni/999999/registra"):
        assert client.get(path).status_code == 404, path


def test_stale_case_version_is_a_conflict_and_changes_nothing(login, network):
    client = login("n1_case_worker")
    case = case_of(network)
    stale = case.version
    assert post(client, f"/casi/{case.id}/stato", {"version": stale, "transition": "start_phase_1"},
                page=f"/casi/{case.id}").status_code == 302
    response = post(client, f"/casi/{case.id}/chiudi", {"version": stale, "outcome": "other", "reason": "TESTO-DA-NON-PERDERE"},
                    page=f"/casi/{case.id}/chiudi")
    assert response.status_code == 409
    assert "TESTO-DA-NON-PERDERE" in response.get_data(as_text=True)  # the 409 page keeps the input
    assert case_of(network).state == CaseState.PHASE_1 and case_of(network).closure_reason is None
    response = post(client, f"/casi/{case.id}/stato", {"version": stale, "transition": "start_phase_1"},
                    page=f"/casi/{case.id}")
    assert response.status_code == 409 and case_of(network).state == CaseState.PHASE_1


def test_stale_action_version_is_a_conflict_and_changes_nothing(login, network):
    client = login("n1_case_worker")
    action = action_of(network, make_action(network.case).id)  # delivered by the node: hours typed here
    stale = action.version
    response = post(client, f"/casi/azioni/{action.id}/registra", {
        "version": stale, "status": "in_progress", "delivered_hours": "2", "delivered_on": "2026-03-05",
    })
    assert response.status_code == 302
    response = post(client, f"/casi/azioni/{action.id}/registra", {
        "version": stale, "status": "done", "delivered_hours": "9", "delivered_on": "2026-03-06",
    }, page=f"/casi/azioni/{action.id}/registra")
    assert response.status_code == 409
    fresh = action_of(network, action.id)
    assert fresh.status.value == "in_progress" and str(fresh.delivered_hours) == "2.00"
    response = post(client, f"/casi/azioni/{action.id}", {
        "version": stale, "service_type": "training", "phase": "preparatory", "planned_start": "2026-03-02",
        "planned_hours": "5",
    })
    assert response.status_code == 409 and action_of(network, action.id).service_type.value == "counselling"


def test_form_errors_rerender_with_input(login, network):
    client = login("n1_case_worker")
    action = make_action(network.case)
    response = post(client, f"/casi/azioni/{action.id}/registra", {
        "version": action.version, "status": "done", "delivered_hours": "4,5", "delivered_on": "", "outcome": "Esito X",
    })
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Indica la data dell" in body
    assert 'value="4,5"' in body and "Esito X" in body
    assert action_of(network, action.id).status.value == "planned"
