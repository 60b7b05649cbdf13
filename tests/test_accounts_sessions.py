"""Sessions end server-side: a copied cookie stops working after logout, a password change or reset, a
deactivation, a second-factor reset, the absolute lifetime, idleness, or when the user ends it from their list.
Only the user's own requests are activity (a page's timer polls are passive); the login page says why a session
ended; the idle warning asks how long is left and extends it."""
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import user_sessions
from portal.accounts.models import SessionEnd, UserSession
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .factories import TEST_PASSWORD
from .helpers import csrf_from, csrf_token, log_in, post_form
from .network import VICTIM_FIRST_NAME


def _steal(client):
    """What an attacker copies from the victim's browser: the session cookie."""
    return client.get_cookie("session").value


def _replay(app, cookie, base_url="http://localhost"):
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain=urlsplit(base_url).hostname)
    return thief


def _identity_url(network):
    return f"/persone/{network.person.id}/identita"


def assert_logged_out(client, network, base_url="http://localhost"):
    response = client.get(_identity_url(network), base_url=base_url)
    assert response.status_code == 302, response.status_code
    assert urlsplit(response.headers["Location"]).path == "/accesso"
    assert VICTIM_FIRST_NAME not in response.get_data(as_text=True)


def test_the_identity_page_opens_with_a_live_cookie(app, login, network):
    victim = login("a_operator")
    thief = _replay(app, _steal(victim))
    page = thief.get(_identity_url(network))
    assert page.status_code == 200 and VICTIM_FIRST_NAME in page.get_data(as_text=True)


def test_logout_ends_the_session_server_side(app, login, network, session):
    victim = login("a_operator")
    stolen = _steal(victim)
    post_form(victim, "/esci", {}, page="/")
    assert_logged_out(_replay(app, stolen), network)
    row = session.scalar(select(UserSession).where(UserSession.user_id == network.users["a_operator"].id))
    assert row.end_reason == SessionEnd.LOGOUT


def test_logout_ends_the_session_in_production_mode_too(database, mail_server, network, session):
    from portal import create_app

    from .conftest import IsolatedClient, make_config

    app = create_app(make_config(database, mail_server, RETE_ENV="production", SESSION_COOKIE_SECURE=True,
                                 REMEMBER_COOKIE_SECURE=True, PROXY_TRUSTED_HOPS=1))
    app.test_client_class = IsolatedClient
    https = "https://localhost"
    victim = app.test_client()
    page = victim.get("/accesso", base_url=https).get_data(as_text=True)
    victim.post("/accesso", base_url=https, headers={"Referer": https + "/accesso"}, data={"email": network.users["a_operator"].email,
                                                  "password": TEST_PASSWORD,
                                                  "csrf_token": csrf_from(page)})
    stolen = victim.get_cookie("session").value
    assert _replay(app, stolen, https).get(_identity_url(network), base_url=https).status_code == 200
    token = csrf_from(victim.get("/", base_url=https).get_data(as_text=True))
    victim.post("/esci", base_url=https, headers={"Referer": https + "/"}, data={"csrf_token": token})
    assert_logged_out(_replay(app, stolen, https), network, https)


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, login, network):
    old_device = login("a_operator")
    stolen = _steal(old_device)
    new_device = login("a_operator")
    response = post_form(new_device, "/profilo/password",
                         {"current": TEST_PASSWORD, "password": "Nuova-password-sicura-42", "confirm": "Nuova-password-sicura-42"})
    assert response.status_code == 302
    assert_logged_out(_replay(app, stolen), network)
    assert_logged_out(old_device, network)
    assert new_device.get(_identity_url(network)).status_code == 200


def test_password_reset_ends_every_session(app, client, login, network):
    from portal.accounts import services

    victim = login("a_operator")
    stolen = _steal(victim)
    with app.test_request_context():
        token = services.make_reset_token(network.users["a_operator"])
    page = client.get(f"/password/nuova/{token}").get_data(as_text=True)
    client.post(f"/password/nuova/{token}", data={"password": "Nuova-password-sicura-42",
                                                   "confirm": "Nuova-password-sicura-42", "csrf_token": csrf_from(page)})
    assert_logged_out(_replay(app, stolen), network)
    assert_logged_out(victim, network)


def test_deactivation_ends_the_users_sessions(app, login, network):
    victim = login("a_operator")
    stolen = _steal(victim)
    target = network.memberships["a_operator"]
    admin = login("a_admin")
    post_form(admin, f"/utenti/{target.id}/disattiva", {"version": target.version}, page="/utenti")
    assert_logged_out(_replay(app, stolen), network)


def test_second_factor_reset_ends_the_users_sessions(app, login, network, session):
    user = network.users["n1_coordinator"]
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    victim = app.test_client()
    log_in_with_code(victim, user)
    stolen = _steal(victim)
    assert _replay(app, stolen).get(_identity_url(network)).status_code == 200
    admin = login("n1_sysadmin")
    membership = network.memberships["n1_coordinator"]
    response = post_form(admin, f"/utenti/{membership.id}/azzera-verifica", {"version": membership.version}, page="/utenti")
    assert response.status_code == 302
    assert_logged_out(_replay(app, stolen), network)


def log_in_with_code(client, user):
    """Log in as a user who has a factor, passing the code step with the current TOTP code."""
    page = client.get("/accesso").get_data(as_text=True)
    response = client.post("/accesso", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": csrf_from(page)})
    assert "/accesso/codice" in response.headers["Location"]
    page = client.get("/accesso/codice").get_data(as_text=True)
    response = client.post("/accesso/codice", data={"code": pyotp.TOTP(user.totp_secret).now(), "csrf_token": csrf_from(page)})
    assert response.status_code == 302, response.get_data(as_text=True)


def _age(session, user, **delta):
    row = session.scalar(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))
    for column, value in delta.items():
        setattr(row, column, getattr(row, column) - value)
    session.flush()
    return row


def test_absolute_lifetime_ends_a_busy_session(app, login, network, session):
    victim = login("a_operator")
    stolen = _steal(victim)
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    row = _age(session, network.users["a_operator"], started_at=timedelta(hours=hours, minutes=1))
    row.last_seen_at = utcnow()  # active a second ago: the absolute limit still applies
    session.flush()
    assert_logged_out(_replay(app, stolen), network)
    session.expire_all()
    assert session.get(UserSession, row.id).end_reason == SessionEnd.EXPIRED


def test_idle_timeout_is_enforced_server_side(app, login, network, session):
    """A replayed cookie carries its own fresh-looking last_seen; the server's row decides."""
    victim = login("a_operator")
    stolen = _steal(victim)
    _age(session, network.users["a_operator"],
         started_at=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 2),
         last_seen_at=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    assert_logged_out(_replay(app, stolen), network)


def _row(session, user):
    """The user's newest session as the database has it now (only this row refreshed: the network's rows stay
    loaded, which the test's tenant context could not load again under row-level security)."""
    return session.scalar(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id.desc())
                          .execution_options(populate_existing=True))


def test_every_timer_the_pages_run_is_passive(app):
    """The requests pages send by themselves on a timer (an element with hx-trigger="every …", and the idle
    warning's question from rete.js) must not keep a session alive: each is marked passive, and only they."""
    polls = set()
    for template in (Path(__file__).resolve().parent.parent / "templates").rglob("*.html"):
        for tag in re.findall(r"<[^>]*hx-trigger=\"every [^>]*>", template.read_text()):
            polls |= set(re.findall(r"hx-get=\"\{\{ url_for\('([\w.]+)'", tag))
    assert {"notifications.bell", "exports.status", "imports.progress"} <= polls  # the scan finds them
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "passive", False)}
    assert marked == polls | {"accounts.session_time"}


def test_the_bells_poll_is_not_activity(login, network, session):
    """The header bell asks every minute by itself: an open tab must not keep an idle session alive."""
    client = login("a_operator")
    user = network.users["a_operator"]
    aged = _age(session, user, last_seen_at=timedelta(seconds=user_sessions.TOUCH_SECONDS + 30)).last_seen_at
    assert client.get("/notifiche/campanella").status_code == 200
    assert _row(session, user).last_seen_at == aged
    assert client.get("/").status_code == 200  # a page the user opened is activity
    assert _row(session, user).last_seen_at > aged


def test_an_idle_session_ends_under_the_bell_and_the_login_page_says_why(app, login, network, session):
    client = login("a_operator")
    user = network.users["a_operator"]
    _age(session, user, last_seen_at=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    assert client.get("/notifiche/campanella").status_code == 286  # htmx stops polling
    assert _row(session, user).ended_at is None  # a poll only reads: the user's next request records the end
    response = client.get(_identity_url(network))
    assert _row(session, user).end_reason == SessionEnd.IDLE
    assert urlsplit(response.headers["Location"]).path == "/accesso"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La sessione è scaduta per inattività" in page and "Accedi per continuare" not in page
    assert "scaduta" not in client.get("/accesso").get_data(as_text=True)  # said once
    assert client.get_cookie("session") is not None and "sid" not in _cookie_session(client)


def test_a_second_copy_of_the_cookie_also_learns_why(app, login, network, session):
    """Two copies of one cookie (two requests of a tab that raced): the one that did not end the session still
    says why."""
    client = login("a_operator")
    copy = _replay(app, _steal(client))
    _age(session, network.users["a_operator"], last_seen_at=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    assert client.get(_identity_url(network)).status_code == 302  # this one ends it
    response = copy.get(_identity_url(network))
    assert "scaduta per inattività" in copy.get(response.headers["Location"]).get_data(as_text=True)


def test_the_absolute_limit_says_so_on_the_login_page(app, login, network, session):
    client = login("a_operator")
    _age(session, network.users["a_operator"], started_at=timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]))
    response = client.get(_identity_url(network))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La sessione è scaduta: accedi di nuovo." in page


def test_htmx_request_without_a_session_sends_the_window_to_the_login_page(client, network):
    """A filter or panel htmx loads: the login page must not be swapped into the panel."""
    response = client.get("/casi/?stato=open", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.get_data(as_text=True) == ""
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/accesso" and "next=" in target.query
    assert client.get("/casi/").status_code == 302  # a page (no htmx): the redirect, as before


def test_the_warning_asks_how_long_is_left_without_extending_it(app, login, network, session):
    client = login("a_operator")
    user = network.users["a_operator"]
    token = csrf_token(client, "/profilo/sessioni")  # before aging: a page is activity
    aged = _age(session, user, last_seen_at=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 1)).last_seen_at
    for _ in range(2):  # had the first question moved the clock, the second answer would be nearly 30 minutes
        answer = client.get("/sessione/tempo").get_json()
        assert 0 < answer["remaining"] <= 60 and answer["limit"] is False
    assert _row(session, user).last_seen_at == aged
    assert client.post("/sessione/prolunga").status_code == 400  # without the CSRF token
    answer = client.post("/sessione/prolunga", headers={"X-CSRFToken": token}).get_json()
    assert answer["remaining"] > (app.config["IDLE_TIMEOUT_MINUTES"] - 1) * 60
    assert _row(session, user).last_seen_at > aged


def test_the_absolute_limit_is_not_extended(app, login, network, session):
    client = login("a_operator")
    token = csrf_token(client, "/profilo/sessioni")
    _age(session, network.users["a_operator"],
         started_at=timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=-1))
    answer = client.post("/sessione/prolunga", headers={"X-CSRFToken": token}).get_json()
    assert answer["limit"] is True and 0 < answer["remaining"] <= 60


def test_time_left_once_the_session_ended(app, login, network, session):
    client = login("a_operator")
    _age(session, network.users["a_operator"], last_seen_at=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    assert client.get("/sessione/tempo").get_json() == {"remaining": 0, "limit": False}
    assert app.test_client().get("/sessione/tempo").get_json()["remaining"] == 0  # never signed in


def test_a_form_sent_after_the_session_ended_comes_back_to_its_page(app, login, network, session):
    """Not to the POST-only address it was sent to (a 405 after signing in)."""
    client = login("a_operator")
    token = csrf_token(client, "/profilo/sessioni")
    _age(session, network.users["a_operator"], last_seen_at=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    response = client.post("/notifiche/lette", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/notifiche/?pagina=2"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/notifiche/?pagina=2"]


def test_htmx_request_after_the_membership_went_sends_the_window_to_the_chooser(login, network, session):
    client = login("a_operator")
    with context.acting_as(network.tenants["a"].id):  # an administrator deactivated it meanwhile
        network.memberships["a_operator"].active = False
        session.flush()
    response = client.get("/segnalazioni/", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert urlsplit(response.headers["HX-Redirect"]).path == urlsplit(client.get("/segnalazioni/").location).path


def _cookie_session(client) -> dict:
    with client.session_transaction() as cookie_session:
        return dict(cookie_session)


# --- "Sessioni attive" -----------------------------------------------------------------------------------

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


def _login_with_agent(app, network, key, agent):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    log_in(client, network.users[key].email)
    return client


def test_active_sessions_list_and_ending_another(app, network, session):
    laptop = _login_with_agent(app, network, "a_operator", FIREFOX)
    phone = _login_with_agent(app, network, "a_operator", ANDROID)
    page = laptop.get("/profilo/sessioni").get_data(as_text=True)
    assert "Sessioni attive" in page
    assert "Firefox · Linux" in page and "Chrome · Android" in page
    assert "questa sessione" in page
    phone_row = session.scalar(select(UserSession).where(UserSession.device == "Chrome · Android"))
    response = laptop.post(f"/profilo/sessioni/{phone_row.id}/termina", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert_logged_out(phone, network)
    assert laptop.get(_identity_url(network)).status_code == 200


def test_ending_all_the_others(app, network):
    laptop = _login_with_agent(app, network, "a_operator", FIREFOX)
    phones = [_login_with_agent(app, network, "a_operator", ANDROID) for _ in range(2)]
    post_form(laptop, "/profilo/sessioni/termina-altre", {}, page="/profilo/sessioni")
    for phone in phones:
        assert_logged_out(phone, network)
    assert laptop.get(_identity_url(network)).status_code == 200


@pytest.mark.parametrize("attacker", ["a_admin", "b_admin", "n1_sysadmin"])
def test_nobody_ends_another_users_session(app, login, network, session, attacker):
    victim = login("a_operator")
    row = session.scalar(select(UserSession).where(UserSession.user_id == network.users["a_operator"].id))
    client = login(attacker)
    response = post_form(client, f"/profilo/sessioni/{row.id}/termina", {}, page="/profilo/sessioni")
    assert response.status_code == 404
    assert victim.get(_identity_url(network)).status_code == 200
    assert "Firefox" not in client.get("/profilo/sessioni").get_data(as_text=True)


def test_session_and_user_load_in_one_statement(login, count_queries):
    client = login("a_operator")
    client.get("/")
    with count_queries() as counter:
        assert client.get("/").status_code == 200
    auth = [s for s in counter.statements if "user_sessions" in s]
    assert len(auth) == 1 and "JOIN users" in auth[0]
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("SELECT USERS.")]
    # the chosen membership and its tenant come in the same statement (no second look-up per request)
    assert "JOIN memberships" in auth[0]
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("SELECT MEMBERSHIPS.")]


def test_removing_ones_own_factor_ends_the_other_sessions(app, login, network, session):
    from portal.accounts import two_factor

    user = network.users["n1_coordinator"]
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    old_device, this_device = app.test_client(), app.test_client()
    log_in_with_code(old_device, user)
    user.totp_last_step = None  # the same code again, for the second device
    db.session.flush()
    log_in_with_code(this_device, user)
    page = this_device.get("/profilo/verifica-due-passaggi").get_data(as_text=True)
    code = pyotp.TOTP(user.totp_secret).at(int(two_factor.time.time()) + 30)
    response = this_device.post("/profilo/verifica-due-passaggi",
                                data={"password": TEST_PASSWORD, "code": code, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert_logged_out(old_device, network)
    assert this_device.get(_identity_url(network)).status_code == 200


def test_old_session_rows_are_purged_at_login(app, login, network, session):
    user = network.users["a_operator"]
    login("a_operator")
    _age(session, user, started_at=timedelta(days=31), last_seen_at=timedelta(days=31))
    login("a_operator")
    rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].ended_at is None


def test_a_signed_in_page_does_not_send_the_session_cookie_again(login, network):
    """Nothing in the cookie changed, so no Set-Cookie: re-signing it on every answer cost each request a
    serialisation, a compression and an HMAC (the chosen membership was written back unchanged)."""
    client = login("n1_coordinator")
    client.get("/")  # the first page may still add what it needs (its form token)
    for path in ("/", "/casi/", "/salute/vivo"):
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path
