"""Controls on services in a browser with axe: the coordinator draws a sample of a provider's
approved deliveries with a seed (a form error keeps the input), records one confirmed and one discrepancy,
and the contract statement's delivered figure goes down by the discrepancy; the provider scorecard is
readable; the draw also works without JavaScript.

Stands on the seeded demo network alone (Cooperativa sociale Esempio has approved deliveries; the seed
already drew two of them).
"""
import re
from decimal import Decimal

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

COORDINATOR = "coordinatrice@nodo.novara.example"
PROVIDER_NAME = "Cooperativa sociale Esempio (fittizia)"
CIG = "8F1A2B3C4D"


def _amount(text: str) -> Decimal:
    digits = re.sub(r"[^\d,\-]", "", text).replace(",", ".")
    return Decimal(digits)


def _delivered(page) -> Decimal:
    page.goto("/budget/contratti")
    page.get_by_role("link", name=CIG).click()
    return _amount(page.locator('#statement [data-figure="delivered"]').inner_text())


def test_sample_check_flow_feeds_the_budget(page, open_page):
    login_as(page, COORDINATOR)
    before = _delivered(page)

    page.goto("/budget/controlli")
    expect(page.get_by_role("heading", level=1, name="Controlli a campione")).to_be_visible()
    expect(page.locator("#check-table")).to_be_visible()  # the seeded check
    assert_accessible(page, "sample checks")
    page.get_by_label(re.compile(r"^Soggetto attuatore")).select_option(label=PROVIDER_NAME)
    page.get_by_label(re.compile(r"^Numero di prestazioni")).fill("2")
    page.get_by_label(re.compile(r"^Oppure percentuale")).fill("10")
    page.get_by_label(re.compile(r"^Seme dell'estrazione")).fill("4242")
    with page.expect_navigation():
        page.get_by_role("button", name="Estrai il campione").click()
    expect(page.get_by_text("uno dei due").first).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Seme dell'estrazione"))).to_have_value("4242")  # input kept
    assert_accessible(page, "sample draw with an error")
    page.get_by_label(re.compile(r"^Oppure percentuale")).fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Estrai il campione").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Campione n\. \d+"))).to_be_visible()
    expect(page.locator("[data-seed]")).to_have_text("4242")
    expect(page.locator('[data-reproducible="yes"]')).to_be_visible()
    assert_accessible(page, "sample check page")

    page.get_by_label("Esito della prestazione 1").select_option(label="Confermata")
    with page.expect_navigation():
        page.get_by_role("button", name="Registra l'esito della prestazione 1").click()
    page.get_by_label("Esito della prestazione 2").select_option(label="Discrepanza")
    page.get_by_label(re.compile(r"^Nota, prestazione 2")).fill("Foglio firme mancante")
    with page.expect_navigation():
        page.get_by_role("button", name="Registra l'esito della prestazione 2").click()
    expect(page.get_by_text("indica l'importo non riconosciuto").first).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Nota, prestazione 2"))).to_have_value("Foglio firme mancante")
    assert_accessible(page, "verification with an error")
    page.get_by_label(re.compile(r"^Importo non riconosciuto, prestazione 2")).fill("10,00")
    with page.expect_navigation():
        page.get_by_role("button", name="Registra l'esito della prestazione 2").click()
    expect(page.locator('[data-outcome="confirmed"]').first).to_be_visible()
    expect(page.locator('[data-outcome="discrepancy"]')).to_have_count(1)
    assert_accessible(page, "verified sample")

    assert _delivered(page) == before - Decimal("10.00")
    expect(page.locator('#statement [data-figure="adjusted"]')).to_be_visible()

    page.goto("/budget/fornitori")
    page.get_by_role("link", name=PROVIDER_NAME).click()
    expect(page.get_by_role("heading", level=1, name=f"Scheda di {PROVIDER_NAME}")).to_be_visible()
    assert_accessible(page, "provider scorecard")

    # The same draw without JavaScript: plain forms.
    plain = open_page(java_script_enabled=False)
    login_as(plain, COORDINATOR)
    plain.goto("/budget/controlli")
    plain.get_by_label(re.compile(r"^Soggetto attuatore")).select_option(label=PROVIDER_NAME)
    plain.get_by_label(re.compile(r"^Numero di prestazioni")).fill("1")
    with plain.expect_navigation():
        plain.get_by_role("button", name="Estrai il campione").click()
    expect(plain.get_by_role("heading", level=1, name=re.compile(r"^Campione n\. \d+"))).to_be_visible()


PROVIDER_USER = "operatrice@coop-esempio.example"


def test_identity_grant_flow_and_new_budget_pages(page, open_page):
    """The coordinator grants the provider access to a person's identity from an order, the provider reads it
    (audited) and loses it when revoked; the order list, contract and line edit pages pass axe."""
    login_as(page, COORDINATOR)
    page.goto("/budget/ordini")
    assert_accessible(page, "order list")
    page.get_by_label(re.compile(r"^Soggetto attuatore")).select_option(label=PROVIDER_NAME)
    page.get_by_label(re.compile(r"^Stato")).select_option(label="Aperto")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtra").click()
    hrefs = [a.get_attribute("href") for a in page.locator("#order-table tbody th a").all()]
    assert hrefs
    order_url = None
    for href in hrefs:
        page.goto(href)
        link = page.get_by_role("link", name="Accesso all'identità dei soggetti attuatori")
        if link.count() == 0:
            continue
        link.click()
        if page.get_by_role("button", name="Concedi l'accesso all'identità").count():
            order_url = href
            break
    assert order_url, "no order of an open case to grant from"
    assert_accessible(page, "identity grants")
    page.get_by_label(re.compile(r"^Soggetto attuatore")).select_option(label=PROVIDER_NAME)
    page.get_by_label(re.compile(r"^Perché deve conoscere")).fill("Accompagnamento al colloquio di lavoro")
    with page.expect_navigation():
        page.get_by_role("button", name="Concedi l'accesso all'identità").click()
    expect(page.locator("#grant-table")).to_contain_text("Accompagnamento al colloquio di lavoro")
    grants_url = page.url

    provider = open_page()
    login_as(provider, PROVIDER_USER)
    provider.goto(order_url)
    provider.get_by_role("link", name=re.compile(r"^Mostra l'identità")).click()
    expect(provider.locator("#identity")).to_be_visible()
    assert_accessible(provider, "order page with the identity")

    page.goto(grants_url)
    page.get_by_label("Motivo della revoca").first.fill("Colloquio svolto")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Revoca l'accesso")).first.click()
    expect(page.locator("#grant-table")).to_contain_text("Revocato")
    provider.goto(order_url)
    expect(provider.locator("#identity")).to_have_count(0)
    expect(provider.get_by_role("link", name=re.compile(r"^Mostra l'identità"))).to_have_count(0)

    page.goto("/budget/contratti")
    page.get_by_role("link", name=CIG).click()
    page.get_by_role("link", name="Modifica il contratto").click()
    expect(page.get_by_label(re.compile(r"^Codice CIG"))).to_have_value(CIG)
    assert_accessible(page, "contract edit form")
    page.goto("/budget/")
    page.get_by_role("link", name="modifica la linea 1").first.click()
    page.wait_for_url(re.compile(r"/budget/linee/\d+/modifica$"))  # axe on a page still loading found no document
    page.wait_for_load_state()
    assert_accessible(page, "budget line edit form")
