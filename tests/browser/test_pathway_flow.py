"""End to end in a browser: from the antenna's referral to phase 2 of the case.

An antenna operator (Comune di Novara) refers a person with consent → the node asks for information →
the antenna answers and sends it again → the node's coordinator accepts it, choosing the case worker →
the case worker plans three actions and records them → records the job-insertion outcome (phase 1) →
starts phase 2, where the 6-month follow-up is refused before its window opens → the antenna sees the status and outcome summary on its
referral, never the case → another antenna (Comune di Arona) sees nothing of it.

Every distinct page on the way is checked with axe. Stands on the seeded demo network alone; the person's
name is unique per run, because the live database keeps what earlier tests committed.
"""
import re
import secrets
from datetime import date

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

OPERATOR = "operatore@comune-novara.example"
COORDINATOR = "coordinatrice@nodo.novara.example"
CASE_WORKER = "casemanager@nodo.novara.example"
CASE_WORKER_NAME = "Marco Bellini (demo)"
OTHER_ANTENNA = "operatrice@comune-arona.example"
TODAY = date.today().isoformat()


def _path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def _submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _flash(page, text: str) -> None:
    expect(page.locator(".alert-success").filter(has_text=text)).to_be_visible()


def _refer(page, last_name: str) -> tuple[str, str]:
    """The antenna fills the real new-referral form by its labels and sends it; (pseudonym, referral path)."""
    page.goto("/segnalazioni/nuova")
    expect(page.get_by_role("heading", level=1, name="Nuova segnalazione")).to_be_visible()
    assert_accessible(page, "new referral form")
    page.get_by_label(re.compile(r"^Nome")).fill("Percorsa")
    page.get_by_label(re.compile(r"^Cognome")).fill(last_name)
    page.get_by_label(re.compile(r"^Anno di nascita")).fill("1988")
    page.get_by_role("combobox", name="Genere").select_option("female")
    page.get_by_label(re.compile(r"^Condizione occupazionale")).select_option("long_term_unemployed")
    page.get_by_label("Origine etnica").check()
    page.get_by_label("Religione o convinzioni personali").check()
    page.get_by_label(re.compile(r"^Ambito")).select_option("work")
    page.get_by_label("La situazione").fill("Esclusa da una selezione dopo il colloquio per il velo (prova nel browser).")
    page.get_by_label("Bisogni della persona").fill("Orientamento e sostegno nella ricerca di lavoro.")
    page.get_by_label("La persona ha ricevuto l'informativa sulla privacy e ha dato il consenso").check()
    page.get_by_label("Versione dell'informativa").fill("2026-01")
    page.get_by_label("Data del consenso").fill(TODAY)
    _submit(page, "Invia al nodo")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Segnalazione")
    code = re.search(r"Segnalazione (\S+)", heading.inner_text()).group(1)
    _flash(page, f"Segnalazione {code} inviata al nodo.")
    expect(page.locator(".badge").filter(has_text="Inviata al nodo")).to_be_visible()
    assert_accessible(page, "referral page (antenna, submitted)")
    return code, _path(page)


def _plan_action(page, case_path: str, *, service: str, phase: str, provider: str | None, hours: str) -> None:
    page.goto(case_path)
    with page.expect_navigation():
        page.get_by_role("link", name="Pianifica un'azione").click()
    page.get_by_label(re.compile(r"^Tipo di servizio")).select_option(label=service)
    page.get_by_label(re.compile(r"^Fase del percorso")).select_option(label=phase)
    if provider:
        page.get_by_label(re.compile(r"^Soggetto attuatore")).select_option(label=provider)
    page.get_by_label(re.compile(r"^Inizio previsto")).fill(TODAY)
    page.get_by_label(re.compile(r"^Ore previste")).fill(hours)
    page.get_by_label("Note per l'erogazione").fill("Incontri in sede, mattina.")
    _submit(page, "Salva")
    _flash(page, "Azione pianificata.")


def _record_action(page, service: str, hours: str, outcome: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=f"Registra {service}").click()
    expect(page.get_by_role("heading", level=1, name="Registra l'erogazione")).to_be_visible()
    page.get_by_label(re.compile(r"^Stato")).select_option(label="Conclusa")
    page.get_by_label(re.compile(r"^Ore erogate")).fill(hours)
    page.get_by_label(re.compile(r"^Data dell'ultima erogazione")).fill(TODAY)
    page.get_by_label(re.compile(r"^Esito")).fill(outcome)
    _submit(page, "Salva")
    _flash(page, "Erogazione registrata.")


def test_referral_to_six_month_follow_up(page, open_page, browser_log):
    last_name = f"Percorso{secrets.token_hex(4)}"

    # 1. The antenna refers the person, with consent.
    login_as(page, OPERATOR)
    code, referral_path = _refer(page, last_name)

    # 2. The node asks for more information.
    node = open_page()
    login_as(node, COORDINATOR)
    node.goto("/segnalazioni/")
    expect(node.get_by_role("link", name=code)).to_be_visible()
    assert_accessible(node, "referral inbox (node)")
    node.goto(referral_path)
    expect(node.get_by_text(last_name)).to_have_count(0)  # identity only on request
    assert_accessible(node, "referral page with decisions (node)")
    node.get_by_role("tab", name="Chiedi informazioni all'antenna").click()  # the decisions are tabs
    node.get_by_label("Quali informazioni servono").fill("Serve una copia della lettera di esclusione.")
    _submit(node, "Chiedi informazioni all'antenna")
    expect(node.locator(".badge").filter(has_text="Richieste informazioni")).to_be_visible()

    # 3. The antenna answers: edits the referral and sends it again with a message.
    page.goto(referral_path)
    expect(page.get_by_text("Serve una copia della lettera di esclusione.")).to_be_visible()
    assert_accessible(page, "referral page (antenna, information requested)")
    with page.expect_navigation():
        page.get_by_role("link", name="Modifica la segnalazione").click()
    expect(page.get_by_label(re.compile(r"^Cognome"))).to_have_value(last_name)
    assert_accessible(page, "edit referral form (information requested)")
    page.get_by_label("Risposta per il nodo").fill("La lettera è allegata alla segnalazione cartacea: protocollo 42.")
    _submit(page, "Salva e invia di nuovo al nodo")
    expect(page.locator(".badge").filter(has_text="Inviata al nodo")).to_be_visible()

    # 4. The node accepts, choosing the case worker; the case opens.
    node.goto(referral_path)
    expect(node.get_by_text("La lettera è allegata alla segnalazione cartacea: protocollo 42.")).to_be_visible()
    node.get_by_label(re.compile(r"^Case manager")).select_option(label=CASE_WORKER_NAME)
    node.get_by_label("Messaggio per l'antenna (facoltativo)").fill("Presa in carico, la contatteremo a breve.")
    _submit(node, "Prendi in carico")
    expect(node.locator(".badge").filter(has_text="Presa in carico")).to_be_visible()
    assert_accessible(node, "referral page (node, accepted)")
    with node.expect_navigation():
        node.get_by_role("link", name="Vai alla presa in carico").click()
    case_path = _path(node)
    assert re.fullmatch(r"/casi/\d+", case_path), case_path
    expect(node.get_by_role("heading", level=1)).to_contain_text(code)
    # The person page is one link away for who may see it (regression: it was not linked).
    expect(node.get_by_role("link", name=re.compile("scheda della persona", re.I))).to_be_visible()

    # 5. The case worker plans three actions and records what was delivered.
    worker = open_page()
    login_as(worker, CASE_WORKER)
    worker.goto("/casi/")
    expect(worker.get_by_role("link", name=code)).to_be_visible()
    # Idle, the filters' "updating" text is hidden from screen readers too, not only made transparent.
    expect(worker.locator("#case-loading")).to_be_hidden()
    assert_accessible(worker, "case list")
    # On a phone the filters fold under a summary, so the list comes first; opened, they still filter.
    worker.set_viewport_size({"width": 390, "height": 844})
    worker.reload()
    filters = worker.locator("details.rete-more-filters")
    expect(filters).not_to_have_attribute("open", "")
    assert worker.get_by_role("link", name=code).bounding_box()["y"] < 844
    filters.locator("summary").click()
    worker.get_by_label("Stato").select_option(label="Chiuso")
    expect(worker.get_by_role("link", name=code)).to_have_count(0)
    expect(filters.locator("summary")).to_have_text("Filtri (1 attivo)")
    worker.set_viewport_size({"width": 1366, "height": 768})
    expect(filters).to_have_attribute("open", "")
    worker.goto(case_path)
    expect(worker.locator("main").get_by_text(CASE_WORKER_NAME)).to_be_visible()
    assert_accessible(worker, "case page (open, no actions)")
    worker.get_by_role("link", name="Pianifica un'azione").click()
    expect(worker.get_by_role("heading", level=1, name="Pianifica un'azione")).to_be_visible()
    assert_accessible(worker, "plan action form")
    actions = [
        ("Orientamento", "Fase propedeutica", None, "6", "6", "Bilancio delle competenze fatto."),
        # Hours are typed only for actions the node delivers itself; a provider's come from its approved
        # deliveries (tests/browser/test_working_week.py walks that side).
        ("Formazione", "Inserimento lavorativo (fase 1)", None, "20", "18,5", "Corso concluso con attestato."),
        ("Incontro domanda/offerta", "Inserimento lavorativo (fase 1)", None, "8", "8", "Tre colloqui svolti."),
    ]
    for service, phase, provider, planned, _delivered, _outcome in actions:
        _plan_action(worker, case_path, service=service, phase=phase, provider=provider, hours=planned)
    table = worker.get_by_role("table", name="Azioni del percorso in ordine di tempo")
    expect(table.locator("tbody tr")).to_have_count(3)
    for service, _phase, _provider, _planned, delivered, outcome in actions:
        _record_action(worker, service, delivered, outcome)
    expect(table.locator("tbody tr").filter(has_text="Conclusa")).to_have_count(3)
    expect(table).to_contain_text("18,5")
    # One record form checked with axe (they are the same template).
    worker.get_by_role("link", name="Registra Orientamento").click()
    expect(worker.get_by_label(re.compile(r"^Ore erogate"))).to_have_value("6")
    assert_accessible(worker, "record action form")
    worker.goto(case_path)

    # 6. Phase 1: the job-insertion outcome.
    _submit(worker, "Avvia la fase 1 (inserimento lavorativo)")
    _flash(worker, "Stato del caso aggiornato")
    with worker.expect_navigation():
        worker.get_by_role("link", name="Registra l'esito della fase 1").click()
    assert_accessible(worker, "job outcome form")
    worker.get_by_label("Assunta/o").check()
    worker.get_by_label(re.compile(r"^Tipo di contratto")).select_option(label="Tempo determinato")
    worker.get_by_label(re.compile(r"^Ore settimanali")).fill("30")
    worker.get_by_label(re.compile(r"^Settore")).fill("Logistica")
    worker.get_by_label(re.compile(r"^Data di inizio")).fill(TODAY)
    worker.get_by_label(re.compile(r"^Documentazione a riprova")).fill("Comunicazione obbligatoria")
    worker.get_by_label(re.compile(r"^Data della verifica")).fill(TODAY)
    _submit(worker, "Salva")
    _flash(worker, "Esito della fase 1 registrato.")
    expect(worker.locator("#verifiche")).to_contain_text("Tempo determinato")

    # 7. Phase 2: the follow-ups are planned; the 6-month one is recorded.
    _submit(worker, "Avvia la fase 2 (follow-up a 3, 6 e 12 mesi)")
    _flash(worker, "Fase 2")
    follow_ups = worker.get_by_role("table", name="Follow-up a 3, 6 e 12 mesi")
    expect(follow_ups.locator("tbody tr")).to_have_count(3)
    assert_accessible(worker, "case page (phase 2)")
    with worker.expect_navigation():
        worker.get_by_role("link", name="Registra il follow-up a 6 mesi").click()
    expect(worker.get_by_role("heading", level=1, name="Follow-up a 6 mesi")).to_be_visible()
    assert_accessible(worker, "follow-up form")
    # A 6-month follow-up cannot be recorded today: its window opens shortly before it is due.
    worker.get_by_label(re.compile(r"^Data della verifica")).fill(TODAY)
    worker.get_by_label("Sì").check()
    _submit(worker, "Salva")
    expect(worker.locator("#done_on-error")).to_contain_text("Il follow-up a 6 mesi si registra dal")
    assert_accessible(worker, "follow-up form refused (too early)")
    worker.goto(case_path)

    # 8. The analytical record: every action in time order, totals, verifications.
    with worker.expect_navigation():
        worker.get_by_role("link", name="Apri la scheda analitica (stampabile)").click()
    expect(worker.get_by_role("heading", level=1)).to_contain_text(code)
    record_actions = worker.get_by_role("table", name="Azioni in ordine di tempo")
    expect(record_actions.locator("tbody tr")).to_have_count(3)
    expect(record_actions.locator("tfoot")).to_contain_text("34")  # 6 + 20 + 8 planned
    expect(record_actions.locator("tfoot")).to_contain_text("32,5")  # 6 + 18,5 + 8 delivered
    expect(worker.get_by_role("table", name="Verifiche dei risultati per data")).to_contain_text("Tempo determinato")
    expect(worker.locator("main")).not_to_contain_text(last_name)  # pseudonym only
    assert_accessible(worker, "analytical record (scheda analitica)")

    # 9. The antenna sees the status and outcome summary on its referral, never the case.
    page.goto(referral_path)
    expect(page.locator(".badge").filter(has_text="Presa in carico")).to_be_visible()
    expect(page.get_by_text("Presa in carico – fase 2: inclusione socio-lavorativa")).to_be_visible()
    expect(page.get_by_text("Presa in carico, la contatteremo a breve.")).to_be_visible()
    expect(page.locator('main a[href*="/casi/"]')).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Tempo determinato")
    assert_accessible(page, "referral page (antenna, accepted, phase 2)")
    page.goto("/segnalazioni/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=code))
    expect(row).to_contain_text("Presa in carico")
    assert_accessible(page, "referral list (antenna)")

    # 10. Another antenna sees nothing of it: not in its list, 404 on the referral's address.
    other = open_page()
    login_as(other, OTHER_ANTENNA)
    other.goto("/segnalazioni/")
    expect(other.get_by_role("heading", level=1)).to_be_visible()
    expect(other.get_by_role("link", name=code)).to_have_count(0)
    expect(other.locator("main")).not_to_contain_text(code)
    browser_log.allow(r"status of 40[34]")
    response = other.goto(referral_path)
    assert response is not None and response.status == 404
    expect(other.locator("main")).not_to_contain_text(code)
    assert_accessible(other, "not found page (another antenna)")
    response = other.goto(case_path)
    assert response is not None and response.status in (403, 404)
