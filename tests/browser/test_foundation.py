"""The foundation as a person meets it in a browser: login, home, logout, language, legal pages,
feedback, the audit log for the DPO, tenant-scoped user administration and life without JavaScript.

Every test stands on the seeded demo network alone (see conftest.py): none relies on another's data.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User, UserSession
from portal.extensions import db
from portal.models_base import utcnow
from portal.seed.network import ANTENNAS, NODE, USERS, demo_logins
from portal.tenancy import context

from .conftest import assert_accessible, login_as

ROME = ZoneInfo("Europe/Rome")
TENANT_NAMES = {slug: name for slug, name, _ in [NODE, *ANTENNAS]}
FULL_NAMES = {email: full_name for email, full_name, _, _ in USERS}
# The home page is checked with axe for one node user and one antenna user (the panels differ by role).
AXE_HOME = {"coordinatrice@nodo.novara.example", "operatore@comune-novara.example"}


def _path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def _logout(page) -> None:
    with page.expect_navigation():
        page.locator("header").get_by_role("button", name="Esci").click()


# --- login ---------------------------------------------------------------------------------------


def test_login_page_is_italian_and_accessible(page):
    page.goto("/accesso")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("heading", level=1, name="Accedi a Rete")).to_be_visible()
    assert_accessible(page, "login page")


@pytest.mark.parametrize(("email", "slug", "role"), demo_logins(), ids=[e for e, _, _ in demo_logins()])
def test_demo_user_logs_in_to_their_home_and_out(page, email, slug, role):
    login_as(page, email)
    assert _path(page) == "/", f"{email} landed on {page.url}"
    expect(page.get_by_role("heading", level=1)).to_contain_text(FULL_NAMES[email])
    expect(page.locator("main").get_by_text(TENANT_NAMES[slug], exact=True).first).to_be_visible()
    if email in AXE_HOME:
        assert_accessible(page, f"home page of {email} ({role})")
    _logout(page)
    assert _path(page).startswith("/accesso")
    expect(page.get_by_role("heading", level=1, name="Accedi a Rete")).to_be_visible()
    # Really out: the home page sends us back to the login.
    page.goto("/")
    assert _path(page).startswith("/accesso")


def test_wrong_password_shows_italian_error_and_keeps_email(page):
    email = "operatore@cisa24.example"
    login_as(page, email, password="non-e-la-password-1")
    assert _path(page).startswith("/accesso")
    expect(page.get_by_text("E-mail o password non corretti.")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value(email)
    expect(page.get_by_label("Password")).to_have_value("")  # never echoed back


def test_language_switch_shows_login_in_english(page):
    page.goto("/accesso")
    header = page.locator("header")
    with page.expect_navigation():
        header.get_by_role("button", name=re.compile(r"^(English|EN)\b", re.I)).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header").get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("heading", level=1, name=re.compile(r"sign in|log in", re.I))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^(sign in|log in)$", re.I))).to_be_visible()


def test_closing_the_other_sessions_sends_the_other_tabs_filter_to_the_login_page(open_page, browser_log):
    """Two devices of one coordinator; from the second she closes the others. The first tab's next filter on
    the case list (an htmx request) takes the whole window to the login page, not the login form into the
    results."""
    browser_log.allow(r"status of 401")  # the refused filter request is the point
    coordinator = "coordinatrice@nodo.novara.example"
    desk = login_as(open_page(), coordinator)
    desk.goto("/casi/")
    phone = login_as(open_page(), coordinator)
    phone.goto("/profilo/sessioni")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Chiudi tutte le altre sessioni").click()
    with desk.expect_navigation(url=re.compile(r"/accesso\?next=")):
        desk.get_by_label("Stato", exact=True).select_option(index=1)
    expect(desk.get_by_role("heading", level=1, name="Accedi a Rete")).to_be_visible()
    expect(desk.get_by_text("Accedi per continuare.")).to_be_visible()
    expect(desk.locator("#case-results")).to_have_count(0)


def _set_idle(app, email: str, left: timedelta) -> None:
    """Move the newest session of ``email`` so that ``left`` remains before its idle timeout."""
    with app.app_context():
        with context.system("browser test"):
            row = db.session.scalar(select(UserSession).join(User, User.id == UserSession.user_id)
                                    .where(User.email == email).order_by(UserSession.id.desc()))
            row.last_seen_at = utcnow() - timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"]) + left
            db.session.commit()
        db.session.remove()


def test_idle_warning_lets_her_stay_signed_in_and_then_says_the_session_ended(page, live_server):
    """WCAG 2.2.1: warned before the idle timeout, one button to extend it; typing counts as activity."""
    email = "rpd@nodo.novara.example"
    page.clock.install()
    login_as(page, email)
    warning = page.get_by_role("dialog", name="La sessione sta per scadere")
    _set_idle(live_server.app, email, timedelta(seconds=90))
    page.clock.fast_forward("28:00")  # the page's own schedule: the timeout less its margins
    expect(warning).to_be_visible()
    assert_accessible(page, "idle-timeout warning")
    warning.get_by_role("button", name="Resta collegato/a").click()
    expect(warning).to_be_hidden()
    page.clock.fast_forward("02:00")
    # Typing is activity. Wait for the answer, not just the request: the server handling the extension after the
    # next line has aged the row would extend it again (CI saw that race once).
    with page.expect_response(re.compile(r"/sessione/prolunga$")) as extended:
        page.keyboard.press("Tab")
    assert extended.value.ok
    _set_idle(live_server.app, email, timedelta(seconds=-1))
    page.clock.fast_forward("30:00")
    ended = page.get_by_role("dialog", name="La sessione è scaduta")
    expect(ended).to_be_visible()
    with page.expect_navigation():
        ended.get_by_role("link", name="Accedi di nuovo").click()
    expect(page.get_by_text("La sessione è scaduta per inattività: accedi di nuovo.")).to_be_visible()


# --- public pages in the footer ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accessibilita", "/privacy", "/feedback"])
def test_footer_page_is_linked_loads_and_is_accessible(page, path):
    page.goto("/accesso")
    link = page.locator(f"footer a[href='{path}'], footer a[href^='{path}?']").first
    expect(link).to_be_visible()
    with page.expect_navigation() as nav:
        link.click()
    assert nav.value.status == 200
    assert _path(page).split("?")[0] == path
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, f"{path} page")


def test_feedback_empty_shows_field_error_and_keeps_input(page):
    page.goto("/feedback")
    page.get_by_label("Abbastanza").check()
    page.get_by_label("E-mail").fill("cittadina@example.org")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Invia").click()
    message = page.get_by_label("Il tuo messaggio")
    expect(message).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{message.get_attribute('id')}-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("obbligatorio")
    # The summary at the top names the field and links to it.
    expect(page.get_by_role("alert").get_by_role("link", name="Il tuo messaggio")).to_have_attribute(
        "href", f"#{message.get_attribute('id')}"
    )
    # Nothing the person typed is lost.
    expect(page.get_by_label("E-mail")).to_have_value("cittadina@example.org")
    expect(page.get_by_label("Abbastanza")).to_be_checked()
    assert_accessible(page, "feedback form with errors")


def test_feedback_filled_shows_success(page):
    page.goto("/feedback")
    page.get_by_label("Molto", exact=True).check()
    page.get_by_label("Il tuo messaggio").fill("La pagina è chiara, grazie.")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Invia").click()
    expect(page.get_by_text("Grazie: il tuo messaggio è stato ricevuto.")).to_be_visible()


# --- the DPO's audit log and the antenna admin's users -----------------------------------------------


def test_dpo_sees_own_login_in_audit_log(page):
    email = "rpd@nodo.novara.example"
    before = datetime.now(ROME).strftime("%d/%m/%Y")
    login_as(page, email)
    with page.expect_navigation():
        page.get_by_role("link", name="Registro degli accessi").first.click()
    expect(page.get_by_role("heading", level=1, name="Registro degli accessi")).to_be_visible()
    # Shown in Rome time as dd/mm/yyyy (either side of midnight, should the test straddle it).
    days = "|".join(re.escape(d) for d in {before, datetime.now(ROME).strftime("%d/%m/%Y")})
    rows = page.locator("table tbody tr").filter(has_text=email).filter(has_text="login.success")
    expect(rows.first).to_be_visible()
    expect(rows.first.locator("th[scope=row]")).to_have_text(re.compile(rf"^({days}) \d\d:\d\d$"))
    assert_accessible(page, "audit log")


def test_antenna_admin_sees_only_own_tenant_users(page):
    login_as(page, "admin@comune-novara.example")
    page.goto("/utenti")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    table = page.locator("main table")
    expect(table).to_contain_text("operatore@comune-novara.example")
    expect(table).to_contain_text("admin@comune-novara.example")
    expect(page.locator("main")).not_to_contain_text("operatrice@comune-arona.example")
    expect(page.locator("main")).not_to_contain_text("@nodo.novara.example")
    assert_accessible(page, "users page")


# --- without JavaScript ------------------------------------------------------------------------------


def test_login_and_home_work_without_javascript(open_page):
    page = open_page(java_script_enabled=False)
    login_as(page, "operatrice@comune-arona.example")
    assert _path(page) == "/"
    expect(page.locator("main").get_by_text("Comune di Arona").first).to_be_visible()
    _logout(page)
    assert _path(page).startswith("/accesso")
