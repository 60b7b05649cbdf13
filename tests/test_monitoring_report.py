"""Participant indicators (ESF shape), the periodic report (page and XLSX) and the open-data CSV."""
import csv
import io
import sys
from collections import defaultdict
from datetime import date, datetime

from openpyxl import load_workbook

from portal.core.quarters import Quarter, last_closed
from portal.monitoring.indicators import indicators
from portal.monitoring.opendata import COLUMNS
from portal.monitoring.suppression import TOTAL, Table
from portal.tenancy import context

from .factories import make_case, make_person, make_referral
from .helpers import field_error
from .region_support import outside_region
from .test_monitoring_dashboard import MARCH, QS, _set, at, build_known
from .test_monitoring_suppression import check, small_sum_attack, subtraction_attack

FIRST_QUARTER = "?dal=2026-01-01&al=2026-03-31"


def test_participant_indicators(network):
    build_known(network)
    with context.acting_as(network.tenants["n1"].id):
        ind = indicators(MARCH)
    assert ind.participants == 2
    assert ind.by["gender"] == {"female": 1, "male": 1, "non_binary": 0, "not_stated": 0}
    assert ind.by["age_band"]["under_25"] == 1 and ind.by["age_band"]["25_54"] == 1
    assert ind.unemployed_incl_long_term == 2 and ind.long_term_unemployed == 1
    assert ind.by["education_level"]["isced_0_2"] == 1 and ind.by["education_level"]["isced_3_4"] == 1
    assert (ind.third_country, ind.foreign_background) == (1, 1)
    assert ind.by["disability"] == {"yes": 1, "no": 1, "not_stated": 0}
    assert ind.by_gender["age_band"] == {("under_25", "female"): 1, ("25_54", "male"): 1}
    # left in March: the closed case (closure "employed", no phase-1 outcome), which completed a training
    assert ind.leavers == 1 and ind.results == {"employed": 1, "education_training": 0, "not_employed": 0}
    assert ind.training_completed == 1
    assert ind.six_months == {"employed": 1, "not_employed": 0, "unknown": 0}


def test_report_page_and_xlsx_agree(network, login):
    build_known(network)
    client = login("n1_coordinator")
    html = client.get("/monitoraggio/rapporto" + QS).get_data(as_text=True)
    assert "data-print" in html and "Stampa" in html and "Stato del budget" in html
    response = client.get("/monitoraggio/rapporto.xlsx" + QS)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    values = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            if row and len(row) >= 2 and row[0]:
                values[(sheet.title.split(" ", 1)[1], row[0])] = row[1]
    assert values[("Periodo", "Partecipanti (casi aperti nel periodo)")] == 2
    # the period's days are days a spreadsheet can sort, shown as 01/03/2026
    assert values[("Periodo", "Dal")] == datetime(2026, 3, 1) and values[("Periodo", "Al")] == datetime(2026, 3, 31)
    assert book.worksheets[0]["B2"].number_format == "DD/MM/YYYY"
    assert values[("Periodo", "Segnalazioni ricevute")] == 3
    assert values[("Partecipanti per genere", "Donna")] == 1
    assert values[("Risultati all'uscita", "Occupati, anche autonomi, all'uscita")] == 1
    assert any(title.startswith("Stato del budget") for title, _ in values)


def test_report_xlsx_sheets_head_their_columns_with_the_columns_own_headings(network, login):
    """Each sheet is a table: its first row the columns' headings (never the sheet's title again), frozen; the
    whole title, which a sheet name may cut, in the printed page's header."""
    build_known(network)
    book = load_workbook(io.BytesIO(login("n1_coordinator").get("/monitoraggio/rapporto.xlsx" + QS).data))
    first_rows = {sheet.title: [cell.value for cell in next(sheet.iter_rows(max_row=1))] for sheet in book.worksheets}
    assert first_rows["1 Periodo"] == ["Voce", "Valore"]
    assert first_rows["2 Partecipanti per genere"] == ["Genere", "Persone"]
    assert first_rows["3 Partecipanti per fascia d'età"] == ["Fascia d'età", "Persone"]
    for sheet in book.worksheets:
        title = sheet.oddHeader.center.text
        assert title and sheet.title.split(" ", 1)[1] in title and title not in first_rows[sheet.title], sheet.title
        assert sheet.freeze_panes == "A2"
    assert book.worksheets[3].oddHeader.center.text == "Partecipanti per condizione nel mercato del lavoro"
    # The page's tables: the caption is the title, the first column its own heading.
    html = login("n1_coordinator").get("/monitoraggio/rapporto" + QS).get_data(as_text=True)
    assert '<th scope="col">Genere</th>' in html and '<th scope="col">Partecipanti per genere</th>' not in html


def test_report_without_alerts_module(network, login, monkeypatch):
    monkeypatch.setitem(sys.modules, "portal.alerts.summary", None)  # import fails as if not built yet
    html = login("n1_case_worker").get("/monitoraggio/rapporto" + QS).get_data(as_text=True)
    assert "Dato non disponibile" in html
    assert "Stato del budget" not in html  # a case worker sees no money


def test_report_with_alerts_module(network, login):
    html = login("n1_coordinator").get("/monitoraggio/rapporto" + QS).get_data(as_text=True)
    try:
        import portal.alerts.summary  # noqa: F401
    except ImportError:
        assert "Dato non disponibile" in html
    else:
        assert "Risolte nel periodo" in html


def _many(network, n_female=9, n_male=6, n_nb=2):
    """People with cases opened in March: enough for some cells to be published."""
    a = network.tenants["a"]
    people = [("female", "under_25")] * 6 + [("female", "25_54")] * (n_female - 6) + [("male", "25_54")] * n_male
    people += [("non_binary", "over_54")] * n_nb
    for i, (gender, band) in enumerate(people):
        year = {"under_25": 2005, "25_54": 1980, "over_54": 1960}[band]  # the band follows the birth year
        person = make_person(a, first_name=f"P{i}", birth_year=year, gender=gender, age_band=band, labour_status="unemployed",
                             education_level="isced_3_4", citizenship_group="italian", disability=False)
        referral = make_referral(a, network.users["a_operator"], person=person)
        case = make_case(referral)
        _set(case, network.tenants["n1"].id, opened_at=at(3 + i % 20))


def _tables(rows) -> dict:
    tables = defaultdict(dict)
    for row in rows:
        tables[row["tabella"]][(row["valore_riga"], row["valore_colonna"])] = row
    return tables


def test_open_data_csv_suppresses_small_cells(network, login):
    outside_region(network)  # released on its own, at this export
    _many(network)
    response = login("n1_coordinator").get("/monitoraggio/open-data.csv" + FIRST_QUARTER)  # March's cases in it
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert reader.fieldnames == COLUMNS
    rows = list(reader)
    assert rows and all((r["periodo_dal"], r["periodo_al"]) == ("2026-01-01", "2026-03-31") for r in rows)
    for row in rows:
        if row["soppresso"] == "1":
            assert row["persone"] == ""
        else:
            assert int(row["persone"]) >= 5
    age = _tables(rows)["partecipanti_eta"]
    # 9 women, 6 under 25 of them: a published 6 beside the under-25s' total of 6 would show every other
    # group of them to be 0 (counts are never negative), so only margins with enough behind them are published.
    assert age[("totale", "female")]["persone"] == "9" and age[("25_54", "totale")]["persone"] == "9"
    assert age[("over_54", "non_binary")]["soppresso"] == "1"
    # Rebuild each table from the CSV alone: nothing hidden can be recovered by subtraction.
    for name, cells in _tables(rows).items():
        row_values = sorted({r for r, _ in cells if r != "totale"})
        col_values = sorted({c for _, c in cells if c != "totale"})

        def key(r, c):
            return (TOTAL if r == "totale" else r, TOTAL if c == "totale" else c)

        published = {key(r, c): int(v["persone"]) if v["persone"] else -1 for (r, c), v in cells.items()}
        table = Table(name, row_values, col_values, dict(published))
        table.hidden = {k for k, v in published.items() if v < 0}
        assert subtraction_attack(table) == {} and small_sum_attack(table) == {}, name


def test_open_data_links_suppression_and_checks(network):
    from portal.monitoring.opendata import tables

    _many(network)
    with context.acting_as(network.tenants["n1"].id):
        suppressed = tables(MARCH)
    for table in suppressed:
        check(table)
    participant_tables = [t for t in suppressed if t.name.startswith("partecipanti")]
    for key in [(TOTAL, g) for g in ("female", "male", "non_binary", "not_stated")] + [(TOTAL, TOTAL)]:
        assert len({key in t.hidden for t in participant_tables}) == 1, key


def test_open_data_page_and_schema(network, login, client):
    html = login("n1_coordinator").get("/monitoraggio/open-data").get_data(as_text=True)
    assert "Scarica il CSV" in html and str(date.today().year) in html
    schema = client.get("/monitoraggio/open-data/schema").get_data(as_text=True)
    for column in COLUMNS:
        assert f"<code>{column}</code>" in schema


def test_downloads_name_their_period(network, login):
    client = login("n1_coordinator")
    response = client.get("/monitoraggio/rapporto.xlsx")
    assert response.status_code == 302
    assert f"dal={date.today().year}-01-01" in response.location and f"al={date.today().isoformat()}" in response.location
    last = last_closed(date.today())  # open data: the last closed quarter
    response = client.get("/monitoraggio/open-data.csv")
    assert response.status_code == 302 and f"dal={last.start.isoformat()}&al={last.last.isoformat()}" in response.location


def test_open_data_is_published_for_one_closed_quarter(network, login):
    # Two files of overlapping periods (January-June, then January-29 June), or of a period still running,
    # subtract into the people of the days between: a cell each file hid.
    client = login("n1_coordinator")
    for query, words in (("?dal=2026-01-01&al=2026-06-30", "per trimestre"), ("?dal=2026-04-02&al=2026-06-30", "per trimestre"),
                         ("?dal=2026-01-01&al=2026-06-29", "per trimestre"), ("?dal=2099-01-01&al=2099-03-31", "compresa tra"),
                         (f"?dal={Quarter.of(date.today()).start.isoformat()}&al={Quarter.of(date.today()).last.isoformat()}",
                          "non è ancora concluso")):
        page = client.get("/monitoraggio/open-data" + query).get_data(as_text=True)
        assert words in (field_error(page, "al") or field_error(page, "dal") or ""), query
        assert "Periodo proposto" not in page
        download = client.get("/monitoraggio/open-data.csv" + query)
        assert download.status_code == 302 and download.location.startswith("/monitoraggio/open-data?"), query
    page = client.get("/monitoraggio/open-data").get_data(as_text=True)
    last = last_closed(date.today())
    assert f"Periodo proposto: dal {last.start:%d/%m/%Y} al {last.last:%d/%m/%Y}." in page
    assert f'href="/monitoraggio/open-data?dal={last.start.isoformat()}&amp;al={last.last.isoformat()}"' in page
    assert client.get("/monitoraggio/open-data.csv?dal=2026-04-01&al=2026-06-30").status_code == 200


def test_report_pdf_has_the_xlsx_figures_charts_and_money_only_for_money_roles(network, login):
    from pypdf import PdfReader

    build_known(network)
    response = login("n1_coordinator").get("/monitoraggio/rapporto.pdf" + QS)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    # Its small counts are not hidden: paper says it is the node's own (the region and the public have suppressed data).
    assert "Ad uso interno del nodo" in " ".join(text.split())
    flat = " ".join(text.split())
    assert "Rapporto periodico dal 01/03/2026 al 31/03/2026" in flat and "Dal 01/03/2026 Al 31/03/2026" in flat
    assert "Partecipanti (casi aperti nel periodo) 2" in flat and "Segnalazioni ricevute 3" in flat
    assert "Stato del budget" in flat
    assert "pdfaid:part" in reader.xmp_metadata.stream.get_data().decode("utf-8")  # PDF/A-2b declared
    # the bars are drawn: filled rectangles in the page content, one per non-zero category at least
    content = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert content.count(b"0.4 0.8 rg") >= 1 and content.count(b" re f") >= 3, "bars in the primary blue"
    worker = PdfReader(io.BytesIO(login("n1_case_worker").get("/monitoraggio/rapporto.pdf" + QS).data))
    assert "Stato del budget" not in " ".join(p.extract_text() for p in worker.pages)
    assert login("a_operator").get("/monitoraggio/rapporto.pdf" + QS).status_code == 403
    assert login("n1_coordinator").get("/monitoraggio/rapporto.pdf").status_code == 302  # names its period
