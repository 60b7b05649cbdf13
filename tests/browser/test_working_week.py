"""Una settimana in rete: the whole loop, each role starting from its home page's "Da fare" queue.

refer (antenna) → ask for information (coordinator) → answer and send again (antenna) → accept (coordinator)
→ plan a node action and a provider action, which orders it (case worker) → the order reaches the provider's
queue and bell, it logs a delivery → the budget officer approves it from its queue → the scheda analitica
shows the approved hours and the order's statement the same hours and their amount → the antenna reads the
outcome from its queue; the DPO's home opens on its own queue.

No URL is typed after login: every page is reached by a link of the home queue or of the menu. Every page on
the way is checked with axe. Stands on the seeded demo network; the person's name is unique per run.
"""
import re
import secrets
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

OPERATOR = "operatore@comune-novara.example"
COORDINATOR = "coordinatrice@nodo.novara.example"
CASE_WORKER = "casemanager@nodo.novara.example"
CASE_WORKER_NAME = "Marco Bellini (demo)"
BUDGET_OFFICER = "budget@nodo.novara.example"
PROVIDER_USER = "operatrice@coop-esempio.example"
PROVIDER = "Cooperativa sociale Esempio (fittizia)"
DPO = "rpd@nodo.novara.example"
TODAY = date.today()
NBSP = "\u00a0"


def _click(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _home(page) -> None:
    _click(page, page.locator("header").get_by_role("link", name="Home", exact=True).first)
    expect(page.get_by_role("heading", level=2, name="Da fare")).to_be_visible()


def _from_queue(page, key: str, name) -> None:
    """Open an item of the home queue ``key`` by its link text; through "Vedi tutti" when not among the first."""
    section = page.locator(f'section[data-queue="{key}"]')
    expect(section).to_be_visible()
    link = section.get_by_role("link", name=name)
    if link.count() == 0:
        _click(page, section.get_by_role("link", name=re.compile(r"^Vedi tutti")))
        assert_accessible(page, f"queue list {key}")
        link = page.locator("main").get_by_role("link", name=name)
    _click(page, link.first)


def _submit(page, name: str) -> None:
    _click(page, page.get_by_role("button", name=name, exact=True))


def _flash(page, text: str) -> None:
    expect(page.locator(".alert-success").filter(has_text=text)).to_be_visible()


def _refer(page, last_name: str) -> str:
    page.locator("#main-menu summary", has_text="Lavoro").click()  # the menu's group (a <details>)
    _click(page, page.locator("header").get_by_role("link", name="Nuova segnalazione"))
    expect(page.get_by_role("heading", level=1, name="Nuova segnalazione")).to_be_visible()
    page.get_by_label(re.compile(r"^Nome")).fill("Settimana")
    page.get_by_label(re.compile(r"^Cognome")).fill(last_name)
    page.get_by_label(re.compile(r"^Anno di nascita")).fill("1990")
    page.get_by_role("combobox", name="Genere").select_option("male")
    page.get_by_label(re.compile(r"^Condizione occupazionale")).select_option("long_term_unemployed")
    page.get_by_role("checkbox", name="Disabilità").check()
    page.get_by_label(re.compile(r"^Ambito")).select_option("work")
    page.get_by_label("La situazione").fill("Colloquio annullato dopo aver chiesto un posto accessibile (prova nel browser).")
    page.get_by_label("Bisogni della persona").fill("Formazione e accompagnamento al lavoro.")
    page.get_by_label("La persona ha ricevuto l'informativa sulla privacy e ha dato il consenso").check()
    page.get_by_label("Versione dell'informativa").fill("2026-01")
    page.get_by_label("Data del consenso").fill(TODAY.isoformat())
    _submit(page, "Invia al nodo")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Segnalazione")
    code = re.search(r"Segnalazione (\S+)", heading.inner_text()).group(1)
    assert_accessible(page, "referral sent (antenna)")
    return code


def _plan(page, *, service: str, provider: str | None, hours: str, flash: str) -> None:
    _click(page, page.get_by_role("link", name="Pianifica un'azione"))
    page.get_by_label(re.compile(r"^Tipo di servizio")).select_option(label=service)
    page.get_by_label(re.compile(r"^Fase del percorso")).select_option(label="Inserimento lavorativo (fase 1)")
    if provider:
        page.get_by_label(re.compile(r"^Soggetto attuatore")).select_option(label=provider)
    page.get_by_label(re.compile(r"^Inizio previsto")).fill(TODAY.isoformat())
    page.get_by_label(re.compile(r"^Ore previste")).fill(hours)
    _submit(page, "Salva")
    _flash(page, flash)


def test_una_settimana_in_rete(page, open_page, browser_log):
    last_name = f"Settimana{secrets.token_hex(4)}"

    # Monday: the antenna refers from its menu.
    login_as(page, OPERATOR)
    expect(page.get_by_role("heading", level=2, name="Da fare")).to_be_visible()
    assert_accessible(page, "home (antenna operator)")
    code = _refer(page, last_name)

    # The coordinator finds it among the referrals to decide and asks for information.
    node = open_page()
    login_as(node, COORDINATOR)
    assert_accessible(node, "home (coordinator)")
    _from_queue(node, "referrals.to_decide", code)
    expect(node.get_by_role("heading", level=1)).to_contain_text(code)
    assert_accessible(node, "referral to decide (coordinator)")
    node.get_by_role("tab", name="Chiedi informazioni all'antenna").click()  # the decisions are tabs
    node.get_by_label("Quali informazioni servono").fill("Serve la mail con cui è stato annullato il colloquio.")
    _submit(node, "Chiedi informazioni all'antenna")
    expect(node.locator(".badge").filter(has_text="Richieste informazioni")).to_be_visible()

    # Tuesday: the antenna sees the request in its queue, answers and sends the referral again.
    _home(page)
    _from_queue(page, "referrals.info_requested", code)
    expect(page.get_by_text("Serve la mail con cui è stato annullato il colloquio.")).to_be_visible()
    _click(page, page.get_by_role("link", name="Modifica la segnalazione"))
    page.get_by_label("Risposta per il nodo").fill("La mail è agli atti dello sportello: protocollo 77.")
    _submit(page, "Salva e invia di nuovo al nodo")
    expect(page.locator(".badge").filter(has_text="Inviata al nodo")).to_be_visible()

    # The coordinator accepts it from the queue, choosing the case worker.
    _home(node)
    _from_queue(node, "referrals.to_decide", code)
    expect(node.get_by_text("La mail è agli atti dello sportello: protocollo 77.")).to_be_visible()
    node.get_by_label(re.compile(r"^Case manager")).select_option(label=CASE_WORKER_NAME)
    _submit(node, "Prendi in carico")
    expect(node.locator(".badge").filter(has_text="Presa in carico")).to_be_visible()

    # Wednesday: the case worker finds the new case in the queue and plans the pathway. The provider's
    # action is ordered on the contract line that covers it, in the same step.
    worker = open_page()
    login_as(worker, CASE_WORKER)
    assert_accessible(worker, "home (case worker)")
    _from_queue(worker, "cases.new", code)
    expect(worker.get_by_role("heading", level=1)).to_contain_text(code)
    assert_accessible(worker, "case page (new)")
    _plan(worker, service="Orientamento", provider=None, hours="6", flash="Azione pianificata.")
    _plan(worker, service="Formazione", provider=PROVIDER, hours="10",
          flash="Azione pianificata e ordinata al soggetto attuatore")
    assert_accessible(worker, "case page (two actions)")
    _click(worker, worker.get_by_role("link", name="Registra Orientamento"))
    worker.get_by_label(re.compile(r"^Stato")).select_option(label="Conclusa")
    worker.get_by_label(re.compile(r"^Ore erogate")).fill("6")
    worker.get_by_label(re.compile(r"^Data dell'ultima erogazione")).fill(TODAY.isoformat())
    worker.get_by_label(re.compile(r"^Esito")).fill("Bilancio delle competenze fatto.")
    _submit(worker, "Salva")
    _flash(worker, "Erogazione registrata.")

    # Thursday: the provider sees the order in its queue (and its bell), and logs four hours.
    provider = open_page()
    login_as(provider, PROVIDER_USER)
    assert_accessible(provider, "home (provider)")
    bell = provider.locator("#rete-bell")
    expect(bell).to_be_visible()
    _click(provider, bell)
    expect(provider.locator("main")).to_contain_text(f"Nuovo ordine di servizio per {code}")
    assert_accessible(provider, "notifications (provider)")
    _home(provider)
    _from_queue(provider, "budget.new_orders", re.compile(re.escape(code)))
    expect(provider.get_by_role("heading", level=1)).to_contain_text(code)
    provider.get_by_label(re.compile(r"^Data della prestazione")).fill(TODAY.isoformat())
    provider.get_by_label(re.compile(r"^Ore o unità erogate")).fill("4")
    provider.get_by_label(re.compile(r"^Nota breve")).fill("Prima lezione in aula")
    _submit(provider, "Registra la prestazione")
    assert_accessible(provider, "order page (provider, delivery logged)")

    # Friday: the budget officer approves it from the queue.
    money = open_page()
    login_as(money, BUDGET_OFFICER)
    assert_accessible(money, "home (budget officer)")
    _from_queue(money, "budget.deliveries_to_approve", re.compile(re.escape(code)))
    _submit(money, f"Approva la prestazione del {TODAY.strftime('%d/%m/%Y')}")
    row = money.locator("tr[data-delivery]").filter(has_text="Prima lezione in aula")
    expect(row).to_contain_text("Approvata")
    expect(row).to_contain_text("4")
    # The amount is the approved hours at the price of the contract line the order was placed on (the
    # live database may hold more than one training line of this provider: read the order's own).
    service = money.locator("dt", has_text="Servizio").locator("xpath=following-sibling::dd[1]").inner_text()
    price = Decimal(re.search(r"€\s*([\d.]+,\d{2})", service).group(1).replace(".", "").replace(",", "."))
    amount = f"{price * 4:.2f}".replace(".", ",")
    expect(row).to_contain_text(f"€{NBSP}{amount}")
    assert_accessible(money, "order page (approved)")

    # The scheda analitica shows the same hours: the provider action's delivered hours are the approved ones.
    _home(worker)
    _from_queue(worker, "cases.new", code)
    _click(worker, worker.get_by_role("link", name="Apri la scheda analitica (stampabile)"))
    record = worker.get_by_role("table", name="Azioni in ordine di tempo")
    training = record.locator("tbody tr").filter(has_text="Formazione")
    hours = training.locator("td.text-end")
    expect(hours.nth(0)).to_have_text(re.compile(r"^\s*10(,0+)?\s*$"))  # planned
    expect(hours.nth(1)).to_have_text(re.compile(r"^\s*4(,0+)?\s*$"))  # delivered = the approved delivery
    totals = record.locator("tfoot td.text-end")
    expect(totals.nth(0)).to_have_text(re.compile(r"^\s*16(,0+)?\s*$"))  # 6 + 10 planned
    expect(totals.nth(1)).to_have_text(re.compile(r"^\s*10(,0+)?\s*$"))  # 6 (the node's own) + 4 approved
    expect(worker.locator("main")).not_to_contain_text(last_name)  # pseudonym only
    assert_accessible(worker, "scheda analitica")

    # The antenna reads the outcome from its queue, never the case.
    _home(page)
    _from_queue(page, "referrals.outcomes", code)
    expect(page.get_by_text("Presa in carico dal nodo")).to_be_visible()
    expect(page.locator('main a[href*="/casi/"]')).to_have_count(0)
    assert_accessible(page, "referral outcome (antenna)")

    # The DPO's home opens on its own queue (requests and security alerts), nothing of the others'.
    dpo = open_page()
    login_as(dpo, DPO)
    expect(dpo.locator('section[data-queue="people.open_requests"]')).to_be_visible()
    expect(dpo.locator('section[data-queue="referrals.to_decide"]')).to_have_count(0)
    assert_accessible(dpo, "home (DPO)")
