"""The pages that ask a signed-in user's password again (a new password, the second factor off, new recovery
codes) are no door for guessing it from a session left open on a shared computer: wrong passwords count towards
the lock like a login's (the browser's own, since it signed in: accounts/devices.py), and the requests share the
login's rate limit."""
import pyotp
import pytest
from sqlalchemy import select

from portal.accounts.models import DeviceLock, User
from portal.accounts.passwords import verify_password
from portal.extensions import db

from .factories import TEST_PASSWORD
from .helpers import csrf_from, log_in
from .test_accounts_two_factor import code_for, frozen_clock  # noqa: F401 - the autouse clock

WRONG = "Sbagliata-ma-lunga-1"
NEW = "Nuova-password-sicura-42"
MANAGE = "/profilo/verifica-due-passaggi"


def fresh(user) -> User:
    row = db.session.get(User, user.id)
    db.session.refresh(row)
    return row


def counted(user) -> DeviceLock:
    """The lock of the browser the session was opened in (it signed in, so it counts its own failures)."""
    db.session.expire_all()
    return db.session.scalars(select(DeviceLock).where(DeviceLock.user_id == user.id)).one()


def change_password(client, current):
    page = client.get("/profilo/password").get_data(as_text=True)
    return client.post("/profilo/password", data={"current": current, "password": NEW, "confirm": NEW,
                                                   "csrf_token": csrf_from(page)})


def wrong_code(user) -> str:
    valid = {code_for(user.totp_secret, drift) for drift in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def disable_factor(client, password, code="000000"):
    page = client.get(MANAGE).get_data(as_text=True)
    return client.post(MANAGE, data={"password": password, "code": code, "csrf_token": csrf_from(page)})


def new_codes(client, password):
    page = client.get(MANAGE).get_data(as_text=True)
    return client.post(f"{MANAGE}/codici", data={"codes-password": password, "csrf_token": csrf_from(page)})


@pytest.fixture
def enrolled(login, network):
    """The node coordinator, signed in, with a second factor (set once the session was open)."""
    client = login("n1_coordinator")
    user = network.users["n1_coordinator"]
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    return client, user


def test_wrong_current_passwords_lock_the_account(app, login, network):
    client = login("a_operator")
    user = network.users["a_operator"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = change_password(client, WRONG)
        assert response.status_code == 200 and "La password attuale non è corretta" in response.get_data(as_text=True)
    assert counted(user).locked_until is not None
    # Locked: the right password changes nothing now, and says why; the login door is shut to this browser too,
    # not to the owner's others (nor does the account's count move: guesses elsewhere are held as before).
    refused = change_password(client, TEST_PASSWORD)
    assert refused.status_code == 200 and "bloccato" in refused.get_data(as_text=True)
    assert verify_password(fresh(user).password_hash, TEST_PASSWORD)
    client.post("/esci", data={"csrf_token": csrf_from(client.get("/profilo/password").get_data(as_text=True))})
    assert "bloccato" in log_in(client, user.email).get_data(as_text=True)
    assert not fresh(user).failed_logins and fresh(user).locked_until is None
    assert log_in(app.test_client(), user.email).status_code == 302


def test_the_second_factor_pages_count_towards_the_same_lock(app, enrolled):
    client, user = enrolled
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    disable_factor(client, WRONG)
    disable_factor(client, WRONG)
    new_codes(client, WRONG)
    new_codes(client, WRONG)
    assert counted(user).failed_logins == 4 and counted(user).locked_until is None
    change_password(client, WRONG)
    assert counted(user).locked_until is not None
    refused = new_codes(client, TEST_PASSWORD)
    assert "bloccato" in refused.get_data(as_text=True) and 'class="rete-recovery"' not in refused.get_data(as_text=True)
    assert "bloccato" in disable_factor(client, TEST_PASSWORD, code_for(user.totp_secret)).get_data(as_text=True)
    assert fresh(user).has_second_factor


def test_a_wrong_code_to_turn_the_factor_off_counts_too(enrolled):
    client, user = enrolled
    response = disable_factor(client, TEST_PASSWORD, wrong_code(user))
    assert "Codice non valido" in response.get_data(as_text=True)
    assert counted(user).failed_logins == 1 and fresh(user).has_second_factor


def test_the_right_password_still_works_below_the_limit(app, login, network):
    client = login("a_operator")
    change_password(client, WRONG)
    response = change_password(client, TEST_PASSWORD)
    assert response.status_code == 302
    assert verify_password(fresh(network.users["a_operator"]).password_hash, NEW)


def test_the_pages_share_the_logins_rate_limit(app, enrolled, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    client, _ = enrolled
    assert change_password(client, WRONG).status_code == 200
    assert disable_factor(client, WRONG).status_code == 200
    assert new_codes(client, WRONG).status_code == 200
    # One budget for the three pages: switching page does not buy more guesses.
    assert new_codes(client, WRONG).status_code == 429
    assert change_password(client, WRONG).status_code == 429
    assert disable_factor(client, WRONG).status_code == 429
    assert client.get("/profilo/password").status_code == 200  # reading the pages is not limited
