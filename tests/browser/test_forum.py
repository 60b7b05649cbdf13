"""The forum's "done when" in a browser, checked with axe: Arona publishes a good-practice card (a codice
fiscale is flagged first), CISA 24 finds it by another inflection (htmx live search), replies with a hostile
payload that stays inert, and subscribes; the node validates it and it appears among the good practices.

Stands on the seeded demo network alone: the card it looks at is the one it creates.
"""
import re

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

ARONA = "operatrice@comune-arona.example"
CISA = "operatore@cisa24.example"
COORDINATOR = "coordinatrice@nodo.novara.example"
TITLE = "Portierato sociale condominiale nei quartieri di Arona"
HOSTILE = "Ottima idea! <script>alert('xss')</script> <img src=x onerror=alert(1)> [clic](javascript:alert(1))"


def test_good_practice_flow(page, open_page):
    login_as(page, ARONA)
    page.goto("/forum/")
    assert_accessible(page, "forum index")
    with page.expect_navigation():
        page.get_by_role("link", name="Nuova scheda di buona prassi").click()
    expect(page.get_by_role("heading", level=1, name="Nuova scheda di buona prassi")).to_be_visible()
    page.get_by_label(re.compile(r"^Categoria")).select_option(label="Casa e accesso ai servizi")
    page.get_by_label(re.compile(r"^Titolo")).fill(TITLE)
    page.get_by_label(re.compile(r"^Motivo di discriminazione")).select_option("ethnicity")
    page.get_by_label(re.compile(r"^Problema affrontato")).fill("Conflitti di vicinato con famiglie di origine straniera.")
    page.get_by_label(re.compile(r"^Destinatari")).fill("Residenti dei condomini popolari.")
    page.get_by_label(re.compile(r"^Intervento")).fill("Una portineria sociale con mediatori due pomeriggi a settimana.")
    body = page.get_by_label(re.compile(r"^Descrizione"))
    body.fill("Abbiamo seguito il signor RSSMRA85T10A562S e altre famiglie.")
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica").click()
    expect(page.get_by_text("Il testo sembra contenere dati personali")).to_be_visible()
    expect(page.get_by_text("un codice fiscale")).to_be_visible()
    assert_accessible(page, "new card with a personal-data warning")
    body.fill("Abbiamo seguito diverse famiglie dei condomini, con la mediazione del consorzio.")
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica").click()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(page.locator("main").get_by_text("Pubblicata da Comune di Arona")).to_be_visible()
    assert_accessible(page, "good-practice card")

    cisa = open_page()
    login_as(cisa, CISA)
    cisa.goto("/forum/")
    cisa.get_by_label("Cerca nel forum").fill("condominiali")  # htmx: results while typing
    result = cisa.locator("#forum-results").get_by_role("link", name=TITLE)
    expect(result).to_be_visible()
    assert_accessible(cisa, "forum index with live search results")
    with cisa.expect_navigation():
        result.click()
    cisa.get_by_label(re.compile(r"^Risposta")).fill(HOSTILE)
    with cisa.expect_navigation():
        cisa.get_by_role("button", name="Pubblica la risposta").click()
    expect(cisa.get_by_text("Risposta pubblicata.")).to_be_visible()
    reply = cisa.locator(".rete-post-body").last
    expect(reply).to_contain_text("<script>alert('xss')</script>")  # shown as text, never run
    assert reply.locator("script, img, a[href^='javascript']").count() == 0
    with cisa.expect_navigation():
        cisa.get_by_role("button", name="Segui la discussione").click()
    expect(cisa.get_by_role("button", name="Smetti di seguire la discussione")).to_be_visible()
    assert_accessible(cisa, "thread with a reply")

    node = open_page()
    login_as(node, COORDINATOR)
    node.goto("/forum/cerca?q=portierato")  # the plain form's page, no htmx
    with node.expect_navigation():
        node.get_by_role("link", name=TITLE).click()
    with node.expect_navigation():
        node.get_by_role("button", name="Valida come buona prassi").click()
    expect(node.locator("#validated-badge")).to_be_visible()
    assert_accessible(node, "thread seen by a moderator")
    node.goto("/forum/buone-prassi?motivo=ethnicity")
    expect(node.get_by_role("link", name=TITLE)).to_be_visible()
    assert_accessible(node, "validated good practices")


def test_directory_is_accessible(page):
    login_as(page, COORDINATOR)
    page.goto("/rete/?tipo=municipality")
    assert_accessible(page, "network directory")
    with page.expect_navigation():
        page.get_by_role("link", name="Comune di Arona").click()
    expect(page.get_by_role("heading", level=1, name="Comune di Arona")).to_be_visible()
    assert_accessible(page, "directory entry (editable by the node)")
    with page.expect_navigation():
        page.get_by_role("link", name="Modifica la scheda").click()
    page.get_by_label(re.compile(r"^Servizi offerti")).fill("Sportello sociale e prima accoglienza (aggiornato).")
    assert_accessible(page, "directory entry form")
    with page.expect_navigation():
        page.get_by_role("button", name="Salva").click()
    expect(page.get_by_text("(aggiornato)")).to_be_visible()
