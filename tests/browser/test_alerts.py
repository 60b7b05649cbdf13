"""Alerts in a browser with axe: on the demo data the coordinator opens an overdue-referral alert,
follows it to the referral, acknowledges and resolves it; a user reading many identities in a short
time raises a security alert that the data protection officer sees on the home page and in the list.

Stands on the seeded demo network alone (the alerts seeder opens overdue-referral alerts).
"""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.people.models import Person
from portal.referrals.models import Referral, ReferralState
from portal.tenancy import context
from portal.tenancy.models import Tenant

from .conftest import assert_accessible, login_as

COORDINATOR = "coordinatrice@nodo.novara.example"
DPO = "rpd@nodo.novara.example"


def test_coordinator_handles_an_overdue_referral_alert(page):
    login_as(page, COORDINATOR)
    expect(page.get_by_role("heading", name="Allerte da gestire")).to_be_visible()
    assert_accessible(page, "home with alerts")
    navigation = page.get_by_role("navigation", name="Navigazione principale")
    navigation.locator("summary", has_text="Lavoro").click()  # the menu's group (a <details>)
    navigation.get_by_role("link", name="Allerte", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Allerte")).to_be_visible()
    page.get_by_label("Regola").select_option("referral_undecided")
    page.get_by_label("Stato").select_option("open")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtra").click()
    assert_accessible(page, "alert list filtered")
    page.locator("tbody tr th a").first.click()
    expect(page.get_by_role("heading", level=1, name="Segnalazione senza decisione")).to_be_visible()
    expect(page.locator("#alert-state")).to_have_text("Aperta")
    assert_accessible(page, "alert page")
    alert_url = page.url

    page.get_by_role("link", name=re.compile(r"^Apri la segnalazione")).click()
    expect(page).to_have_url(re.compile(r"/segnalazioni/\d+$"))
    page.goto(alert_url)

    with page.expect_navigation():
        page.get_by_role("button", name="Prendi in visione").click()
    expect(page.locator("#alert-state")).to_have_text("Presa in visione")
    with page.expect_navigation():
        page.get_by_role("button", name="Segna come risolta").click()
    expect(page.get_by_text("Scrivi come è stata risolta la situazione.").first).to_be_visible()
    assert_accessible(page, "resolve without a note")
    page.get_by_label(re.compile(r"^Come è stata risolta")).fill("Sollecitata la decisione in riunione d'équipe")
    with page.expect_navigation():
        page.get_by_role("button", name="Segna come risolta").click()
    expect(page.locator("#alert-state")).to_have_text("Risolta")
    expect(page.locator("#alert-note")).to_have_text("Sollecitata la decisione in riunione d'équipe")
    assert_accessible(page, "resolved alert")


def _people_sent_to_the_node(app) -> list[int]:
    with app.app_context():
        with context.system("browser test"):
            node_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "provincia-novara"))
        with context.acting_as(node_id):
            ids = list(db.session.scalars(
                select(Person.id).join(Referral, Referral.person_id == Person.id)
                .where(Referral.state != ReferralState.DRAFT).distinct().order_by(Person.id)
            ))
        db.session.remove()
    return ids


def test_reading_many_identities_fast_alerts_the_dpo(page, open_page, live_server):
    people = _people_sent_to_the_node(live_server.app)
    assert len(people) >= 21, "the demo network has fewer people than the default threshold"
    login_as(page, COORDINATOR)
    for person_id in people[:21]:
        response = page.goto(f"/persone/{person_id}/identita")
        assert response.status == 200
    dpo = open_page()
    login_as(dpo, DPO)
    expect(dpo.get_by_role("heading", name="Allerte di sicurezza da esaminare")).to_be_visible()
    dpo.get_by_role("link", name=re.compile(r"Accessi insoliti alle identità")).first.click()
    expect(dpo.get_by_role("heading", level=1, name="Accessi insoliti alle identità")).to_be_visible()
    expect(dpo.get_by_text(re.compile(r"soglia 20"))).to_be_visible()
    assert_accessible(dpo, "security alert")
    dpo.goto("/allerte/sicurezza")
    expect(dpo.locator("tbody tr").first).to_be_visible()
    assert_accessible(dpo, "security alert list")
