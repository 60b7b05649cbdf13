"""Possible duplicates at the node: keyed hashes of normalised identifiers and tolerant matching."""
import re

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.people.duplicates import duplicate_candidates, duplicate_pairs
from portal.people.models import Person
from portal.tenancy import context

from .factories import make_person
from .helpers import csrf_from, page_texts, questions_before_posting
from .network import VICTIM_LAST_NAME, VICTIM_TAX_CODE


def candidates(network, person, as_tenant="n1"):
    with context.acting_as(network.tenants[as_tenant].id):
        return [p.id for p in duplicate_candidates(person)]


def test_same_tax_code_is_a_duplicate_whatever_the_name(network):
    other = make_person(network.tenants["b"], first_name="Z.", last_name="Q.", birth_year=None,
                        tax_code=VICTIM_TAX_CODE.lower())
    assert candidates(network, other) == [network.person.id]


def test_same_name_and_year_with_different_case_and_accents(network):
    a = make_person(network.tenants["a"], first_name="José", last_name="Pérez Núñez", birth_year=1975)
    b = make_person(network.tenants["b"], first_name="JOSE", last_name="perez  nunez", birth_year=1975)
    c = make_person(network.tenants["b"], first_name="Jose", last_name="Perez Nunez", birth_year=1990)
    assert candidates(network, b) == [a.id]
    assert a.name_year_bidx == b.name_year_bidx != c.name_year_bidx


def test_tolerant_match_on_a_slightly_different_spelling_in_the_same_decade(network):
    rossi = make_person(network.tenants["a"], first_name="Mario", last_name="Rossi", birth_year=1981)
    rosi = make_person(network.tenants["b"], first_name="mario", last_name="Rosi", birth_year=1984)
    other_decade = make_person(network.tenants["b"], first_name="Mario", last_name="Rosi", birth_year=1995)
    other_name = make_person(network.tenants["b"], first_name="Mario", last_name="Bianchi", birth_year=1981)
    found = candidates(network, rosi)
    assert rossi.id in found and other_decade.id not in found and other_name.id not in found
    assert rossi.name_year_bidx != rosi.name_year_bidx  # not exact: the tolerant key matched


def test_antennas_never_see_other_antennas_people_as_candidates(network):
    mine = make_person(network.tenants["b"], first_name="Zelinda", last_name="Quartararo", birth_year=1980,
                       tax_code=VICTIM_TAX_CODE)
    assert candidates(network, mine, as_tenant="b") == []  # antenna A's person exists but is invisible
    assert candidates(network, mine, as_tenant="n1") == [network.person.id]
    with context.acting_as(network.tenants["n2"].id):
        assert duplicate_pairs(network.tenants["n2"].id) == []


def test_the_coordinator_links_or_dismisses_pairs(login, network, session):
    rossi = make_person(network.tenants["a"], first_name="Mario", last_name="Rossi", birth_year=1981)
    rosi = make_person(network.tenants["b"], first_name="Mario", last_name="Rosi", birth_year=1984)
    twin = make_person(network.tenants["b"], first_name="Zelinda", last_name="QUARTARARO", birth_year=1980)
    client = login("n1_coordinator")
    page = client.get("/persone/duplicati")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for p in (rossi, rosi, twin, network.person):
        assert p.pseudonym in html
    assert "Mario" not in html and VICTIM_LAST_NAME not in html  # lists show pseudonyms only
    # Linking cannot be undone: the page asks first, on every link button, without JavaScript too.
    asked = questions_before_posting(html, "/collega/")
    assert len(asked) == html.count("/collega/") > 0
    assert set(asked) == {"Collegare le due schede come la stessa persona? Il collegamento non si può annullare."}
    token = csrf_from(html)

    response = client.post(f"/persone/{twin.id}/collega/{network.person.id}", data={"csrf_token": token, "version": twin.version})
    assert response.status_code == 302
    response = client.post(f"/persone/{rosi.id}/scarta/{rossi.id}", data={"csrf_token": token})
    assert response.status_code == 302

    session.expire_all()
    with context.acting_as(network.tenants["n1"].id):
        assert session.get(Person, twin.id).linked_person_id == network.person.id
        assert duplicate_pairs(network.tenants["n1"].id) == []
        assert duplicate_candidates(rosi) == []
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "person"))]
    assert "person.linked" in actions and "person.duplicate_dismissed" in actions
    assert "Nessun possibile duplicato" in client.get("/persone/duplicati").get_data(as_text=True)


def test_a_stale_link_is_a_conflict(login, network):
    twin = make_person(network.tenants["b"], first_name="Zelinda", last_name="Quartararo", birth_year=1980)
    client = login("n1_coordinator")
    token = csrf_from(client.get("/persone/duplicati").get_data(as_text=True))
    response = client.post(f"/persone/{twin.id}/collega/{network.person.id}", data={"csrf_token": token, "version": twin.version - 1})
    assert response.status_code == 409


def test_only_the_node_coordinator_decides(login, network):
    twin = make_person(network.tenants["a"], first_name="Zelinda", last_name="Quartararo", birth_year=1980)
    for key in ("a_operator", "n1_case_worker", "n1_dpo"):
        client = login(key)
        assert client.get("/persone/duplicati").status_code == 403
        token = csrf_from(client.get("/profilo/password").get_data(as_text=True))
        response = client.post(f"/persone/{twin.id}/collega/{network.person.id}", data={"csrf_token": token, "version": twin.version})
        assert response.status_code == 403, key
    client = login("b_operator")
    token = csrf_from(client.get("/profilo/password").get_data(as_text=True))
    assert client.post(f"/persone/{twin.id}/scarta/{network.person.id}", data={"csrf_token": token}).status_code == 404


def test_the_comparison_shows_each_side_s_referrals(login, network):
    """The referrals on each side come from the referrals domain (``pair_summary`` signal)."""
    twin = make_person(network.tenants["b"], first_name="Zelinda", last_name="QUARTARARO", birth_year=1980)
    html = login("n1_coordinator").get(f"/persone/{twin.id}/confronta/{network.person.id}").get_data(as_text=True)
    assert html.count("Nessuna segnalazione inviata.") == 1  # the twin's side only
    assert "inviata il" in html  # the network person's referral
    assert questions_before_posting(html, "/collega/") == [
        "Collegare le due schede come la stessa persona? Il collegamento non si può annullare."]


def test_the_referral_page_names_the_strongest_few_and_says_there_are_more(login, network):
    """A common surname matches many people on the tolerant key: the referral page lists the strongest
    WARNING_LIMIT (the same codice fiscale before a tolerant match, whatever the order of arrival) and links
    the coordinator to the whole list."""
    from portal.people.duplicates import WARNING_LIMIT

    from .factories import make_referral

    person = make_person(network.tenants["a"], first_name="Mario", last_name="Rossi", birth_year=1981,
                         tax_code="RSSMRA81A01F952L")
    tolerant = [make_person(network.tenants["b"], first_name="Mario", last_name="Rosi", birth_year=1984)
                for _ in range(WARNING_LIMIT + 2)]
    same_code = make_person(network.tenants["b"], first_name="Z.", last_name="Q.", birth_year=None,
                            tax_code="RSSMRA81A01F952L")
    referral = make_referral(network.tenants["a"], network.users["a_operator"], person=person)
    html = login("n1_coordinator").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    text = " ".join(page_texts(html))  # the code is kept on one line by a span of its own
    listed = [p for p in [same_code, *tolerant] if f"Possibile stessa persona di {p.pseudonym}" in text]
    assert len(listed) == WARNING_LIMIT and listed[0] is same_code
    assert html.index(same_code.pseudonym) < min(html.index(p.pseudonym) for p in listed[1:])
    assert "Ci sono altre possibili corrispondenze" in html and 'href="/persone/duplicati"' in html
    case_worker = login("n1_case_worker").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    assert "le esamina il coordinatore del nodo" in case_worker and 'href="/persone/duplicati"' not in case_worker


def test_the_duplicates_page_lists_a_bounded_number_of_pairs(login, network, monkeypatch):
    from portal.people import duplicates

    monkeypatch.setattr(duplicates, "PAIRS_LIMIT", 2)
    people = [make_person(network.tenants["b"], first_name="Mario", last_name="Rosi", birth_year=1984) for _ in range(3)]
    html = login("n1_coordinator").get("/persone/duplicati").get_data(as_text=True)
    assert len(set(re.findall(r'/persone/\d+/collega/\d+', html))) == 2  # three people, three pairs: two shown
    assert "Sono mostrate le prime 2 coppie" in html
    assert people[0].pseudonym in html
    with context.acting_as(network.tenants["n1"].id):  # the bound is in the query, not only on the page
        assert len(duplicate_pairs(network.tenants["n1"].id, limit=2)) == 2
        assert len(duplicate_pairs(network.tenants["n1"].id)) == 3
