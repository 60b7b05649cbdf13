"""Arona's operator writes a discussion on her phone and is called away; her session ends while the form is
open. When she sends it, the page says the session ended and shows what she wrote (accessible, no sideways
scrolling); "Accedi di nuovo" signs her in and brings her back to the form, where she publishes."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from portal.seed.network import DEMO_PASSWORD

from .conftest import assert_accessible, login_as, write_discussion
from .test_foundation import _set_idle
from .test_viewports import _OVERFLOW

ARONA = "operatrice@comune-arona.example"
TITLE = "Mediazione linguistica il martedì"
BODY = "Da febbraio una mediatrice è presente il martedì pomeriggio: segnalatelo alle persone che accogliete."


def test_a_discussion_sent_after_the_session_ended_is_shown_back(open_page, live_server, browser_log):
    browser_log.allow(r"status of 401")  # the answer this test expects (Chromium's line for it)
    page = open_page(viewport={"width": 390, "height": 844})
    login_as(page, ARONA)
    page.goto("/forum/nuova")
    write_discussion(page, TITLE, BODY)
    _set_idle(live_server.app, ARONA, timedelta(seconds=-1))
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica").click()
    expect(page.get_by_role("heading", level=1, name="Sessione scaduta")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("La sessione è scaduta per inattività")
    kept = page.locator("dl.rete-kept")
    expect(kept).to_contain_text(TITLE)
    expect(kept).to_contain_text(BODY)
    assert page.evaluate(_OVERFLOW) is None
    assert_accessible(page, "session ended, the input kept")

    with page.expect_navigation():
        page.get_by_role("link", name="Accedi di nuovo").click()
    page.get_by_label("E-mail").fill(ARONA)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation(url=re.compile(r"/forum/nuova$")):
        page.get_by_role("button", name="Accedi", exact=True).click()
    write_discussion(page, TITLE, BODY)
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica").click()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
