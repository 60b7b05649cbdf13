"""Bulk import of a node's own cases: people the node followed before Rete become the node's own
person, accepted referral and case, as a converted public report or an accepted transfer builds them;
dry run, idempotency, audit and undo as for an antenna's referrals; a node imports only into itself."""
import io
from datetime import date

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chains
from portal.cases.models import Case, CaseState, DiaryEntry
from portal.extensions import db
from portal.imports.models import BatchState, ImportBatch, ImportRow, RowStatus
from portal.people.models import Person
from portal.referrals.models import Referral, ReferralState
from portal.tenancy import context

from .helpers import csrf_from
from .imports_support import CASE_HEADER, case_row, csv_bytes
from .test_imports import post_step


def upload_and_check(client, rows):
    page = client.get("/importazioni/").get_data(as_text=True)
    answer = client.post("/importazioni/", data={"csrf_token": csrf_from(page),
                                                 "file": (io.BytesIO(csv_bytes(rows, header=CASE_HEADER)), "casi.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    path = answer.headers["Location"]
    page = client.get(path).get_data(as_text=True)
    assert 'name="f_opened_on"' in page and 'name="f_information_point"' not in page
    form = {"csrf_token": csrf_from(page)}
    guessed = dict(zip(["external_id", "last_name", "first_name", "tax_code", "birth_year", "grounds", "context",
                        "gender", "consent_date", "consent_notice_version", "opened_on", "case_state", "case_worker"],
                       range(len(CASE_HEADER)), strict=True))
    for field, index in guessed.items():
        form[f"f_{field}"] = str(index)
    answer = client.post(path, data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(path.split("/")[2])


def _node(network):
    return network.tenants["n1"]


def _batch(network, batch_id):
    with context.acting_as(_node(network).id):
        return db.session.get(ImportBatch, batch_id, populate_existing=True)


def _count(network, model):
    with context.acting_as(_node(network).id):
        return db.session.scalar(select(func.count(model.id)).where(model.tenant_id == _node(network).id))


def test_node_imports_its_own_cases_with_state_worker_and_opening_date(login, network, session, caplog):
    client = login("n1_coordinator")
    node = _node(network)
    assert "/importazioni/" in client.get("/casi/").get_data(as_text=True)  # the way in, from the case list
    assert "/importazioni/" not in login("n1_case_worker").get("/casi/").get_data(as_text=True)
    assert "Importazione di casi" in client.get("/importazioni/").get_data(as_text=True)
    rows = [case_row(1), case_row(2, state="open", worker=""), case_row(3, worker="nessuno@altrove.example"),
            case_row(4, opened="01/01/2099")]
    cases_before = _count(network, Case)
    batch_id = upload_and_check(client, rows)
    batch = _batch(network, batch_id)
    assert (batch.kind, batch.valid_rows, batch.invalid_rows) == ("cases", 2, 2)
    html = client.get(f"/importazioni/{batch_id}").get_data(as_text=True)
    assert "e-mail di un operatore" in html and "data nel futuro" in html, html[html.find("<table"):][:3000]
    assert "nessuno@altrove.example" not in html  # no cell echoed

    post_step(client, batch_id, "importa")
    batch = _batch(network, batch_id)
    assert (batch.state, batch.created_rows) == (BatchState.IMPORTED, 2)
    assert "row by row" not in caplog.text  # the chunk went through in one piece (batched on PostgreSQL)
    assert _count(network, Case) == cases_before + 2
    with context.acting_as(node.id):
        rows_done = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch_id,
                                                               ImportRow.status == RowStatus.CREATED)
                                       .order_by(ImportRow.number)).all()
        first = db.session.get(Referral, rows_done[0].referral_id)
        case = db.session.scalar(select(Case).where(Case.referral_id == first.id))
        # Everything is the node's own: person, referral and case.
        assert first.tenant_id == first.node_id == first.person.tenant_id == case.tenant_id == node.id
        assert first.state == ReferralState.ACCEPTED and first.grounds == ["age", "ethnicity"]
        assert case.state == CaseState.PHASE_1 and case.case_worker_id == network.users["n1_case_worker"].id
        assert case.opened_at.date() == date(2024, 1, 15) and case.pseudonym == first.person.pseudonym
        second = db.session.scalar(select(Case).where(Case.referral_id == rows_done[1].referral_id))
        assert second.state == CaseState.OPEN and second.case_worker_id is None
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(case.id),
                                                                        AuditEvent.object_type == "case")))
        assert actions == {"case.opened_by_import"}
        assert verify_chains([f"t{node.id}"]) == []

    # Idempotent: the same file again creates nothing.
    again = upload_and_check(client, rows)
    assert (_batch(network, again).valid_rows, _batch(network, again).existing_rows) == (0, 2)

    # Undo while untouched removes cases, referrals and people; a touched case blocks it.
    people_before = _count(network, Person)
    with context.acting_as(node.id):
        from portal.alerts.services import evaluate

        evaluate(node.id)  # the periodic evaluation: its alerts on the imported cases do not block the undo
        from portal.alerts.models import Alert

        assert db.session.scalar(select(func.count(Alert.id)).where(Alert.case_id.in_([case.id, second.id])))
        db.session.add(DiaryEntry(case_id=case.id, tenant_id=node.id, author_id=network.users["n1_coordinator"].id,
                                  text="nota"))
        db.session.flush()
    post_step(client, batch_id, "annulla")
    assert _batch(network, batch_id).state == BatchState.IMPORTED
    with context.acting_as(node.id):
        db.session.execute(DiaryEntry.__table__.delete().where(DiaryEntry.case_id == case.id))
    post_step(client, batch_id, "annulla")
    assert _batch(network, batch_id).state == BatchState.UNDONE
    assert _count(network, Case) == cases_before and _count(network, Person) == people_before - 2


def test_only_the_coordinator_imports_cases_and_only_into_its_own_node(login, network, session):
    assert login("n1_case_worker").get("/importazioni/").status_code == 403
    batch_id = upload_and_check(login("n1_coordinator"), [case_row(1)])
    assert login("n2_coordinator").get(f"/importazioni/{batch_id}").status_code == 404
    assert login("a_operator").get(f"/importazioni/{batch_id}").status_code == 404


def test_the_undo_checks_a_batch_with_the_same_statements_whatever_its_size(login, network, session, count_queries):
    """Whether every case is untouched is asked a few statements for the whole batch, not dozens per row
    (one per foreign key of every table): measured on a refused undo, which only checks."""
    client = login("n1_coordinator")
    node = _node(network)
    counts = []
    for first, size in ((1, 2), (11, 8)):
        batch_id = upload_and_check(client, [case_row(n) for n in range(first, first + size)])
        post_step(client, batch_id, "importa")
        assert _batch(network, batch_id).created_rows == size
        with context.acting_as(node.id):
            referral_id = db.session.scalar(select(ImportRow.referral_id).where(ImportRow.batch_id == batch_id)
                                            .order_by(ImportRow.number).limit(1))
            case = db.session.scalar(select(Case).where(Case.referral_id == referral_id))
            db.session.add(DiaryEntry(case_id=case.id, tenant_id=node.id,
                                      author_id=network.users["n1_coordinator"].id, text="nota"))
            db.session.flush()
        with count_queries() as counter:
            post_step(client, batch_id, "annulla")
        assert _batch(network, batch_id).state == BatchState.IMPORTED  # one case has a note: refused
        assert "1 caso importato è già stato modificato" in client.get(f"/importazioni/{batch_id}").get_data(as_text=True)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
