"""Referral screens in a browser, checked with axe: the antenna's form (empty and filled), its list and
the referral page; the node's inbox and the referral page with its decision forms.

Stands on the seeded demo network alone: the referral it looks at is the one it creates.
"""
import re
from datetime import date

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

OPERATOR = "operatore@comune-novara.example"
COORDINATOR = "coordinatrice@nodo.novara.example"


def test_referral_screens_are_accessible(page, open_page):
    login_as(page, OPERATOR)
    page.goto("/segnalazioni/nuova")
    expect(page.get_by_role("heading", level=1, name="Nuova segnalazione")).to_be_visible()
    assert_accessible(page, "new referral form")

    with page.expect_navigation():
        page.get_by_role("button", name="Invia al nodo").click()
    expect(page.get_by_text("Il modulo contiene errori")).to_be_visible()
    assert_accessible(page, "new referral form with errors")

    page.get_by_label(re.compile(r"^Nome")).fill("Prova")
    page.get_by_label(re.compile(r"^Cognome")).fill("Browser")
    page.get_by_label("Origine etnica").check()
    page.get_by_label(re.compile(r"^Ambito")).select_option("work")
    page.get_by_label("La situazione").fill("Situazione di prova scritta dal test nel browser.")
    page.get_by_label("La persona ha ricevuto l'informativa sulla privacy e ha dato il consenso").check()
    page.get_by_label("Versione dell'informativa").fill("2026-01")
    page.get_by_label("Data del consenso").fill(date.today().isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Invia al nodo").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Segnalazione")
    code = re.search(r"Segnalazione (\S+)", heading.inner_text()).group(1)
    detail = re.sub(r"^https?://[^/]+", "", page.url)
    assert_accessible(page, "referral page (antenna)")
    page.goto("/segnalazioni/")
    expect(page.get_by_role("link", name=code)).to_be_visible()
    assert_accessible(page, "referral list (antenna)")

    node = open_page()
    login_as(node, COORDINATOR)
    node.goto("/segnalazioni/")
    assert_accessible(node, "referral inbox (node)")
    node.goto(detail)
    expect(node.get_by_role("button", name="Prendi in carico")).to_be_visible()
    assert_accessible(node, "referral page with decisions (node)")

    # The decisions are tabs: "take in charge" first; arrow keys move between them.
    accept_tab = node.get_by_role("tab", name="Prendi in carico")
    expect(accept_tab).to_have_attribute("aria-selected", "true")
    expect(node.get_by_label("Quali informazioni servono")).to_be_hidden()
    accept_tab.focus()
    node.keyboard.press("ArrowRight")
    expect(node.get_by_role("tab", name="Chiedi informazioni all'antenna")).to_be_focused()
    expect(node.get_by_label("Quali informazioni servono")).to_be_visible()
    expect(node.get_by_label(re.compile(r"^Case manager"))).to_be_hidden()
    assert_accessible(node, "referral decisions, second tab")
    # A refused decision comes back on its own tab, with what was typed and its error, the summary focused.
    node.get_by_role("tab", name="Non accogliere").click()
    node.locator("#decline-message").fill("Scritto prima dell'errore.")
    asked = []  # declining cannot be undone: the browser asks first
    node.once("dialog", lambda dialog: asked.append(dialog.message) or dialog.accept())
    with node.expect_navigation():
        node.get_by_role("button", name="Non accogliere").click()
    assert asked == ["Non accogliere la segnalazione? L'antenna riceverà il motivo e il messaggio."]
    expect(node.get_by_role("tab", name="Non accogliere")).to_have_attribute("aria-selected", "true")
    expect(node.locator("#azione-decline [data-error-summary]")).to_be_focused()
    expect(node.locator("#decline-message")).to_have_value("Scritto prima dell'errore.")
    assert_accessible(node, "referral decision refused")

    # Without JavaScript: a list of links, every form on the page; a refused one's summary is focused, in view.
    plain = open_page(java_script_enabled=False, viewport={"width": 390, "height": 844})
    login_as(plain, COORDINATOR)
    plain.goto(detail)
    expect(plain.get_by_role("link", name="Chiedi informazioni all'antenna")).to_be_visible()
    expect(plain.get_by_label("Quali informazioni servono")).to_be_visible()
    expect(plain.get_by_label(re.compile(r"^Case manager"))).to_be_visible()
    plain.locator("#decline-message").fill("Senza JavaScript.")
    with plain.expect_navigation():
        plain.get_by_role("button", name="Non accogliere").click()
    expect(plain.locator("#azione-decline [data-error-summary]")).to_be_focused()
    expect(plain.locator("#azione-decline [data-error-summary]")).to_be_in_viewport()
    expect(plain.locator("#decline-message")).to_have_value("Senza JavaScript.")
