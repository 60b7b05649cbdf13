"""Finding a person: by identity through the keyed blind indexes for who may see it (coordinator, the case
worker for their cases, the DPO for an open request's subject), by pseudonym for everyone else."""
import pytest
from sqlalchemy import select

from portal.alerts.models import SecurityAlert
from portal.audit.models import AuditEvent
from portal.crypto import DecryptionError
from portal.tenancy import context

from .factories import make_case, make_person, make_referral
from .helpers import csrf_from
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE
from .test_alerts_security import set_threshold


def search(client, **query):
    token = csrf_from(client.get("/persone/cerca").get_data(as_text=True))
    return client.post("/persone/cerca", data={**query, "csrf_token": token})


def events(session, network, action):
    with context.acting_as(network.tenants["n1"].id):
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_coordinator_finds_by_tax_code_or_name_and_the_search_is_audited_without_the_query(login, network, session):
    client = login("n1_coordinator")
    response = search(client, tax_code=VICTIM_TAX_CODE.lower())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert network.person.pseudonym in html and "corrispondenza esatta" in html
    assert VICTIM_LAST_NAME not in html.replace(f'value="{VICTIM_LAST_NAME}"', "")  # results show pseudonyms only

    html = search(client, last_name="quartararo", first_name="ZELINDA", birth_year="1980").get_data(as_text=True)
    assert network.person.pseudonym in html and "corrispondenza esatta" in html
    html = search(client, last_name=VICTIM_LAST_NAME, first_name=VICTIM_FIRST_NAME).get_data(as_text=True)
    assert network.person.pseudonym in html  # without the year: every year's key
    html = search(client, last_name="Quartaràro", first_name="Z", birth_year="1983").get_data(as_text=True)
    assert network.person.pseudonym in html and "corrispondenza simile" in html  # same decade, initial only
    html = search(client, last_name="Bianchi", first_name="Zelinda", birth_year="1980").get_data(as_text=True)
    assert network.person.pseudonym not in html and "Nessuna persona trovata" in html
    html = search(client, last_name="Quartararo").get_data(as_text=True)
    assert network.person.pseudonym in html and "corrispondenza simile" in html  # the surname alone

    searches = events(session, network, "person.searched")
    assert [(e.fields, e.object_id) for e in searches] == [
        (["tax_code"], "1"), (["birth_year", "first_name", "last_name"], "1"), (["first_name", "last_name"], "1"),
        (["birth_year", "first_name", "last_name"], "1"), (["birth_year", "first_name", "last_name"], "0"),
        (["last_name"], "1"),
    ]
    reads = events(session, network, "person.identity_read")
    assert len(reads) == 5 and all(e.object_id == str(network.person.id) and "search" in e.fields for e in reads)
    with context.acting_as(network.tenants["n1"].id):
        everything = " ".join(f"{e.object_id} {e.fields}" for e in session.scalars(select(AuditEvent)))
    for secret in (VICTIM_TAX_CODE, VICTIM_TAX_CODE.lower(), VICTIM_LAST_NAME.lower(), "Bianchi", "1983"):
        assert secret not in everything  # the query itself is never stored


def test_the_search_never_decrypts(login, network, monkeypatch):
    client = login("n1_coordinator")
    token = csrf_from(client.get("/persone/cerca").get_data(as_text=True))

    def refuse(*args, **kwargs):
        raise DecryptionError("the search must not decrypt")

    monkeypatch.setattr("portal.crypto.decrypt", refuse)
    for query in ({"tax_code": VICTIM_TAX_CODE}, {"last_name": VICTIM_LAST_NAME, "first_name": VICTIM_FIRST_NAME}):
        response = client.post("/persone/cerca", data={**query, "csrf_token": token})
        assert response.status_code == 200 and network.person.pseudonym in response.get_data(as_text=True)
    monkeypatch.undo()
    with pytest.raises(DecryptionError):  # the guard is live: a reveal does decrypt
        monkeypatch.setattr("portal.crypto.decrypt", refuse)
        network.person.last_name  # noqa: B018


def test_the_case_worker_finds_only_people_of_their_cases(login, network):
    namesake = make_person(network.tenants["b"], first_name=VICTIM_FIRST_NAME, last_name=VICTIM_LAST_NAME, birth_year=1980)
    make_referral(network.tenants["b"], network.users["b_operator"], person=namesake)
    html = search(login("n1_case_worker"), last_name=VICTIM_LAST_NAME, first_name=VICTIM_FIRST_NAME).get_data(as_text=True)
    assert network.person.pseudonym in html and namesake.pseudonym not in html
    html = search(login("n1_coordinator"), last_name=VICTIM_LAST_NAME, first_name=VICTIM_FIRST_NAME).get_data(as_text=True)
    assert network.person.pseudonym in html and namesake.pseudonym in html


def test_the_dpo_finds_only_the_subject_of_an_open_request(login, network):
    other_case_worker_person = make_person(network.tenants["a"], first_name=VICTIM_FIRST_NAME, last_name=VICTIM_LAST_NAME,
                                           birth_year=1981)
    make_case(make_referral(network.tenants["a"], network.users["a_operator"], person=other_case_worker_person))
    dpo = login("n1_dpo")
    query = {"last_name": VICTIM_LAST_NAME, "first_name": VICTIM_FIRST_NAME}
    html = search(dpo, **query).get_data(as_text=True)
    assert network.person.pseudonym not in html and "Nessuna persona trovata" in html
    page = dpo.get(f"/persone/{network.person.id}/richieste")
    dpo.post(f"/persone/{network.person.id}/richieste", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "kind": "access", "reference": "", "notes": ""})
    html = search(dpo, **query).get_data(as_text=True)
    assert network.person.pseudonym in html and other_case_worker_person.pseudonym not in html
    # From the subject: their access log and requests.
    assert f"/persone/{network.person.id}/accessi" in html and f"/persone/{network.person.id}/richieste" in html
    assert f"/persone/{network.person.id}/esporta/stampa" in html  # an access request: the export too


@pytest.mark.parametrize("key", ["a_operator", "a_admin", "n1_budget_officer", "n1_sysadmin", "p_user", "a_dpo"])
def test_everyone_else_is_refused_an_identity_search(login, network, key):
    client = login(key)
    page = client.get("/persone/cerca")
    token = csrf_from(client.get("/profilo/password").get_data(as_text=True))
    assert client.post("/persone/cerca", data={"tax_code": VICTIM_TAX_CODE, "csrf_token": token}).status_code == 403
    assert client.post("/persone/cerca", data={"last_name": VICTIM_LAST_NAME, "first_name": "Z", "csrf_token": token}).status_code == 403
    assert client.get(f"/persone/cerca?last_name={VICTIM_LAST_NAME}").status_code == 403
    if key.startswith("a_") and key != "a_dpo":
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'name="codice"' in html  # the pseudonym field only
        assert 'name="tax_code"' not in html and 'name="last_name"' not in html
    else:
        assert page.status_code == 403


def test_pseudonym_search_sees_only_what_the_tenant_sees(login, network):
    code = network.person.pseudonym
    html = login("a_operator").get(f"/persone/cerca?codice={code.lower()}").get_data(as_text=True)
    assert f"/persone/{network.person.id}" in html
    html = login("b_operator").get(f"/persone/cerca?codice={code}").get_data(as_text=True)
    assert f"/persone/{network.person.id}\"" not in html and "Nessuna persona con questo codice" in html
    html = login("n2_coordinator").get(f"/persone/cerca?codice={code[:6]}").get_data(as_text=True)
    assert code not in html
    html = login("n1_case_worker").get(f"/persone/cerca?codice={code[:8]}").get_data(as_text=True)
    assert code in html


def test_search_hits_count_toward_the_unusual_access_check(login, network, session):
    set_threshold(network, 3)
    for year in (1990, 1991, 1992):
        make_person(network.tenants["a"], first_name="Mario", last_name="Rossi", birth_year=year)
    search(login("n1_coordinator"), last_name="Rossi", first_name="Mario")
    with context.acting_as(network.tenants["n1"].id):
        (alert,) = session.scalars(select(SecurityAlert)).all()
    assert alert.subject_user_id == network.users["n1_coordinator"].id and alert.identities_read == 3


def test_an_incomplete_query_is_a_form_error(login, network):
    response = search(login("n1_coordinator"), first_name="Mario", birth_year="1980")
    assert response.status_code == 200 and "oppure il cognome" in response.get_data(as_text=True)
    response = search(login("n1_coordinator"), tax_code="XXXXXX")
    assert response.status_code == 200 and "non è valido" in response.get_data(as_text=True)


def test_past_the_candidates_cap_the_exact_match_is_kept_and_the_page_asks_to_narrow(login, network, monkeypatch):
    # A common surname's sound-alikes can outnumber the cap: they were cut by id, the person asked for with them.
    monkeypatch.setattr("portal.people.search.MAX_CANDIDATES", 2)
    for first_name in ("Marco", "Maria"):
        make_person(network.tenants["a"], first_name=first_name, last_name="Rossi", birth_year=1990)
    wanted = make_person(network.tenants["a"], first_name="Mario", last_name="Rossi", birth_year=1990)
    with context.acting_as(network.tenants["a"].id):
        pseudonym = wanted.pseudonym
    html = search(login("n1_coordinator"), last_name="Rossi", first_name="Mario", birth_year="1990").get_data(as_text=True)
    assert pseudonym in html and "corrispondenza esatta" in html
    assert "restringere la ricerca" in html
    html = search(login("n1_coordinator"), tax_code=VICTIM_TAX_CODE).get_data(as_text=True)
    assert "restringere la ricerca" not in html
