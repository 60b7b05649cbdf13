"""The budget in a browser with axe: the budget officer sees Azione 2 with its € 0,44 warning,
creates a contract with lines and assigns an action to the provider; the provider logs two deliveries
(one more, over the contract value, is refused); the node approves one and returns the other; the
overview, the contract statement and the XLSX export agree on committed and delivered amounts; the provider
corrects the returned delivery and submits it again.

Stands on the seeded demo network alone: the contract it checks is the one it creates (random CIG).
"""
import io
import re
import secrets
from datetime import date, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

BUDGET_OFFICER = "budget@nodo.novara.example"
PROVIDER = "operatrice@coop-esempio.example"
NBSP = "\u00a0"


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def test_budget_contract_order_deliveries_and_exports(page, open_page):
    today = date.today()
    cig = "BR" + "".join(secrets.choice("0123456789") for _ in range(8))
    login_as(page, BUDGET_OFFICER)
    page.goto("/budget/")
    expect(page.get_by_role("heading", level=1, name="Budget")).to_be_visible()
    expect(page.get_by_text(f"Differenza di riconciliazione: €{NBSP}0,44")).to_be_visible()
    assert_accessible(page, "budget overview")

    page.goto("/budget/contratti/nuovo")
    assert_accessible(page, "new contract form")
    page.get_by_label(re.compile(r"^Oggetto del contratto")).fill("Formazione in aula (prova nel browser)")
    page.get_by_label(re.compile(r"^Linea di budget")).select_option(label="Obiettivi e risultati attesi")
    page.get_by_label(re.compile(r"^Soggetto attuatore")).select_option(label="Cooperativa sociale Esempio (fittizia)")
    page.get_by_label(re.compile(r"^Procedura")).select_option("negotiated")
    page.get_by_label(re.compile(r"^Codice CIG")).fill("SBAGLIATO")
    # Long enough to cover the demo actions still to order (the seed dates cases back from today).
    page.get_by_label(re.compile(r"^Inizio")).fill((today - timedelta(days=730)).isoformat())
    page.get_by_label(re.compile(r"^Fine")).fill((today + timedelta(days=365)).isoformat())
    page.get_by_label(re.compile(r"^Valore totale")).fill("1.000,00")
    page.locator("#lines-0-service_type").select_option("training")
    page.locator("#lines-0-unit").select_option("hour")
    page.locator("#lines-0-unit_price").fill("25,00")
    page.locator("#lines-0-quantity").fill("40")
    with page.expect_navigation():
        page.get_by_role("button", name="Registra il contratto").click()
    expect(page.get_by_text("Il CIG è di 10 caratteri").first).to_be_visible()
    expect(page.locator("#lines-0-unit_price")).to_have_value("25,00")  # input kept
    assert_accessible(page, "new contract form with errors")
    page.get_by_label(re.compile(r"^Codice CIG")).fill(cig)
    with page.expect_navigation():
        page.get_by_role("button", name="Registra il contratto").click()
    expect(page.get_by_role("heading", level=1, name=f"Contratto {cig}")).to_be_visible()
    contract_url = re.sub(r"^https?://[^/]+", "", page.url)

    page.get_by_role("link", name="Affida un'azione").click()
    page.get_by_label(re.compile(r"^Azione da affidare")).select_option(index=1)
    page.get_by_label(re.compile(r"^Riga del contratto")).select_option(index=1)
    page.get_by_label(re.compile(r"^Quantità ordinata")).fill("10")
    assert_accessible(page, "assign an action")
    with page.expect_navigation():
        page.get_by_role("button", name="Crea l'ordine di servizio").click()
    order_link = page.locator("#ordini + ul a").first
    order_url = order_link.get_attribute("href")
    assert_accessible(page, "contract statement")

    provider = open_page()
    login_as(provider, PROVIDER)
    provider.goto(order_url)
    for units, day in (("2", today - timedelta(days=2)), ("3", today - timedelta(days=1)), ("1000", today)):
        provider.get_by_label(re.compile(r"^Data della prestazione")).fill(day.isoformat())
        provider.get_by_label(re.compile(r"^Ore o unità erogate")).fill(units)
        provider.get_by_label(re.compile(r"^Nota breve")).fill("Lezione in aula")
        with provider.expect_navigation():
            provider.get_by_role("button", name="Registra la prestazione").click()
    expect(provider.get_by_text("supera il valore residuo del contratto").first).to_be_visible()
    expect(provider.get_by_label(re.compile(r"^Ore o unità erogate"))).to_have_value("1000")
    assert_accessible(provider, "provider order page with a refused delivery")

    page.goto(order_url)
    with page.expect_navigation():
        page.get_by_role("button", name=f"Approva la prestazione del {_day(today - timedelta(days=2))}").click()
    page.get_by_label("Motivo della restituzione").fill("Manca il foglio firme")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Restituisci la prestazione del {_day(today - timedelta(days=1))}").click()
    expect(page.get_by_role("cell", name="Restituita")).to_be_visible()
    assert_accessible(page, "order page reviewed by the node")

    committed, delivered = f"€{NBSP}1.000,00", f"€{NBSP}50,00"
    page.goto(contract_url)
    expect(page.locator('#statement [data-figure="committed"]')).to_have_text(committed)
    expect(page.locator('#statement [data-figure="delivered"]')).to_have_text(delivered)
    page.goto("/budget/")
    row = page.locator(f'tr[data-contract="{cig}"]')
    expect(row.locator('[data-figure="committed"]')).to_have_text(committed)
    expect(row.locator('[data-figure="delivered"]')).to_have_text(delivered)
    page.goto(contract_url)
    with page.expect_download() as info:
        page.get_by_role("link", name="Scarica le prestazioni in Excel (XLSX)").click()
    workbook = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    summary = {r[0]: r[1] for r in workbook["Riepilogo"].iter_rows(values_only=True)}
    assert summary["CIG"] == cig and summary["Impegnato"] == 1000 and summary["Erogato (maturato)"] == 50
    assert len(list(workbook["Prestazioni"].iter_rows(values_only=True))) == 3  # header + two deliveries

    # The provider corrects the returned delivery and sends it back to the node.
    provider.goto(order_url)
    provider.get_by_role("link", name=f"Correggi la prestazione del {_day(today - timedelta(days=1))}").click()
    expect(provider.get_by_text("Manca il foglio firme")).to_be_visible()
    assert_accessible(provider, "correct a returned delivery")
    provider.get_by_label(re.compile(r"^Nota breve")).fill("Lezione in aula, con foglio firme")
    with provider.expect_navigation():
        provider.get_by_role("button", name="Invia di nuovo al nodo").click()
    expect(provider.locator("tr", has_text="con foglio firme").get_by_role("cell", name="Da approvare")).to_be_visible()
