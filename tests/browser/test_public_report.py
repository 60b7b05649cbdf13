"""The public report door in a phone-sized browser (390×844), checked with axe on every page: the
explanations (Italian, French, Chinese and Arabic right-to-left), the form empty and with errors, the
receipt, the code page and the report's state page. No login; stands on the seeded demo node alone."""
import re

from playwright.sync_api import expect

from .conftest import assert_accessible

PHONE = {"width": 390, "height": 844}


def test_public_report_pages_are_accessible_on_a_phone(open_page, live_server, monkeypatch):
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

    page.goto("/segnala/modulo?lingua=it")
    assert_accessible(page, "public report form (it)")
    with page.expect_navigation():
        page.get_by_role("button", name="Invia la segnalazione").click()
    expect(page.get_by_text("Racconta che cosa è successo.").first).to_be_visible()
    assert_accessible(page, "public report form with errors")

    page.get_by_label("Ho assistito a una discriminazione").check()
    page.get_by_label(re.compile(r"^Che cosa è successo\?")).fill("Prova dal browser: un annuncio di lavoro escludeva gli stranieri.")
    page.get_by_label(re.compile(r"^In quale ambito\?")).select_option("work")
    page.get_by_label("Origine etnica").check()
    page.get_by_label(re.compile(r"^Ho letto l'informativa")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Invia la segnalazione").click()
    expect(page.get_by_role("heading", level=1, name="Segnalazione inviata")).to_be_visible()
    code = page.locator(".rete-receipt-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{16}", code)
    assert_accessible(page, "receipt page")

    with page.expect_navigation():
        page.get_by_role("link", name="Segui la segnalazione").click()
    assert_accessible(page, "receipt code page")
    page.get_by_label(re.compile(r"^Codice ricevuta")).fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Apri la segnalazione").click()
    expect(page.get_by_text("Ricevuta, in attesa di esame")).to_be_visible()
    assert "segue" in page.url and code not in page.url
    assert_accessible(page, "report state page")
