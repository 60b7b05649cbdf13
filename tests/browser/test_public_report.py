"""The public report door in a phone-sized browser (390×844), with axe on every public page, and the issue's
"done when" end to end:

- the explanations (Italian, French, Chinese, Arabic right-to-left), the form empty and with errors, the
  receipt, the code page and the report's state page, in Italian and in Arabic;
- an anonymous witness reports in French from a phone, gets a code; the Novara node asks a question; the
  reporter answers with a file using the code; the node reads it, converts the report into a referral and
  takes it in charge as a case; the reporter sees it taken up; the database holds the code nowhere in clear;
- a report naming a municipality of another province (Vercelli) reaches that province's node only;
- twenty wrong codes lock the door, the right code included.

No login for the reporter; stands on the seeded demo network alone (texts unique per run).
"""
import re
import secrets

import sqlalchemy as sa
from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOVARA_COORDINATOR = "coordinatrice@nodo.novara.example"
CASE_WORKER_NAME = "Marco Bellini (demo)"
VERCELLI_COORDINATOR = "coordinamento@provincia-vercelli.example"


def _submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0].split("?")[0]


def _receipt_code(page) -> str:
    code = page.locator(".rete-receipt-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{16}", code), code
    return code


# The form's words in the two languages the tests write in (labels matched from their start).
IT = {"witness": "Ho assistito a una discriminazione", "what": r"^Che cosa è successo\?", "where": r"^In quale comune\?",
      "context": r"^In quale ambito\?", "ground": "Origine etnica", "consent": r"^Ho letto l'informativa",
      "send": "Invia la segnalazione", "sent": "Segnalazione inviata"}
FR = {"witness": "J'ai été témoin d'une discrimination", "what": r"^Que s'est-il passé", "where": r"^Dans quelle commune",
      "context": r"^Dans quel domaine", "ground": "Origine ethnique", "consent": r"^J'ai lu la notice",
      "send": "Envoyer le signalement", "sent": "Signalement envoyé"}


def _report(page, words: dict, what: str, context: str, municipality: str | None = None, kind: str | None = None) -> str:
    """Fill the open form by its labels, send it; the receipt code shown."""
    page.get_by_label(kind or words["witness"]).check()
    page.get_by_label(re.compile(words["what"])).fill(what)
    if municipality:
        page.get_by_label(re.compile(words["where"])).select_option(label=municipality)
    page.get_by_label(re.compile(words["context"])).select_option(context)
    page.get_by_label(words["ground"]).check()
    page.get_by_label(re.compile(words["consent"])).check()
    _submit(page, words["send"])
    expect(page.get_by_role("heading", level=1, name=words["sent"])).to_be_visible()
    return _receipt_code(page)


def _newest_report(node, text: str) -> str:
    """The node's newest public report (opened from its list), checked by its unique text; its path."""
    node.goto("/segnalazioni-pubbliche/")
    with node.expect_navigation():
        node.locator("tbody tr").first.get_by_role("link").click()
    expect(node.get_by_text(text)).to_be_visible()
    return _path(node)


def test_public_report_pages_are_accessible_on_a_phone(open_page, live_server, browser_log, monkeypatch):
    browser_log.allow(r"status of 404")  # the door's own 404 page is one of the pages checked
    monkeypatch.setitem(live_server.app.config, "PUBLIC_REPORT_MIN_SECONDS", 0)  # a robot types fast
    page = open_page(viewport=PHONE)
    page.goto("/accesso")
    with page.expect_navigation():
        page.get_by_role("link", name="Segnala una discriminazione").click()
    expect(page.get_by_role("heading", level=1, name="Segnala una discriminazione")).to_be_visible()
    assert_accessible(page, "public report page (it)")
    for lang, heading in (("fr", "Signaler une discrimination"), ("zh", "举报歧视"), ("ar", "الإبلاغ عن تمييز")):
        page.goto(f"/segnala?lingua={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert_accessible(page, f"public report page ({lang})")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto("/segnala/modulo")  # still Arabic: the choice is kept
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page, "public report form (ar)")

    page.goto("/segnala/pagina-che-non-esiste")  # an error page of the door: still Arabic, back to the door
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1, name="الصفحة غير موجودة")).to_be_visible()
    expect(page.locator("#main-container").get_by_role("link", name="الذهاب إلى الصفحة الرئيسية")).to_have_attribute(
        "href", "/segnala")
    assert_accessible(page, "public 404 page (ar)")

    page.goto("/segnala/modulo?lingua=it")
    assert_accessible(page, "public report form (it)")
    # A photo past the limit is named as soon as it is chosen, and the form is not sent with it.
    files = page.get_by_label(re.compile(r"^Documenti o foto"))
    files.set_input_files([{"name": "video.png", "mimeType": "image/png", "buffer": b"\x89PNG" + bytes(6 << 20)}])
    too_big = page.get_by_text("«video.png»: Il file supera la dimensione massima di 5 MB.")
    expect(too_big).to_be_visible()
    expect(files).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "public report form, a file too big")
    page.get_by_role("button", name="Invia la segnalazione", exact=True).click()
    expect(files).to_be_focused()
    assert _path(page) == "/segnala/modulo"
    files.set_input_files([])
    expect(too_big).to_be_hidden()
    _submit(page, "Invia la segnalazione")
    expect(page.get_by_text("Racconta che cosa è successo.").first).to_be_visible()
    assert_accessible(page, "public report form with errors")

    code = _report(page, IT, "Prova dal browser: un annuncio di lavoro escludeva gli stranieri.", "work")
    assert_accessible(page, "receipt page")

    with page.expect_navigation():
        page.get_by_role("link", name="Segui la segnalazione").click()
    assert_accessible(page, "receipt code page")
    page.get_by_label(re.compile(r"^Codice ricevuta")).fill(code)
    _submit(page, "Apri la segnalazione")
    expect(page.get_by_text("Ricevuta, in attesa di esame")).to_be_visible()
    assert "segue" in page.url and code not in page.url
    assert_accessible(page, "report state page")
    page.goto("/segnala/segue/stato?lingua=ar")  # the state page and the code page right-to-left too
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # No sideways scrolling: the browser's start margin of a <dd> falls on the right there (it did, by 40 px).
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert_accessible(page, "report state page (ar)")
    page.goto("/segnala/segue")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page, "receipt code page (ar)")


def _nowhere_in_the_database(url: str, code: str) -> None:
    """No column of any table holds the receipt code, whole or grouped as it is shown."""
    grouped = " ".join(code[i:i + 4] for i in range(0, 16, 4))
    engine = sa.create_engine(url)
    found = []
    try:
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings():
                    found += [f"{table}.{column}" for column, value in row.items()
                              if value is not None and (code in str(value) or grouped in str(value))]
    finally:
        engine.dispose()
    assert not found, found


def test_a_witness_reports_in_french_and_the_node_takes_it_to_a_case(open_page, live_server, live_database,
                                                                     monkeypatch):
    monkeypatch.setitem(live_server.app.config, "PUBLIC_REPORT_MIN_SECONDS", 0)
    marker = f"TEMOIN-{secrets.token_hex(4)}"
    reporter = open_page(viewport=PHONE)

    # 1. An anonymous witness, in French, on a phone: a report without any name, and its receipt code.
    reporter.goto("/segnala/modulo?lingua=fr")
    expect(reporter.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(reporter, "public report form (fr)")
    code = _report(reporter, FR, f"Dans un bus, le contrôleur a insulté une femme voilée et l'a fait descendre. {marker}",
                   "services", municipality="Novara (NO)")
    assert_accessible(reporter, "receipt page (fr)")
    _nowhere_in_the_database(live_database.owner_url, code)

    # 2. The Novara node reads it and asks a question.
    node = open_page()
    login_as(node, NOVARA_COORDINATOR)
    report_path = _newest_report(node, marker)
    node.get_by_role("textbox", name="Messaggio per chi ha segnalato", exact=True).fill("Sa dirci la linea e l'ora del bus?")
    _submit(node, "Invia il messaggio")
    expect(node.get_by_text("Sa dirci la linea e l'ora del bus?")).to_be_visible()
    assert_accessible(node, "public report (node)")

    # 3. The reporter opens it with the code and answers with a file.
    reporter.goto("/segnala/segue")
    assert_accessible(reporter, "receipt code page (fr)")
    reporter.get_by_label(re.compile(r"^Code de reçu")).fill(code)
    _submit(reporter, "Ouvrir le signalement")
    expect(reporter.get_by_text("Sa dirci la linea e l'ora del bus?")).to_be_visible()
    expect(reporter.locator("#report-state")).to_have_text("Le nœud vous a demandé d'autres informations")
    assert_accessible(reporter, "report state page with a question (fr)")
    reporter.get_by_label(re.compile(r"^Votre message")).fill("Ligne 4, vers 8 h 15. Voici la photo du ticket.")
    reporter.get_by_label(re.compile(r"^Joindre un fichier")).set_input_files(
        {"name": "ticket.pdf", "mimeType": "application/pdf", "buffer": PDF})
    _submit(reporter, "Envoyer le message")
    expect(reporter.get_by_text("Message envoyé.")).to_be_visible()
    # Kept under a neutral name: a file's name can name someone, and file names are stored in clear.
    expect(reporter.get_by_role("link", name="allegato-1.pdf")).to_be_visible()
    assert_accessible(reporter, "report state page after the answer (fr)")

    # 4. The node reads the answer and its file, converts the report and takes the referral in charge.
    node.goto(report_path)
    expect(node.get_by_text("Ligne 4, vers 8 h 15.")).to_be_visible()
    with node.expect_download() as download:
        node.get_by_role("link", name="allegato-1.pdf").click()
    assert download.value.suggested_filename == "allegato-1.pdf"
    _submit(node, "Converti in segnalazione")
    assert re.fullmatch(r"/segnalazioni/\d+", _path(node)), node.url
    # A witness's consent is not the person's: the node records a legal basis before taking in charge.
    node.get_by_role("tab", name="Base giuridica").click()
    node.get_by_label("Base giuridica del trattamento").select_option(label="Interesse pubblico rilevante (art. 9.2.g GDPR)")
    _submit(node, "Registra la base giuridica")
    node.get_by_role("tab", name="Prendi in carico").click()
    node.get_by_label(re.compile(r"^Case manager")).select_option(label=CASE_WORKER_NAME)
    _submit(node, "Prendi in carico")
    expect(node.locator(".badge").filter(has_text="Presa in carico")).to_be_visible()
    with node.expect_navigation():
        node.get_by_role("link", name="Vai alla presa in carico").click()
    assert re.fullmatch(r"/casi/\d+", _path(node)), node.url

    # 5. The reporter sees it taken up; nothing more can be written there.
    reporter.goto("/segnala/segue/stato")
    expect(reporter.locator("#report-state")).to_have_text("Pris en charge par le nœud comme dossier")
    expect(reporter.get_by_role("button", name="Envoyer le message")).to_have_count(0)
    assert_accessible(reporter, "report state page, taken up (fr)")
    _nowhere_in_the_database(live_database.owner_url, code)


def test_a_report_from_another_province_reaches_that_node_only(open_page, live_server, browser_log, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "PUBLIC_REPORT_MIN_SECONDS", 0)
    browser_log.allow(r"status of 404")  # Novara asking for Vercelli's report is the point
    marker = f"VERCELLI-{secrets.token_hex(4)}"
    reporter = open_page(viewport=PHONE)
    reporter.goto("/segnala/modulo?lingua=it")
    _report(reporter, IT, f"Non mi hanno affittato la casa. {marker}", "housing", municipality="Vercelli (VC)",
            kind="Ho subito io la discriminazione")
    expect(reporter.get_by_text("nodo provinciale di riferimento")).to_have_count(0)  # a node of its own province

    vercelli = open_page()
    login_as(vercelli, VERCELLI_COORDINATOR)
    report_path = _newest_report(vercelli, marker)

    novara = open_page()
    login_as(novara, NOVARA_COORDINATOR)
    novara.goto("/segnalazioni-pubbliche/?stato=new")
    expect(novara.locator(f'a[href="{report_path}"]')).to_have_count(0)
    response = novara.goto(report_path)
    assert response.status == 404
    expect(novara.get_by_text(marker)).to_have_count(0)


def test_twenty_wrong_codes_lock_the_door(open_page, browser_log):
    from portal.extensions import limiter

    browser_log.allow(r"status of 4(00|29)")  # the refusals are the point
    page = open_page(viewport=PHONE)
    try:
        for attempt in range(20):
            page.goto("/segnala/segue")
            page.get_by_label(re.compile(r"^Codice ricevuta")).fill(f"{secrets.randbelow(10 ** 16):016d}")
            _submit(page, "Apri la segnalazione")
            expect(page.get_by_text("Il codice non corrisponde a nessuna segnalazione.").first).to_be_visible()
            if attempt == 0:
                assert_accessible(page, "receipt code page with a wrong code")
        page.goto("/segnala/segue")
        page.get_by_label(re.compile(r"^Codice ricevuta")).fill("1234 5678 1234 5678")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Apri la segnalazione", exact=True).click()
        assert navigation.value.status == 429
        expect(page.get_by_role("heading", level=1)).to_contain_text("Troppi tentativi")
        assert_accessible(page, "receipt code locked out")
    finally:
        limiter.reset()  # the live server's counters: the other tests open codes from the same address
