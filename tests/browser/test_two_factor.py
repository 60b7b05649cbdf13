"""Second factor in the browser: the DPO enrols with the QR page, logs in with a code, then removes it.

The live database is shared by all browser tests, so the factor is removed at the end (other tests log in
as the same demo user with the password alone). Codes are computed when used, one time step apart
(enrol with the previous step, log in with the current, disable with the next), as an app would show them.
"""
import re
import time
from datetime import datetime
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, assert_accessible, login_as

DPO = "rpd@nodo.novara.example"


def _code(secret: str, steps: int) -> str:
    # The code of the step ``steps`` away from now, typed and checked within the same step: a step ending in the
    # second between (this machine under load) turned the previous step's code into one two steps old, refused.
    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.2)
    return pyotp.TOTP(secret).at(datetime.fromtimestamp(time.time() + steps * 30))


def test_dpo_enrols_logs_in_with_a_code_and_disables_it(page):
    login_as(page, DPO)
    page.goto("/profilo/verifica-due-passaggi")
    expect(page.get_by_role("heading", level=1, name="Attiva la verifica in due passaggi")).to_be_visible()
    expect(page.locator("svg.rete-qr")).to_be_visible()
    assert_accessible(page, "second factor enrolment")
    secret = page.locator("code.rete-secret").inner_text().replace(" ", "")
    page.get_by_label("Codice di verifica").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Conferma e attiva").click()
    expect(page.get_by_text("Il codice non corrisponde").first).to_be_visible()
    page.get_by_label("Codice di verifica").fill(_code(secret, -1))
    with page.expect_navigation():
        page.get_by_role("button", name="Conferma e attiva").click()
    expect(page.get_by_text("Verifica in due passaggi attivata.")).to_be_visible()

    with page.expect_navigation():
        page.locator("header").get_by_role("button", name="Esci").click()
    login_as(page, DPO)
    assert re.search(r"/accesso/codice$", page.url), page.url
    assert_accessible(page, "login code step")
    page.get_by_label("Codice di verifica").fill(_code(secret, 0))
    with page.expect_navigation():
        page.get_by_role("button", name="Verifica").click()
    assert urlsplit(page.url).path == "/", page.url  # logged in, at home

    page.goto("/profilo/verifica-due-passaggi")
    assert_accessible(page, "second factor management")
    page.get_by_label("Password attuale").fill(DEMO_PASSWORD)
    page.get_by_label("Codice di verifica").fill(_code(secret, 1))
    with page.expect_navigation():
        page.get_by_role("button", name="Disattiva").click()
    expect(page.get_by_text("Verifica in due passaggi disattivata.")).to_be_visible()
