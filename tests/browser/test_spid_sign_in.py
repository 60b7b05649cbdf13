"""SPID/CIE sign-in in the browser, through a real OpenID Connect provider (tests/oidc_provider.py) on its own
port: the login page with the "Entra con SPID/CIE" button (axe), the redirect to the provider, its form, the
return into the case worker's home; without JavaScript, a refused identity gets its clear message.

The live database is shared by the browser tests: the fiscal code recorded here for the demo case worker
touches nothing the other tests use.
"""
import pytest
from playwright.sync_api import expect

from portal import create_app
from portal.accounts import identity
from portal.accounts.models import User
from portal.extensions import db
from portal.tenancy import context

from ..conftest import make_config
from ..oidc_provider import SPID_L2, fiscal_code
from .conftest import assert_accessible, serve

CASE_WORKER = "casemanager@nodo.novara.example"
CODE = fiscal_code("BLLMRC79C12F952")


@pytest.fixture(scope="module")
def live_server(live_database, mail_server, oidc_provider):
    """This module's live app signs in through the provider (the session-wide one has none)."""
    owner = create_app({"SQLALCHEMY_DATABASE_URI": live_database.owner_url,
                        "DATABASE_OWNER_URL": live_database.owner_url, "TESTING": True}, owner=True)
    with owner.app_context():
        with context.system("test: record a fiscal code"):
            user = db.session.query(User).filter_by(email=CASE_WORKER).one()
            identity.set_fiscal_code(user, CODE)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app = create_app(make_config(live_database, mail_server, LOGIN_RATE_LIMIT="1000 per minute", **oidc_provider.config()))
    with serve(app) as server:
        yield server


def _offline_provider_styles(page):
    # The stand-in provider's page links a stylesheet on a CDN; the tests run offline and Rete's pages never
    # load third-party content, so that one request is answered locally with an empty sheet.
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(status=200, body="", content_type="text/css"))


def _through_the_provider(page, sub):
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.locator("input[name=sub]").fill(sub)
    with page.expect_navigation(url="**/", timeout=20_000):  # the home page is the slowest on a busy machine
        page.get_by_role("button", name="Authorize").click()


def test_case_worker_signs_in_with_spid_through_the_whole_redirect_flow(page, oidc_provider, live_server):
    _offline_provider_styles(page)
    oidc_provider.put("marco-bellini", CODE, SPID_L2)
    page.goto("/accesso")
    button = page.get_by_role("link", name="Entra con SPID/CIE")
    expect(button).to_be_visible()
    assert_accessible(page, "login page with the SPID/CIE button")
    with page.expect_navigation(url=f"{oidc_provider.url}/**"):
        button.click()
    _through_the_provider(page, "marco-bellini")
    assert page.url.rstrip("/") == live_server.url
    expect(page.get_by_text("Marco Bellini (demo)").first).to_be_visible()
    # A real session like a password login's: listed among the user's sessions, and it can be ended.
    page.goto("/profilo/sessioni")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "sessions after a SPID sign-in")


def test_without_javascript_an_unknown_identity_is_refused_with_a_clear_message(open_page, oidc_provider):
    page = open_page(java_script_enabled=False)
    _offline_provider_styles(page)
    oidc_provider.put("sconosciuto", fiscal_code("GLLPLA75B12L219"), SPID_L2)
    page.goto("/accesso")
    with page.expect_navigation(url=f"{oidc_provider.url}/**"):
        page.get_by_role("link", name="Entra con SPID/CIE").click()
    page.locator("input[name=sub]").fill("sconosciuto")
    with page.expect_navigation(url="**/accesso"):
        page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("Non risulta un utente di Rete con il codice fiscale")).to_be_visible()
    # Password sign-in is still there for everybody else.
    expect(page.get_by_label("E-mail")).to_be_visible()
