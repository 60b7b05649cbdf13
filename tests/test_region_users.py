"""The regional coordinator administers the region's own users (the accounts pages, not a copy) and sees
the region's nodes with the contact each publishes; nothing of the nodes' accounts or people."""
import pytest
from sqlalchemy import select

from portal.accounts.models import Membership, Role, User
from portal.audit.models import AuditEvent
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .helpers import post_form
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME


def _fresh(statement):
    # populate_existing: fresh values without expiring the network's rows (under RLS they reload only
    # as their own tenant).
    return statement.execution_options(populate_existing=True)


def _region_memberships(net):
    with context.acting_as(net.tenants["r"].id):
        rows = db.session.execute(_fresh(select(Membership, User.email).join(User, User.id == Membership.user_id).where(
            Membership.tenant_id == net.tenants["r"].id))).all()
    return {email: m for m, email in rows}


def test_regional_coordinator_lists_only_the_region_users(login, network):
    page = login("r_coordinator").get("/utenti")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for key in ("r_analyst", "r_dpo"):
        assert network.users[key].email in body
    for key in ("n1_coordinator", "n2_coordinator", "a_operator"):
        assert network.users[key].email not in body


def test_regional_coordinator_invites_a_regional_role_only(login, network, mailbox):
    client = login("r_coordinator")
    form = client.get("/utenti/invita").get_data(as_text=True)
    assert 'value="regional_analyst"' in form and 'value="coordinator"' not in form and 'value="case_worker"' not in form
    response = post_form(client, "/utenti/invita", {"full_name": "Nuova Analista", "email": "analista2@regione.example",
                                                      "role": "regional_analyst"})
    assert response.status_code == 302
    [message] = mailbox.wait_for(1)
    assert message["To"] == "analista2@regione.example"
    assert _region_memberships(network)["analista2@regione.example"].role == Role.REGIONAL_ANALYST
    # A node's role is refused, the input kept.
    response = post_form(client, "/utenti/invita", {"full_name": "X Y", "email": "xy@regione.example", "role": "coordinator"})
    assert response.status_code == 200 and 'value="xy@regione.example"' in response.get_data(as_text=True)
    assert "xy@regione.example" not in _region_memberships(network)


def test_regional_coordinator_deactivates_and_resets_the_factor(login, network):
    analyst, dpo = network.memberships["r_analyst"], network.memberships["r_dpo"]
    user = db.session.get(User, dpo.user_id)
    user.totp_secret, user.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
    db.session.flush()
    client = login("r_coordinator")
    page = client.get("/utenti").get_data(as_text=True)
    assert f"/utenti/{dpo.id}/azzera-verifica" in page and f"/utenti/{analyst.id}/azzera-verifica" not in page
    assert post_form(client, f"/utenti/{analyst.id}/disattiva", {"version": analyst.version}, page="/utenti").status_code == 302
    assert post_form(client, f"/utenti/{dpo.id}/azzera-verifica", {"version": dpo.version}, page="/utenti").status_code == 302
    assert _region_memberships(network)[network.users["r_analyst"].email].active is False
    assert db.session.scalar(_fresh(select(User).where(User.id == dpo.user_id))).totp_enabled_at is None
    with context.acting_as(network.tenants["r"].id):
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"membership.deactivated", "2fa.reset"} <= actions


@pytest.mark.parametrize("target", ["n1_coordinator", "a_admin"])
def test_regional_coordinator_cannot_touch_a_node_account(login, network, target):
    membership = network.memberships[target]
    client = login("r_coordinator")
    for action in ("disattiva", "azzera-verifica"):
        response = post_form(client, f"/utenti/{membership.id}/{action}", {"version": membership.version}, page="/utenti")
        assert response.status_code == 404
    with context.acting_as(membership.tenant_id):
        assert db.session.scalar(_fresh(select(Membership).where(Membership.id == membership.id))).active is True


@pytest.mark.parametrize("key", ["r_analyst", "r_dpo"])
def test_other_regional_roles_do_not_manage_users(login, key):
    assert login(key).get("/utenti").status_code == 403


def test_a_region_has_no_api_clients(login):
    client = login("r_coordinator")
    assert client.get("/amministrazione/api/").status_code == 403
    assert "/amministrazione/api/" not in client.get("/").get_data(as_text=True)


def test_the_region_nodes_with_their_published_contact(login, network):
    n1 = network.tenants["n1"]
    db.session.add(DirectoryEntry(organisation_id=n1.id, referents="Coordinatrice: dott.ssa Referente Uno",
                                  phone="0321 111111", email="coordinamento@nodo-uno.example", grounds=[]))
    db.session.flush()
    for key in ("r_coordinator", "r_analyst"):
        response = login(key).get("/regione/nodi")
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Nodo Uno di prova" in body and "Nodo Due di prova" in body
        assert "Coordinatrice: dott.ssa Referente Uno" in body and "coordinamento@nodo-uno.example" in body
        # Each node's coordinators (name and work address); the other node publishes nothing: its address.
        for node in ("n1", "n2"):
            assert network.users[f"{node}_coordinator"].email in body
            assert network.users[f"{node}_coordinator"].full_name in body
        assert network.tenants["n2"].email in body
        # Nobody else of the nodes, no person.
        for secret in (VICTIM_FIRST_NAME, VICTIM_LAST_NAME, network.users["n1_case_worker"].email,
                       network.users["a_operator"].email, network.users["n2_dpo"].full_name):
            assert secret not in body
    home = login("r_coordinator").get("/").get_data(as_text=True)
    assert "/regione/nodi" in home


@pytest.mark.parametrize("key", ["n1_coordinator", "a_admin", "r_dpo"])
def test_only_regional_staff_see_the_nodes_page(login, key):
    assert login(key).get("/regione/nodi").status_code == 403
