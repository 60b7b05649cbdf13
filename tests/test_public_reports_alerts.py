"""A burst of public reports is a security alert for the node's data protection officer (in the work
queue, on the security alerts page, by e-mail), one per node while open; and the public door's e-mails are
the node's outbox rows, sent right after the commit without waiting for cron (PostgreSQL's RLS included)."""
from datetime import timedelta
from email.header import decode_header, make_header

from sqlalchemy import select

from portal.alerts.models import AlertState, SecurityAlert, SecurityKind
from portal.extensions import db
from portal.mail import send_mail
from portal.models_base import utcnow
from portal.notifications import outbox
from portal.notifications.models import PRIVATE_RECIPIENT, Notification, OutboxMail, OutboxStatus
from portal.reports.models import PublicReport
from portal.tenancy import context

from .case_support import post
from .helpers import csrf_from
from .outbox_support import closed_port
from .report_support import submit


def _bursts(net, node="n1"):
    with context.acting_as(net.tenants[node].id):
        return list(db.session.scalars(
            select(SecurityAlert).where(SecurityAlert.kind == SecurityKind.PUBLIC_REPORT_BURST)
            .order_by(SecurityAlert.id).execution_options(populate_existing=True)))


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_a_burst_of_reports_raises_one_security_alert_for_the_dpo(app, client, login, network, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_BURST_THRESHOLD", 2)
    for _ in range(2):
        assert submit(client)[1] is not None
    assert _bursts(network) == []  # at the threshold: nothing yet
    for _ in range(2):
        assert submit(client)[1] is not None
    (alert,) = _bursts(network)  # one, its count updated by the fourth report
    assert alert.tenant_id == network.tenants["n1"].id and alert.state == AlertState.OPEN
    assert alert.identities_read == 4 and alert.subject_user_id is None and alert.threshold == 2
    dpo_mail = [m for m in mailbox.wait_for(5) if m["To"] == network.users["n1_dpo"].email]
    assert len(dpo_mail) == 1 and "segnalazioni pubbliche" in _subject(dpo_mail[0])
    assert f"/allerte/sicurezza/{alert.id}" in mailbox.body(dpo_mail[0])

    dpo = login("n1_dpo")
    home = dpo.get("/").get_data(as_text=True)
    assert f"/allerte/sicurezza/{alert.id}" in home and "Molte segnalazioni pubbliche in poco tempo" in home
    listing = dpo.get("/allerte/sicurezza").get_data(as_text=True)
    assert "Segnalazioni pubbliche" in listing and "4 segnalazioni in 10 minuti" in listing
    path = f"/allerte/sicurezza/{alert.id}"
    assert "4 in 10 minuti (soglia 2)" in dpo.get(path).get_data(as_text=True)
    assert login("n2_dpo").get(path).status_code == 404
    assert login("n1_coordinator").get(path).status_code == 403

    response = post(dpo, f"{path}/stato", {"res-version": alert.version, "azione": "resolve",
                                           "res-note": "Invii automatici, chiusi come abusivi"}, page=path)
    assert response.status_code == 302
    assert submit(client)[1] is not None  # the reports before the resolution no longer count
    assert [a.state for a in _bursts(network)] == [AlertState.RESOLVED]
    for _ in range(2):
        submit(client)
    assert [a.state for a in _bursts(network)] == [AlertState.RESOLVED, AlertState.OPEN]


def test_below_the_threshold_there_is_no_alert(app, client, network, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_BURST_THRESHOLD", 3)
    for _ in range(3):
        submit(client)
    assert _bursts(network) == []


def _outbox(tenant_id):
    with context.acting_as(tenant_id):
        return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)
                                       .execution_options(populate_existing=True)))


def test_an_anonymous_mail_names_its_owner_and_leaves_after_the_commit(app, network, mailbox):
    """No tenant in the context and a recipient without a membership: ``tenant_id`` owns the row, so the
    app (not only the owner's cron) may read and send it after the commit."""
    n1 = network.tenants["n1"].id
    with app.app_context(), context.acting_as(None):
        send_mail("segnalante@prova.example", "C'è un nuovo messaggio", "Corpo", tenant_id=n1)
        db.session.commit()
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "segnalante@prova.example"
    (row,) = _outbox(n1)
    assert row.status == OutboxStatus.SENT and row.tenant_id == n1


def test_the_reporter_is_told_after_the_commit_without_cron(client, login, network, mailbox):
    submit(client, notify_email="segnalante@example.org")
    n1 = network.tenants["n1"].id
    with context.acting_as(n1):
        report = db.session.scalars(select(PublicReport).order_by(PublicReport.id.desc())).first()
    node = login("n1_case_worker")
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    mailbox.messages.clear()
    response = node.post(f"/segnalazioni-pubbliche/{report.id}/messaggio", data={
        "csrf_token": csrf_from(page), "version": report.version, "body": "Dove è successo?"})
    assert response.status_code == 302
    notice = [m for m in mailbox.wait_for(1) if m["To"] == "segnalante@example.org"]
    assert notice and _subject(notice[0]) == "C'è un nuovo messaggio"
    rows = [r for r in _outbox(n1) if r.kind == PRIVATE_RECIPIENT]
    assert [(r.status, r.recipient) for r in rows] == [(OutboxStatus.SENT, "")]  # the address not kept once sent


def test_the_reporters_address_is_shown_to_nobody_and_ties_no_account(app, client, login, network, mailbox):
    # The address a reporter left for notices is encrypted on the report and erased with it; its copy in the
    # outbox showed on the system admin's page while undelivered and stayed after. An account with the same
    # address is not told in the app either (that would tie it to an anonymous report).
    address = network.users["a_operator"].email
    submit(client, notify_email=address)
    n1 = network.tenants["n1"].id
    with context.acting_as(n1):
        report = db.session.scalars(select(PublicReport).order_by(PublicReport.id.desc())).first()
    node = login("n1_case_worker")
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    with closed_port(app):
        assert node.post(f"/segnalazioni-pubbliche/{report.id}/messaggio", data={
            "csrf_token": csrf_from(page), "version": report.version, "body": "Dove è successo?"}).status_code == 302
    [row] = [r for r in _outbox(n1) if r.kind == PRIVATE_RECIPIENT]
    assert row.status == OutboxStatus.PENDING and row.recipient == address  # kept until it leaves
    outbox_page = login("n1_sysadmin").get("/posta-in-uscita/").get_data(as_text=True)
    assert "Indirizzo riservato" in outbox_page and address not in outbox_page
    operator, tenant = network.users["a_operator"], network.tenants["a"].id
    with context.acting_as(tenant, user_id=operator.id):
        assert db.session.scalars(select(Notification).where(Notification.user_id == operator.id)).all() == []
    # Given up on long ago: deleted with the sent mail (the report keeps its own encrypted copy).
    with context.acting_as(n1):
        db.session.get(OutboxMail, row.id).status = OutboxStatus.FAILED
        db.session.get(OutboxMail, row.id).next_attempt_at = utcnow() - timedelta(days=40)
        db.session.commit()
    with app.app_context():
        outbox.send_due(keep_days=30)
    assert [r for r in _outbox(n1) if r.kind == PRIVATE_RECIPIENT] == []
