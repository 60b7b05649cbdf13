"""Identity grants: the node (assigned case worker or coordinator) lets the provider delivering an
action of a case see the person's identity for that case, with a reason; revocable; audited. The decision is
``people.services.can_see_identity``; without a grant the provider sees only the pseudonym."""
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.budget.models import IdentityGrant
from portal.extensions import db
from portal.people.services import can_see_identity
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_grant, make_order
from .fixtures import fresh
from .helpers import csrf_from
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE


def _events(network, action, object_id=None):
    with context.acting_as(network.tenants["n1"].id):
        query = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            query = query.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(query))


def _provider_order(network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="GRANT00001")
    return make_order(contract, network.action)


def test_without_a_grant_the_provider_sees_only_the_pseudonym(login, network):
    order = _provider_order(network)
    provider = login("p_user")
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert network.case.pseudonym in page
    for secret in (VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE, "Mostra l&#39;identità"):
        assert secret not in page
    assert provider.get(f"/budget/ordini/{order.id}?identita=1").status_code == 403
    assert not _events(network, "person.identity_read", network.person.id)


def test_case_worker_grants_provider_reads_identity_audited_then_revoked(login, network):
    order = _provider_order(network)
    worker = login("n1_case_worker")  # assigned to the case
    page = worker.get(f"/budget/casi/{network.case.id}/accesso-identita").get_data(as_text=True)
    assert "Fornitore Pi" in page
    token = csrf_from(page)
    url = f"/budget/casi/{network.case.id}/accesso-identita"
    missing = worker.post(url, data={"csrf_token": token, "provider": network.tenants["p"].id, "reason": ""})
    body = missing.get_data(as_text=True)
    assert missing.status_code == 200 and "Indica perché" in body
    assert f'<option selected value="{network.tenants["p"].id}"' in body or f'value="{network.tenants["p"].id}" selected' in body
    assert worker.post(url, data={"csrf_token": token, "provider": network.tenants["p"].id,
                                  "reason": "Accompagnamento al colloquio"}).status_code == 302
    again = worker.post(url, data={"csrf_token": token, "provider": network.tenants["p"].id, "reason": "Di nuovo"})
    assert again.status_code == 200 and "ha già accesso" in again.get_data(as_text=True)
    with context.acting_as(network.tenants["n1"].id):
        grant = db.session.scalar(select(IdentityGrant).where(IdentityGrant.case_id == network.case.id))
    assert grant.active and grant.reason == "Accompagnamento al colloquio"
    assert _events(network, "identity_grant.created", grant.id)

    provider = login("p_user")
    page = provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert "Accompagnamento al colloquio" in page and VICTIM_LAST_NAME not in page  # a further, audited step
    assert not _events(network, "person.identity_read", network.person.id)
    shown = provider.get(f"/budget/ordini/{order.id}?identita=1")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and VICTIM_FIRST_NAME in text and VICTIM_LAST_NAME in text and VICTIM_TAX_CODE in text
    reads = _events(network, "person.identity_read", network.person.id)
    assert len(reads) == 1 and reads[0].tenant_id == network.tenants["p"].id
    assert reads[0].actor_user_id == network.users["p_user"].id

    # Revoked: back to the pseudonym; a stale version is a conflict.
    token = csrf_from(worker.get(url).get_data(as_text=True))
    assert worker.post(f"/budget/accesso-identita/{grant.id}/revoca",
                       data={"csrf_token": token, "version": grant.version, "reason": "Colloquio svolto"}).status_code == 302
    assert worker.post(f"/budget/accesso-identita/{grant.id}/revoca",
                       data={"csrf_token": token, "version": grant.version, "reason": "x"}).status_code == 409
    revoked = fresh(IdentityGrant, grant.id, network.tenants["n1"].id)
    assert revoked.revoked_at is not None and revoked.revoke_reason == "Colloquio svolto"
    assert _events(network, "identity_grant.revoked", grant.id)
    assert provider.get(f"/budget/ordini/{order.id}?identita=1").status_code == 403
    assert VICTIM_LAST_NAME not in provider.get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert len(_events(network, "person.identity_read", network.person.id)) == 1


def test_need_to_know_function_decides_for_the_provider(app, network):
    """can_see_identity is the one place: a provider membership with and without an active grant."""
    membership = network.memberships["p_user"]
    with context.acting_as(network.tenants["n1"].id):
        assert not can_see_identity(network.person, membership)
    grant = make_grant(network.case, network.tenants["p"])
    with context.acting_as(network.tenants["n1"].id):
        assert can_see_identity(network.person, membership)
        # Another node's provider with the same role learns nothing from N1's grant.
        assert not can_see_identity(network.person, network.memberships["n2_coordinator"])
        grant.revoked_at = grant.created_at
        db.session.flush()
        assert not can_see_identity(network.person, membership)


def test_who_may_grant(login, network):
    _provider_order(network)
    url = f"/budget/casi/{network.case.id}/accesso-identita"
    assert login("n1_coordinator").get(url).status_code == 200
    assert login("n1_budget_officer").get(url).status_code == 403
    assert login("p_user").get(url).status_code == 403
    assert login("n2_case_worker").get(url).status_code == 404
    # Only a provider delivering an action of this case.
    coordinator = login("n1_coordinator")
    token = csrf_from(coordinator.get(url).get_data(as_text=True))
    wrong = coordinator.post(url, data={"csrf_token": token, "provider": network.tenants["n2"].id, "reason": "x"})
    assert wrong.status_code == 200
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalar(select(IdentityGrant.id)) is None


def test_other_case_workers_cannot_grant(login, network, session):
    from portal.accounts.models import Role

    from .factories import MembershipFactory, UserFactory

    user = UserFactory(email="altro.operatore@prova.example", full_name="Altro Operatore")
    membership = MembershipFactory(user=user, tenant=network.tenants["n1"], role=Role.CASE_WORKER)
    session.flush()
    network.users["n1_other"], network.memberships["n1_other"] = user, membership
    assert login("n1_other").get(f"/budget/casi/{network.case.id}/accesso-identita").status_code == 403


def test_no_new_grant_on_a_closed_case(login, network):
    from portal.cases.models import CaseState

    _provider_order(network)
    with context.acting_as(network.tenants["n1"].id):
        network.case.state = CaseState.CLOSED
        db.session.flush()
    coordinator = login("n1_coordinator")
    url = f"/budget/casi/{network.case.id}/accesso-identita"
    page = coordinator.get(url).get_data(as_text=True)
    assert "non si concedono nuovi accessi" in page
    response = coordinator.post(url, data={"csrf_token": csrf_from(page), "provider": network.tenants["p"].id, "reason": "x"})
    assert response.status_code == 200 and "non si concedono nuovi accessi" in response.get_data(as_text=True)
