"""A link on another site does not make a signed-in browser read an identity (and log the read in the user's
name): the identity pages and ``?identita=1`` take Sec-Fetch-Site into account (core.views_helpers)."""
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.tenancy import context


def _reads(session, network, tenant: str = "a") -> int:
    with context.acting_as(network.tenants[tenant].id):
        return session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "person.identity_read", AuditEvent.object_id == str(network.person.id)))


@pytest.mark.parametrize("site, reads", [("cross-site", 0), ("same-site", 0), ("same-origin", 1), ("none", 1)])
def test_the_identity_page_reads_only_when_asked_from_here(login, network, session, site, reads):
    client = login("a_operator")
    before = _reads(session, network)
    answer = client.get(f"/persone/{network.person.id}/identita", headers={"Sec-Fetch-Site": site})
    assert answer.status_code == (200 if reads else 302)
    assert _reads(session, network) - before == reads


def test_a_referral_linked_from_elsewhere_shows_no_identity(login, network, session):
    client = login("a_operator")
    before = _reads(session, network)
    page = client.get(f"/segnalazioni/{network.referral.id}?identita=1", headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status_code == 200 and _reads(session, network) == before
    client.get(f"/segnalazioni/{network.referral.id}?identita=1", headers={"Sec-Fetch-Site": "same-origin"})
    assert _reads(session, network) == before + 1


def test_a_case_linked_from_elsewhere_shows_no_identity(login, network, session):
    client = login("n1_case_worker")
    before = _reads(session, network, "n1")
    page = client.get(f"/casi/{network.case.id}?identita=1", headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status_code == 200 and _reads(session, network, "n1") == before
    assert client.get(f"/casi/{network.case.id}?identita=1", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert _reads(session, network, "n1") == before + 1


@pytest.mark.parametrize("site, reads", [("cross-site", 0), ("same-origin", 1)])
def test_the_rectify_and_edit_forms_read_only_when_asked_from_here(login, network, session, site, reads):
    from .factories import make_referral

    client = login("a_operator")
    draft = make_referral(network.tenants["a"], network.users["a_operator"], person=network.person, state="draft")
    before = _reads(session, network)
    for path in (f"/persone/{network.person.id}/rettifica", f"/segnalazioni/{draft.id}/modifica"):
        answer = client.get(path, headers={"Sec-Fetch-Site": site})
        assert answer.status_code == (200 if reads else 302), path
    assert _reads(session, network) - before == 2 * reads
