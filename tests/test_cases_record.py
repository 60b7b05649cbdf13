"""the analytical record (scheda analitica) page and its CSV/XLSX exports — pseudonym only."""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from .case_support import add_diary_entry, audit_actions
from .factories import make_action
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE


def _pathway(network):
    make_action(network.case, service_type="training", phase="job_insertion", planned_start=date(2026, 1, 12),
                planned_hours=Decimal("40"), delivered_hours=Decimal("37.5"), delivered_on=date(2026, 2, 20),
                status="done", outcome="=HYPERLINK(\"http://x\")")
    make_action(network.case, service_type="psychological_support", phase="inclusion", planned_start=date(2026, 9, 1),
                planned_hours=Decimal("8.25"))


def test_record_page_is_printable_and_in_time_order(login, network):
    _pathway(network)
    client = login("n1_coordinator")
    response = client.get(f"/casi/{network.case.id}/scheda")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    positions = [body.index(x) for x in ("Formazione", "Counselling", "Sostegno psicologico")]
    assert positions == sorted(positions)
    assert "12/01/2026" in body and "37,50" in body and "58,25" in body  # totals: 40 + 10 + 8,25
    assert "data-print" in body and "rete-scheda" in body
    assert VICTIM_LAST_NAME not in body
    assert any(e.action == "case.record_read" for e in audit_actions(network, object_type="case"))
    css = client.get("/static/css/rete.css").get_data(as_text=True)
    assert "/* scheda analitica print */" in css


def test_csv_export_has_pseudonym_not_identity(login, network):
    _pathway(network)
    add_diary_entry(network, "NOTA-RISERVATA-NODO")
    response = login("n1_case_worker").get(f"/casi/{network.case.id}/scheda.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert network.case.pseudonym in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data().decode("utf-8-sig")
    for secret in (VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE, "NOTA-RISERVATA-NODO"):
        assert secret not in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Scheda analitica", network.case.pseudonym]
    actions = rows[rows.index(["Azioni"]) + 2:]
    first = actions[0]
    assert first[1] == "12/01/2026" and first[4] == "Formazione" and first[7] == "40,00" and first[8] == "37,50"
    assert first[10].startswith("'=")  # formula injection neutralised
    assert any(e.action == "case.record_export_csv" for e in audit_actions(network, object_type="case"))


def test_xlsx_export_has_typed_cells(login, network):
    _pathway(network)
    response = login("n1_case_worker").get(f"/casi/{network.case.id}/scheda.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["Caso", "Azioni", "Verifiche", "Tutela legale"]
    everything = " ".join(
        str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None
    )
    assert network.case.pseudonym in everything
    for secret in (VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE):
        assert secret not in everything
    sheet = workbook["Azioni"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["N.", "Inizio previsto", "Fine prevista"] and "Ore erogate" in header
    first = [c for c in sheet[2]]
    assert isinstance(first[1].value, datetime) and first[1].value.date() == date(2026, 1, 12)
    assert first[1].number_format == "DD/MM/YYYY" and first[1].is_date
    assert first[7].data_type == "n" and first[7].value == 40
    assert first[8].data_type == "n" and first[8].value == 37.5
    assert first[10].data_type == "s" and first[10].value.startswith("=HYPERLINK")  # text, not a formula
    summary = {row[0].value: row[1] for row in workbook["Caso"].iter_rows(min_row=2)}
    assert summary["Codice pseudonimo"].value == network.case.pseudonym
    assert summary["Aperto il"].is_date
    assert summary["Ore previste (totale)"].data_type == "n"
    assert any(e.action == "case.record_export_xlsx" for e in audit_actions(network, object_type="case"))
