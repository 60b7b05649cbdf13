"""Every input error of a case form in one round: the pathway's rules that need no database (a plan's end
not before its start, a day not in the future, an employment's details) are the service's own checks, run
by the form too (core.fields.ServiceRule), so they show with the form's other errors, on their field, the
input kept — not a round later (the QA finding on the budget's delivery form, looked for here too)."""
from datetime import date, timedelta

from portal.cases.models import CaseState

from .case_support import action_of, case_of, post, verifications_of
from .factories import make_action
from .test_cases_workflow import _new_actions, _plan


def _soon() -> str:
    return (date.today() + timedelta(days=10)).isoformat()


def test_planning_shows_the_period_with_the_hours_error(login, network):
    client = login("n1_case_worker")
    response = _plan(client, network.case.id, planned_start="2026-05-04", planned_end="2026-05-01", planned_hours="dieci",
                     notes="Colloqui")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La fine prevista non può precedere l&#39;inizio." in body and "Scrivi un numero di ore" in body
    assert 'value="dieci"' in body and 'value="2026-05-01"' in body and "Colloqui" in body
    assert _new_actions(network) == []


def test_recording_shows_a_future_day_with_the_hours_error(login, network):
    client = login("n1_case_worker")
    action = make_action(network.case)  # delivered by the node: hours and day typed
    response = post(client, f"/casi/azioni/{action.id}/registra", {
        "version": action.version, "status": "in_progress", "delivered_hours": "-1", "delivered_on": _soon(),
        "outcome": "Esito X"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La data di erogazione non può essere nel futuro." in body and "Il numero deve essere" in body
    assert "Esito X" in body and action_of(network, action.id).status.value == "planned"


def test_closing_shows_a_future_day_with_the_missing_reason(login, network):
    client = login("n1_coordinator")
    case = case_of(network)
    response = post(client, f"/casi/{case.id}/chiudi", {"version": case.version, "outcome": "dropped_out", "reason": "",
                                                        "closed_on": _soon()})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La data di chiusura non può essere nel futuro." in body and "Indica il motivo della chiusura." in body
    assert case_of(network).state == CaseState.OPEN


def test_a_pathway_cannot_close_before_it_opened(login, network):
    # Retention counts from the closing day: 2015 typed for 2025 would have had the person anonymised soon.
    client = login("n1_coordinator")
    case = case_of(network)
    opened = case.opened_at.date()
    for day, error in ((opened - timedelta(days=1), "non può chiudersi prima della sua apertura"),
                       (date(1999, 12, 31), "La data deve essere compresa")):
        response = post(client, f"/casi/{case.id}/chiudi", {"version": case.version, "outcome": "dropped_out",
                                                            "reason": "Trasferita", "closed_on": day.isoformat()})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and error in body, day
        assert "Trasferita" in body and case_of(network).state == CaseState.OPEN


def test_a_phase_1_outcome_shows_a_future_day_with_the_missing_details(login, network):
    client = login("n1_case_worker")
    case_id = network.case.id
    assert post(client, f"/casi/{case_id}/stato", {"version": case_of(network).version, "transition": "start_phase_1"},
                page=f"/casi/{case_id}").status_code == 302
    response = post(client, f"/casi/{case_id}/esito-fase-1", {"version": "0", "job_outcome": "employed",
                                                             "done_on": _soon(), "sector": "Logistica"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La data della verifica non può essere nel futuro." in body and "tipo di contratto" in body
    assert 'value="Logistica"' in body and verifications_of(network) == []


def test_a_legal_path_shows_its_dates_order_with_the_missing_outcome(login, network):
    client = login("n1_coordinator")
    response = post(client, f"/casi/{network.case.id}/tutela", {
        "version": "0", "action_type": "civil_action", "counsel": "Avv. Prova", "outcome": "",
        "started_on": "2026-05-01", "outcome_on": "2026-04-01"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La data dell&#39;esito non può precedere quella di avvio." in body and "Avv. Prova" in body
    assert 'href="#outcome"' in body  # the missing outcome, in the same summary
