"""Retention of public reports (``flask rete erase-public-reports``): reports closed, converted or without
news from the reporter the node waits for, for longer than the period, lose texts, identity, messages and files, and their receipt code opens
nothing; the referral a report became keeps its own copy; counts only in the audit log."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.models_base import utcnow
from portal.referrals.models import Referral
from portal.reports.models import (
    CloseReason,
    PublicReport,
    PublicReportFile,
    PublicReportKey,
    PublicReportMessage,
    ReportState,
)
from portal.tenancy import context

from .helpers import csrf_from
from .report_support import PDF, WHAT, open_report, submit


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati" / "public-reports"


def _newest(net):
    with context.acting_as(net.tenants["n1"].id):
        return db.session.scalars(select(PublicReport).order_by(PublicReport.id.desc())
                                  .execution_options(populate_existing=True)).first()


def _node_step(client, report, step, data=None):
    page = client.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    response = client.post(f"/segnalazioni-pubbliche/{report.id}/{step}",
                           data={"csrf_token": csrf_from(page), "version": report.version, **(data or {})})
    assert response.status_code == 302, response.get_data(as_text=True)


def _age(net, report_id, days, **columns):
    """Move a report's dates (and its messages') ``days`` into the past."""
    past = utcnow() - timedelta(days=days)
    with context.acting_as(net.tenants["n1"].id):
        db.session.execute(update(PublicReport).where(PublicReport.id == report_id)
                           .values(submitted_at=past, **{c: past for c in columns}))
        db.session.execute(update(PublicReportMessage).where(PublicReportMessage.report_id == report_id).values(at=past))
        db.session.flush()


def _erase(app):
    result = app.test_cli_runner().invoke(args=["rete", "erase-public-reports"])
    assert result.exit_code == 0, result.output
    return result.output


def _rows(net, model, report_id):
    with context.acting_as(net.tenants["n1"].id):
        return list(db.session.scalars(select(model).where(model.report_id == report_id)))


def test_old_reports_are_erased_and_their_code_opens_nothing(app, client, login, network, session, storage):
    app.config["PUBLIC_REPORT_RETENTION_DAYS"] = 365
    node = login("n1_coordinator")
    _, closed_code = submit(client, wants_contact="y", name="Amina Haddad", contact="333 1234567",
                            notify_email="amina@example.org", files=[("prova.pdf", PDF)])
    closed = _newest(network)
    _node_step(node, closed, "messaggio", {"body": "Ci può dire di più?"})
    _node_step(node, _newest(network), "chiudi", {"reason": "no_answer", "message": "Chiudiamo."})
    _age(network, closed.id, 400, closed_at=True)
    assert list(storage.iterdir())

    submit(client, wants_contact="y", name="Bruno Neri", contact="bruno@example.org")
    converted = _newest(network)
    _node_step(node, converted, "converti")
    _age(network, converted.id, 400, closed_at=True)

    submit(client)  # the node asked, the reporter never answered in 400 days
    silent = _newest(network)
    _node_step(node, silent, "messaggio", {"body": "Ci risponde?"})
    _age(network, silent.id, 400)

    submit(client)  # waiting for the node 400 days: the node's to decide, never erased
    waiting = _newest(network)
    _age(network, waiting.id, 400)

    _, talking_code = submit(client)  # submitted long ago, but the thread moved 10 days ago
    talking = _newest(network)
    _node_step(node, talking, "messaggio", {"body": "Ci sentiamo presto."})
    _age(network, talking.id, 400)
    with context.acting_as(network.tenants["n1"].id):
        db.session.execute(update(PublicReportMessage).where(PublicReportMessage.report_id == talking.id)
                           .values(at=utcnow() - timedelta(days=10)))
    submit(client)
    recent = _newest(network)
    _node_step(node, recent, "chiudi", {"reason": "duplicate", "message": ""})

    assert "Segnalazioni pubbliche cancellate: 3 (messaggi: 3, file: 1)" in _erase(app)

    with context.acting_as(network.tenants["n1"].id):
        db.session.expire_all()
        reports = {r.id: r for r in db.session.scalars(select(PublicReport))}
        for report_id in (closed.id, converted.id, silent.id):
            report = reports[report_id]
            assert report.erased_at is not None and report.code_hash == ""
            assert (report.what, report.name, report.contact, report.notify_email) == (None, None, None, None)
            assert report.what_enc is None and report.name_enc is None and report.notify_email_enc is None
            assert report.grounds == ["religion", "gender"] and report.context == "work"  # codes stay for counts
        assert reports[silent.id].state == ReportState.CLOSED and reports[silent.id].close_reason == CloseReason.NO_ANSWER
        assert reports[converted.id].state == ReportState.CONVERTED
        referral = db.session.get(Referral, reports[converted.id].referral_id)
        assert referral.situation.startswith(WHAT) and referral.person.last_name == "Neri"  # the referral keeps its copy
        for report_id in (talking.id, recent.id, waiting.id):
            assert reports[report_id].erased_at is None and reports[report_id].what == WHAT
        keys = {k.report_id for k in db.session.scalars(select(PublicReportKey))}
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "public_report.erased_by_retention"))
    assert keys.isdisjoint({closed.id, converted.id, silent.id}) and {talking.id, recent.id, waiting.id} <= keys
    assert sorted(event.fields) == ["files=1", "messages=3", "reports=3"] and event.object_id is None
    assert event.tenant_id == network.tenants["n1"].id
    for model in (PublicReportMessage, PublicReportFile):
        assert _rows(network, model, closed.id) == []
    assert list(storage.iterdir()) == []  # the file left the disk with the commit

    assert open_report(client, closed_code).status_code == 400  # the code opens nothing
    assert open_report(client, talking_code).status_code == 302
    page = node.get(f"/segnalazioni-pubbliche/{closed.id}").get_data(as_text=True)
    assert "sono stati cancellati il" in page and "Amina" not in page
    assert "Segnalazioni pubbliche cancellate: 0 (messaggi: 0, file: 0)" in _erase(app)  # nothing twice


def test_the_period_is_configurable(app, client, login, network, session):
    submit(client)
    report = _newest(network)
    _node_step(login("n1_coordinator"), report, "chiudi", {"reason": "duplicate", "message": ""})
    _age(network, report.id, 40, closed_at=True)
    app.config["PUBLIC_REPORT_RETENTION_DAYS"] = 60
    try:
        assert "cancellate: 0" in _erase(app)
        app.config["PUBLIC_REPORT_RETENTION_DAYS"] = 30
        assert "cancellate: 1" in _erase(app)
    finally:
        app.config["PUBLIC_REPORT_RETENTION_DAYS"] = 365
