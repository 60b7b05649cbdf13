"""A case changed by someone else while a form of it was open: the form posted answers with the conflict page
(409) or the service's refusal on the form, both showing what was typed; never a 403 that drops it. A 403
stays for who never had the right to change the case."""
import re

from markupsafe import escape

from portal.cases.models import CaseState, VerificationPhase

from .case_support import case_of, post, verifications_of
from .factories import MembershipFactory
from .helpers import csrf_from, log_in

HERE = "http://localhost"  # a browser's form posts name the page's origin: the conflict page may show them back
CASE_VERSION_RE = re.compile(r'name="case_version" value="(\d+)"')
NOTE = "Colloquio telefonico: preferisce essere richiamata dopo le 17."


def _send(client, path, page_html, data):
    """Post ``data`` as the form of ``page_html`` (a page rendered earlier) would: its token, the case's version
    it carries."""
    stamp = CASE_VERSION_RE.search(page_html)
    assert stamp, "the page's case form carries no case_version"
    return client.post(path, data={**data, "csrf_token": csrf_from(page_html), "case_version": stamp.group(1)},
                       headers={"Origin": HERE, "Referer": f"{HERE}{path}"})


def _reassign(login, network, to_key="n1_coordinator"):
    coordinator = login("n1_coordinator")
    case = case_of(network)
    response = post(coordinator, f"/casi/{case.id}/assegna",
                    {"version": case.version, "case_worker": str(network.users[to_key].id)}, page=f"/casi/{case.id}")
    assert response.status_code == 302
    return coordinator


def test_a_note_posted_after_the_case_was_reassigned_is_a_conflict_with_the_text(login, network):
    case = case_of(network)
    worker = login("n1_case_worker")
    page = worker.get(f"/casi/{case.id}").get_data(as_text=True)
    record_page = worker.get(f"/casi/azioni/{network.action.id}/registra").get_data(as_text=True)
    _reassign(login, network)
    response = _send(worker, f"/casi/{case.id}/diario", page, {"text": NOTE})
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body
    assert str(escape(NOTE)) in body
    # The same for a form of one of the case's actions (its own page).
    response = _send(worker, f"/casi/azioni/{network.action.id}/registra", record_page, {
        "version": network.action.version, "status": "in_progress", "outcome": "Prima sessione svolta"})
    assert response.status_code == 409 and "Prima sessione svolta" in response.get_data(as_text=True)
    assert NOTE not in login("n1_coordinator").get(f"/casi/{case.id}").get_data(as_text=True)
    # The pages themselves still say no: the case is someone else's now.
    assert worker.get(f"/casi/{case.id}/chiudi").status_code == 403
    assert worker.get(f"/casi/azioni/{network.action.id}/registra").status_code == 403


def test_a_note_posted_after_a_transfer_was_proposed_is_a_conflict_with_the_text(login, network):
    case = case_of(network)
    worker = login("n1_case_worker")
    page = worker.get(f"/casi/{case.id}").get_data(as_text=True)
    coordinator = login("n1_coordinator")
    response = post(coordinator, f"/casi/{case.id}/trasferimento", {
        "version": case.version, "target": network.tenants["n2"].id, "reason": "La persona si è trasferita."})
    assert response.status_code == 302
    response = _send(worker, f"/casi/{case.id}/diario", page, {"text": NOTE})
    assert response.status_code == 409 and str(escape(NOTE)) in response.get_data(as_text=True)


def test_who_never_could_change_the_case_still_gets_403(app, login, network):
    case = case_of(network)
    membership = MembershipFactory(tenant=network.tenants["n1"], role="case_worker")  # not assigned to the case
    other = app.test_client()
    log_in(other, membership.user.email)
    page = login("n1_case_worker").get(f"/casi/{case.id}").get_data(as_text=True)  # a case version as the form has it
    token = csrf_from(other.get(f"/casi/{case.id}").get_data(as_text=True))
    response = other.post(f"/casi/{case.id}/diario", data={
        "text": NOTE, "csrf_token": token, "case_version": CASE_VERSION_RE.search(page).group(1)},
        headers={"Origin": HERE})
    assert response.status_code == 403


def test_a_closing_posted_after_someone_else_closed_the_case_is_a_conflict_with_the_reason(login, network):
    case = case_of(network)
    worker = login("n1_case_worker")
    page = worker.get(f"/casi/{case.id}/chiudi").get_data(as_text=True)
    coordinator = login("n1_coordinator")
    assert post(coordinator, f"/casi/{case.id}/chiudi", {
        "version": case.version, "outcome": "other", "reason": "Chiuso dalla coordinatrice"}).status_code == 302
    typed = "La persona ha trovato lavoro a Torino e non chiede altro."
    response = _send(worker, f"/casi/{case.id}/chiudi", page, {"version": case.version, "outcome": "other", "reason": typed})
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body
    assert typed in body and "case_version" not in body  # what was typed, not the form's hidden stamp
    assert case_of(network).closure_reason == "Chiuso dalla coordinatrice"
    response = worker.get(f"/casi/{case.id}/chiudi")  # the page itself: still back to the case, with a word
    assert response.status_code == 302


def _in_phase_1(login, network):
    case = case_of(network)
    assert post(login("n1_coordinator"), f"/casi/{case.id}/stato", {"version": case.version, "transition": "start_phase_1"},
                page=f"/casi/{case.id}").status_code == 302
    return case_of(network)


EVIDENCE = "Colloquio di verifica con il centro per l'impiego"


def _outcome(version="0"):
    return {"version": version, "job_outcome": "not_yet", "done_on": "2026-06-30", "evidence": EVIDENCE}


def test_an_outcome_posted_after_the_case_was_closed_in_phase_1_is_refused_with_the_input(login, network):
    case = _in_phase_1(login, network)
    worker = login("n1_case_worker")
    page = worker.get(f"/casi/{case.id}/esito-fase-1").get_data(as_text=True)
    coordinator = login("n1_coordinator")
    assert post(coordinator, f"/casi/{case.id}/chiudi", {
        "version": case.version, "outcome": "other", "reason": "Rinuncia"}).status_code == 302
    response = _send(worker, f"/casi/{case.id}/esito-fase-1", page, _outcome())
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert str(escape("L'esito della fase 1 si registra durante la fase 1.")) in body and str(escape(EVIDENCE)) in body
    assert verifications_of(network) == []
    assert worker.get(f"/casi/{case.id}/esito-fase-1").status_code == 302  # the page itself: back to the case


def test_an_outcome_posted_after_the_case_moved_to_phase_2_is_a_conflict_with_the_input(login, network):
    case = _in_phase_1(login, network)
    worker = login("n1_case_worker")
    page = worker.get(f"/casi/{case.id}/esito-fase-1").get_data(as_text=True)
    coordinator = login("n1_coordinator")
    assert post(coordinator, f"/casi/{case.id}/esito-fase-1", {**_outcome(), "evidence": "Registrato dalla coordinatrice"},
                ).status_code == 302
    case = case_of(network)
    assert post(coordinator, f"/casi/{case.id}/stato", {"version": case.version, "transition": "start_phase_2"},
                page=f"/casi/{case.id}").status_code == 302
    assert case_of(network).state == CaseState.PHASE_2
    response = _send(worker, f"/casi/{case.id}/esito-fase-1", page, _outcome())
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body
    assert str(escape(EVIDENCE)) in body
    [phase_1] = [v for v in verifications_of(network) if v.phase == VerificationPhase.JOB_INSERTION]
    assert phase_1.evidence == "Registrato dalla coordinatrice"


def test_an_action_planned_on_a_case_reassigned_meanwhile_is_a_conflict_with_the_input(login, network):
    case = case_of(network)
    worker = login("n1_case_worker")
    page = worker.get(f"/casi/{case.id}/azioni/nuova").get_data(as_text=True)
    _reassign(login, network)
    response = _send(worker, f"/casi/{case.id}/azioni/nuova", page, {
        "service_type": "training", "phase": "preparatory", "planned_start": "2026-03-01", "planned_hours": "3",
        "notes": "Corso serale di italiano per il lavoro"})
    assert response.status_code == 409 and "Corso serale di italiano per il lavoro" in response.get_data(as_text=True)
