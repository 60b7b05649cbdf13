"""The overview's exports (XLSX and CSV) hold what the overview page shows: every budget's summary and lines,
and every contract, each line and each contract naming its budget (they held the first budget's lines only,
beside every budget's contracts, so the lines did not add up to the contracts listed)."""
import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from portal.budget.models import Budget, BudgetLine, LineKind
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract


def _second_budget(network) -> Budget:
    node = network.tenants["n1"].id
    with context.acting_as(node):
        budget = Budget(tenant_id=node, code="azione-3", title="Azione 3 (prova)", declared_total=Decimal("800.00"),
                        start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))
        db.session.add(budget)
        db.session.flush()
        db.session.add(BudgetLine(tenant_id=node, budget_id=budget.id, position=1, title="Laboratori (prova)",
                                  kind=LineKind.SERVICES, allocated=Decimal("800.00")))
        db.session.flush()
        db.session.expire(budget, ["lines"])
        assert len(budget.lines) == 1
    return budget


def _two_budgets(network):
    first, second = budget_of(network), _second_budget(network)
    make_contract(network, first, network.tenants["p"], cig="PRIMO00001", value="300.00")
    make_contract(network, second, network.tenants["p"], cig="SECONDO001", value="200.00")


def test_the_xlsx_holds_every_budgets_lines_and_names_the_budget_of_each_line_and_contract(login, network):
    _two_budgets(network)
    response = login("n1_budget_officer").get("/budget/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    summary = list(workbook["Riepilogo"].iter_rows(values_only=True))
    assert summary[0] == ("Programma", "Azione 2 (prova)", "Azione 3 (prova)")
    assert {row[0]: row[1:] for row in summary}["Totale dichiarato"] == (1100.44, 800)
    lines = [row[:4] for row in workbook["Linee di budget"].iter_rows(values_only=True)]
    assert lines == [
        ("Programma", "Linea", "Stanziato / valore", "Impegnato"),
        ("Azione 2 (prova)", "Servizi (prova)", 1000, 300), ("Azione 2 (prova)", "Controlli (prova)", 100, 0),
        ("Azione 2 (prova)", "Totale delle linee", 1100, 300),
        ("Azione 3 (prova)", "Laboratori (prova)", 800, 200), ("Azione 3 (prova)", "Totale delle linee", 800, 200),
    ]
    contracts = {row[2]: row[:2] for row in workbook["Contratti"].iter_rows(values_only=True)}
    assert contracts["PRIMO00001"] == ("Azione 2 (prova)", "Servizi (prova)")
    assert contracts["SECONDO001"] == ("Azione 3 (prova)", "Laboratori (prova)")


def test_the_csv_holds_the_same_sections(login, network):
    _two_budgets(network)
    text = login("n1_budget_officer").get("/budget/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert ["Programma", "Azione 2 (prova)", "Azione 3 (prova)"] in rows
    assert ["Azione 3 (prova)", "Laboratori (prova)", "800,00", "200,00", "0,00", "0,00", "0,00", "600,00"] in rows
    assert any(row[:3] == ["Azione 3 (prova)", "Laboratori (prova)", "SECONDO001"] for row in rows)
    assert any(row[:3] == ["Azione 2 (prova)", "Servizi (prova)", "PRIMO00001"] for row in rows)
