"""Second factor (TOTP) for node staff: enrolment, the code step of login, replay, required mode, reset."""
import re
import time
from datetime import datetime

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import two_factor
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.crypto import encrypted_fields
from portal.extensions import db
from portal.tenancy import context

from .helpers import csrf_from, csrf_token, log_in, post_form

SECRET_RE = re.compile(r'<code class="rete-secret">([A-Z2-7 ]+)</code>')


# The middle of a 30-second step, so a test never straddles two steps.
NOW = (int(time.time()) // 30) * 30 + 15


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(two_factor.time, "time", lambda: NOW)


def code_for(secret: str, drift_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(datetime.fromtimestamp(NOW + drift_steps * totp.interval))


def enrol(client) -> str:
    page = client.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    assert "<svg" in page and "rete-qr" in page  # the QR code, inline
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    response = client.post("/profilo/verifica-due-passaggi", data={"code": code_for(secret), "csrf_token": csrf_from(page)})
    assert response.status_code == 200 and "Codici di recupero" in response.get_data(as_text=True)
    return secret


def test_enrolment_stores_the_secret_encrypted_and_audits(login, network):
    client = login("n1_coordinator")
    page = client.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    # A wrong code keeps the page (and the same secret: the phone already holds it).
    wrong = client.post("/profilo/verifica-due-passaggi", data={"code": "000000", "csrf_token": csrf_from(page)})
    again = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "Il codice non corrisponde" in again
    assert SECRET_RE.search(again).group(1).replace(" ", "") == secret
    assert client.post("/profilo/verifica-due-passaggi",
                       data={"code": code_for(secret), "csrf_token": csrf_from(again)}).status_code == 200
    user = db.session.get(User, network.users["n1_coordinator"].id)
    db.session.refresh(user)
    assert user.totp_secret_enc.startswith("v1.") and secret not in user.totp_secret_enc
    assert user.totp_secret == secret and user.uid
    assert User in encrypted_fields()  # so `flask rete rotate-keys` re-encrypts it with the others
    with context.acting_as(network.tenants["n1"].id):
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_user_id == user.id)))
    assert {"2fa.enrolment_failed", "2fa.enabled"} <= actions


def test_login_asks_for_the_code_and_refuses_a_replayed_one(app, login, network):
    secret = enrol(login("n1_case_worker"))
    email = network.users["n1_case_worker"].email
    client = app.test_client()
    response = log_in(client, email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/accesso/codice")
    assert client.get("/").status_code == 302  # not logged in yet: the password alone is not enough
    page = client.get("/accesso/codice").get_data(as_text=True)
    bad = client.post("/accesso/codice", data={"code": "123456", "csrf_token": csrf_from(page)})
    assert bad.status_code == 200 and "Codice non valido" in bad.get_data(as_text=True)
    # The code enrolment used is spent; the next step's code (clock drift) is accepted once.
    spent = client.post("/accesso/codice", data={"code": code_for(secret), "csrf_token": csrf_from(page)})
    assert spent.status_code == 200
    ok = client.post("/accesso/codice", data={"code": code_for(secret, 1), "csrf_token": csrf_from(page)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    other = app.test_client()
    log_in(other, email)
    replay = other.post("/accesso/codice", data={"code": code_for(secret, 1), "csrf_token": csrf_token(other, "/accesso/codice")})
    assert replay.status_code == 200 and other.get("/").status_code == 302


def test_wrong_codes_lock_the_account(app, login, network):
    enrol(login("n1_dpo"))
    client = app.test_client()
    log_in(client, network.users["n1_dpo"].email)
    token = csrf_token(client, "/accesso/codice")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/accesso/codice", data={"code": "000000", "csrf_token": token})
    user = db.session.get(User, network.users["n1_dpo"].id)
    db.session.refresh(user)
    assert user.locked_until is not None


def test_required_mode_sends_node_staff_to_enrolment_only(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "TOTP_REQUIRED", True)
    staff = login("n1_budget_officer")
    response = staff.get("/casi/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profilo/verifica-due-passaggi")
    enrol(staff)
    assert staff.get("/").status_code == 200
    assert login("a_operator").get("/").status_code == 200  # antennas are not asked


def test_user_disables_with_password_and_code(login, network):
    client = login("n1_coordinator")
    secret = enrol(client)
    page = client.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    assert "Disattiva" in page
    wrong = client.post("/profilo/verifica-due-passaggi",
                        data={"password": "not the password", "code": code_for(secret, 1), "csrf_token": csrf_from(page)})
    assert "La password attuale non è corretta" in wrong.get_data(as_text=True)
    from .factories import TEST_PASSWORD

    ok = client.post("/profilo/verifica-due-passaggi",
                     data={"password": TEST_PASSWORD, "code": code_for(secret, 1), "csrf_token": csrf_from(page)})
    assert ok.status_code == 302
    assert not db.session.get(User, network.users["n1_coordinator"].id).has_second_factor


@pytest.mark.parametrize("admin, expected", [("n1_coordinator", 302), ("b_admin", 404), ("n2_coordinator", 404)])
def test_only_the_tenants_administrator_resets_a_lost_factor(login, network, admin, expected):
    enrol(login("n1_case_worker"))
    target = network.memberships["n1_case_worker"]
    response = post_form(login(admin), f"/utenti/{target.id}/azzera-verifica", {"version": target.version}, page="/")
    assert response.status_code == expected
    user = db.session.get(User, network.users["n1_case_worker"].id)
    db.session.refresh(user)
    assert user.has_second_factor is (expected != 302)


def test_an_administrator_does_not_reset_their_own_factor(login, network):
    """From the user list it would go with neither password nor code (a screen left open): the profile's page,
    which asks for both, is where one turns one's own factor off."""
    client = login("n1_coordinator")
    enrol(client)
    own = network.memberships["n1_coordinator"]
    response = post_form(client, f"/utenti/{own.id}/azzera-verifica", {"version": own.version}, page="/utenti")
    assert response.status_code == 302
    assert "Non puoi azzerare la tua stessa verifica in due passaggi" in client.get(response.location).get_data(as_text=True)
    assert db.session.get(User, network.users["n1_coordinator"].id, populate_existing=True).has_second_factor
    assert client.get("/").status_code == 200  # and the session goes on


def test_required_mode_sends_whoever_manages_a_nodes_users_to_enrolment(app, login, network, monkeypatch):
    """The node's system administrator hands out the guarded roles and resets their factor: a password alone
    must not be enough. Managing users elsewhere (an antenna, the regional centre) asks for nothing more."""
    monkeypatch.setitem(app.config, "TOTP_REQUIRED", True)
    admin = login("n1_sysadmin")
    for path in ("/utenti", "/utenti/invita", f"/utenti/{network.memberships['n1_case_worker'].id}/codice-fiscale"):
        response = admin.get(path)
        assert response.status_code == 302 and response.location.endswith("/profilo/verifica-due-passaggi"), path
    enrol(admin)
    assert admin.get("/utenti").status_code == 200
    assert login("a_admin").get("/utenti").status_code == 200
    assert login("r_coordinator").get("/").status_code == 200
    # The rule is the capability at a node, not a list of roles that could miss a new one.
    from portal.accounts.permissions import Capability, can_in_node

    for key, membership in network.memberships.items():
        if can_in_node(Capability.MANAGE_USERS, membership):
            assert two_factor.guarded(membership), key
