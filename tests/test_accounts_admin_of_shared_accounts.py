"""An organisation's administrator acts on the account of a person who also belongs elsewhere (added by e-mail)
only as far as that organisation goes: what is the person's everywhere — the second factor, the codice fiscale,
their sessions — stays with whoever administers every organisation they belong to (their node for the staff of
its antennas). Adding someone's existing account does not tell the administrator that account's name."""
import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import identity, invitations
from portal.accounts.models import Membership, Role, User, UserSession
from portal.extensions import db
from portal.tenancy import context

from .factories import MembershipFactory
from .helpers import csrf_from, csrf_token, log_in, post_form
from .oidc_provider import fiscal_code

COORDINATOR_CODE = fiscal_code("RSSMRA80A01F952")
OPERATOR_CODE = fiscal_code("BNCLCU85M41L219")


def flashed(client) -> list[str]:
    with client.session_transaction() as cookie_session:
        return [message for _, message in cookie_session.get("_flashes", [])]


def invited_coordinator(admin, network, accepted: bool = True) -> Membership:
    """Antenna A's administrator types the node coordinator's address into the invitation; the coordinator
    accepts it (as from the mail's link), unless ``accepted`` is false."""
    response = post_form(admin, "/utenti/invita", {"full_name": "Un Nome Qualsiasi",
                                                   "email": network.users["n1_coordinator"].email,
                                                   "role": Role.ANTENNA_OPERATOR.value})
    assert response.status_code == 302
    with context.acting_as(network.tenants["a"].id):
        membership = db.session.scalar(select(Membership).where(
            Membership.user_id == network.users["n1_coordinator"].id, Membership.tenant_id == network.tenants["a"].id))
    assert membership.pending and not membership.active
    if accepted:
        invitations.accept(membership)
    return membership


def live_sessions(user) -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                            UserSession.ended_at.is_(None))).all())


@pytest.fixture
def admin(login):
    return login("a_admin")


def test_adding_an_existing_account_does_not_tell_its_name(login, network, admin, mailbox):
    coordinator = network.users["n1_coordinator"]
    response = post_form(admin, "/utenti/invita", {"full_name": "Un Nome Qualsiasi", "email": coordinator.email,
                                                   "role": Role.ANTENNA_OPERATOR.value})
    assert response.status_code == 302
    said = " ".join(flashed(admin))
    assert coordinator.email in said and coordinator.full_name not in said
    # Not even the mail names them: the inviter's outbox lists it.
    body = mailbox.body(mailbox.wait_for(1)[0])
    assert coordinator.full_name not in body and "/invito/" in body
    listed = admin.get("/utenti").get_data(as_text=True)
    assert coordinator.email in listed and coordinator.full_name not in listed


def test_a_pending_invitation_gives_no_hold_on_the_person(app, login, network, admin):
    """Until the owner accepts, the membership is no member: its codice fiscale page and the second factor's
    reset are 404, and withdrawing the invitation ends none of the person's sessions."""
    coordinator = network.users["n1_coordinator"]
    coordinator.totp_secret = pyotp.random_base32()
    with context.acting_as(network.tenants["n1"].id):
        identity.set_fiscal_code(coordinator, COORDINATOR_CODE)
    db.session.flush()
    membership = invited_coordinator(admin, network, accepted=False)
    at_node = app.test_client()
    assert log_in(at_node, coordinator.email).location.endswith("/accesso/codice")
    response = at_node.post("/accesso/codice", data={"code": pyotp.TOTP(coordinator.totp_secret).now(),
                                                     "csrf_token": csrf_token(at_node, "/accesso/codice")})
    assert response.location == "/"  # one organisation to work for: the invitation is not one yet
    assert admin.get(f"/utenti/{membership.id}/codice-fiscale").status_code == 404
    assert post_form(admin, f"/utenti/{membership.id}/azzera-verifica", {"version": membership.version},
                     page="/utenti").status_code == 404
    assert db.session.get(User, coordinator.id, populate_existing=True).has_second_factor
    membership_id = membership.id
    response = post_form(admin, f"/utenti/{membership_id}/disattiva", {"version": membership.version}, page="/utenti")
    assert response.status_code == 302 and "Invito annullato." in flashed(admin)
    assert live_sessions(coordinator) == 1 and at_node.get("/").status_code == 200
    # Withdrawn, it is gone: kept, it would read as a former member's row, name and all.
    listed = admin.get("/utenti").get_data(as_text=True)
    assert coordinator.full_name not in listed and coordinator.email not in listed
    assert admin.get(f"/utenti/{membership_id}/codice-fiscale").status_code == 404
    assert invited_coordinator(admin, network, accepted=False).pending  # invited again: it waits again


def test_a_former_member_invited_again_is_back_at_once(login, network, admin, mailbox):
    """Deactivated here, then invited again: the organisation knew them, the role is back without a link."""
    operator = network.memberships["a_operator"]
    assert post_form(admin, f"/utenti/{operator.id}/disattiva", {"version": operator.version},
                     page="/utenti").status_code == 302
    mailbox.messages.clear()
    assert post_form(admin, "/utenti/invita", {"full_name": "X", "email": network.users["a_operator"].email,
                                               "role": Role.ANTENNA_OPERATOR.value}).status_code == 302
    with context.acting_as(network.tenants["a"].id):
        db.session.refresh(operator)
        assert operator.active and not operator.pending
    assert "/invito/" not in mailbox.body(mailbox.wait_for(1)[0])


def test_the_fiscal_code_of_someone_who_belongs_elsewhere_is_not_shown(login, network, admin):
    membership = invited_coordinator(admin, network)
    # Recorded once the coordinator belongs to both (joining A cleared any code: test_accounts_identity_scope.py).
    with context.acting_as(network.tenants["n1"].id):
        identity.set_fiscal_code(network.users["n1_coordinator"], COORDINATOR_CODE)
    with context.acting_as(network.tenants["a"].id):
        identity.set_fiscal_code(network.users["a_operator"], OPERATOR_CODE)
    db.session.flush()
    page = admin.get(f"/utenti/{membership.id}/codice-fiscale")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert COORDINATOR_CODE not in html and "Questa persona ha accesso anche ad altre organizzazioni" in html
    # The node, which answers for its antennas' staff, still sees it; so does A for A's own operator.
    node = login("n1_sysadmin")
    assert COORDINATOR_CODE in node.get(f"/utenti/{network.memberships['n1_coordinator'].id}/codice-fiscale").get_data(
        as_text=True)
    assert OPERATOR_CODE in admin.get(f"/utenti/{network.memberships['a_operator'].id}/codice-fiscale").get_data(
        as_text=True)


def signed_in_with_code(app, user, membership_id):
    client = app.test_client()
    response = log_in(client, user.email)
    assert response.location.endswith("/accesso/codice")
    response = client.post("/accesso/codice", data={"code": pyotp.TOTP(user.totp_secret).now(),
                                                    "csrf_token": csrf_token(client, "/accesso/codice")})
    assert "/accesso/organizzazione" in response.location
    page = client.get("/accesso/organizzazione").get_data(as_text=True)
    client.post("/accesso/organizzazione", data={"membership": membership_id, "csrf_token": csrf_from(page)})
    assert client.get("/").status_code == 200
    return client


def test_the_second_factor_of_someone_who_belongs_elsewhere_is_not_reset(app, login, network, admin):
    coordinator = network.users["n1_coordinator"]
    coordinator.totp_secret = pyotp.random_base32()
    db.session.flush()
    membership = invited_coordinator(admin, network)
    at_node = signed_in_with_code(app, coordinator, network.memberships["n1_coordinator"].id)
    response = post_form(admin, f"/utenti/{membership.id}/azzera-verifica", {"version": membership.version},
                         page="/utenti")
    assert response.status_code == 302
    assert any("altre organizzazioni" in message for message in flashed(admin))
    assert db.session.get(User, coordinator.id, populate_existing=True).has_second_factor
    assert live_sessions(coordinator) == 1 and at_node.get("/").status_code == 200
    # The node administers every organisation the coordinator belongs to: it may.
    node = login("n1_sysadmin")
    own = network.memberships["n1_coordinator"]
    assert post_form(node, f"/utenti/{own.id}/azzera-verifica", {"version": own.version},
                     page="/utenti").status_code == 302
    assert not db.session.get(User, coordinator.id, populate_existing=True).has_second_factor
    assert live_sessions(coordinator) == 0


def test_deactivating_one_membership_ends_only_what_it_opened(app, login, network, admin):
    coordinator = network.users["n1_coordinator"]
    membership = invited_coordinator(admin, network)
    at_node = app.test_client()
    log_in(at_node, coordinator.email, membership_id=network.memberships["n1_coordinator"].id)
    at_antenna = app.test_client()
    log_in(at_antenna, coordinator.email, membership_id=membership.id)
    assert at_node.get("/").status_code == 200 and at_antenna.get("/").status_code == 200
    response = post_form(admin, f"/utenti/{membership.id}/disattiva", {"version": membership.version}, page="/utenti")
    assert response.status_code == 302
    assert live_sessions(coordinator) == 2
    assert "Nodo Uno di prova" in at_node.get("/").get_data(as_text=True)
    # The session that worked for antenna A no longer does: it is asked to choose among what is left.
    moved = at_antenna.get("/")
    assert moved.status_code == 302 and "/accesso/organizzazione" in moved.location


def test_deactivating_someones_last_membership_still_ends_their_sessions(app, login, network, admin):
    operator = network.users["a_operator"]
    extra = MembershipFactory(user=operator, tenant=network.tenants["b"], role=Role.ANTENNA_OPERATOR, active=False)
    db.session.flush()
    login("a_operator")
    assert live_sessions(operator) == 1 and not extra.active
    target = network.memberships["a_operator"]
    post_form(admin, f"/utenti/{target.id}/disattiva", {"version": target.version}, page="/utenti")
    assert live_sessions(operator) == 0
