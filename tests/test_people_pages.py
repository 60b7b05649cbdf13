"""The person page: pseudonym everywhere, identity only on need to know (audited), rectification."""
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.people.models import Gender, Person
from portal.tenancy import context

from .factories import MembershipFactory, UserFactory
from .helpers import csrf_from, log_in
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE


def events(network, action=None, object_id=None):
    with context.acting_as(network.tenants["n1"].id):
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        if object_id is not None:
            query = query.where(AuditEvent.object_id == str(object_id))
        return list(network_session().scalars(query))


def network_session():
    from portal.extensions import db

    return db.session


def test_person_page_shows_pseudonym_and_monitoring_not_identity(login, network):
    page = login("a_operator").get(f"/persone/{network.person.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert network.person.pseudonym in body
    assert VICTIM_LAST_NAME not in body and VICTIM_TAX_CODE not in body
    assert "Dati di monitoraggio" in body
    assert "Mostra i dati identificativi" in body
    assert events(network, "person.viewed", network.person.id)
    assert not events(network, "person.identity_read", network.person.id)


@pytest.mark.parametrize("key", ["a_operator", "a_admin", "n1_coordinator", "n1_case_worker"])
def test_who_needs_to_know_sees_identity_and_the_read_is_audited(login, network, key):
    client = login(key)
    response = client.get(f"/persone/{network.person.id}/identita")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert VICTIM_LAST_NAME in body and VICTIM_TAX_CODE in body
    reads = events(network, "person.identity_read", network.person.id)
    assert [e.actor_user_id for e in reads] == [network.users[key].id]
    assert sorted(reads[0].fields) == ["birth_year", "contact", "first_name", "last_name", "tax_code"]


def test_a_case_worker_not_assigned_sees_only_the_pseudonym(app, login, network, session):
    user = UserFactory(email="altro.case.worker@prova.example")
    membership = MembershipFactory(user=user, tenant=network.tenants["n1"], role="case_worker")
    client = app.test_client()
    log_in(client, user.email, membership_id=membership.id)
    page = client.get(f"/persone/{network.person.id}")
    assert page.status_code == 200 and VICTIM_LAST_NAME not in page.get_data(as_text=True)
    assert client.get(f"/persone/{network.person.id}/identita").status_code == 403
    assert client.get(f"/persone/{network.person.id}/rettifica").status_code == 403
    assert not events(network, "person.identity_read", network.person.id)


@pytest.mark.parametrize("key", ["n1_budget_officer", "n1_sysadmin", "a_dpo"])
def test_roles_without_a_need_get_403(login, network, key):
    client = login(key)
    for path in ("", "/identita", "/rettifica", "/accessi", "/richieste", "/esporta"):
        assert client.get(f"/persone/{network.person.id}{path}").status_code == 403, path


@pytest.mark.parametrize("key", ["b_operator", "b_admin", "b_dpo", "p_user", "n2_coordinator", "n2_case_worker", "n2_dpo"])
def test_other_antennas_providers_and_nodes_get_404(login, network, key):
    client = login(key)
    for path in ("", "/identita", "/rettifica", "/accessi", "/richieste", "/esporta"):
        response = client.get(f"/persone/{network.person.id}{path}")
        assert response.status_code == 404, path
        assert VICTIM_LAST_NAME not in response.get_data(as_text=True)


def _rectify_form(client, person):
    page = client.get(f"/persone/{person.id}/rettifica")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html, csrf_from(html)


def test_rectification_is_versioned_and_audited_with_field_names_only(login, network, session):
    person = network.person
    client = login("a_operator")
    html, token = _rectify_form(client, person)
    assert VICTIM_LAST_NAME in html  # the form shows the identity: an audited read
    assert events(network, "person.identity_read", person.id)
    version = person.version
    response = client.post(f"/persone/{person.id}/rettifica", data={
        "csrf_token": token, "version": version, "first_name": VICTIM_FIRST_NAME, "last_name": "Quartarone",
        "tax_code": VICTIM_TAX_CODE.lower(), "birth_year": "1980", "contact": "zelinda@example.org",
        "gender": "non_binary", "age_band": "25_54", "citizenship_group": "", "disability": "yes",
        "labour_status": "", "education_level": "",
    })
    assert response.status_code == 302
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        person = session.get(Person, person.id)
        assert person.last_name == "Quartarone" and person.contact == "zelinda@example.org"
        assert person.gender == Gender.NON_BINARY and person.disability is True
        assert person.version == version + 1
    [event] = events(network, "person.rectified", person.id)
    assert event.fields == ["contact", "disability", "gender", "last_name"]
    assert event.actor_user_id == network.users["a_operator"].id
    # No value, old or new, anywhere in the audit log.
    for e in events(network):
        text = " ".join([e.action, e.object_type or "", e.object_id or "", " ".join(e.fields or [])])
        for secret in (VICTIM_LAST_NAME, "Quartarone", "zelinda@example.org", VICTIM_TAX_CODE, "non_binary"):
            assert secret not in text

    # The same form posted again (stale version): conflict page, nothing overwritten.
    stale = client.post(f"/persone/{person.id}/rettifica", data={
        "csrf_token": token, "version": version, "first_name": "Altro", "last_name": "Nome",
    })
    assert stale.status_code == 409
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        assert session.get(Person, person.id).last_name == "Quartarone"
    assert len(events(network, "person.rectified", person.id)) == 1


def test_rectification_rejects_an_invalid_tax_code(login, network):
    client = login("n1_coordinator")
    _, token = _rectify_form(client, network.person)
    response = client.post(f"/persone/{network.person.id}/rettifica", data={
        "csrf_token": token, "version": network.person.version, "first_name": "A", "last_name": "B", "tax_code": "XXX",
    })
    assert response.status_code == 200
    assert "Il codice fiscale non è valido." in response.get_data(as_text=True)
    assert not events(network, "person.rectified", network.person.id)


def test_a_tax_code_the_service_refuses_leaves_nothing_changed(login, network, session, monkeypatch):
    """The service refuses the codice fiscale after it set the monitoring fields (a form that let it through):
    the message on the tax code's control, and none of the person's fields saved."""
    from portal.people.forms import RectifyForm

    monkeypatch.setattr(RectifyForm, "validate_tax_code", lambda form, field: None)
    before = (network.person.gender, network.person.disability)
    assert before != (Gender.NON_BINARY, True)
    client = login("a_operator")
    _, token = _rectify_form(client, network.person)
    response = client.post(f"/persone/{network.person.id}/rettifica", data={
        "csrf_token": token, "version": network.person.version, "first_name": VICTIM_FIRST_NAME,
        "last_name": VICTIM_LAST_NAME, "tax_code": "XXX", "gender": "non_binary", "disability": "yes"})
    assert response.status_code == 200
    assert 'id="tax_code-error">Il codice fiscale non è valido.' in response.get_data(as_text=True)
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        person = session.get(Person, network.person.id)
        assert (person.gender, person.disability) == before


def test_changing_the_birth_year_recomputes_the_age_band(login, network, session):
    client = login("a_operator")
    _, token = _rectify_form(client, network.person)
    client.post(f"/persone/{network.person.id}/rettifica", data={
        "csrf_token": token, "version": network.person.version, "first_name": VICTIM_FIRST_NAME,
        "last_name": VICTIM_LAST_NAME, "tax_code": VICTIM_TAX_CODE, "birth_year": "2010", "age_band": "25_54",
    })
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        assert session.get(Person, network.person.id).age_band.value == "under_25"
    [event] = events(network, "person.rectified", network.person.id)
    assert "birth_year" in event.fields and "age_band" in event.fields


def test_the_node_does_not_see_a_person_only_in_a_draft(login, network, session):
    from .factories import make_person, make_referral

    a = network.tenants["a"]
    person = make_person(a, last_name="Bozzolo", shared=False)  # met only in the draft below
    referral = make_referral(a, network.users["a_operator"], person=person, state="draft")
    for key in ("n1_coordinator", "n1_case_worker", "n1_dpo"):
        client = login(key)
        assert client.get(f"/persone/{person.id}").status_code == 404, key
        assert client.get(f"/persone/{person.id}/identita").status_code == 404, key
    assert person.pseudonym not in login("n1_coordinator").get("/persone/duplicati").get_data(as_text=True)
    # The antenna sees its person, and the referral page links to it.
    antenna = login("a_operator")
    assert antenna.get(f"/persone/{person.id}").status_code == 200
    assert f'href="/persone/{person.id}"' in antenna.get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    # Once the antenna sends it, the node sees the person too.
    from .helpers import post_form

    sent = post_form(antenna, f"/segnalazioni/{referral.id}/stato/submit", {"version": referral.version},
                     page=f"/segnalazioni/{referral.id}")
    assert sent.status_code == 302
    assert login("n1_coordinator").get(f"/persone/{person.id}").status_code == 200


def test_case_page_links_the_person_page(login, network):
    html = login("n1_coordinator").get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert f'href="/persone/{network.person.id}"' in html
    html = login("n1_coordinator").get(f"/segnalazioni/{network.referral.id}").get_data(as_text=True)
    assert f'href="/persone/{network.person.id}"' in html


def test_the_birth_year_bound_is_this_year_when_checked_not_when_the_worker_started(app, monkeypatch):
    from datetime import date

    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from portal.people import forms as people_forms

    class Birth(Form):
        birth_year = people_forms.BirthYearField()

    next_year = date.today().year + 1

    with app.test_request_context():
        assert not Birth(MultiDict({"birth_year": str(next_year)})).validate()
        # the same worker, after New Year
        monkeypatch.setattr(people_forms, "local_today", lambda: date(next_year, 1, 2))
        form = Birth(MultiDict({"birth_year": str(next_year)}))
        assert form.validate(), form.errors
        assert f'max="{next_year}"' in form.birth_year()
