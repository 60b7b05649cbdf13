"""The regional centre's monitoring: summaries per node, suppressed tables, exports, who may see them."""
import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.monitoring.suppression import TOTAL, disclosed
from portal.region.models import RegionSummary
from portal.region.queries import build_tables
from portal.tenancy import context

from .region_support import last_quarter, referrals_in, refresh


def _region_data(network):
    q = last_quarter()
    m1, m2 = q.months[0], q.months[1]
    referrals_in(network, "n1", 7, month=m1, context_code="work", grounds=("ethnicity", "religion"),
                 decided_after_days=4, accept=True)
    referrals_in(network, "n1", 2, month=m2, context_code="housing")  # a small cell
    referrals_in(network, "n2", 6, month=m1, context_code="work", decided_after_days=10)
    refresh()
    return q


def test_refresh_writes_each_nodes_counts_and_is_idempotent(session, network):
    _region_data(network)
    n1, r = network.tenants["n1"], network.tenants["r"]
    with context.acting_as(n1.id):
        rows = db.session.scalars(select(RegionSummary)).all()
    assert {row.tenant_id for row in rows} == {n1.id}  # the node reads its own summary only
    assert all(row.region_id == r.id for row in rows)
    counts: dict = {}
    for row in rows:
        counts[(row.measure, row.value)] = counts.get((row.measure, row.value), 0) + row.count
    assert counts[("referrals", "total")] == 10  # 7 + 2 + the network's own victim referral (this month)
    assert counts[("ground", "intersectional")] == 7
    before = len(rows)
    refresh()
    with context.acting_as(n1.id):
        assert len(db.session.scalars(select(RegionSummary)).all()) == before


def test_the_region_page_shows_suppressed_tables(session, network, login):
    q = _region_data(network)
    page = login("r_analyst").get(f"/regione/?trimestre={q.key}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Nodo Uno di prova" in body and "Nodo Due di prova" in body
    # A column per node under its code (a phone has room for eight codes, not eight names), the name for
    # screen readers and in the key above the tables
    assert '<th scope="col" class="text-end"><span aria-hidden="true">NP</span><span class="visually-hidden">Nodo Uno di prova</span></th>' in body
    assert "<dt>NP</dt><dd>Nodo Uno di prova</dd>" in body and "<dt>NP</dt><dd>Nodo Due di prova</dd>" in body
    assert 'id="segnalazioni_contesto"' in body and 'data-chart=' in body
    assert "dato non pubblicato" in body  # the 2 housing referrals of N1 are hidden
    # the quarter as Italian writes it, its code only in links and option values
    label = f"{q.number}º trimestre {q.year}"
    assert f"<h2 class=\"h3 mt-4\">{label}</h2>" in body and f'selected>{label}</option>' in body
    assert f">{q.key}<" not in body and f"Trimestre {q.key}" not in body
    for secret in network.secrets_of("a", "n1"):
        assert secret not in body


def test_no_hidden_cell_can_be_derived(session, network):
    q = _region_data(network)
    n1, n2, r = network.tenants["n1"], network.tenants["n2"], network.tenants["r"]
    context.activate(r.id, None, regional=True)
    rows = db.session.execute(select(RegionSummary.measure, RegionSummary.value, RegionSummary.tenant_id,
                                     RegionSummary.month, RegionSummary.count)).all()
    assert {t for _, _, t, _, _ in rows} == {n1.id, n2.id}  # the region reads both nodes' summaries
    data = {(m, v, t, month): n for m, v, t, month, n in rows if q.start <= month < q.end}
    tables = build_tables(data, q, [n1.id, n2.id])
    for table in tables:
        assert disclosed(table) == set(), table.name
        for key in table.keys:
            value = table.cells[key]
            assert key in table.hidden or value >= 5, (table.name, key, value)
    # Linked tables hide the same shared margins (per-node referral totals): nothing to subtract.
    by_name = {t.name: t for t in tables}
    month, ctx = by_name["segnalazioni_mese"], by_name["segnalazioni_contesto"]
    for node in (n1.id, n2.id, TOTAL):
        assert ((TOTAL, node) in month.hidden) == ((TOTAL, node) in ctx.hidden)


def test_exports_carry_only_published_cells(session, network, login):
    q = _region_data(network)
    client = login("r_coordinator")
    response = client.get(f"/regione/{q.key}.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and set(rows[0]) == {"trimestre", "tabella", "dimensione_riga", "valore_riga", "nodo", "valore", "soppresso"}
    for row in rows:
        assert (row["valore"] == "") == (row["soppresso"] == "1")
        assert row["valore"] == "" or int(row["valore"]) >= 5
    housing = [r for r in rows if r["tabella"] == "segnalazioni_contesto" and r["valore_riga"] == "housing"
               and r["nodo"] == "nodo-uno"]
    assert housing and housing[0]["soppresso"] == "1"
    book = load_workbook(io.BytesIO(client.get(f"/regione/{q.key}.xlsx").data))
    assert book["dati"].max_row == len(rows) + 1


def test_who_may_see_the_regional_pages(session, network, login):
    q = _region_data(network)
    assert login("r_dpo").get("/regione/").status_code == 403
    assert login("n1_coordinator").get("/regione/").status_code == 403
    analyst = login("r_analyst")
    assert analyst.get("/regione/?trimestre=2026-Q9").status_code == 404
    assert analyst.get(f"/regione/{q.key}.csv").status_code == 200
    from datetime import date

    from portal.region.queries import Quarter

    running = Quarter.of(date.today()).key
    assert analyst.get(f"/regione/?trimestre={running}").status_code == 404
    assert analyst.get(f"/regione/{running}.csv").status_code == 404


def test_a_hidden_decision_cannot_be_recovered_from_the_participants_total():
    """Accepted referrals are the cases opened, which every participant table totals: a node whose declined
    count is hidden must not publish both its decided total and its participants' total (8 accepted, 2
    declined: decided 10 minus participants 8 would give the hidden 2)."""
    from portal.core.quarters import Quarter
    from portal.monitoring.indicators import DIMENSIONS, VALUES

    q = Quarter(2026, 2)
    month = q.months[0]
    n1, n2 = 101, 102
    data = {("decision", "accepted", n1, month): 8, ("decision", "declined", n1, month): 2,
            ("decision", "accepted", n2, month): 7, ("decision", "declined", n2, month): 6}
    for dimension in DIMENSIONS:
        data[(f"esf_{dimension}", VALUES[dimension][0], n1, month)] = 8
        data[(f"esf_{dimension}", VALUES[dimension][0], n2, month)] = 7
    tables = {t.name: t for t in build_tables(data, q, [n1, n2])}
    decisions = tables["decisioni"]
    assert ("declined", n1) in decisions.hidden
    participants = [t for name, t in tables.items() if name.startswith("esf_")
                    and name not in ("esf_risultati", "esf_formazione", "esf_sei_mesi")]
    # What an analyst knows of the accepted row: the participants' totals, where published.
    known = {("accepted", node) for node in (n1, n2, TOTAL) if all((TOTAL, node) not in t.hidden for t in participants)}
    assert disclosed(decisions, decisions.hidden - known) == set()


def test_the_leavers_without_a_completed_training_are_suppressed_with_the_leavers():
    """7 leavers at each node, 5 of them trained: published alone, "completed" (5) and the leavers' total (7)
    told the 2 others, a count below the threshold no table hid. They are a row of their own, suppressed with
    the tables that total the same leavers."""
    from portal.core.quarters import Quarter
    from portal.monitoring.suppression import THRESHOLD

    q = Quarter(2026, 3)
    month = q.months[0]
    data = {}
    for node in (101, 102):
        data |= {("cases_closed", "employed", node, month): 7, ("esf_result", "employed", node, month): 7,
                 ("esf_training", "completed", node, month): 5}
    tables = {t.name: t for t in build_tables(data, q, [101, 102])}
    training = tables["esf_formazione"]
    assert training.rows == ["completed", "not_completed"]
    for node in (101, 102, TOTAL):
        leavers = tables["esf_risultati"].published((TOTAL, node))
        assert training.published((TOTAL, node)) == leavers  # one count of the same leavers
        completed = training.published(("completed", node))
        if leavers is not None and completed is not None:
            assert leavers - completed == 0 or leavers - completed >= THRESHOLD
    assert disclosed(training, training.hidden) == set()
