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
    warning = page.locator("#personal-data-warning")
    expect(warning.get_by_role("heading", name="Il messaggio non può essere pubblicato: contiene dati che identificano una persona")).to_be_visible()
    expect(warning.locator("mark")).to_have_text("RSSMRA85T10A562S")
    expect(warning.locator("input[name=confirm]")).to_have_count(0)  # nothing to tick: it cannot be published
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


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64
CASE_WORKER = "casemanager@nodo.novara.example"  # the node is a member of the cabina di regia
NOVARA_OPERATOR = "operatore@comune-novara.example"  # Comune di Novara is not


def test_attachments_and_mentions(page, open_page):
    """A reply with a refused file keeps its text; with a PDF and an @mention it publishes, and another
    organisation downloads the file."""
    login_as(page, ARONA)
    page.goto("/forum/?categoria=vita-della-rete")
    with page.expect_navigation():
        page.get_by_role("link", name="Calendario degli incontri della rete per il nuovo anno").click()
    page.get_by_label(re.compile(r"^Risposta")).fill("Proponiamo di sentire anche @cisa-24 sul calendario.")
    page.get_by_label("Allegati (facoltativi)").set_input_files(
        [{"name": "programma.exe", "mimeType": "application/pdf", "buffer": EXE}])
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica la risposta").click()
    expect(page.get_by_text("non è di un tipo ammesso").first).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Risposta"))).to_have_value("Proponiamo di sentire anche @cisa-24 sul calendario.")
    assert_accessible(page, "reply with a refused file")
    page.get_by_label("Allegati (facoltativi)").set_input_files(
        [{"name": "calendario incontri.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    with page.expect_navigation():
        page.get_by_role("button", name="Pubblica la risposta").click()
    expect(page.get_by_text("Risposta pubblicata.")).to_be_visible()
    post = page.locator(".rete-forum-post").last
    expect(post.get_by_role("link", name="@cisa-24")).to_have_attribute("href", "/rete/o/cisa-24")
    expect(post.get_by_role("link", name="calendario_incontri.pdf")).to_be_visible()
    assert_accessible(page, "thread with an attachment and a mention")

    cisa = open_page()
    login_as(cisa, CISA)
    cisa.goto(page.url)
    link = cisa.locator(".rete-forum-post").last.get_by_role("link", name="calendario_incontri.pdf")
    with cisa.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "calendario_incontri.pdf"
    with cisa.expect_navigation():
        cisa.locator(".rete-forum-post").last.get_by_role("link", name="@cisa-24").click()
    expect(cisa.get_by_role("heading", level=1, name="CISA 24 – Biandrate")).to_be_visible()


def test_cabina_di_regia_meeting_and_minutes(page, open_page, browser_log):
    """The coordinator schedules a meeting of the cabina di regia and approves its minutes with a PDF; a
    member reads them, a non-member is refused."""
    login_as(page, COORDINATOR)
    page.goto("/rete/")
    with page.expect_navigation():
        page.get_by_role("link", name="Cabina di regia e gruppi della rete").click()
    assert_accessible(page, "network groups")
    with page.expect_navigation():
        page.get_by_role("link", name="Cabina di regia", exact=True).click()
    expect(page.get_by_role("listitem").filter(has_text=re.compile("^Camera di Commercio di Novara$"))).to_be_visible()
    assert_accessible(page, "the cabina di regia")
    with page.expect_navigation():
        page.get_by_role("link", name="Nuova riunione").click()
    page.get_by_label(re.compile(r"^Luogo")).fill("Università del Piemonte Orientale, aula magna")
    page.get_by_label(re.compile(r"^Ordine del giorno")).fill("1. Borse di tirocinio\n2. Varie")
    with page.expect_navigation():
        page.get_by_role("button", name="Salva").click()
    expect(page.get_by_text("Indica la data della riunione.").first).to_be_visible()  # the rest is kept
    expect(page.get_by_label(re.compile(r"^Luogo"))).to_have_value("Università del Piemonte Orientale, aula magna")
    assert_accessible(page, "meeting form with an error")
    page.get_by_label(re.compile(r"^Data")).fill("2027-01-20")
    page.get_by_label(re.compile(r"^Ora di inizio")).fill("15:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Salva").click()
    expect(page.get_by_role("heading", level=1, name="Riunione del 20/01/2027")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Scrivi il verbale").click()
    page.get_by_label(re.compile(r"^Testo del verbale")).fill("Approvate le **borse di tirocinio** per il 2027.")
    page.get_by_label(re.compile(r"^Allegato")).set_input_files(
        [{"name": "verbale firmato.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    assert_accessible(page, "minutes form")
    with page.expect_navigation():
        page.get_by_role("button", name="Salva la bozza").click()
    expect(page.get_by_text("Bozza, visibile solo al nodo")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Approva il verbale").click()
    expect(page.locator("#minutes-approved")).to_be_visible()
    assert_accessible(page, "meeting with approved minutes")
    meeting_url = page.url

    member = open_page()
    login_as(member, CASE_WORKER)
    member.goto(meeting_url)
    expect(member.locator("#minutes-body")).to_contain_text("borse di tirocinio")
    with member.expect_download() as download:
        member.get_by_role("link", name=re.compile("Scarica l’allegato")).click()
    assert download.value.suggested_filename == "verbale_firmato.pdf"

    outsider = open_page()
    browser_log.allow(r"status of 403")  # the refusal below is the point
    login_as(outsider, NOVARA_OPERATOR)
    response = outsider.goto(meeting_url)
    assert response.status == 403
    assert "borse di tirocinio" not in outsider.content()
