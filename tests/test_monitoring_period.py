"""The monitoring pages' period ("Dal", "Al"): a period that cannot be is refused on its field with the dates
kept, and no page, panel or file shows another period's figures in its place."""
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from portal.exports.models import ExportJob
from portal.extensions import db
from portal.tenancy import context

from .helpers import csrf_from, field_error

BACKWARDS = {"dal": "2026-03-31", "al": "2026-03-01"}
QS = "?dal=2026-03-31&al=2026-03-01"


def _refused_on_al(response):
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # a GET filter refused: the page with its error, as the other filters
    assert "viene prima dell" in (field_error(html, "al") or "")
    assert 'value="2026-03-31"' in html and 'value="2026-03-01"' in html  # the dates as typed
    assert "Periodo: dal" not in html and "Periodo proposto" not in html  # no other period's figures
    return html


def test_the_report_dashboards_and_open_data_refuse_a_period_ending_before_it_starts(network, login):
    coordinator = login("n1_coordinator")
    report = _refused_on_al(coordinator.get("/monitoraggio/rapporto" + QS))
    assert "Scarica in Excel" not in report and "Correggi le date" in report
    _refused_on_al(coordinator.get("/monitoraggio/open-data" + QS))
    dashboard = _refused_on_al(coordinator.get("/monitoraggio/" + QS))
    assert "Correggi le date" in dashboard
    assert "/monitoraggio/rapporto?dal=2026-03-31&amp;al=2026-03-01" in dashboard  # its links keep the input
    _refused_on_al(login("a_operator").get("/monitoraggio/antenna" + QS))
    # The filters changed with htmx swap only the panels: they say it instead of another period's figures.
    panels = coordinator.get("/monitoraggio/" + QS, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "viene prima dell" in panels and "Correggi le date" in panels and "Periodo: dal" not in panels


def test_a_start_after_today_with_no_end_is_refused_on_the_start(network, login):
    html = login("n1_coordinator").get("/monitoraggio/rapporto?dal=2099-01-01").get_data(as_text=True)
    assert field_error(html, "dal") and 'value="2099-01-01"' in html and "Periodo: dal" not in html


def test_an_end_alone_is_checked_too_and_starts_its_year(network, login):
    # Only the end typed: the last day of year 9999 overflowed the period's end into a 500; a year before this
    # one ended the period before its default start (1 January of this year) and showed empty figures.
    client = login("n1_coordinator")
    for path in ("/monitoraggio/", "/monitoraggio/rapporto", "/monitoraggio/open-data"):
        for query in ("?al=9999-12-31", "?dal=9999-12-30&al=9999-12-31", "?al=1900-01-01"):
            response = client.get(path + query)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, path + query
            assert (field_error(html, "al") or field_error(html, "dal")) and "Periodo: dal" not in html, path + query
    assert client.get("/monitoraggio/open-data.csv?al=9999-12-31").status_code == 302  # back to the page
    html = client.get("/monitoraggio/rapporto?al=2025-06-30").get_data(as_text=True)
    assert "Periodo: dal 01/01/2025 al 30/06/2025" in html


def test_downloads_of_a_refused_period_go_back_to_the_page_that_shows_why(network, login):
    client = login("n1_coordinator")
    for path, page in (("/monitoraggio/rapporto.xlsx", "/monitoraggio/rapporto"),
                       ("/monitoraggio/rapporto.pdf", "/monitoraggio/rapporto"),
                       ("/monitoraggio/open-data.csv", "/monitoraggio/open-data")):
        response = client.get(path + QS)
        target = urlsplit(response.location)
        assert response.status_code == 302 and target.path == page, path
        assert parse_qs(target.query) == {"dal": ["2026-03-31"], "al": ["2026-03-01"]}


def test_an_export_asked_for_a_refused_period_is_not_queued_the_page_shows_why(network, login):
    client = login("n1_coordinator")
    page = client.get("/monitoraggio/open-data").get_data(as_text=True)
    asked = client.post("/esportazioni/monitoring.open_data_csv", data={**BACKWARDS, "csrf_token": csrf_from(page)})
    target = urlsplit(asked.location)
    assert asked.status_code == 303 and target.path == "/monitoraggio/open-data"
    assert parse_qs(target.query) == {"dal": ["2026-03-31"], "al": ["2026-03-01"]}
    _refused_on_al(client.get(asked.location))
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalar(select(func.count(ExportJob.id))) == 0
