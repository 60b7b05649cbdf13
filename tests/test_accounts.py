"""Login, lockout, rate limit, CSRF, idle timeout, password reset by real SMTP, invitations."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.accounts import invitations, services
from portal.accounts.models import Membership, Role, User, UserSession
from portal.accounts.passwords import policy_problems, verify_password
from portal.audit.models import AuditEvent
from portal.tenancy import context

from .factories import TEST_PASSWORD
from .helpers import csrf_from, csrf_token, field_error, log_in, post_form


def test_login_page_is_italian(client):
    html = client.get("/accesso").get_data(as_text=True)
    assert 'lang="it"' in html
    assert "Accedi" in html


def test_login_reaches_tenant_home(client, network):
    response = log_in(client, network.users["a_operator"].email)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Antenna Alfa" in home


def test_wrong_password_keeps_email_and_says_why(client, network):
    email = network.users["a_operator"].email
    response = client.post("/accesso", data={"email": email, "password": "sbagliata-123456", "csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "E-mail o password non corretti" in html
    assert f'value="{email}"' in html


def test_login_without_csrf_token_is_rejected(client, network):
    response = client.post("/accesso", data={"email": network.users["a_operator"].email, "password": TEST_PASSWORD})
    assert response.status_code == 400


def test_lockout_after_repeated_failures(app, client, network, session):
    email = network.users["a_operator"].email
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/accesso", data={"email": email, "password": "sbagliata-123456", "csrf_token": csrf_token(client)})
    response = log_in(client, email)  # right password, but locked
    assert response.status_code == 200
    assert "bloccato" in response.get_data(as_text=True)
    user = session.scalar(select(User).where(User.email == email))
    assert user.locked_until is not None


def test_login_is_rate_limited(app, client, network):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [
            client.post("/accesso", data={"email": "x@y.example", "password": "z" * 12, "csrf_token": csrf_token(client)}).status_code
            for _ in range(4)
        ]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429


def test_one_address_gets_a_few_reset_mails_whoever_asks(app, network, monkeypatch):
    """Four clients (four addresses of theirs) asking for the same mailbox: the fourth is refused; another
    address is not; an unknown address counts the same, so the refusal tells nothing about accounts."""
    monkeypatch.setitem(app.config, "PASSWORD_RESET_ADDRESS_LIMIT", "3 per hour")
    target, codes = network.users["a_operator"].email, []
    for n, address in enumerate([target] * 4 + ["altro@prova.example", "nessuno@prova.example"] * 1):
        client = app.test_client()
        codes.append(client.post("/password/dimenticata", environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
                                 data={"email": f"  {address.upper()} " if n == 3 else address,
                                       "csrf_token": csrf_token(client, "/password/dimenticata")}).status_code)
    assert codes == [302, 302, 302, 429, 302, 302]


def test_user_with_two_memberships_chooses_tenant(client, network, session):
    from .factories import MembershipFactory

    user = network.users["a_admin"]
    extra = MembershipFactory(user=user, tenant=network.tenants["b"])
    response = client.post("/accesso", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(client)})
    assert "/accesso/organizzazione" in response.headers["Location"]
    page = client.get("/accesso/organizzazione").get_data(as_text=True)
    assert "Antenna Alfa" in page and "Antenna Beta" in page
    client.post("/accesso/organizzazione", data={"membership": extra.id, "csrf_token": csrf_from(page)})
    assert "Antenna Beta" in client.get("/").get_data(as_text=True)


def test_open_redirect_is_refused(client, network):
    token = csrf_token(client)
    response = client.post("/accesso", data={
        "email": network.users["a_operator"].email, "password": TEST_PASSWORD, "csrf_token": token,
        "next": "https://evil.example/phish",
    })
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_idle_timeout_logs_out(app, login, network, session):
    client = login("a_operator")
    row = session.scalar(select(UserSession).where(UserSession.user_id == network.users["a_operator"].id))
    row.last_seen_at -= timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    session.flush()
    response = client.get("/")
    assert response.status_code == 302 and "/accesso" in response.headers["Location"]
    assert "scaduta per inattività" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_requires_post(login):
    client = login("a_operator")
    assert client.get("/esci").status_code == 405
    post_form(client, "/esci", {}, page="/")
    assert client.get("/").status_code == 302


def test_password_policy():
    assert policy_problems("corta")
    assert policy_problems("aaaaaaaaaaaaaaa")
    assert policy_problems("mario.rossi-2026!", "mario.rossi@x.example")
    assert not policy_problems("Cavallo-Batteria-Graffetta")


def test_password_reset_through_real_smtp(client, network, mailbox, session):
    user = network.users["a_operator"]
    post_form(client, "/password/dimenticata", {"email": user.email})
    message = mailbox.wait_for(1)[0]
    assert message["To"] == user.email
    link = re.search(r"http\S+/password/nuova/\S+", mailbox.body(message)).group(0)
    path = link.split("localhost", 1)[-1] if "localhost" in link else "/" + link.split("/", 3)[3]
    page = client.get(path).get_data(as_text=True)
    new_password = "Nuova-password-sicura-42"
    short = client.post(path, data={"password": "corta", "confirm": "corta", "csrf_token": csrf_from(page)})
    assert "almeno 12 caratteri" in short.get_data(as_text=True)
    client.post(path, data={"password": new_password, "confirm": new_password, "csrf_token": csrf_from(page)})
    session.expire_all()
    assert verify_password(session.get(User, user.id).password_hash, new_password)
    # The link is single-use: the fingerprint changed with the password.
    assert client.get(path).status_code == 302


def test_an_account_mail_nobody_queues_is_an_error_not_a_silence(client, network, mailbox, monkeypatch):
    """The accounts hand their e-mails to the outbox above them through a signal; were nobody to answer (the
    notifications package not loaded), the reset link must not vanish while the page says it was sent."""
    import pytest

    from portal.accounts.signals import account_mail

    monkeypatch.setattr(account_mail, "receivers", {})
    with pytest.raises(RuntimeError, match="account_mail has no receiver"):
        post_form(client, "/password/dimenticata", {"email": network.users["a_operator"].email})
    assert mailbox.wait_for(1, timeout=0.5) == []


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(client, mailbox):
    response = post_form(client, "/password/dimenticata", {"email": "nessuno@x.example"})
    assert response.status_code == 302
    assert mailbox.wait_for(1, timeout=0.5) == []


def test_a_new_address_accepts_then_chooses_its_password_and_works_there(login, client, network, mailbox, session):
    """A new address gets its account (named as typed) with the membership waiting, like any invitation; its
    owner accepts from the mail, chooses a password on the way and then works for the organisation."""
    admin = login("a_admin")
    response = post_form(admin, "/utenti/invita", {"full_name": "Nuova Operatrice", "email": "nuova@alfa.example",
                                                   "role": "antenna_operator"})
    assert response.status_code == 302
    [message] = mailbox.wait_for(1)
    assert message["To"] == "nuova@alfa.example"
    with context.acting_as(network.tenants["a"].id):
        invited = session.scalar(select(Membership).join(User).where(User.email == "nuova@alfa.example"))
    assert invited.tenant_id == network.tenants["a"].id and invited.pending and not invited.active
    path = urlsplit(re.search(r"https?://\S+/invito/\S+", mailbox.body(message)).group(0)).path
    offer = client.get(path)
    accepted = client.post(path, data={"csrf_token": csrf_from(offer.get_data(as_text=True))})
    assert accepted.status_code == 302 and "/password/nuova/" in accepted.location  # no password yet: choose one
    page = client.get(accepted.location).get_data(as_text=True)
    chosen = client.post(accepted.location, data={"csrf_token": csrf_from(page), "password": "Porte-Aperte-2026!",
                                                  "confirm": "Porte-Aperte-2026!"})
    assert chosen.status_code == 302, chosen.get_data(as_text=True)
    assert log_in(client, "nuova@alfa.example", "Porte-Aperte-2026!").status_code == 302
    assert "Antenna Alfa" in client.get("/").get_data(as_text=True)
    assert "Nuova Operatrice" in admin.get("/utenti").get_data(as_text=True)  # accepted: the name shows


def test_an_administrator_cannot_tell_whether_an_address_had_an_account(login, network, mailbox):
    """Inviting an address with an account and one without reads the same to the administrator: the message
    after the form, the user list's row and the mail in the outbox, but for the address and the link."""
    admin = login("a_admin")
    seen = []
    for email in (network.users["b_operator"].email, "nessuno@altrove.example"):
        response = post_form(admin, "/utenti/invita", {"full_name": "Nome Scritto", "email": email,
                                                       "role": "antenna_operator"})
        message = admin.get(response.location).get_data(as_text=True)
        [notice] = re.findall(r"Invito inviato a [^<]*", message)
        row = re.search(rf"<tr>((?:(?!</tr>).)*{re.escape(email)}(?:(?!</tr>).)*)</tr>", message, re.S).group(1)
        [mail] = [m for m in mailbox.wait_for(len(seen) + 1) if m["To"] == email]
        seen.append([re.sub(r"/invito/\S+", "/invito/…", text).replace(email, "…")
                     for text in (notice, re.sub(r"/utenti/\d+/", "/utenti/…/", re.sub(r'value="[^"]*"', "", row)),
                                  mail["Subject"], mailbox.body(mail))])
    assert seen[0] == seen[1]
    assert "Invito in attesa" in seen[0][1] and "Nome Scritto" not in seen[0][1]


def test_inviting_someone_with_an_account_waits_for_them_to_accept(login, network, mailbox, session):
    """The name belongs to the account's owner (and shows in every organisation they belong to): the invitation
    offers a membership that waits for its owner, and until they accept the inviter learns nothing of whose
    the address is (not in the message, not in the user list) and the person has no access there."""
    existing = network.users["b_operator"]
    client = login("a_admin")
    response = post_form(client, "/utenti/invita", {"full_name": "Nome Scritto Nell'Invito",
                                                    "email": existing.email.upper(), "role": "antenna_operator"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "quando la persona lo avrà accettato" in page and existing.full_name not in page
    assert "Nome Scritto Nell" not in page and "Invito in attesa" in page
    assert session.get(User, existing.id, populate_existing=True).full_name == "Persona B Operator"

    def membership():
        with context.acting_as(network.tenants["a"].id):
            return session.scalar(select(Membership).where(Membership.user_id == existing.id,
                                                           Membership.tenant_id == network.tenants["a"].id,
                                                           ).execution_options(populate_existing=True))

    assert not membership().active and membership().pending
    body = mailbox.body(mailbox.wait_for(1)[0])
    assert existing.full_name not in body and "Nome Scritto" not in body  # the outbox shows it to the inviter
    path = urlsplit(re.search(r"https?://\S+/invito/\S+", body).group(0)).path
    person = login("b_operator")
    choices = person.get("/accesso/organizzazione").get_data(as_text=True)
    assert network.tenants["a"].name not in choices  # not usable before accepting
    offer = person.get(path)
    assert offer.status_code == 200 and network.tenants["a"].name in offer.get_data(as_text=True)
    assert not membership().active  # opening the link (a mail scanner does) accepts nothing
    accepted = person.post(path, data={"csrf_token": csrf_from(offer.get_data(as_text=True))})
    assert accepted.status_code == 302 and membership().active and not membership().pending
    assert network.tenants["a"].name in person.get("/accesso/organizzazione").get_data(as_text=True)
    assert existing.full_name in client.get("/utenti").get_data(as_text=True)
    assert person.get(path).status_code == 302  # used: the link is dead


def test_antenna_admin_cannot_grant_node_roles(login):
    client = login("a_admin")
    response = post_form(client, "/utenti/invita", {"full_name": "X Y", "email": "xy@alfa.example", "role": "coordinator"})
    assert response.status_code == 200  # re-rendered with the error, input kept
    assert 'value="xy@alfa.example"' in response.get_data(as_text=True)


def test_inviting_a_member_says_so_under_the_address_and_a_role_refusal_names_its_field(login, network, app):
    client = login("a_admin")
    member = network.users["a_operator"].email
    response = post_form(client, "/utenti/invita", {"full_name": "X Y", "email": member, "role": "antenna_operator"})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "email") == "Questa persona fa già parte della tua organizzazione."
    # The form offers only the organisation's roles: the service's own refusal names the role.
    with app.test_request_context(), context.acting_as(network.tenants["a"].id):
        with pytest.raises(services.AccountError) as refused:
            invitations.invite_user("xy@alfa.example", "X Y", Role.COORDINATOR, network.users["a_admin"])
    assert refused.value.field == "role"


def test_operator_cannot_manage_users(login):
    client = login("a_operator")
    assert client.get("/utenti").status_code == 403


def test_admin_deactivates_user_of_own_tenant(login, network, session):
    client = login("a_admin")
    target = network.memberships["a_operator"]
    response = post_form(client, f"/utenti/{target.id}/disattiva", {"version": target.version}, page="/utenti")
    assert response.status_code == 302
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        assert session.get(Membership, target.id).active is False
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.deactivated"))


def test_admin_cannot_deactivate_their_own_access(login, network, session):
    client = login("a_admin")
    own = network.memberships["a_admin"]
    response = post_form(client, f"/utenti/{own.id}/disattiva", {"version": own.version}, page="/utenti")
    assert response.status_code == 302
    assert "Non puoi disattivare il tuo stesso accesso." in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        assert session.get(Membership, own.id).active is True


def test_deactivated_user_cannot_log_in(login, network, client, session):
    admin = login("a_admin")
    target = network.memberships["a_operator"]
    post_form(admin, f"/utenti/{target.id}/disattiva", {"version": target.version}, page="/utenti")
    response = log_in(client, network.users["a_operator"].email)
    assert response.status_code == 200
    assert "non è attivo" in response.get_data(as_text=True)


def test_stale_version_shows_conflict_and_changes_nothing(login, network, session):
    client = login("a_admin")
    target = network.memberships["a_operator"]
    response = post_form(client, f"/utenti/{target.id}/disattiva", {"version": target.version + 7}, page="/utenti")
    assert response.status_code == 409
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        assert session.get(Membership, target.id).active is True


@pytest.mark.parametrize("attacker", ["b_admin", "n2_sysadmin", "n1_coordinator"])
def test_admin_cannot_deactivate_other_tenants_users(login, network, attacker, session):
    client = login(attacker)
    target = network.memberships["a_operator"]
    response = post_form(client, f"/utenti/{target.id}/disattiva", {"version": target.version}, page="/utenti")
    assert response.status_code == 404
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        assert session.get(Membership, target.id).active is True


def test_a_reset_for_a_known_address_does_its_work_after_the_answer(client, network, mailbox, monkeypatch):
    """The answer's time must not tell whether an address has an account: looking it up, the mail and the audit
    row come once the answer has been sent (portal.jobs.after_response), for every address alike."""
    from portal.accounts import services as account_services

    recorded = []
    original = account_services.record
    monkeypatch.setattr(account_services, "record", lambda *a, **k: recorded.append(original(*a, **k).ip))
    user = network.users["a_operator"]
    token = csrf_token(client, "/password/dimenticata")
    response = client.post("/password/dimenticata", data={"email": user.email, "csrf_token": token}, buffered=False,
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302
    assert mailbox.wait_for(1, timeout=0.5) == []  # answered: nothing sent yet
    response.close()  # the server has sent the answer
    assert recorded == ["203.0.113.7"]  # the asker's address stays on the audit row, as before
    assert mailbox.wait_for(1)[0]["To"] == user.email
