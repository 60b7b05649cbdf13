"""Possible duplicates shown where the node decides: the referral page warns, compares, links or dismisses."""
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.people.models import DuplicateDismissal, Person
from portal.tenancy import context

from .factories import make_person, make_referral
from .helpers import csrf_from, page_texts
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE


def _twin_referral(network):
    """Antenna B refers someone with antenna A's person's codice fiscale (network.person)."""
    twin = make_person(network.tenants["b"], first_name="Z.", last_name="Q.", birth_year=None, tax_code=VICTIM_TAX_CODE)
    return twin, make_referral(network.tenants["b"], network.users["b_operator"], person=twin)


def test_the_node_s_referral_page_warns_of_a_possible_duplicate(login, network):
    twin, referral = _twin_referral(network)
    html = login("n1_coordinator").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    assert f"Possibile stessa persona di {network.person.pseudonym}" in " ".join(page_texts(html))
    assert "Stesso codice fiscale" in html
    assert f"/persone/{twin.id}/confronta/{network.person.id}?segnalazione={referral.id}" in html
    assert f"/persone/{twin.id}/collega/{network.person.id}" in html
    assert VICTIM_LAST_NAME not in html and VICTIM_TAX_CODE not in html  # the warning shows pseudonyms only

    # A case worker is warned too; the decision is the coordinator's.
    html = login("n1_case_worker").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    assert f"Possibile stessa persona di {network.person.pseudonym}" in " ".join(page_texts(html))
    assert "/collega/" not in html and "Lo decide il coordinatore" in html


def test_the_antenna_learns_nothing_about_other_antennas_people(login, network):
    twin, referral = _twin_referral(network)
    for key, ref in (("b_operator", referral), ("b_admin", referral), ("a_operator", network.referral)):
        html = login(key).get(f"/segnalazioni/{ref.id}").get_data(as_text=True)
        assert "Possibile stessa persona" not in html, key
        other = network.person if key.startswith("b") else twin
        assert other.pseudonym not in html, key
    assert login("b_operator").get(f"/persone/{twin.id}/confronta/{network.person.id}").status_code == 404


def test_no_warning_once_decided(login, network, session):
    twin, referral = _twin_referral(network)
    with context.acting_as(network.tenants["n1"].id):
        session.add(DuplicateDismissal(tenant_id=network.tenants["n1"].id, person_id=network.person.id,
                                       other_person_id=twin.id, dismissed_by_id=network.users["n1_coordinator"].id,
                                       dismissed_at=network.person.created_at))
        session.flush()
    html = login("n1_coordinator").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    assert "Possibile stessa persona" not in html


def test_compare_then_link_from_the_referral_page(login, network, session):
    twin, referral = _twin_referral(network)
    page_url = f"/segnalazioni/{referral.id}"  # ids read now: expire_all below and RLS hide the rows outside a tenant
    client = login("n1_coordinator")
    page = client.get(f"/persone/{twin.id}/confronta/{network.person.id}?segnalazione={referral.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert twin.pseudonym in html and network.person.pseudonym in html and "Antenna Alfa" in html and "Antenna Beta" in html
    assert VICTIM_LAST_NAME not in html  # identity only on request
    with context.acting_as(network.tenants["n1"].id):
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "person.identity_read")).all()

    shown = client.get(f"/persone/{twin.id}/confronta/{network.person.id}?identita=1&segnalazione={referral.id}")
    assert VICTIM_FIRST_NAME in shown.get_data(as_text=True)
    with context.acting_as(network.tenants["n1"].id):
        reads = session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "person.identity_read")).all()
    assert sorted(reads) == sorted([str(twin.id), str(network.person.id)])  # both reveals audited

    response = client.post(f"/persone/{twin.id}/collega/{network.person.id}", data={
        "csrf_token": csrf_from(html), "version": twin.version, "segnalazione": referral.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/segnalazioni/{referral.id}")
    twin_id = twin.id
    session.expire_all()
    with context.acting_as(network.tenants["n1"].id):
        assert session.get(Person, twin_id).linked_person_id == network.person.id
    assert "Possibile stessa persona" not in client.get(page_url).get_data(as_text=True)


def test_dismiss_from_the_referral_page(login, network, session):
    twin, referral = _twin_referral(network)
    client = login("n1_coordinator")
    html = client.get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    response = client.post(f"/persone/{twin.id}/scarta/{network.person.id}",
                           data={"csrf_token": csrf_from(html), "segnalazione": referral.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/segnalazioni/{referral.id}")
    assert "Possibile stessa persona" not in client.get(f"/segnalazioni/{referral.id}").get_data(as_text=True)


def test_only_the_coordinator_compares(login, network):
    twin, _referral = _twin_referral(network)
    for key in ("n1_case_worker", "n1_dpo"):
        assert login(key).get(f"/persone/{twin.id}/confronta/{network.person.id}").status_code == 403, key
    for key in ("n2_coordinator", "a_operator"):  # antenna B's person is invisible to them
        assert login(key).get(f"/persone/{twin.id}/confronta/{network.person.id}").status_code == 404, key
