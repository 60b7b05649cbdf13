"""A codice fiscale opens, through SPID/CIE, only what whoever recorded it answers for (docs/spid-cie.md): never
recorded on one's own account, not while an invitation from another organisation waits, cleared when the person
gains a membership (to be recorded again by someone who answers for all their organisations); and the sessions a
code may have opened end when it is changed, removed or cleared."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import identity, user_sessions
from portal.accounts.models import Membership, Role, SessionEnd, User, UserSession
from portal.extensions import db
from portal.tenancy import context

from .factories import MembershipFactory
from .helpers import csrf_from, post_form
from .oidc_provider import fiscal_code, provider_app, spid_sign_in


@pytest.fixture(scope="module")
def app(database, mail_server, oidc_provider):
    return provider_app(database, mail_server, oidc_provider)


SOMEONE_ELSE = fiscal_code("MLCTTR75A01F952")  # another person's SPID identity
RIGHT_CODE = fiscal_code("BNCLCU85M41L219")


@pytest.fixture
def audited(monkeypatch):
    """Audit actions as recorded (each call still writes its row: the app role may not read them back)."""
    calls = []
    for module in (identity, user_sessions):
        real = module.record
        monkeypatch.setattr(module, "record", lambda action, *a, _real=real, **k: (calls.append(action), _real(action, *a, **k))[1])
    return calls


def record_code(admin, membership_id: int, code: str):
    page = admin.get(f"/utenti/{membership_id}/codice-fiscale").get_data(as_text=True)
    return admin.post(f"/utenti/{membership_id}/codice-fiscale", data={"fiscal_code": code, "csrf_token": csrf_from(page)})


def fresh(user) -> User:
    return db.session.get(User, user.id, populate_existing=True)


def ended_reasons(user) -> set:
    return set(db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == user.id)))


def invitation_link(mailbox, email: str) -> str:
    [mail] = [m for m in mailbox.wait_for(1) if m["To"] == email]
    return urlsplit(re.search(r"https?://\S+/invito/\S+", mailbox.body(mail)).group(0)).path


def test_a_code_recorded_before_joining_the_node_opens_nothing_there(app, login, network, oidc_provider, mailbox,
                                                                     audited):
    """Antenna A's administrator records another person's identity on A's operator; the node later takes the
    operator on. Accepting clears the code: that identity opens neither the node's role (SPID level 2 would
    have skipped the operator's TOTP) nor A's, and the session it had opened ends."""
    operator = network.users["a_operator"]
    at_desk = login("a_operator")  # the operator's own session, by password
    operator.totp_secret = pyotp.random_base32()
    db.session.flush()
    assert record_code(login("a_admin"), network.memberships["a_operator"].id, SOMEONE_ELSE).status_code == 302
    intruder = app.test_client()
    assert spid_sign_in(intruder, oidc_provider, "someone", SOMEONE_ELSE).location.endswith("/")
    assert intruder.get("/").status_code == 200
    assert post_form(login("n1_coordinator"), "/utenti/invita", {
        "full_name": "X", "email": operator.email, "role": Role.CASE_WORKER.value}).status_code == 302
    path = invitation_link(mailbox, operator.email)
    offer = at_desk.get(path).get_data(as_text=True)
    assert at_desk.post(path, data={"csrf_token": csrf_from(offer)}).status_code == 302
    assert fresh(operator).fiscal_code is None and fresh(operator).fiscal_code_bidx is None
    assert "user.fiscal_code_cleared" in audited and "sessions.ended" in audited
    assert SessionEnd.FISCAL_CODE in ended_reasons(operator)
    assert intruder.get("/").status_code != 200
    refused = spid_sign_in(app.test_client(), oidc_provider, "someone", SOMEONE_ELSE)
    assert refused.location.endswith("/accesso")
    # The operator's own password session, which accepted, goes on, now with the node's role to choose.
    assert "Nodo Uno di prova" in at_desk.get("/accesso/organizzazione").get_data(as_text=True)
    # Recorded again only by who answers for both organisations: the node, not the antenna.
    refused = record_code(login("a_admin"), network.memberships["a_operator"].id, RIGHT_CODE)
    assert "altre organizzazioni" in refused.get_data(as_text=True) and fresh(operator).fiscal_code is None
    with context.acting_as(network.tenants["n1"].id):
        node_membership = db.session.scalar(select(Membership).where(
            Membership.user_id == operator.id, Membership.tenant_id == network.tenants["n1"].id))
    assert record_code(login("n1_coordinator"), node_membership.id, RIGHT_CODE).status_code == 302
    assert fresh(operator).fiscal_code == RIGHT_CODE


def test_an_invitation_waiting_elsewhere_keeps_the_code_out_of_reach(login, network, mailbox):
    operator = network.users["a_operator"]
    coordinator = login("n1_coordinator")
    assert post_form(coordinator, "/utenti/invita", {
        "full_name": "X", "email": operator.email, "role": Role.CASE_WORKER.value}).status_code == 302
    admin = login("a_admin")
    target = network.memberships["a_operator"].id
    page = admin.get(f"/utenti/{target}/codice-fiscale").get_data(as_text=True)
    assert "Questa persona ha accesso anche ad altre organizzazioni" in page
    refused = record_code(admin, target, SOMEONE_ELSE)
    assert refused.status_code == 200 and "altre organizzazioni" in refused.get_data(as_text=True)
    assert fresh(operator).fiscal_code is None
    # The invitation withdrawn, A answers for all the operator has again.
    with context.acting_as(network.tenants["n1"].id):
        pending = db.session.scalar(select(Membership).where(
            Membership.user_id == operator.id, Membership.tenant_id == network.tenants["n1"].id))
    assert post_form(coordinator, f"/utenti/{pending.id}/disattiva", {"version": pending.version},
                     page="/utenti").status_code == 302
    assert record_code(admin, target, RIGHT_CODE).status_code == 302
    assert fresh(operator).fiscal_code == RIGHT_CODE


def test_an_expired_invitation_holds_nothing_until_it_is_sent_again(app, login, network, mailbox):
    """Its link no longer opens the role: it keeps nothing out of reach, and the node's list says it expired.
    Sent again, it waits (and holds) again, and only the new mail's link works."""
    operator = network.users["a_operator"]
    coordinator = login("n1_coordinator")
    invite = {"full_name": "X", "email": operator.email, "role": Role.CASE_WORKER.value}
    assert post_form(coordinator, "/utenti/invita", invite).status_code == 302
    first_link = invitation_link(mailbox, operator.email)
    with context.acting_as(network.tenants["n1"].id):
        pending = db.session.scalar(select(Membership).where(
            Membership.user_id == operator.id, Membership.tenant_id == network.tenants["n1"].id))
        pending.updated_at = pending.updated_at - timedelta(hours=app.config["INVITATION_HOURS"] + 1)
        db.session.flush()
    users = coordinator.get("/utenti").get_data(as_text=True)
    assert "Invito scaduto" in users and "Da accettare" not in users.split("Invito scaduto")[0].rsplit("<tr", 1)[-1]
    admin = login("a_admin")
    target = network.memberships["a_operator"].id
    assert record_code(admin, target, RIGHT_CODE).status_code == 302
    assert fresh(operator).fiscal_code == RIGHT_CODE
    mailbox.messages.clear()
    assert post_form(coordinator, "/utenti/invita", invite).status_code == 302  # sent again
    second_link = invitation_link(mailbox, operator.email)
    assert "Invito scaduto" not in coordinator.get("/utenti").get_data(as_text=True)
    refused = record_code(admin, target, SOMEONE_ELSE)
    assert refused.status_code == 200 and "altre organizzazioni" in refused.get_data(as_text=True)
    invited = app.test_client()
    assert invited.get(first_link).location.endswith("/accesso")  # refused: "non è valido o è già stato usato"
    assert invited.get(second_link).status_code == 200  # the page with the button that accepts


def test_a_former_member_taken_back_loses_the_code(app, login, network, oidc_provider, mailbox, audited):
    """Deactivated at the other node, the operator belonged to A alone when A recorded the code; the other
    node taking them back (at once, no link) is a membership gained too."""
    operator = network.users["a_operator"]
    MembershipFactory(user=operator, tenant=network.tenants["n2"], role=Role.CASE_WORKER, active=False)
    db.session.flush()
    assert record_code(login("a_admin"), network.memberships["a_operator"].id, SOMEONE_ELSE).status_code == 302
    intruder = app.test_client()
    assert spid_sign_in(intruder, oidc_provider, "someone", SOMEONE_ELSE).location.endswith("/")
    assert post_form(login("n2_coordinator"), "/utenti/invita", {
        "full_name": "X", "email": operator.email, "role": Role.CASE_WORKER.value}).status_code == 302
    assert fresh(operator).fiscal_code is None and "user.fiscal_code_cleared" in audited
    assert intruder.get("/").status_code != 200
    assert spid_sign_in(app.test_client(), oidc_provider, "someone", SOMEONE_ELSE).location.endswith("/accesso")


def test_changing_or_removing_a_code_ends_the_sessions_it_opened(app, login, network, oidc_provider, audited):
    """A wrong code (someone else's identity) found on the node's case worker and corrected, then removed: the
    sessions the old code may have opened end, as after a new password. Recording a first code ends nothing."""
    case_worker = network.users["n1_case_worker"]
    at_desk = login("n1_case_worker")
    admin = login("n1_sysadmin")
    membership_id = network.memberships["n1_case_worker"].id
    assert record_code(admin, membership_id, SOMEONE_ELSE).status_code == 302
    assert at_desk.get("/").status_code == 200 and "sessions.ended" not in audited
    intruder = app.test_client()
    assert spid_sign_in(intruder, oidc_provider, "someone", SOMEONE_ELSE).location.endswith("/")
    assert intruder.get("/").status_code == 200
    assert record_code(admin, membership_id, RIGHT_CODE).status_code == 302
    # The rows do not say how a session was opened: every one of them ends.
    assert intruder.get("/").status_code != 200 and at_desk.get("/").status_code != 200
    assert audited[-2:] == ["user.fiscal_code_set", "sessions.ended"]
    assert SessionEnd.FISCAL_CODE in ended_reasons(case_worker)
    own = app.test_client()
    assert spid_sign_in(own, oidc_provider, "case-worker", RIGHT_CODE).location.endswith("/")
    assert record_code(admin, membership_id, "").status_code == 302
    assert fresh(case_worker).fiscal_code is None and own.get("/").status_code != 200
    assert audited[-2:] == ["user.fiscal_code_removed", "sessions.ended"]


def test_no_administrator_records_a_code_on_their_own_account(app, login, network, oidc_provider):
    """A screen left open must not be enough to bind a passer-by's identity to the administrator's account:
    from SPID level 2 it would sign in with no password and no code, even after the password changed."""
    coordinator = network.users["n1_coordinator"]
    screen = login("n1_coordinator")
    own = network.memberships["n1_coordinator"].id
    said = "Non puoi registrare o modificare il codice fiscale del tuo stesso account"
    assert said in screen.get(f"/utenti/{own}/codice-fiscale").get_data(as_text=True)
    refused = record_code(screen, own, SOMEONE_ELSE)
    assert refused.status_code == 200 and said in refused.get_data(as_text=True)
    assert fresh(coordinator).fiscal_code is None
    assert spid_sign_in(app.test_client(), oidc_provider, "passer-by", SOMEONE_ELSE).location.endswith("/accesso")
    # The list offers no link to one's own code; others' are there.
    listed = screen.get("/utenti").get_data(as_text=True)
    assert f"/utenti/{own}/codice-fiscale" not in listed
    assert f"/utenti/{network.memberships['n1_case_worker'].id}/codice-fiscale" in listed
