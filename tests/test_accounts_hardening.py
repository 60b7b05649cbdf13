"""What an attacker probing the login and password screens must not learn or get: reset links past their
lifetime, which addresses have an account, common passwords, guesses sent in parallel."""
import re
import threading
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from itsdangerous import timed

from portal.accounts import services
from portal.accounts.passwords import policy_problems
from portal.extensions import db
from portal.models_base import utcnow

from .conftest import DB_KIND
from .helpers import at_once, csrf_from, csrf_token, log_in, post_form


def _token_made_hours_ago(monkeypatch, app, make, hours):
    real = time.time
    monkeypatch.setattr(timed.time, "time", lambda: real() - hours * 3600)
    with app.test_request_context():
        token = make()
    monkeypatch.setattr(timed.time, "time", real)
    return token


def test_reset_link_honours_password_reset_hours(app, client, network, monkeypatch):
    user = network.users["a_operator"]
    hours = app.config["PASSWORD_RESET_HOURS"]
    fresh = _token_made_hours_ago(monkeypatch, app, lambda: services.make_reset_token(user), hours - 0.5)
    stale = _token_made_hours_ago(monkeypatch, app, lambda: services.make_reset_token(user), hours + 0.5)
    assert client.get(f"/password/nuova/{fresh}").status_code == 200
    response = client.get(f"/password/nuova/{stale}", follow_redirects=True)
    assert "scaduto" in response.get_data(as_text=True)


def test_invitation_link_lives_invitation_hours(app, client, network, monkeypatch):
    user = network.users["a_operator"]
    age = app.config["PASSWORD_RESET_HOURS"] + 1
    assert age < app.config["INVITATION_HOURS"]
    invitation = _token_made_hours_ago(monkeypatch, app, lambda: services.make_reset_token(user, invitation=True), age)
    assert client.get(f"/password/nuova/{invitation}").status_code == 200
    late = _token_made_hours_ago(monkeypatch, app, lambda: services.make_reset_token(user, invitation=True),
                                 app.config["INVITATION_HOURS"] + 1)
    assert client.get(f"/password/nuova/{late}").status_code == 302


# --- no account oracle ---------------------------------------------------------------------------------

@pytest.fixture
def verifications(monkeypatch):
    """How many argon2 verifications ran (the slow part whose time an attacker can measure)."""
    calls = []
    original = PasswordHasher.verify

    def counting(self, hash, password):
        calls.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def _attempt(client, email, password="Sbagliata-ma-lunga-1"):
    return client.post("/accesso", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def test_unknown_address_costs_one_hash_verification_like_a_wrong_password(client, network, verifications):
    _attempt(client, "nessuno@nessuno.example")
    assert len(verifications) == 1  # against the dummy hash
    _attempt(client, network.users["a_operator"].email)
    assert len(verifications) == 2
    assert verifications[0] != network.users["a_operator"].password_hash


def test_invited_user_without_password_costs_the_same(client, network, session, verifications):
    from .factories import UserFactory

    invited = UserFactory(email="invitata@alfa.example", password_hash=None)
    _attempt(client, invited.email)
    assert len(verifications) == 1


def _normalised(response, email):
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    # CSRF tokens carry a timestamp (input fields and the htmx meta tag): the second may tick between answers.
    html = re.sub(r'name="csrf-token" content="[^"]+"', "CSRF", html)
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "CSRF", html)


def test_locked_account_and_unknown_address_get_identical_answers(app, client, network, session, verifications):
    user = network.users["a_operator"]
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.session.flush()
    unknown = _attempt(client, "nessuno@alfa.example")
    locked = _attempt(client, user.email)
    locked_right_password = log_in(client, user.email)
    assert unknown.status_code == locked.status_code == locked_right_password.status_code == 200
    assert _normalised(unknown, "nessuno@alfa.example") == _normalised(locked, user.email)
    assert _normalised(locked, user.email) == _normalised(locked_right_password, user.email)
    assert len(verifications) == 3  # a locked account still costs a verification


# --- common passwords ----------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["password1234", "Password1234", "qwertyuiopasdf", "iloveyou12345"])
def test_common_passwords_are_refused(password):
    problems = [str(p) for p in policy_problems(password, "mario@x.example")]
    assert any("più usate" in p for p in problems), problems


def test_uncommon_passphrase_is_accepted():
    assert policy_problems("Cavallo-Batteria-Graffetta", "mario@x.example") == []


def test_change_password_refuses_a_common_one_and_keeps_the_old(login, network, session):
    from portal.accounts.passwords import verify_password

    from .factories import TEST_PASSWORD

    client = login("a_operator")
    response = post_form(client, "/profilo/password",
                         {"current": TEST_PASSWORD, "password": "password1234", "confirm": "password1234"})
    assert response.status_code == 200 and "più usate" in response.get_data(as_text=True)
    same = post_form(client, "/profilo/password", {"current": TEST_PASSWORD, "password": TEST_PASSWORD,
                                                   "confirm": TEST_PASSWORD})
    assert same.status_code == 200 and "diversa da quella attuale" in same.get_data(as_text=True)
    session.expire_all()
    assert verify_password(session.get(type(network.users["a_operator"]), network.users["a_operator"].id).password_hash,
                           TEST_PASSWORD)


def test_reset_refuses_a_common_password(app, client, network):
    with app.test_request_context():
        token = services.make_reset_token(network.users["a_operator"])
    page = client.get(f"/password/nuova/{token}").get_data(as_text=True)
    response = client.post(f"/password/nuova/{token}", data={"password": "qwertyuiopasdf", "confirm": "qwertyuiopasdf",
                                                             "csrf_token": csrf_from(page)})
    assert response.status_code == 200 and "più usate" in response.get_data(as_text=True)


@pytest.mark.skipif(DB_KIND != "postgresql", reason="row locks across two connections: PostgreSQL")
def test_wrong_passwords_sent_at_once_are_each_counted(app, monkeypatch):
    """Two workers refuse a guess on one account at once, each on its own connection: both read the row and
    hash before either counts. Each failure must count, or parallel guesses would outrun the lockout."""
    from portal.accounts.models import User

    real_verify = services.verify_password
    barrier = threading.Barrier(2)

    def verify(password_hash, password):
        result = real_verify(password_hash, password)
        barrier.wait(timeout=10)
        return result

    monkeypatch.setattr(services, "verify_password", verify)
    monkeypatch.setattr(services, "record", lambda *a, **k: None)  # keep the committed audit chain clean
    with app.app_context():
        user = User(email="tentativi-paralleli@prova.example", full_name="Gara", active=True,
                    password_hash=services.hash_password("una-password-lunga-e-giusta"))
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    refused = []

    def worker():
        with app.test_request_context():
            try:
                services.authenticate("tentativi-paralleli@prova.example", "una-password-sbagliata")
            except services.AccountError:
                refused.append(True)
            db.session.commit()
            db.session.remove()

    try:
        at_once(worker, worker)
        with app.app_context():
            assert refused == [True, True]
            assert db.session.get(User, user_id).failed_logins == 2
    finally:
        with app.app_context():
            db.session.delete(db.session.get(User, user_id))
            db.session.commit()
