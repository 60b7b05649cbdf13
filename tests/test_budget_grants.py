"""Identity grants: the node (assigned case worker or coordinator) lets the provider delivering an
action of a case see the person's identity for that case, with a reason; revocable (also on a read-only case);
audited. A grant counts only while the case is not ended and the provider has an open order on a live action
of it; the case moving to another node revokes it. The decision is ``people.services.can_see_identity``;
without a grant the provider sees only the pseudonym."""
import pytest
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
    _provider_order(network)
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


def _reads_identity(login, order) -> bool:
    shown = login("p_user").get(f"/budget/ordini/{order.id}?identita=1")
    return shown.status_code == 200 and VICTIM_TAX_CODE in shown.get_data(as_text=True)


@pytest.mark.parametrize("ended", ["order_cancelled", "order_closed", "action_cancelled", "case_closed"])
def test_a_grant_counts_only_while_the_case_and_an_open_order_on_it_last(login, network, ended):
    """The need to know ends with the provider's work on the case: its order ended, its action cancelled, or
    the case closed. The grant row stays (history) but no longer opens the identity."""
    from portal.budget.models import OrderStatus, ServiceOrder
    from portal.cases.models import Action, ActionStatus, Case, CaseState

    order = _provider_order(network)
    make_grant(network.case, network.tenants["p"])
    assert _reads_identity(login, order)
    with context.acting_as(network.tenants["n1"].id):
        if ended.startswith("order_"):
            db.session.get(ServiceOrder, order.id).status = OrderStatus(ended.removeprefix("order_"))
        elif ended == "action_cancelled":
            db.session.get(Action, network.action.id).status = ActionStatus.CANCELLED
        else:
            db.session.get(Case, network.case.id).state = CaseState.CLOSED
        db.session.flush()
    assert not _reads_identity(login, order)
    page = login("p_user").get(f"/budget/ordini/{order.id}").get_data(as_text=True)
    assert "Accompagnamento al colloquio" not in page  # no grant shown on the order any more
    grants_page = login("n1_coordinator").get(f"/budget/casi/{network.case.id}/accesso-identita").get_data(as_text=True)
    assert "Senza effetto" in grants_page  # the node sees that the row no longer opens anything
    with context.acting_as(network.tenants["n1"].id):
        assert not can_see_identity(fresh(type(network.person), network.person.id, network.tenants["n1"].id),
                                    network.memberships["p_user"])


def test_moving_the_case_to_another_node_revokes_its_grants(login, network):
    """N1 no longer follows the person, and nobody at N1 may grant again: its grants end with the transfer,
    audited in N1's chain; the provider's order stays (its deliveries), the identity does not."""
    from portal.cases.models import Case, CaseTransfer

    from .case_support import post

    order = _provider_order(network)
    grant = make_grant(network.case, network.tenants["p"])
    assert _reads_identity(login, order)
    coordinator = login("n1_coordinator")
    assert post(coordinator, f"/casi/{network.case.id}/trasferimento", {
        "version": fresh(Case, network.case.id, network.tenants["n1"].id).version,
        "target": network.tenants["n2"].id, "reason": "Si è trasferita.", "notes": []}).status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        transfer = db.session.scalars(select(CaseTransfer).execution_options(populate_existing=True)).one()
    page = f"/casi/trasferimenti/{transfer.id}"
    assert post(login("n2_coordinator"), f"{page}/accetta", {"version": transfer.version, "case_worker": ""},
                page=page).status_code == 302
    revoked = fresh(IdentityGrant, grant.id, network.tenants["n1"].id)
    assert revoked.revoked_at is not None and revoked.revoked_by_id is None
    assert revoked.revoke_reason == "Caso trasferito a un altro nodo della regione."
    assert _events(network, "identity_grant.revoked", grant.id)
    assert not _reads_identity(login, order)
    # The grants page stays readable at N1 (history), with nothing to grant.
    html = coordinator.get(f"/budget/casi/{network.case.id}/accesso-identita").get_data(as_text=True)
    assert "Revocato il" in html and "Caso trasferito" in html and "sola lettura" in html


def test_grants_are_revoked_while_the_case_waits_for_a_transfer(login, network):
    """A pending transfer makes the case read-only: no new grant, but revoking (it only takes access away)
    stays open to who is responsible for the case."""
    from .transfer_support import pending_transfer

    _provider_order(network)
    grant = make_grant(network.case, network.tenants["p"])
    pending_transfer(network.case, network.tenants["n2"], network.users["n1_coordinator"])
    coordinator = login("n1_coordinator")
    url = f"/budget/casi/{network.case.id}/accesso-identita"
    page = coordinator.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "sola lettura" in html and f"/budget/accesso-identita/{grant.id}/revoca" in html
    assert "Concedi l&#39;accesso all&#39;identità" not in html
    token = csrf_from(html)
    assert coordinator.post(url, data={"csrf_token": token, "provider": network.tenants["p"].id,
                                       "reason": "x"}).status_code == 403
    assert coordinator.post(f"/budget/accesso-identita/{grant.id}/revoca", data={
        "csrf_token": token, "version": grant.version, "reason": "In attesa del trasferimento"}).status_code == 302
    assert fresh(IdentityGrant, grant.id, network.tenants["n1"].id).revoked_at is not None
    assert _events(network, "identity_grant.revoked", grant.id)
    # Who is not responsible for the case still may not.
    assert login("n1_budget_officer").get(url).status_code == 403
