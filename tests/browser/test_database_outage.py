"""The database goes away while Arona's operator sends a new forum discussion from her phone: she gets the "try
again" page with what she wrote (accessible, no sideways scrolling), and once it is back she publishes it.

The live server runs in this process, so the outage is every statement refused at the engine, as PostgreSQL
restarting would; tests/test_faults_postgresql.py cuts real connections under gunicorn.
"""
import re

from playwright.sync_api import expect

from ..helpers import database_away
from .conftest import assert_accessible, login_as
from .test_viewports import _OVERFLOW

ARONA = "operatrice@comune-arona.example"
TITLE = "Sportello aperto il sabato mattina"
BODY = "Da gennaio apriamo anche il sabato: chi ha esperienze simili con i turni dei volontari?"


def test_a_post_sent_during_an_outage_is_shown_back_and_sent_again(open_page, live_server, browser_log):
    browser_log.allow(r"status of 503")  # the answer this test expects
    page = open_page(viewport={"width": 390, "height": 844})
    login_as(page, ARONA)
    page.goto("/forum/nuova")
    page.get_by_label(re.compile(r"^Categoria")).select_option(label="Vita della rete")
    page.get_by_label(re.compile(r"^Titolo")).fill(TITLE)
    page.get_by_label(re.compile(r"^Testo")).fill(BODY)
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
    page.get_by_label(re.compile(r"^Categoria")).select_option(label="Vita della rete")
    page.get_by_label(re.compile(r"^Titolo")).fill(TITLE)
    page.get_by_label(re.compile(r"^Testo")).fill(BODY)
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica").click()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
