"""End to end in a browser: a case moves from the Novara node to the Vercelli node of the same region.

An antenna of Novara refers a person, Novara's coordinator takes them in charge and the case worker writes
in the diary → Novara's coordinator proposes the transfer to Vercelli, sharing that note → Vercelli's
coordinator finds it in "Trasferimenti in arrivo" on the home page, reads summary and pathway and accepts,
choosing the case worker → Vercelli's case worker continues the case (a diary entry, an action) → Novara
reads the history, read-only, "trasferito a … il dd/mm/yyyy".

Every distinct page on the way is checked with axe. Stands on the seeded demo network alone.
"""
import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as
from .test_pathway_flow import (
    CASE_WORKER,
    CASE_WORKER_NAME,
    COORDINATOR,
    OPERATOR,
    _flash,
    _path,
    _plan_action,
    _refer,
    _submit,
)

VERCELLI = "Provincia di Vercelli – Nodo territoriale contro le discriminazioni"
VERCELLI_COORDINATOR = "coordinatrice@provincia-vercelli.example"
VERCELLI_CASE_WORKER = "operatore@provincia-vercelli.example"
VERCELLI_CASE_WORKER_NAME = "Paolo Sesia (demo)"


def _take_in_charge(page, referral_path: str) -> str:
    """Novara's coordinator accepts the referral with its case worker; the case page's path."""
    page.goto(referral_path)
    page.get_by_label(re.compile(r"^Case manager")).select_option(label=CASE_WORKER_NAME)
    _submit(page, "Prendi in carico")
    with page.expect_navigation():
        page.get_by_role("link", name="Vai alla presa in carico").click()
    return _path(page)


def _write_diary(page, case_path: str, text: str) -> None:
    page.goto(case_path)
    page.get_by_label(re.compile(r"^Nota")).fill(text)
    _submit(page, "Aggiungi al diario")
    _flash(page, "Nota aggiunta al diario.")


def test_case_moves_from_novara_to_vercelli(page, open_page):
    last_name = f"Trasferita{secrets.token_hex(4)}"
    shared_note = f"Preferisce i colloqui al mattino ({last_name})."
    internal_note = f"Nota interna di Novara ({last_name})."

    # 1. Novara: the referral, the case, two diary notes.
    login_as(page, OPERATOR)
    code, referral_path = _refer(page, last_name)
    novara = open_page()
    login_as(novara, COORDINATOR)
    case_path = _take_in_charge(novara, referral_path)
    worker = open_page()
    login_as(worker, CASE_WORKER)
    _write_diary(worker, case_path, shared_note)
    _write_diary(worker, case_path, internal_note)

    # 2. Novara's coordinator proposes the transfer, sharing one note.
    novara.goto(case_path)
    with novara.expect_navigation():
        novara.get_by_role("link", name="Trasferisci a un altro nodo").click()
    expect(novara.get_by_role("heading", level=1, name="Trasferisci il caso a un altro nodo")).to_be_visible()
    assert_accessible(novara, "transfer proposal form")
    _submit(novara, "Proponi il trasferimento")  # nothing chosen: errors, nothing sent
    expect(novara.get_by_text("Scegli il nodo che riceve il caso.").first).to_be_visible()
    novara.get_by_label(re.compile(r"^Nodo che riceve il caso")).select_option(label=VERCELLI)
    novara.get_by_label(re.compile(r"^Motivo del trasferimento")).fill("La persona si è trasferita a Vercelli.")
    novara.locator("fieldset", has_text="Note del diario da condividere").get_by_role("checkbox").first.check()
    _submit(novara, "Proponi il trasferimento")
    _flash(novara, "Trasferimento proposto")
    transfer_path = _path(novara)
    assert re.fullmatch(r"/casi/trasferimenti/\d+", transfer_path), transfer_path
    assert_accessible(novara, "transfer page (sender, pending)")
    novara.goto(case_path)
    expect(novara.locator("#trasferimento")).to_contain_text("sola lettura")
    expect(novara.get_by_role("link", name="Pianifica un'azione")).to_have_count(0)

    # 3. Vercelli's coordinator: the home queue, the page, the answer.
    vercelli = open_page()
    login_as(vercelli, VERCELLI_COORDINATOR)
    vercelli.goto("/")
    queue = vercelli.locator('[data-queue="cases.transfers_in"]')
    expect(queue.get_by_role("link", name=code)).to_be_visible()
    assert_accessible(vercelli, "home with incoming transfers (Vercelli coordinator)")
    vercelli.goto("/casi/trasferimenti")
    assert_accessible(vercelli, "transfer list (receiver)")
    with vercelli.expect_navigation():
        vercelli.locator("main").get_by_role("link", name=code).click()
    expect(vercelli.get_by_text(shared_note)).to_be_visible()
    expect(vercelli.get_by_text(internal_note)).to_have_count(0)
    expect(vercelli.get_by_text(last_name, exact=False)).to_have_count(1)  # the note only: identity on request
    assert_accessible(vercelli, "transfer page (receiver, to answer)")
    vercelli.get_by_label(re.compile(r"^Operatore/operatrice del caso")).select_option(label=VERCELLI_CASE_WORKER_NAME)
    _submit(vercelli, "Accogli il trasferimento")
    _flash(vercelli, "Trasferimento accolto")
    new_case_path = _path(vercelli)
    assert re.fullmatch(r"/casi/\d+", new_case_path) and new_case_path != case_path
    new_code = re.search(r"Caso (\S+)", vercelli.get_by_role("heading", level=1).inner_text()).group(1)
    assert new_code.startswith("VC-") and new_code != code
    expect(vercelli.get_by_role("link", name="Storia presso il nodo precedente")).to_be_visible()
    assert_accessible(vercelli, "case page (receiver, just transferred)")

    # 4. Vercelli's case worker continues the case.
    continuing = open_page()
    login_as(continuing, VERCELLI_CASE_WORKER)
    _write_diary(continuing, new_case_path, "Primo colloquio a Vercelli.")
    _plan_action(continuing, new_case_path, service="Orientamento", phase="Fase propedeutica", provider=None, hours="4")
    expect(continuing.get_by_role("table", name="Azioni del percorso in ordine di tempo").locator("tbody tr")).to_have_count(1)
    assert_accessible(continuing, "case page (receiver's case worker)")

    # 5. Novara reads the history, read-only.
    novara.goto(case_path)
    # The page writes the moment of the transfer as a day in Rome (from 23:00 UTC, tomorrow's date in UTC terms).
    today = datetime.now(ZoneInfo("Europe/Rome")).strftime("%d/%m/%Y")
    expect(novara.locator("#trasferimento")).to_contain_text(f"Trasferito a {VERCELLI} il {today}")
    expect(novara.get_by_text(internal_note)).to_be_visible()
    expect(novara.get_by_role("button", name="Aggiungi al diario")).to_have_count(0)
    expect(novara.get_by_role("link", name="Trasferisci a un altro nodo")).to_have_count(0)
    assert_accessible(novara, "case page (sender, transferred)")
    novara.goto(transfer_path)
    expect(novara.locator(".badge").filter(has_text="Accolto")).to_be_visible()
    assert_accessible(novara, "transfer page (sender, accepted)")
    # The antenna learns the outcome as a code.
    page.goto(referral_path)
    expect(page.get_by_text("Caso trasferito a un altro nodo della regione")).to_be_visible()
