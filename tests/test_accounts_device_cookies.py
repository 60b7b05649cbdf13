"""Device cookies: guesses from browsers that never signed in lock the account for them only; the owner's browser,
which signed in before, still opens, and counts (and is locked for) its own failures."""
import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from portal.accounts import devices
from portal.accounts.models import DeviceLock
from portal.extensions import db

from .helpers import csrf_token, log_in
from .test_accounts_second_factor_lockout import (
    code_step,
    enrolled,
    fresh,
    frozen_clock,  # noqa: F401 - the autouse clock
    password_step,
    right_code,
    wrong_code,
)

WRONG = "sbagliata-123456"


def _guess(client, email, password=WRONG):
    return client.post("/accesso", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def _signed_in(response) -> bool:
    return response.status_code == 302 and "/accesso" not in response.location


def _browser_that_signed_in(app, email):
    """The owner's browser: signed in once, then signed out; its device cookie stays."""
    browser = app.test_client()
    assert _signed_in(log_in(browser, email))
    browser.post("/esci", data={"csrf_token": csrf_token(browser, "/")})
    assert browser.get_cookie(devices.COOKIE) is not None
    return browser


def _lock_from_a_new_browser(app, email):
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _guess(attacker, email)
    return attacker


def test_the_owners_browser_opens_while_guesses_from_elsewhere_hold_the_account(app, network):
    email = network.users["a_operator"].email
    owner = _browser_that_signed_in(app, email)
    attacker = _lock_from_a_new_browser(app, email)
    assert "bloccato" in log_in(attacker, email).get_data(as_text=True)  # right password, new browser: held
    assert "bloccato" in log_in(app.test_client(), email).get_data(as_text=True)
    assert _signed_in(log_in(owner, email))
    assert fresh(network.users["a_operator"]).locked_until is not None  # the owner's sign-in lifts no lock


def test_a_known_browser_is_locked_by_its_own_failures_only(app, network):
    email = network.users["a_operator"].email
    owner = _browser_that_signed_in(app, email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _guess(owner, email)
    assert "bloccato" in log_in(owner, email).get_data(as_text=True)
    user = fresh(network.users["a_operator"])
    assert user.locked_until is None and not user.failed_logins  # other browsers are not held
    assert _signed_in(log_in(app.test_client(), email))
    row = db.session.scalar(select(DeviceLock).where(DeviceLock.user_id == user.id))
    assert row is not None and row.locked_until is not None


def test_a_whole_sign_in_clears_the_browsers_count(app, network):
    email = network.users["a_operator"].email
    owner = _browser_that_signed_in(app, email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _guess(owner, email)
    assert _signed_in(log_in(owner, email))
    user_id = network.users["a_operator"].id
    db.session.expire_all()
    assert db.session.scalar(select(DeviceLock).where(DeviceLock.user_id == user_id)) is None


def test_a_cookie_of_another_account_or_forged_is_a_new_browser(app, network):
    victim = network.users["a_operator"].email
    browser = _browser_that_signed_in(app, network.users["b_operator"].email)  # someone else's device
    forged = app.test_client()
    forged.set_cookie(devices.COOKIE, browser.get_cookie(devices.COOKIE).value[:-2] + "xx")
    for client in (browser, forged, browser, forged, browser):
        _guess(client, victim)
    assert fresh(network.users["a_operator"]).locked_until is not None  # counted on the account


def test_wrong_codes_from_a_known_browser_lock_that_browser(app, network):
    user = enrolled(network, "n1_case_worker")
    owner = app.test_client()
    password_step(owner, user)
    assert _signed_in(code_step(owner, right_code(user)))
    owner.post("/esci", data={"csrf_token": csrf_token(owner, "/")})
    password_step(owner, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        code_step(owner, wrong_code(user))
    assert fresh(user).locked_until is None
    assert db.session.scalar(select(DeviceLock).where(DeviceLock.user_id == user.id)).locked_until is not None


def test_the_cookie_is_http_only_lax_and_expires(app, network):
    client = app.test_client()
    response = log_in(client, network.users["a_operator"].email)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(devices.COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert f"Max-Age={app.config['DEVICE_COOKIE_DAYS'] * 86400}" in header
    assert str(network.users["a_operator"].email) not in header


@pytest.mark.parametrize("age_days, opens", [(179, True), (181, False)])
def test_an_expired_cookie_is_a_new_browser(app, network, monkeypatch, age_days, opens):
    user = network.users["a_operator"]
    with app.test_request_context(), monkeypatch.context() as clock:
        clock.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - age_days * 86400)
        cookie = devices._serializer().dumps({"u": user.id, "n": "a" * 32, "f": devices._fingerprint(user)})
    owner = app.test_client()
    owner.set_cookie(devices.COOKIE, cookie)
    _lock_from_a_new_browser(app, user.email)
    assert _signed_in(log_in(owner, user.email)) is opens


def test_the_privacy_page_names_the_device_cookie(client, app):
    page = client.get("/privacy").get_data(as_text=True)
    assert "quello del dispositivo" in page and f"per {app.config['DEVICE_COOKIE_DAYS']} giorni" in page


def test_a_new_password_forgets_every_browser(app, network):
    """Whoever signed in with the old password (phished, a former colleague) keeps no count of their own after a
    reset: their browser is a new one again, held by the account's lock. Found by review."""
    from portal.accounts import services

    user = network.users["a_operator"]
    former = _browser_that_signed_in(app, user.email)
    with app.test_request_context():
        services.set_password(user, "Una-nuova-password-lunga-7")
    db.session.flush()
    _lock_from_a_new_browser(app, user.email)
    assert "bloccato" in log_in(former, user.email, "Una-nuova-password-lunga-7").get_data(as_text=True)


def test_a_new_second_factor_forgets_every_browser(app, network):
    from datetime import timedelta

    user = network.users["a_operator"]
    owner = _browser_that_signed_in(app, user.email)
    user.totp_enabled_at = (user.totp_enabled_at or fresh(user).created_at) + timedelta(days=1)
    db.session.flush()
    _lock_from_a_new_browser(app, user.email)
    assert "bloccato" in log_in(owner, user.email).get_data(as_text=True)
