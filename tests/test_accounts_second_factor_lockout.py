"""The lockout guards the second factor too: wrong codes count until the lock, however many times the password
(phished, say) is typed again in between, or however many are sent at once; only a whole sign-in (password and
code) clears the count."""
import threading
import time
from datetime import datetime, timedelta

import pyotp
import pytest

from portal.accounts import services, two_factor
from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import utcnow

from .conftest import DB_KIND
from .helpers import at_once, csrf_from, csrf_token, log_in

NOW = (int(time.time()) // 30) * 30 + 15  # the middle of a step: no test straddles two


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(two_factor.time, "time", lambda: NOW)


def enrolled(network, key) -> User:
    user = network.users[key]
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    return user


def right_code(user) -> str:
    totp = pyotp.TOTP(user.totp_secret)
    return totp.at(datetime.fromtimestamp(NOW))


def wrong_code(user) -> str:
    totp = pyotp.TOTP(user.totp_secret)
    valid = {totp.at(datetime.fromtimestamp(NOW + drift * totp.interval)) for drift in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def password_step(client, user):
    response = log_in(client, user.email)
    assert response.status_code == 302 and response.location.endswith("/accesso/codice")


def code_step(client, code):
    return client.post("/accesso/codice", data={"code": code, "csrf_token": csrf_token(client, "/accesso/codice")})


def fresh(user) -> User:
    row = db.session.get(User, user.id)
    db.session.refresh(row)
    return row


def test_typing_the_password_again_does_not_wipe_the_wrong_codes(app, network):
    user = enrolled(network, "n1_dpo")
    limit = app.config["LOGIN_MAX_FAILURES"]
    client = app.test_client()
    password_step(client, user)
    for _ in range(limit - 1):
        assert code_step(client, wrong_code(user)).status_code == 200
    assert fresh(user).locked_until is None
    password_step(client, user)  # the password again, as someone holding it would, to start over
    code_step(client, wrong_code(user))
    assert fresh(user).locked_until is not None
    # Locked: the password is refused, and so is the right code on a step already open.
    refused = log_in(app.test_client(), user.email)
    assert refused.status_code == 200 and "bloccato" in refused.get_data(as_text=True)
    assert code_step(client, right_code(user)).location.endswith("/accesso")
    assert app.test_client().get("/").status_code == 302


def test_only_the_right_code_clears_the_count(app, network):
    user = enrolled(network, "n1_case_worker")
    client = app.test_client()
    password_step(client, user)
    code_step(client, wrong_code(user))
    code_step(client, wrong_code(user))
    password_step(client, user)
    assert fresh(user).failed_logins == 2
    assert code_step(client, right_code(user)).status_code == 302
    assert client.get("/").status_code == 200
    assert fresh(user).failed_logins == 0


def test_without_a_second_factor_the_right_password_clears_the_count(app, client, network):
    user = network.users["a_operator"]
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        client.post("/accesso", data={"email": user.email, "password": "Sbagliata-ma-lunga-1",
                                      "csrf_token": csrf_token(client)})
    assert fresh(user).failed_logins == limit - 1
    assert log_in(client, user.email).status_code == 302
    assert fresh(user).failed_logins == 0 and fresh(user).locked_until is None


def test_a_new_password_by_link_does_not_wipe_the_wrong_codes(app, network):
    """Someone with the mailbox and the password could otherwise reset, try four codes, reset again…"""
    user = enrolled(network, "n1_dpo")
    limit = app.config["LOGIN_MAX_FAILURES"]
    client = app.test_client()
    password_step(client, user)
    for _ in range(limit - 1):
        code_step(client, wrong_code(user))
    with app.test_request_context():
        token = services.make_reset_token(user)
    page = client.get(f"/password/nuova/{token}").get_data(as_text=True)
    new = "Nuova-password-sicura-42"
    assert client.post(f"/password/nuova/{token}", data={"password": new, "confirm": new,
                                                          "csrf_token": csrf_from(page)}).status_code == 302
    assert fresh(user).failed_logins == limit - 1
    assert log_in(client, user.email, new).location.endswith("/accesso/codice")
    code_step(client, wrong_code(user))
    assert fresh(user).locked_until is not None


def test_a_new_password_by_link_still_unlocks_an_account_without_a_second_factor(app, network):
    user = network.users["a_operator"]
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/accesso", data={"email": user.email, "password": "Sbagliata-ma-lunga-1",
                                      "csrf_token": csrf_token(client)})
    assert fresh(user).locked_until is not None
    with app.test_request_context():
        token = services.make_reset_token(user)
    page = client.get(f"/password/nuova/{token}").get_data(as_text=True)
    new = "Nuova-password-sicura-42"
    client.post(f"/password/nuova/{token}", data={"password": new, "confirm": new, "csrf_token": csrf_from(page)})
    assert log_in(client, user.email, new).status_code == 302
    assert client.get("/").status_code == 200


@pytest.fixture
def checked_codes(monkeypatch) -> list[str]:
    """The codes actually checked against the secret."""
    checked = []
    real = two_factor.matching_step

    def counting(secret, code, last_step):
        checked.append(code)
        return real(secret, code, last_step)

    monkeypatch.setattr(two_factor, "matching_step", counting)
    return checked


def test_a_locked_account_has_no_code_checked_nor_counted(app, network, checked_codes):
    """The lock is read under the row lock, where the code is checked: not even the right code (nor a recovery
    code) is tried, and the refusal counts no failure."""
    user = enrolled(network, "n1_dpo")
    user.locked_until, user.failed_logins = utcnow() + timedelta(minutes=5), 2
    db.session.flush()
    with pytest.raises(services.AccountError, match="bloccato"):
        two_factor.check_login_code(user, right_code(user))
    with pytest.raises(services.AccountError, match="bloccato") as refused:
        two_factor.confirm_code(user, right_code(user))
    assert refused.value.field == "code"
    assert checked_codes == [] and fresh(user).failed_logins == 2


@pytest.mark.skipif(DB_KIND != "postgresql", reason="row locks across connections: PostgreSQL")
def test_codes_sent_at_once_stop_at_the_lock(app, monkeypatch, checked_codes):
    """Each POST read the account unlocked before any code was counted (what the page checks first): under the
    row lock the codes are then checked one after the other, and those after the lock is set are refused."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    workers = limit * 2
    for module in (two_factor, services):
        monkeypatch.setattr(module, "record", lambda *a, **k: None)  # keep the committed audit chain clean
    with app.app_context():
        user = User(email="codici-paralleli@prova.example", full_name="Gara", active=True,
                    password_hash=services.hash_password("una-password-lunga-e-giusta"))
        user.totp_secret = pyotp.random_base32()
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    barrier = threading.Barrier(workers)
    refused = []

    def worker():
        with app.test_request_context():
            row = db.session.get(User, user_id)
            assert not services.is_locked(row)
            barrier.wait(timeout=20)
            try:
                two_factor.check_login_code(row, "000000")
            except services.AccountError:
                refused.append(True)
            db.session.commit()
            db.session.remove()

    try:
        at_once(*[worker] * workers)
        assert len(checked_codes) == limit and len(refused) == workers - limit
        with app.app_context():
            assert services.is_locked(db.session.get(User, user_id))
    finally:
        with app.app_context():
            db.session.delete(db.session.get(User, user_id))
            db.session.commit()
