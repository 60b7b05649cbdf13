"""Node side: the pathway of actions, the two verification phases, closing, the referral's
outcome summary as the antenna sees it, the case page and its audit trail."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.cases.models import Action, ActionStatus, Case, CaseState, JobOutcome, VerificationPhase
from portal.cases.services import add_months
from portal.extensions import db
from portal.referrals.models import OutcomeCode
from portal.tenancy import context

from .case_support import action_of, audit_actions, case_of, post, referral_as_antenna, verifications_of
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE


def _plan(client, case_id, **fields):
    data = {"service_type": "counselling", "phase": "preparatory", "provider": "", "planned_start": "2026-04-01",
            "planned_end": "", "planned_hours": "10", "notes": ""}
    data.update(fields)
    return post(client, f"/casi/{case_id}/azioni/nuova", data)


def _new_actions(net):
    with context.acting_as(net.tenants["n1"].id):
        return list(db.session.scalars(
            select(Action).where(Action.case_id == net.case.id, Action.id != net.action.id).order_by(Action.id)
        ))


def test_case_page_shows_pseudonym_not_identity_and_is_audited(login, network):
    client = login("n1_case_worker")
    response = client.get(f"/casi/{network.case.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert network.case.pseudonym in body
    assert VICTIM_LAST_NAME not in body and VICTIM_TAX_CODE not in body
    reads = [e for e in audit_actions(network, object_type="case", object_id=network.case.id) if e.action == "case.read"]
    assert len(reads) == 1 and reads[0].actor_user_id == network.users["n1_case_worker"].id
    # Identity on demand only, through reveal_identity (need to know + audit).
    body = client.get(f"/casi/{network.case.id}?identita=1").get_data(as_text=True)
    assert VICTIM_FIRST_NAME in body and VICTIM_TAX_CODE in body
    reveals = [e for e in audit_actions(network, object_type="person", object_id=network.person.id)
               if e.action == "person.identity_read"]
    assert len(reveals) == 1


def test_plan_three_actions_and_record_them(login, network):
    client = login("n1_case_worker")
    case_id = network.case.id
    provider = network.tenants["p"]
    r1 = _plan(client, case_id, service_type="orientation", planned_start="2026-05-04", planned_hours="12,5")
    r2 = _plan(client, case_id, service_type="training", phase="job_insertion", provider=str(provider.id),
               planned_start="2026-04-06", planned_end="2026-06-30", planned_hours="40")
    r3 = _plan(client, case_id, service_type="job_matching", phase="job_insertion", planned_start="2026-07-01",
               planned_hours="6.5", notes="Colloqui presso aziende della logistica")
    assert [r.status_code for r in (r1, r2, r3)] == [302, 302, 302]
    actions = _new_actions(network)
    assert [a.service_type.value for a in actions] == ["orientation", "training", "job_matching"]
    assert actions[0].planned_hours == Decimal("12.50") and isinstance(actions[0].planned_hours, Decimal)
    assert actions[1].provider_id == provider.id and actions[0].provider_id is None
    assert all(a.pseudonym == network.case.pseudonym for a in actions)
    # No contract covers training with this provider: saved "to order" (pathway tests: test_one_pathway.py).
    assert [a.status for a in actions] == [ActionStatus.PLANNED, ActionStatus.TO_ORDER, ActionStatus.PLANNED]
    assert {e.action for e in audit_actions(network, object_type="action")} >= {"action.created"}

    delivered = date(2026, 7, 6)  # after every planned start, not in the future
    node_actions = [actions[0], actions[2]]
    for action, hours in zip(node_actions, ("12,5", "6,5"), strict=True):
        response = post(client, f"/casi/azioni/{action.id}/registra", {
            "version": action.version, "status": "done", "delivered_hours": hours,
            "delivered_on": delivered.isoformat(), "outcome": "Svolta regolarmente",
        })
        assert response.status_code == 302, response.get_data(as_text=True)
    recorded = [action_of(network, a.id) for a in node_actions]
    assert [a.delivered_hours for a in recorded] == [Decimal("12.50"), Decimal("6.50")]
    assert all(a.status == ActionStatus.DONE and a.delivered_on == delivered for a in recorded)
    # A provider action's hours are its approved deliveries: never typed by hand.
    response = post(client, f"/casi/azioni/{actions[1].id}/registra", {
        "version": actions[1].version, "status": "to_order", "delivered_hours": "38", "delivered_on": delivered.isoformat(),
    })
    assert response.status_code == 200 and "prestazioni approvate" in response.get_data(as_text=True)
    assert action_of(network, actions[1].id).delivered_hours == Decimal("0.00")
    events = [e for e in audit_actions(network, object_type="action", object_id=actions[0].id) if e.action == "action.recorded"]
    assert events and set(events[0].fields) >= {"delivered_hours", "status", "outcome"}

    # Edit the plan of one action (not its provider).
    action = recorded[1]
    response = post(client, f"/casi/azioni/{action.id}", {
        "version": action.version, "service_type": "job_matching", "phase": "inclusion", "planned_start": "2026-07-02",
        "planned_end": "", "planned_hours": "8", "notes": "",
    })
    assert response.status_code == 302
    edited = action_of(network, action.id)
    assert edited.phase.value == "inclusion" and edited.planned_hours == Decimal("8.00")

    # The analytical record lists every action in time order (planned start), with provider and hours.
    page = client.get(f"/casi/{case_id}/scheda").get_data(as_text=True)
    order = [page.index(label) for label in ("Counselling", "Formazione", "Orientamento", "Incontro domanda/offerta")]
    assert order == sorted(order)
    assert provider.name in page and "12,50" in page and "Svolta regolarmente" in page
    assert VICTIM_LAST_NAME not in page


def test_the_planning_form_posted_twice_plans_once(login, network):
    # With a provider, planning orders on a contract line: a double click ordered twice and told the provider twice.
    client = login("n1_case_worker")
    first = _plan(client, network.case.id, submission_key="chiave-del-modulo", notes="Prima")
    again = _plan(client, network.case.id, submission_key="chiave-del-modulo", notes="Prima")
    assert first.status_code == again.status_code == 302
    assert "già stata pianificata" in client.get(again.location).get_data(as_text=True)
    assert [a.notes for a in _new_actions(network)] == ["Prima"]
    assert _plan(client, network.case.id, submission_key="un-altro-modulo").status_code == 302
    assert len(_new_actions(network)) == 2


def test_action_form_errors_keep_input(login, network):
    client = login("n1_case_worker")
    response = _plan(client, network.case.id, planned_start="2026-05-04", planned_end="2026-05-01", planned_hours="7,5")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La fine prevista non può precedere l" in body
    assert 'value="7,5"' in body and 'value="2026-05-04"' in body
    response = _plan(client, network.case.id, planned_hours="dieci")
    assert response.status_code == 200 and "Scrivi un numero di ore" in response.get_data(as_text=True)
    assert _new_actions(network) == []
    # A provider of another node (or any tenant that is not one of this node's providers) is refused.
    response = _plan(client, network.case.id, provider=str(network.tenants["b"].id))
    assert response.status_code == 200 and _new_actions(network) == []


def test_two_phases_follow_ups_and_closing(login, network):
    client = login("n1_case_worker")
    case_id = network.case.id
    assert referral_as_antenna(network).outcome_code is None  # make_case bypasses the accept transition

    # open -> phase 1
    case = case_of(network)
    response = post(client, f"/casi/{case_id}/stato", {"version": case.version, "transition": "start_phase_1"},
                    page=f"/casi/{case_id}")
    assert response.status_code == 302
    assert case_of(network).state == CaseState.PHASE_1
    assert referral_as_antenna(network).outcome_code == OutcomeCode.PHASE_1

    # phase 2 needs the phase-1 outcome
    case = case_of(network)
    response = post(client, f"/casi/{case_id}/stato", {"version": case.version, "transition": "start_phase_2"},
                    page=f"/casi/{case_id}")
    assert response.status_code == 302 and case_of(network).state == CaseState.PHASE_1
    assert verifications_of(network) == []

    # An "employed" outcome needs contract type, hours, sector and start date.
    response = post(client, f"/casi/{case_id}/esito-fase-1", {"version": "0", "job_outcome": "employed",
                                                             "done_on": "2026-06-30"})
    assert response.status_code == 200 and "tipo di contratto" in response.get_data(as_text=True)
    assert verifications_of(network) == []
    response = post(client, f"/casi/{case_id}/esito-fase-1", {
        "version": "0", "job_outcome": "employed", "contract_type": "fixed_term", "hours_per_week": "24",
        "sector": "Logistica", "start_date": "2026-06-15", "evidence": "Comunicazione obbligatoria UniLav",
        "done_on": "2026-06-30",
    })
    assert response.status_code == 302
    [phase_1] = verifications_of(network)
    assert phase_1.phase == VerificationPhase.JOB_INSERTION and phase_1.job_outcome == JobOutcome.EMPLOYED
    assert phase_1.hours_per_week == Decimal("24.00") and phase_1.done_on == date(2026, 6, 30)

    # phase 1 -> phase 2: three follow-ups planned at 3, 6 and 12 months
    case = case_of(network)
    response = post(client, f"/casi/{case_id}/stato", {"version": case.version, "transition": "start_phase_2"},
                    page=f"/casi/{case_id}")
    assert response.status_code == 302 and case_of(network).state == CaseState.PHASE_2
    follow_ups = [v for v in verifications_of(network) if v.phase == VerificationPhase.INCLUSION]
    today = date.today()
    assert [(v.months_after, v.due_date) for v in follow_ups] == [(m, add_months(today, m)) for m in (3, 6, 12)]
    assert referral_as_antenna(network).outcome_code == OutcomeCode.PHASE_2

    # Not before its window opens (15 days before it is due).
    three = follow_ups[0]
    response = post(client, f"/casi/{case_id}/follow-up/3", {"version": three.version, "done_on": today.isoformat(),
                                                             "still_in_work": "si"})
    assert response.status_code == 200 and "Il follow-up a 3 mesi si registra dal" in response.get_data(as_text=True)
    # Record the 3-month follow-up once it is due (moved to today, as if three months had passed).
    with context.acting_as(network.tenants["n1"].id):
        three.due_date = today
        db.session.flush()
    response = post(client, f"/casi/{case_id}/follow-up/3", {
        "version": three.version, "done_on": today.isoformat(), "still_in_work": "si",
        "difficulties": "Turni serali difficili da conciliare", "support_needed": "Mediazione con il datore",
    })
    assert response.status_code == 302
    three = [v for v in verifications_of(network) if v.months_after == 3][0]
    assert three.still_in_work is True and three.done_on == today and three.difficulties.startswith("Turni")
    assert [v.done_on for v in verifications_of(network) if v.months_after in (6, 12)] == [None, None]
    assert client.get(f"/casi/{case_id}/follow-up/4").status_code == 404

    # Internal notes go to the case diary, never on the referral.
    response = post(client, f"/casi/{case_id}/diario", {"text": "NOTA-INTERNA-42"}, page=f"/casi/{case_id}")
    assert response.status_code == 302 and "NOTA-INTERNA-42" in client.get(f"/casi/{case_id}").get_data(as_text=True)

    # Closing needs an outcome and a reason.
    case = case_of(network)
    response = post(client, f"/casi/{case_id}/chiudi", {"version": case.version, "outcome": "included", "reason": ""})
    assert response.status_code == 200 and "Indica il motivo della chiusura" in response.get_data(as_text=True)
    response = post(client, f"/casi/{case_id}/chiudi", {"version": case.version, "outcome": "", "reason": "Fine"})
    assert response.status_code == 200 and case_of(network).state == CaseState.PHASE_2
    response = post(client, f"/casi/{case_id}/chiudi", {
        "version": case.version, "outcome": "included", "reason": "Contratto confermato, obiettivi raggiunti",
    })
    assert response.status_code == 302
    closed = case_of(network)
    assert closed.state == CaseState.CLOSED and closed.closure_outcome.value == "included" and closed.closed_at

    referral = referral_as_antenna(network)
    assert referral.outcome_code == OutcomeCode.COMPLETED  # a code: no room for notes or outcome details
    # The antenna sees the referral, never the case.
    with context.acting_as(network.tenants["a"].id):
        assert db.session.scalars(select(Case)).all() == []

    actions = [e.action for e in audit_actions(network, object_type="case", object_id=case_id)]
    assert {"case.phase_1", "case.phase_2", "case.closed", "case.diary_read"} <= set(actions)
    assert [e.fields for e in audit_actions(network, object_type="case_diary_entry")] == [["text"]]
    closed_event = [e for e in audit_actions(network, object_type="case", object_id=case_id) if e.action == "case.closed"][0]
    assert set(closed_event.fields) >= {"state", "closure_outcome", "closure_reason"}
    summary_events = [e for e in audit_actions(network, object_type="referral") if e.action == "referral.outcome"]
    assert len(summary_events) == 3 and summary_events[0].fields == ["outcome_code"]

    # A closed case accepts no new actions.
    response = _plan(client, case_id)
    assert response.status_code == 200 and _new_actions(network) == []


def test_phase_1_outcome_checked_in_the_future_is_refused(login, network):
    client = login("n1_case_worker")
    case_id = network.case.id
    assert post(client, f"/casi/{case_id}/stato", {"version": case_of(network).version, "transition": "start_phase_1"},
                page=f"/casi/{case_id}").status_code == 302
    later = date.today().replace(year=date.today().year + 5).isoformat()
    response = post(client, f"/casi/{case_id}/esito-fase-1", {"version": "0", "job_outcome": "not_yet", "done_on": later,
                                                             "evidence": "Colloquio di verifica"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "La data della verifica non può essere nel futuro." in body
    assert "Colloquio di verifica" in body and verifications_of(network) == []


def test_closing_early_from_open(login, network):
    client = login("n1_coordinator")
    case = case_of(network)
    response = post(client, f"/casi/{case.id}/chiudi", {"version": case.version, "outcome": "dropped_out",
                                                        "reason": "La persona non si è più presentata"})
    assert response.status_code == 302
    assert case_of(network).state == CaseState.CLOSED
    assert referral_as_antenna(network).outcome_code == OutcomeCode.COMPLETED
