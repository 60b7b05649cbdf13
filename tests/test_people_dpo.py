"""The data protection officer: who accessed a person, data-subject requests, export, erasure."""
import json
from datetime import UTC, datetime

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.people.models import DataSubjectRequest, Person, RequestStatus
from portal.tenancy import context

from .case_support import add_diary_entry
from .factories import make_person, make_referral
from .helpers import csrf_from
from .network import VICTIM_LAST_NAME, VICTIM_TAX_CODE


def audit(session, network, **where):
    with context.acting_as(network.tenants["n1"].id):
        query = select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        return list(session.scalars(query))


def open_request(client, person, kind, reference="PROT-2026-1", confirmed=True):
    page = client.get(f"/persone/{person.id}/richieste")
    assert page.status_code == 200
    return client.post(f"/persone/{person.id}/richieste", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "kind": kind, "reference": reference, "notes": "",
        **({"confirm_erasure": "y"} if confirmed else {}),
    })


def test_who_accessed_lists_reads_of_the_person_referral_and_case(login, network, session):
    from portal.audit.services import record

    login("a_operator").get(f"/persone/{network.person.id}/identita")
    login("n1_case_worker").get(f"/persone/{network.person.id}/identita")
    with context.acting_as(network.tenants["n1"].id):
        record("case.viewed", "case", network.case.id, ["state"])
    with context.acting_as(network.tenants["a"].id):
        record("referral.viewed", "referral", network.referral.id, ["situation"])
        other = make_person(network.tenants["a"], first_name="Altra", last_name="Persona")
        record("person.identity_read", "person", other.id, ["last_name"])

    page = login("n1_dpo").get(f"/persone/{network.person.id}/accessi")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert network.users["a_operator"].full_name in html and network.users["n1_case_worker"].full_name in html
    assert html.count("ha letto i dati identificativi") == 2  # not the other person's read
    assert "case.viewed" in html and "referral.viewed" in html  # codes without a label are shown as they are
    assert f"presa in carico n. {network.case.id}" in html and f"segnalazione n. {network.referral.id}" in html
    assert "Anno di nascita, Recapito, Nome, Cognome, Codice fiscale" in html  # field labels, never values
    assert "person.identity_read" not in html and "tax_code" not in html
    assert VICTIM_LAST_NAME not in html and VICTIM_TAX_CODE not in html  # the DPO sees the pseudonym only
    assert network.person.pseudonym in html


def test_dpo_sees_identity_only_while_a_request_is_open(login, network, session):
    dpo = login("n1_dpo")
    person_page = dpo.get(f"/persone/{network.person.id}").get_data(as_text=True)
    assert VICTIM_LAST_NAME not in person_page and network.person.pseudonym in person_page
    assert dpo.get(f"/persone/{network.person.id}/identita").status_code == 403
    assert dpo.get(f"/persone/{network.person.id}/esporta").status_code == 403
    assert not audit(session, network, action="person.identity_read")

    response = open_request(dpo, network.person, "access")
    assert response.status_code == 302
    [dsr_event] = audit(session, network, action="data_subject_request.opened")
    assert dsr_event.actor_user_id == network.users["n1_dpo"].id and "PROT" not in " ".join(dsr_event.fields)

    identity = dpo.get(f"/persone/{network.person.id}/identita")
    assert identity.status_code == 200 and VICTIM_LAST_NAME in identity.get_data(as_text=True)
    [read] = audit(session, network, action="person.identity_read")
    assert read.actor_user_id == network.users["n1_dpo"].id and read.object_id == str(network.person.id)
    # An access request does not allow rectification.
    assert dpo.get(f"/persone/{network.person.id}/rettifica").status_code == 403

    with context.acting_as(network.tenants["n1"].id):
        dsr = session.scalars(select(DataSubjectRequest)).one()
    page = dpo.get(f"/persone/{network.person.id}/richieste")
    closed = dpo.post(f"/persone/{network.person.id}/richieste/{dsr.id}/chiudi",
                      data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert closed.status_code == 302
    assert dpo.get(f"/persone/{network.person.id}/identita").status_code == 403
    assert audit(session, network, action="data_subject_request.closed")


def test_rectification_request_lets_the_dpo_rectify(login, network):
    dpo = login("n1_dpo")
    open_request(dpo, network.person, "rectification")
    assert dpo.get(f"/persone/{network.person.id}/rettifica").status_code == 200


def test_requests_are_the_node_dpo_s_own(login, network, session):
    open_request(login("n1_dpo"), network.person, "access")
    # Antenna A's users cannot see the node's requests, nor can another node's DPO reach the person.
    with context.acting_as(network.tenants["a"].id):
        assert session.scalars(select(DataSubjectRequest)).all() == []
    assert login("n2_dpo").get(f"/persone/{network.person.id}/richieste").status_code == 404
    assert login("a_dpo").get(f"/persone/{network.person.id}/richieste").status_code == 403


def test_export_for_an_open_access_request(login, network, session):
    add_diary_entry(network, "Nota interna di prova")
    login("a_operator").get(f"/persone/{network.person.id}/identita")
    dpo = login("n1_dpo")
    open_request(dpo, network.person, "access", reference="PROT-42")
    response = dpo.get(f"/persone/{network.person.id}/esporta")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["data_subject_request"]["reference"] == "PROT-42"
    assert data["person"]["pseudonym"] == network.person.pseudonym
    assert data["person"]["identity"]["last_name"] == VICTIM_LAST_NAME
    assert data["person"]["identity"]["tax_code"] == VICTIM_TAX_CODE
    assert set(data["person"]["monitoring"]) == {
        "gender", "age_band", "citizenship_group", "disability", "labour_status", "education_level"}
    [referral] = data["referrals"]
    assert referral["situation"].startswith("Rifiutata a un colloquio") and referral["antenna"] == "Antenna Alfa"
    [case] = data["cases"]
    assert [e["text"] for e in case["diary"]] == ["Nota interna di prova"]
    assert case["actions"][0]["service_type"] == "counselling" and case["actions"][0]["provider"] == "Fornitore Pi"
    assert case["verifications"] == []
    readers = {(a["user"], a["action"]) for a in data["accesses"]}
    assert (network.users["a_operator"].full_name, "person.identity_read") in readers
    actions = [e.action for e in audit(session, network, object_type="person", object_id=str(network.person.id))]
    assert "person.exported" in actions
    assert actions.count("person.identity_read") == 2  # the antenna's read and the export's


def test_erasure_is_refused_while_the_case_is_open_or_under_legal_hold(login, network, session):
    dpo = login("n1_dpo")
    response = open_request(dpo, network.person, "erasure")
    follow = dpo.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cancellazione rifiutata" in follow and "ancora in corso" in follow
    session.expire_all()
    with context.acting_as(network.tenants["n1"].id):
        person = session.get(Person, network.person.id)
        assert person.anonymised_at is None and person.last_name == VICTIM_LAST_NAME
        [dsr] = session.scalars(select(DataSubjectRequest)).all()
        assert dsr.status == RequestStatus.CLOSED and dsr.outcome == "refused"

    held = make_person(network.tenants["a"], first_name="Tenuta", last_name="Inblocco")
    with context.acting_as(network.tenants["a"].id):
        held.legal_hold = True
        session.flush()
    response = open_request(dpo, held, "erasure")
    follow = dpo.get(response.headers["Location"]).get_data(as_text=True)
    assert "blocco" in follow
    session.expire_all()
    with context.acting_as(network.tenants["n1"].id):
        assert session.get(Person, held.id).last_name == "Inblocco"


def test_erasure_past_the_retention_period_anonymises_at_once(login, network, session):
    person = make_person(network.tenants["a"], first_name="Erminia", last_name="Cancellanda", tax_code="CNCRMN80A41F952B",
                         gender="female")
    referral = make_referral(network.tenants["a"], network.users["a_operator"], person=person, state="declined",
                             decided_at=datetime(2015, 3, 1, tzinfo=UTC))
    dpo = login("n1_dpo")
    # Irreversible: not run on the radio button alone, and what was typed stays on the form.
    unconfirmed = open_request(dpo, person, "erasure", reference="PROT-NON-CONFERMATA", confirmed=False)
    body = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 200 and "Conferma la cancellazione" in body and "PROT-NON-CONFERMATA" in body
    with context.acting_as(network.tenants["n1"].id):
        assert session.get(Person, person.id).anonymised_at is None
        assert session.scalars(select(DataSubjectRequest)).all() == []
    assert open_request(dpo, person, "access", confirmed=False).status_code == 302  # only an erasure asks
    response = open_request(dpo, person, "erasure")
    follow = dpo.get(response.headers["Location"]).get_data(as_text=True)
    assert "Richiesta di cancellazione eseguita" in follow
    session.expire_all()
    with context.acting_as(network.tenants["n1"].id):
        person = session.get(Person, person.id)
        assert person.anonymised_at is not None
        assert person.first_name_enc is None and person.last_name_enc is None and person.tax_code_enc is None
        assert person.tax_code_bidx is None and person.name_year_bidx is None and person.fuzzy_bidx is None
        assert person.pseudonym and person.gender.value == "female"
        from portal.referrals.models import Referral

        assert session.get(Referral, referral.id).situation_enc is None
        [event] = [e for e in audit(session, network, object_type="person", object_id=str(person.id))
                   if e.action.startswith("person.anonymised")]
        assert "last_name" in event.fields and "referral.situation" in event.fields
    assert dpo.get(f"/persone/{person.id}/identita").status_code == 403
