"""Monitoring in a browser with axe, on the seeded demo network: the coordinator sees the node's dashboard
(charts drawn by Chart.js under the strict CSP, tables always there); an antenna's dashboard shows its own
numbers only; the open-data export of a closed quarter hides every cell under 5 people.

Stands on the seeded demo data alone (40 fictitious people, referrals submitted in the last 45 days).
"""
import csv
import io
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

COORDINATOR = "coordinatrice@nodo.novara.example"
NOVARA = "operatore@comune-novara.example"
PERIOD = f"dal={(date.today() - timedelta(days=365)).isoformat()}&al={date.today().isoformat()}"


def _total(page, table_id: str) -> int:
    return int(page.locator(f"#{table_id} tfoot td").get_attribute("data-value"))


def _counts(live_database) -> dict:
    """What the dashboards must show, read from the live database: the demo's 40 referrals plus whatever
    earlier browser tests of the session sent (a transfer's referral, say), all within the period."""
    from sqlalchemy import create_engine, text

    engine = create_engine(live_database.owner_url)
    try:
        with engine.connect() as connection:
            def one(sql):
                return connection.execute(text(sql)).scalar_one()
            node = "(SELECT id FROM tenants WHERE slug = 'provincia-novara')"
            antenna = "(SELECT id FROM tenants WHERE name = 'Comune di Novara')"
            return {
                "node": one(f"SELECT count(*) FROM referrals WHERE node_id = {node} AND submitted_at IS NOT NULL"),
                "antenna_all": one(f"SELECT count(*) FROM referrals WHERE tenant_id = {antenna}"),
                "antenna_sent": one(f"SELECT count(*) FROM referrals WHERE tenant_id = {antenna} AND submitted_at IS NOT NULL"),
            }
    finally:
        engine.dispose()


def test_coordinator_sees_the_node_dashboard(page, live_database):
    login_as(page, COORDINATOR)
    page.get_by_role("link", name="Monitoraggio").first.click()
    expect(page.get_by_role("heading", level=1, name="Monitoraggio della rete")).to_be_visible()
    page.goto(f"/monitoraggio/?{PERIOD}")
    # 40 demo referrals, 4 of them drafts the node never sees (36), plus any an earlier test sent
    counts = _counts(live_database)
    assert counts["node"] >= 36
    assert _total(page, "referrals-state") == counts["node"]
    assert _total(page, "referrals-antenna") == counts["node"]
    expect(page.locator("#referrals-ground-chart canvas")).to_be_visible()  # Chart.js drew it, CSP intact
    expect(page.locator("#referrals-ground")).to_be_visible()  # and the table with the same numbers
    expect(page.locator("#h-budget")).to_be_visible()
    assert_accessible(page, "node dashboard")
    # The index of sections stays in sight on a wide screen; a section jumped to starts below it.
    page.emulate_media(reduced_motion="reduce")  # jump, not a smooth scroll the checks below would race
    index = page.get_by_role("navigation", name="Sezioni del monitoraggio")
    index.get_by_role("link", name="Avanzamento della spesa").click()
    expect(page.locator("#h-budget")).to_be_in_viewport()
    expect(index).to_be_in_viewport()
    assert page.locator("#h-budget").bounding_box()["y"] >= index.bounding_box()["y"] + index.bounding_box()["height"]
    # filters: a GET form; htmx refreshes the panels only
    page.get_by_label("Antenna", exact=True).select_option(label="Comune di Novara")
    expect(page.locator("#referrals-antenna tfoot td")).to_have_attribute("data-value", str(counts["antenna_sent"]))
    page.goto(f"/monitoraggio/rapporto?{PERIOD}")
    expect(page.get_by_role("button", name="Stampa")).to_be_visible()
    assert_accessible(page, "periodic report")


def test_antenna_dashboard_shows_its_own_numbers_only(page, browser_log, live_database):
    login_as(page, NOVARA)
    page.goto(f"/monitoraggio/antenna?{PERIOD}")
    expect(page.get_by_role("heading", level=1, name="Le nostre segnalazioni in cifre")).to_be_visible()
    # Comune di Novara has 7 of the 40 demo referrals (one a draft), plus any an earlier test made
    counts = _counts(live_database)
    assert counts["antenna_all"] >= 7
    assert _total(page, "own-state") == counts["antenna_all"]
    assert _total(page, "own-month") == counts["antenna_sent"]
    expect(page.get_by_text("Comune di Arona")).to_have_count(0)
    assert_accessible(page, "antenna dashboard")
    browser_log.allow(r"status of 403")  # the refusal below is the point
    assert page.goto("/monitoraggio/").status == 403


def test_open_data_export_hides_small_cells(page):
    login_as(page, COORDINATOR)
    page.goto("/monitoraggio/open-data")
    assert_accessible(page, "open data")
    # Published by closed quarter: the coordinator picks one of the list (the last closed one is proposed).
    page.get_by_role("navigation", name="Trimestri conclusi").get_by_role("link").nth(1).click()
    expect(page.locator("#al")).not_to_have_value("")
    page.get_by_role("button", name="Scarica il CSV").click()  # prepared on the job queue (inline here)
    link = page.get_by_role("link", name=re.compile(r"Scarica rete-open-data-"))
    expect(link).to_be_visible()
    assert_accessible(page, "export ready")
    with page.expect_download() as info:
        link.click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert rows
    published = [r for r in rows if r["soppresso"] == "0"]
    assert all(int(r["persone"]) >= 5 for r in published)
    assert all(r["persone"] == "" for r in rows if r["soppresso"] == "1")
    assert any(r["soppresso"] == "1" for r in rows)
    page.goto("/monitoraggio/open-data/schema")
    expect(page.get_by_role("heading", level=1)).to_contain_text("schema")
    assert_accessible(page, "open data schema")
