"""The database goes away while Arona's operator works in the forum from her phone. Her live search says that
the results could not be updated (rather than showing the old ones as the answer); the discussion she sends
gets the "try again" page with what she wrote (accessible, no sideways scrolling); once the database is
back, the search answers again and she publishes.

The live server runs in this process, so the outage is every statement refused at the engine, as PostgreSQL
restarting would; tests/test_faults_postgresql.py cuts real connections under gunicorn.
"""
import re

from playwright.sync_api import expect

from ..helpers import database_away
from .conftest import assert_accessible, login_as, write_discussion
from .test_viewports import _OVERFLOW

ARONA = "operatrice@comune-arona.example"
TITLE = "Sportello aperto il sabato mattina"
BODY = "Da gennaio apriamo anche il sabato: chi ha esperienze simili con i turni dei volontari?"


def test_a_post_sent_during_an_outage_is_shown_back_and_sent_again(open_page, live_server, browser_log):
    browser_log.allow(r"status of 503")  # the answer this test expects (Chromium's line for it) ...
    browser_log.allow(r"Response Status Error Code 503")  # ... and htmx's
    page = open_page(viewport={"width": 390, "height": 844})
    login_as(page, ARONA)
    page.goto("/forum/")
    search = page.get_by_label("Cerca nel forum")
    with database_away(live_server.app):
        with page.expect_response(lambda r: "/forum/cerca" in r.url and r.status == 503):
            search.fill("calendario")  # htmx: results while typing
        expect(page.get_by_role("alert")).to_contain_text("momentaneamente non disponibile")
    assert_accessible(page, "forum search that could not be updated")
    with page.expect_response(lambda r: "/forum/cerca" in r.url and r.status == 200):
        search.fill("calendario degli incontri")
    expect(page.locator(".rete-htmx-error")).to_have_count(0)
    expect(page.locator("#forum-results").get_by_role("link", name=re.compile("Calendario degli incontri"))).to_be_visible()

    page.goto("/forum/nuova")
    write_discussion(page, TITLE, BODY)
    with database_away(live_server.app), page.expect_navigation():
        page.get_by_role("button", name="Pubblica").click()
    expect(page.get_by_role("heading", level=1, name="Servizio momentaneamente non disponibile")).to_be_visible()
    kept = page.locator("dl.rete-kept")
    expect(kept).to_contain_text(TITLE)
    expect(kept).to_contain_text(BODY)
    assert page.evaluate(_OVERFLOW) is None
    assert_accessible(page, "503 page with the input kept")

    with page.expect_navigation():
        page.get_by_role("link", name="Torna alla pagina precedente").click()
    write_discussion(page, TITLE, BODY)
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica").click()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
