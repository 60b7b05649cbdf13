"""The legal path of a case: civil action, hearings and deadlines, fund requests (scheda analitica too)."""
from datetime import date, timedelta

from sqlalchemy import select

from portal.cases.legal import FundRequest, LegalDeadline, LegalPath
from portal.extensions import db
from portal.tenancy import context

from .case_support import audit_actions, post
from .legal_support import add_civil_action, add_fund_request


def _rows(net, model):
    with context.acting_as(net.tenants["n1"].id):
        return list(db.session.scalars(select(model).execution_options(populate_existing=True)))


def test_civil_action_and_fund_request_show_on_the_case_page_and_the_record(login, network):
    client = login("n1_coordinator")
    case_id = network.case.id
    assert add_civil_action(client, case_id).status_code == 302
    assert add_fund_request(client, case_id).status_code == 302
    page = client.get(f"/casi/{case_id}").get_data(as_text=True)
    assert "Azione civile contro la discriminazione" in page and "Avv. Rossi-LEGALE-4417" in page
    assert "€ 1.234,56" in page.replace("\xa0", " ") and "€ 1.500,00" in page.replace("\xa0", " ")
    record = client.get(f"/casi/{case_id}/scheda").get_data(as_text=True).replace("\xa0", " ")
    assert "Azione civile contro la discriminazione" in record
    assert "Richiesta: Fondo regionale per le vittime di discriminazione" in record and "€ 1.500,00" in record
    assert "Concessione: Fondo regionale" in record and "01/03/2026" in record
    [path] = _rows(network, LegalPath)
    assert path.counsel == "Avv. Rossi-LEGALE-4417" and path.tenant_id == network.tenants["n1"].id
    events = {e.action: e for e in audit_actions(network)}
    assert "counsel" in events["legal_path.created"].fields
    assert "Rossi" not in str(events["legal_path.created"].fields)


def test_fund_validation_errors_are_on_their_fields_and_keep_the_input(login, network):
    client = login("n1_coordinator")
    response = add_fund_request(client, network.case.id, requested="1.000,00", granted="1.200,00",
                                paid="1.300,00", paid_on="2026-02-01")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "L&#39;importo concesso non può superare quello richiesto." in body
    assert "L&#39;importo erogato non può superare quello concesso." in body
    assert "L&#39;erogazione non può precedere la concessione." in body
    assert 'value="1.200,00"' in body and 'value="1.300,00"' in body
    assert _rows(network, FundRequest) == []
    bad = add_fund_request(client, network.case.id, requested="mille")
    assert bad.status_code == 200 and "Scrivi un importo in euro" in bad.get_data(as_text=True)
    assert 'value="mille"' in bad.get_data(as_text=True)


def test_other_users_read_only_and_other_tenant_404(login, network):
    add_civil_action(login("n1_coordinator"), network.case.id)
    post(login("n1_coordinator"), f"/casi/{network.case.id}/tutela/scadenze",
         {"due_on": "2026-04-01", "kind": "hearing", "note": ""})
    [deadline] = _rows(network, LegalDeadline)
    other = login("n2_coordinator")
    assert other.get(f"/casi/{network.case.id}/tutela").status_code == 404
    assert other.get(f"/casi/tutela/scadenze/{deadline.id}").status_code == 404


def test_a_stale_version_is_a_conflict(login, network):
    client = login("n1_coordinator")
    add_civil_action(client, network.case.id)
    response = post(client, f"/casi/{network.case.id}/tutela", {
        "version": "0", "action_type": "complaint", "counsel": "", "outcome": "pending"})
    assert response.status_code == 409
    assert _rows(network, LegalPath)[0].action_type.value == "civil_action"


def test_upcoming_deadlines_are_the_next_fourteen_days_and_the_overdue(login, network):
    from portal.cases.legal_services import upcoming_deadlines

    client = login("n1_coordinator")
    today = date.today()
    for days, done in ((-3, False), (5, False), (30, False), (2, True)):
        post(client, f"/casi/{network.case.id}/tutela/scadenze",
             {"due_on": (today + timedelta(days=days)).isoformat(), "kind": "hearing", "note": "", "done": "y" if done else ""})
    with context.acting_as(network.tenants["n1"].id):
        coordinator = network.users["n1_coordinator"]
        from portal.accounts.models import Membership

        membership = db.session.scalar(select(Membership).where(Membership.user_id == coordinator.id))
        from unittest import mock

        with mock.patch("portal.accounts.permissions.current_membership", return_value=membership):
            rows = db.session.execute(upcoming_deadlines(coordinator, today)).all()
    assert [r.due_on for r in rows] == [today - timedelta(days=3), today + timedelta(days=5)]
    assert rows[0].pseudonym == network.case.pseudonym


def _legal_rows_for(case, action="civil_action", requested="1000.00", granted=None):
    from decimal import Decimal

    from portal.cases.legal import Fund, LegalActionType

    with context.acting_as(case.tenant_id):
        db.session.add(LegalPath(case_id=case.id, tenant_id=case.tenant_id, action_type=LegalActionType(action),
                                 started_on=date(2026, 3, 5)))
        db.session.add(FundRequest(case_id=case.id, tenant_id=case.tenant_id, fund=Fund.REGIONAL_VICTIMS,
                                   requested=Decimal(requested), requested_on=date(2026, 3, 6),
                                   granted=Decimal(granted) if granted else None,
                                   granted_on=date(2026, 3, 20) if granted else None))
        db.session.flush()


MARCH = "?dal=2026-03-01&al=2026-03-31"


def test_monitoring_counts_and_amounts_suppress_small_cells(login, network):
    from .factories import make_case, make_referral

    _legal_rows_for(network.case, granted="800.00")
    client = login("n1_coordinator")
    body = client.get("/monitoraggio/" + MARCH).get_data(as_text=True).replace("\xa0", " ")
    assert 'id="legal-paths"' in body and 'id="legal-funds"' in body
    assert "€ 1.000,00" not in body  # one request: its amount is a small cell

    for _ in range(4):  # five civil actions and five requests in all: published
        case = make_case(make_referral(network.tenants["a"], network.users["a_operator"]))
        _legal_rows_for(case, granted="100.00")
    body = client.get("/monitoraggio/" + MARCH).get_data(as_text=True).replace("\xa0", " ")
    assert "€ 5.000,00" in body and "€ 1.200,00" in body  # requested 5 × 1.000; granted 800 + 4 × 100
    paths = body[body.index('id="legal-paths"'):body.index('id="legal-funds"')]
    # Five civil actions, all pending, and nothing else: the cell, its row or its column published beside the
    # total of 5 would show every other cell to be 0 (counts are never negative), so the total alone is.
    civil = paths[paths.index("Azione civile contro la discriminazione"):]
    assert '<td class="text-end">5</td>' not in civil.split("</tr>")[0]
    assert '<td class="text-end">5</td>' in paths.split("</tr>")[-2]  # the last row: the totals


def test_anonymisation_clears_the_lawyer_text_and_keeps_the_codes(login, network, session):
    from portal.people.gdpr import anonymise
    from portal.people.models import Person

    add_civil_action(login("n1_coordinator"), network.case.id)
    post(login("n1_coordinator"), f"/casi/{network.case.id}/tutela/scadenze",
         {"due_on": "2026-04-01", "kind": "hearing", "note": "Udienza con la signora Rossi"})
    with context.acting_as(network.tenants["n1"].id):
        cleared = anonymise(session.get(Person, network.person.id), reason="test")
        session.expire_all()
        path = session.scalar(select(LegalPath))
        deadline = session.scalar(select(LegalDeadline))
        assert path.counsel is None and path.action_type.value == "civil_action"
        assert deadline.note is None and deadline.due_on == date(2026, 4, 1)
    assert {"legal_path.counsel", "legal_deadline.note"} <= set(cleared)


def test_the_assigned_worker_edits_others_who_view_only_read(login, network):
    worker = login("n1_case_worker")  # assigned to the victim's case
    assert add_civil_action(worker, network.case.id).status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        db.session.get(type(network.case), network.case.id).case_worker_id = network.users["n1_coordinator"].id
        db.session.flush()
    page = worker.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert "Azione civile contro la discriminazione" in page  # still reads it
    assert f"/casi/{network.case.id}/tutela" not in page and "tutela/fondi" not in page
    assert worker.get(f"/casi/{network.case.id}/tutela").status_code == 403
    assert add_fund_request(worker, network.case.id).status_code == 403
    assert login("n1_budget_officer").get(f"/casi/{network.case.id}/tutela/fondi").status_code == 403


def test_an_alert_fires_for_a_hearing_within_fourteen_days_until_it_is_held(network):
    from portal.alerts.models import Alert, Rule
    from portal.alerts.services import evaluate
    from portal.cases.legal import DeadlineKind

    today = date(2026, 11, 25)
    n1 = network.tenants["n1"].id
    with context.acting_as(n1):
        near = LegalDeadline(case_id=network.case.id, tenant_id=n1, due_on=today + timedelta(days=10), kind=DeadlineKind.HEARING)
        far = LegalDeadline(case_id=network.case.id, tenant_id=n1, due_on=today + timedelta(days=40), kind=DeadlineKind.FILING)
        db.session.add_all([near, far])
        db.session.flush()
        evaluate(n1, today=today)
        fired = list(db.session.scalars(select(Alert).where(Alert.rule == Rule.LEGAL_DEADLINE_DUE)))
        assert [(a.object_type, a.object_id, a.owner_id) for a in fired] == [
            ("legal_deadline", near.id, network.users["n1_case_worker"].id)]
        near.done_on = today
        db.session.flush()
        evaluate(n1, today=today)
        open_alerts = list(db.session.scalars(select(Alert).where(Alert.rule == Rule.LEGAL_DEADLINE_DUE,
                                                                  Alert.state != "resolved")))
    assert open_alerts == []


def test_civil_action_and_fund_request_on_the_record_downloads_and_in_the_monitoring(login, network):
    """The issue's "done when": the same case, entered through the forms, on the scheda analitica's PDF and
    CSV and on the node's monitoring (published once five cases make the cells large enough)."""
    import csv
    import io

    from pypdf import PdfReader

    from .factories import make_case, make_referral

    client = login("n1_coordinator")
    case_id = network.case.id
    assert add_civil_action(client, case_id).status_code == 302
    assert add_fund_request(client, case_id).status_code == 302
    pdf = client.get(f"/casi/{case_id}/scheda.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    legal_pdf = " ".join(text[text.index("Tutela legale"):].split())  # cells wrap: compare words
    assert "10/02/2026 Azione civile contro la discriminazione" in legal_pdf
    assert "15/02/2026 Richiesta: Fondo regionale per le vittime di discriminazione 1.500,00" in legal_pdf
    assert "01/03/2026 Concessione: Fondo regionale" in legal_pdf
    assert "1.234,56" in legal_pdf
    assert "Rossi-LEGALE" not in text  # the record names no lawyer
    rows = list(csv.reader(io.StringIO(client.get(f"/casi/{case_id}/scheda.csv").get_data().decode("utf-8-sig")),
                           delimiter=";"))
    legal = rows[rows.index(["Tutela legale"]) + 2:]
    assert ["15/02/2026", "Richiesta: Fondo regionale per le vittime di discriminazione", "", "1.500,00"] in legal
    assert any(row[1].startswith("Azione civile contro la discriminazione") and row[0] == "10/02/2026" for row in legal)

    for _ in range(4):
        _legal_rows_for(make_case(make_referral(network.tenants["a"], network.users["a_operator"])), granted="100.00")
    body = client.get("/monitoraggio/?dal=2026-02-01&al=2026-03-31").get_data(as_text=True).replace("\xa0", " ")
    paths = body[body.index('id="legal-paths"'):body.index('id="legal-funds"')]
    # Five civil actions, all pending, and nothing else: the cell, its row or its column published beside the
    # total of 5 would show every other cell to be 0 (counts are never negative), so the total alone is.
    civil = paths[paths.index("Azione civile contro la discriminazione"):]
    assert '<td class="text-end">5</td>' not in civil.split("</tr>")[0]
    assert '<td class="text-end">5</td>' in paths.split("</tr>")[-2]  # the last row: the totals
    funds = body[body.index('id="legal-funds"'):]
    assert "€ 5.500,00" in funds and "€ 1.634,56" in funds  # requested 1.500 + 4 × 1.000; granted 1.234,56 + 4 × 100
