"""Referral screens: creation with consent, double submission, the state machine, e-mails, locking."""
from markupsafe import escape
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.notifications.models import Notification
from portal.referrals.models import DeclineReason, OutcomeCode, ReferralEvent, ReferralState
from portal.tenancy import context

from .factories import make_person, make_referral
from .helpers import csrf_from
from .referral_support import (
    FIRST_NAME,
    LAST_NAME,
    SITUATION,
    count_referrals,
    form_data,
    new_form,
    post_new,
    post_on_page,
    referral_by_key,
    reload,
)


def _detail(referral):
    return f"/segnalazioni/{referral.id}"


def _move(client, referral, name, **data):
    return post_on_page(client, _detail(referral), f"/segnalazioni/{referral.id}/stato/{name}", data)


def _mail_for(mailbox, count):
    messages = mailbox.wait_for(count)
    assert len(messages) >= count, f"expected {count} e-mails, got {len(messages)}"
    return messages


def _assert_pseudonymous(mailbox, message, pseudonym):
    text = message["Subject"] + mailbox.body(message)
    assert pseudonym in text
    for secret in (FIRST_NAME, LAST_NAME, SITUATION[:20]):
        assert secret not in text


def test_form_page_has_the_fields(login):
    html = login("a_operator").get("/segnalazioni/nuova").get_data(as_text=True)
    for text in ("Salva bozza", "Invia al nodo", "Motivi di discriminazione", "<legend", "non_binary", 'name="submission_key"'):
        assert text in html


def test_full_lifecycle_with_emails(login, network, session, mailbox):
    a, n1 = network.tenants["a"], network.tenants["n1"]
    operator, coordinator = login("a_operator"), login("n1_coordinator")

    response, key = post_new(operator)
    assert response.status_code == 302
    referral = referral_by_key(session, a, key)
    assert referral.state == ReferralState.SUBMITTED and referral.submitted_at is not None
    assert referral.grounds == ["ethnicity", "religion"] and referral.situation == SITUATION
    assert referral.consent_notice_version == "2026-01"
    person = referral.person
    assert person.first_name == FIRST_NAME and person.node_id == n1.id and person.tenant_id == a.id
    assert person.gender.value == "female" and person.disability is False
    pseudonym = person.pseudonym
    message = _mail_for(mailbox, 1)[0]
    assert message["To"] == n1.email
    _assert_pseudonymous(mailbox, message, pseudonym)

    # The node reads it: the situation, audited; asks for information.
    page = coordinator.get(_detail(referral)).get_data(as_text=True)
    assert str(escape(SITUATION)) in page and pseudonym in page and LAST_NAME not in page
    assert _move(coordinator, referral, "request_info", version=referral.version, message="Serve il contratto.").status_code == 302
    referral = reload(session, a, referral)
    assert referral.state == ReferralState.INFO_REQUESTED
    message = _mail_for(mailbox, 2)[1]
    assert message["To"] == network.users["a_operator"].email
    _assert_pseudonymous(mailbox, message, pseudonym)

    # The antenna sees the question and answers with a resubmission.
    page = operator.get(_detail(referral)).get_data(as_text=True)
    assert "Serve il contratto." in page and "Invia di nuovo al nodo" in page
    assert _move(operator, referral, "resubmit", version=referral.version, message="Allegato il contratto.").status_code == 302
    referral = reload(session, a, referral)
    assert referral.state == ReferralState.SUBMITTED
    _assert_pseudonymous(mailbox, _mail_for(mailbox, 3)[2], pseudonym)

    # The node accepts and chooses the case worker: a case opens.
    worker = network.users["n1_case_worker"]
    page = coordinator.get(_detail(referral)).get_data(as_text=True)
    assert worker.full_name in page
    assert _move(coordinator, referral, "accept", version=referral.version, case_worker_id=worker.id).status_code == 302
    referral = reload(session, a, referral)
    assert referral.state == ReferralState.ACCEPTED and referral.decided_at is not None
    assert referral.outcome_code == OutcomeCode.TAKEN_IN_CHARGE
    with context.acting_as(n1.id):
        case = session.scalar(select(Case).where(Case.referral_id == referral.id))
    assert case is not None and case.case_worker_id == worker.id and case.pseudonym == pseudonym
    _assert_pseudonymous(mailbox, _mail_for(mailbox, 4)[3], pseudonym)

    with context.acting_as(a.id):
        events = session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id)).all()
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(referral.id))))
    assert [e.to_state for e in events] == ["submitted", "info_requested", "submitted", "accepted"]
    assert all(e.at is not None for e in events)
    assert {"referral.created", "referral.submit", "referral.resubmit"} <= actions
    with context.acting_as(n1.id):
        node_actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(referral.id))))
    assert {"referral.read", "referral.request_info", "referral.accept"} <= node_actions

    # The antenna sees the outcome, never the node's case.
    page = operator.get(_detail(referral)).get_data(as_text=True)
    assert "Presa in carico dal nodo" in page
    assert f"/casi/{case.id}" not in page


def test_draft_then_submit_from_the_detail_page(login, network, session, mailbox):
    operator = login("a_operator")
    response, key = post_new(operator, action="save", consent=None, consent_notice_version=None, consent_date=None)
    assert response.status_code == 302
    referral = referral_by_key(session, network.tenants["a"], key)
    assert referral.state == ReferralState.DRAFT and referral.consent_date is None
    assert not referral.legal_basis_requested
    assert mailbox.messages == []
    # Without consent (nor a request for another legal basis) the draft cannot be sent: nothing moves.
    response = _move(operator, referral, "submit", version=referral.version)
    assert response.status_code == 200 and "consenso" in response.get_data(as_text=True)
    assert reload(session, network.tenants["a"], referral).state == ReferralState.DRAFT
    # With consent recorded on the form it goes.
    data = {**form_data(), "version": referral.version, "person_version": referral.person.version, "action": "submit"}
    edit = f"/segnalazioni/{referral.id}/modifica"
    assert post_on_page(operator, edit, edit, data).status_code == 302
    assert reload(session, network.tenants["a"], referral).state == ReferralState.SUBMITTED


def test_node_never_sees_drafts(login, network, session):
    a = network.tenants["a"]
    person = make_person(a, last_name="Bozzetti", shared=False)  # met only in a draft
    draft = make_referral(a, network.users["a_operator"], person=person, state="draft")
    # A draft withdrawn before it was ever sent is not the node's either.
    unsent_person = make_person(a, last_name="Ritirelli", shared=False)
    unsent = make_referral(a, network.users["a_operator"], person=unsent_person, state="withdrawn")
    with context.acting_as(a.id):
        unsent.submitted_at = unsent_person.shared_at = None
        session.flush()
    for key in ("n1_coordinator", "n1_case_worker"):
        client = login(key)
        for query in ("", "?stato=draft", "?stato=withdrawn"):
            html = client.get("/segnalazioni/" + query).get_data(as_text=True)
            assert person.pseudonym not in html and unsent_person.pseudonym not in html
        assert client.get(_detail(draft)).status_code == 404
        assert client.get(_detail(draft) + "?identita=1").status_code == 404
        assert client.get(_detail(unsent)).status_code == 404
        assert client.get(f"/persone/{unsent_person.id}").status_code == 404
    coordinator = login("n1_coordinator")
    token = csrf_from(coordinator.get("/segnalazioni/").get_data(as_text=True))
    for path, data in ((f"/segnalazioni/{draft.id}/base-giuridica", {"legal_basis": "vital_interests"}),
                       (f"/segnalazioni/{draft.id}/stato/accept", {"case_worker_id": network.users["n1_case_worker"].id}),
                       (f"/segnalazioni/{draft.id}/stato/request_info", {"message": "?"})):
        response = coordinator.post(path, data={**data, "version": draft.version, "csrf_token": token})
        assert response.status_code == 404, path
    draft = reload(session, a, draft)
    assert draft.state == ReferralState.DRAFT and draft.legal_basis is None
    # The antenna still sees its own draft.
    assert login("a_operator").get(_detail(draft)).status_code == 200


def test_without_consent_the_node_records_a_legal_basis_before_accepting(login, network, session, mailbox):
    a = network.tenants["a"]
    operator, coordinator = login("a_operator"), login("n1_coordinator")
    # Sending without consent needs the explicit request to the node...
    response, key = post_new(operator, consent=None, consent_notice_version=None, consent_date=None)
    assert response.status_code == 200 and referral_by_key(session, a, key) is None
    # ... and ticking both consent and the request is a contradiction.
    response, key = post_new(operator, legal_basis_requested="y")
    assert response.status_code == 200 and referral_by_key(session, a, key) is None
    assert "non serve chiedere" in response.get_data(as_text=True)
    response, key = post_new(operator, consent=None, consent_notice_version=None, consent_date=None,
                             legal_basis_requested="y")
    assert response.status_code == 302
    referral = referral_by_key(session, a, key)
    assert referral.state == ReferralState.SUBMITTED and referral.legal_basis_requested
    assert referral.consent_date is None and referral.legal_basis is None
    page = coordinator.get(_detail(referral)).get_data(as_text=True)
    assert "chiede al nodo di valutare una base giuridica" in page and "Registra la base giuridica" in page
    # No #fragment in its address: a refused form's error summary takes the focus (test_referral_decision_tabs).
    assert f'action="/segnalazioni/{referral.id}/base-giuridica"' in page
    # Accepting is refused while neither consent nor a legal basis is recorded.
    worker = network.users["n1_case_worker"]
    response = _move(coordinator, referral, "accept", version=referral.version, case_worker_id=worker.id)
    assert response.status_code == 200 and "registra la base giuridica" in response.get_data(as_text=True)
    assert reload(session, a, referral).state == ReferralState.SUBMITTED
    # Consent is the antenna's to record: the node cannot pick it.
    legal = f"/segnalazioni/{referral.id}/base-giuridica"
    response = post_on_page(coordinator, _detail(referral), legal, {"version": referral.version, "legal_basis": "consent"})
    assert response.status_code == 200
    assert reload(session, a, referral).legal_basis is None
    # The node records a legal basis; then it may accept.
    response = post_on_page(coordinator, _detail(referral), legal, {"version": referral.version, "legal_basis": "vital_interests"})
    assert response.status_code == 302
    referral = reload(session, a, referral)
    assert referral.legal_basis.value == "vital_interests"
    with context.acting_as(network.tenants["n1"].id):
        assert "referral.legal_basis" in session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(referral.id))).all()
    assert _move(coordinator, referral, "accept", version=referral.version, case_worker_id=worker.id).status_code == 302
    assert reload(session, a, referral).state == ReferralState.ACCEPTED
    # The antenna sees the legal basis the node chose.
    assert "Interessi vitali" in operator.get(_detail(referral)).get_data(as_text=True)


def test_no_consent_no_submission_and_input_kept(login, network, session):
    a = network.tenants["a"]
    before = count_referrals(session, a)
    response, key = post_new(login("a_operator"), consent=None, consent_notice_version=None, consent_date=None)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "consenso informato" in html
    assert FIRST_NAME in html and str(escape(SITUATION)) in html  # input kept
    assert html.count("checked") >= 2  # the grounds ticked stay ticked
    assert referral_by_key(session, a, key) is None
    assert count_referrals(session, a) == before


def test_invalid_tax_code_is_an_error_with_input_kept(login, network, session):
    response, key = post_new(login("a_operator"), tax_code="RSSMRA80A01F952Z")
    assert response.status_code == 200
    assert "codice fiscale non è valido" in response.get_data(as_text=True)
    assert referral_by_key(session, network.tenants["a"], key) is None


def test_a_short_tax_code_gets_one_italian_error(login, network, session):
    # WTForms has no Italian for "Field must be exactly 16 characters long": the length is the validity check's.
    response, key = post_new(login("a_operator"), tax_code="RSSMRA80")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Field must be" not in html
    assert html.count("Il codice fiscale non è valido.") == 2  # next to the field and in the summary
    assert 'value="RSSMRA80"' in html
    assert referral_by_key(session, network.tenants["a"], key) is None


def test_double_submission_creates_one_referral(login, network, session, mailbox):
    a = network.tenants["a"]
    operator = login("a_operator")
    before = count_referrals(session, a)
    token, key = new_form(operator)
    data = {**form_data(), "csrf_token": token, "submission_key": key}
    first = operator.post("/segnalazioni/nuova", data=data)
    second = operator.post("/segnalazioni/nuova", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_referrals(session, a) == before + 1
    assert len(mailbox.wait_for(2, timeout=1)) == 1  # one submission, one e-mail


def test_decline_needs_reason_and_message(login, network, session, mailbox):
    a = network.tenants["a"]
    referral = make_referral(a, network.users["a_operator"])
    coordinator = login("n1_coordinator")
    response = _move(coordinator, referral, "decline", version=referral.version, message="")
    assert response.status_code == 200 and "Il modulo contiene errori" in response.get_data(as_text=True)
    assert reload(session, a, referral).state == ReferralState.SUBMITTED
    response = _move(coordinator, referral, "decline", version=referral.version, decline_reason="out_of_scope",
                     message="Non rientra nelle competenze del nodo.")
    assert response.status_code == 302
    referral = reload(session, a, referral)
    assert referral.state == ReferralState.DECLINED and referral.decline_reason == DeclineReason.OUT_OF_SCOPE
    message = _mail_for(mailbox, 1)[0]
    assert message["To"] == network.users["a_operator"].email
    page = login("a_operator").get(_detail(referral)).get_data(as_text=True)
    assert "ambito del nodo" in page and "Non rientra nelle competenze del nodo." in page


def test_withdraw(login, network, session, mailbox):
    a = network.tenants["a"]
    referral = make_referral(a, network.users["a_operator"])
    assert _move(login("a_operator"), referral, "withdraw", version=referral.version, message="La persona ha rinunciato.").status_code == 302
    assert reload(session, a, referral).state == ReferralState.WITHDRAWN
    assert _mail_for(mailbox, 1)[0]["To"] == network.tenants["n1"].email


def test_a_draft_withdrawn_before_sending_tells_the_node_nothing(login, network, session, mailbox):
    a = network.tenants["a"]
    draft = make_referral(a, network.users["a_operator"], state="draft")
    sent = make_referral(a, network.users["a_operator"])
    with context.acting_as(a.id):
        pseudonym = sent.person.pseudonym
    operator = login("a_operator")
    assert _move(operator, draft, "withdraw", version=draft.version).status_code == 302
    assert _move(operator, sent, "withdraw", version=sent.version).status_code == 302
    # Only the sent one reached the node's mailbox (the mails leave in order) and its deciders' notices.
    _mail_for(mailbox, 1)
    to_node = [m for m in mailbox.messages if m["To"] == network.tenants["n1"].email]
    assert [pseudonym in m["Subject"] for m in to_node] == [True]
    coordinator = network.users["n1_coordinator"]
    with context.acting_as(network.tenants["n1"].id, user_id=coordinator.id):
        notices = session.scalars(select(Notification).where(Notification.user_id == coordinator.id)).all()
    assert [n.params["code"] for n in notices] == [pseudonym]


def test_each_side_moves_only_its_transitions(login, network, session):
    a = network.tenants["a"]
    referral = make_referral(a, network.users["a_operator"])
    assert _move(login("a_operator"), referral, "accept", version=referral.version,
                 case_worker_id=network.users["n1_case_worker"].id).status_code == 403
    assert _move(login("n1_coordinator"), referral, "withdraw", version=referral.version).status_code == 403
    assert _move(login("n1_budget_officer"), referral, "request_info", version=referral.version, message="x").status_code == 403
    assert _move(login("a_operator"), referral, "inventata", version=referral.version).status_code == 404
    assert reload(session, a, referral).state == ReferralState.SUBMITTED


def test_a_case_worker_cannot_decide_a_referral_they_may_not_read(login, network, session):
    # Without need-to-know a case worker sees the inbox's summary only; accepting it, assigned to themselves,
    # would have given them its texts and the person's identity.
    a = network.tenants["a"]
    referral = make_referral(a, network.users["a_operator"])
    worker = login("n1_case_worker")
    page = worker.get(_detail(referral)).get_data(as_text=True)
    assert f"/segnalazioni/{referral.id}/stato/" not in page and "base-giuridica" not in page
    token = csrf_from(page)
    for name, data in (("accept", {"case_worker_id": network.users["n1_case_worker"].id}),
                       ("decline", {"decline_reason": DeclineReason.OUT_OF_SCOPE.value, "message": "x"}),
                       ("request_info", {"message": "Quando?"})):
        response = worker.post(f"/segnalazioni/{referral.id}/stato/{name}",
                               data={"csrf_token": token, "version": referral.version, **data})
        assert response.status_code == 403, name
    legal = worker.post(f"/segnalazioni/{referral.id}/base-giuridica",
                        data={"csrf_token": token, "version": referral.version, "legal_basis": "vital_interests"})
    assert legal.status_code == 403
    assert reload(session, a, referral).state == ReferralState.SUBMITTED
    coordinator_page = login("n1_coordinator").get(_detail(referral)).get_data(as_text=True)
    assert f"/segnalazioni/{referral.id}/stato/accept" in coordinator_page  # the coordinator decides


def test_accept_refuses_a_case_worker_of_another_node(login, network, session):
    a = network.tenants["a"]
    referral = make_referral(a, network.users["a_operator"])
    response = _move(login("n1_coordinator"), referral, "accept", version=referral.version,
                     case_worker_id=network.users["n2_case_worker"].id)
    assert response.status_code == 200
    assert reload(session, a, referral).state == ReferralState.SUBMITTED


def test_stale_version_is_a_conflict_and_changes_nothing(login, network, session):
    a = network.tenants["a"]
    referral = make_referral(a, network.users["a_operator"])
    stale = referral.version
    coordinator = login("n1_coordinator")
    assert _move(coordinator, referral, "request_info", version=stale, message="Prima domanda").status_code == 302
    response = _move(coordinator, referral, "decline", version=stale, decline_reason="other", message="Testo da non perdere")
    assert response.status_code == 409
    assert "Testo da non perdere" in response.get_data(as_text=True)
    referral = reload(session, a, referral)
    assert referral.state == ReferralState.INFO_REQUESTED and referral.decline_reason is None


def test_edit_keeps_identity_and_is_version_checked(login, network, session):
    a = network.tenants["a"]
    operator = login("a_operator")
    response, key = post_new(operator, action="save")
    referral = referral_by_key(session, a, key)
    page = operator.get(f"/segnalazioni/{referral.id}/modifica").get_data(as_text=True)
    assert FIRST_NAME in page and "Salva bozza" in page
    with context.acting_as(a.id):
        reads = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(referral.person_id))).all()
    assert "person.identity_read" in reads
    data = {**form_data(situation="Situazione aggiornata."), "version": referral.version,
            "person_version": referral.person.version, "action": "save"}
    response = post_on_page(operator, f"/segnalazioni/{referral.id}/modifica", f"/segnalazioni/{referral.id}/modifica", data)
    assert response.status_code == 302
    referral = reload(session, a, referral)
    assert referral.situation == "Situazione aggiornata." and referral.version == 2
    # The same (now stale) form again: 409, what was typed is shown back, nothing saved.
    data["situation"] = "Seconda modifica concorrente."
    response = post_on_page(operator, f"/segnalazioni/{referral.id}/modifica", f"/segnalazioni/{referral.id}/modifica",
                            {**data, "version": 1})
    assert response.status_code == 409 and "Seconda modifica concorrente." in response.get_data(as_text=True)
    assert reload(session, a, referral).situation == "Situazione aggiornata."


def test_an_edit_saved_after_a_colleague_sent_or_withdrew_the_draft_is_a_conflict_with_the_input(login, network, session):
    a = network.tenants["a"]
    typed = "Situazione riscritta mentre la collega agiva sulla bozza."
    for move in ("submit", "withdraw"):
        draft = make_referral(a, network.users["a_operator"], state="draft")
        operator = login("a_operator")
        url = f"/segnalazioni/{draft.id}/modifica"
        page = operator.get(url).get_data(as_text=True)  # the operator opens the draft for editing...
        with context.acting_as(a.id):
            versions = {"version": draft.version, "person_version": draft.person.version}
        # ...meanwhile a colleague sends it or withdraws it...
        assert _move(login("a_admin"), draft, move, version=draft.version).status_code == 302, move
        # ...and the operator saves: the conflict page, with what was typed.
        response = operator.post(url, data={**form_data(situation=typed), **versions, "action": "save",
                                            "csrf_token": csrf_from(page)})
        body = response.get_data(as_text=True)
        assert response.status_code == 409, (move, body)
        assert str(escape(typed)) in body and FIRST_NAME in body
        assert reload(session, a, draft).situation != typed
        assert operator.get(url).status_code == 302  # the page itself: no longer an edit form


def test_edit_is_refused_once_sent_and_to_the_node(login, network, session):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])  # submitted
    response = login("a_operator").get(f"/segnalazioni/{referral.id}/modifica")
    assert response.status_code == 302
    assert login("n1_coordinator").get(f"/segnalazioni/{referral.id}/modifica").status_code == 403


def test_identity_only_on_request_and_audited(login, network, session):
    referral = network.referral
    coordinator = login("n1_coordinator")
    page = coordinator.get(_detail(referral)).get_data(as_text=True)
    assert "Quartararo" not in page and "Mostra i dati identificativi" in page
    page = coordinator.get(_detail(referral) + "?identita=1").get_data(as_text=True)
    assert "Quartararo" in page
    # The budget officer of the node may not read referrals at all.
    assert login("n1_budget_officer").get(_detail(referral)).status_code == 403


def test_accepting_needs_the_pathway_to_open_the_case(login, network, session, monkeypatch):
    """The referral opens its case through a signal the cases package answers; were nobody to answer (the
    package not loaded), accepting must fail whole, not leave an accepted referral without its case."""
    import pytest

    from portal.referrals.signals import referral_accepted

    a = network.tenants["a"]
    referral = make_referral(a, network.users["a_operator"])
    coordinator = login("n1_coordinator")
    monkeypatch.setattr(referral_accepted, "receivers", {})
    worker = network.users["n1_case_worker"].id
    with pytest.raises(RuntimeError, match="referral_accepted has no receiver"):  # a server error, whole
        _move(coordinator, referral, "accept", version=referral.version, case_worker_id=worker)
