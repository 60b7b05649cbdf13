"""The lockout guards the second factor too: wrong codes count until the lock, however many times the password
(phished, say) is typed again in between; only a whole sign-in (password and code) clears the count."""
import time
from datetime import datetime

import pyotp
import pytest

from portal.accounts import services, two_factor
from portal.accounts.models import User
from portal.extensions import db

from .helpers import csrf_from, csrf_token, log_in

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
