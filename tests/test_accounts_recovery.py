"""Second-factor recovery codes (shown once, stored hashed, single use) and the code step under a race."""
import re
import threading

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import two_factor
from portal.accounts.models import RecoveryCode, User
from portal.extensions import db

from .conftest import DB_KIND
from .factories import TEST_PASSWORD
from .helpers import at_once, csrf_from, csrf_token, log_in
from .test_accounts_two_factor import SECRET_RE, code_for, frozen_clock  # noqa: F401 - the autouse clock

CODE_RE = re.compile(r'<code class="rete-recovery">([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>')


def enrol_with_codes(client) -> tuple[str, list[str]]:
    page = client.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    response = client.post("/profilo/verifica-due-passaggi", data={"code": code_for(secret), "csrf_token": csrf_from(page)})
    assert response.status_code == 200
    return secret, CODE_RE.findall(response.get_data(as_text=True))


def test_enrolment_shows_ten_codes_once_and_stores_them_hashed(login, network, session):
    client = login("n1_coordinator")
    _, codes = enrol_with_codes(client)
    assert len(codes) == 10 == len(set(codes))
    stored = session.scalars(select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == network.users["n1_coordinator"].id)).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored) and not any(c.replace("-", "") in h for c in codes for h in stored)
    manage = client.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    assert not CODE_RE.search(manage)  # never shown again
    assert "10 codici di recupero" in manage


def _code_step(app, email, code):
    client = app.test_client()
    log_in(client, email)
    response = client.post("/accesso/codice", data={"code": code, "csrf_token": csrf_token(client, "/accesso/codice")})
    return client, response


def test_a_recovery_code_logs_in_once(app, login, network):
    _, codes = enrol_with_codes(login("n1_case_worker"))
    email = network.users["n1_case_worker"].email
    client, response = _code_step(app, email, codes[3].upper().replace("-", " "))  # typed loosely
    assert response.status_code == 302 and client.get("/").status_code == 200
    _, again = _code_step(app, email, codes[3])
    assert again.status_code == 200 and "Codice non valido" in again.get_data(as_text=True)


def test_regenerating_replaces_the_codes(app, login, network):
    client = login("n1_dpo")
    _, old = enrol_with_codes(client)
    page = client.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    wrong = client.post("/profilo/verifica-due-passaggi/codici", data={"codes-password": "sbagliata", "csrf_token": csrf_from(page)})
    assert wrong.status_code == 200 and not CODE_RE.search(wrong.get_data(as_text=True))
    response = client.post("/profilo/verifica-due-passaggi/codici",
                           data={"codes-password": TEST_PASSWORD, "csrf_token": csrf_from(page)})
    new = CODE_RE.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    email = network.users["n1_dpo"].email
    assert _code_step(app, email, old[0])[1].status_code == 200
    assert _code_step(app, email, new[0])[1].status_code == 302


def test_removing_the_factor_removes_the_codes(login, network, session):
    client = login("n1_coordinator")
    secret, _ = enrol_with_codes(client)
    page = client.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    client.post("/profilo/verifica-due-passaggi",
                data={"password": TEST_PASSWORD, "code": code_for(secret, 1), "csrf_token": csrf_from(page)})
    assert session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == network.users["n1_coordinator"].id)) is None


@pytest.mark.skipif(DB_KIND != "postgresql", reason="row locks across two connections: PostgreSQL")
def test_two_simultaneous_logins_with_the_same_code_cannot_both_pass(app, monkeypatch):
    """Two workers check the same code at once, each on its own connection: the user row is locked, so the
    second sees the step the first accepted."""
    import time

    monkeypatch.setattr(two_factor.time, "time", time.time)  # real time: the code comes from pyotp below
    monkeypatch.setattr(two_factor, "record", lambda *a, **k: None)  # keep the committed audit chain clean
    secret = pyotp.random_base32()
    with app.app_context():
        user = User(email=f"gara-{secret[:8].lower()}@prova.example", full_name="Gara", active=True)
        db.session.add(user)
        db.session.flush()
        user.totp_secret = secret
        db.session.commit()
        user_id = user.id
    code = pyotp.TOTP(secret).now()
    barrier = threading.Barrier(2)
    results = []

    def worker():
        with app.app_context():
            racer = db.session.get(User, user_id)  # both load the row before either checks
            racer.totp_last_step  # noqa: B018 - loaded now, as a request would have it
            barrier.wait()
            results.append(two_factor.check_login_code(racer, code))
            db.session.commit()
            db.session.remove()

    try:
        at_once(worker, worker)
        assert sorted(results) == [False, True]
    finally:
        with app.app_context():
            db.session.delete(db.session.get(User, user_id))
            db.session.commit()
