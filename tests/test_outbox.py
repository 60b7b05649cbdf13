"""The outbox: SMTP down never fails an action nor loses a mail; send-outbox delivers exactly once; a
rolled-back change sends nothing; retries back off and give up; the system admin sees and retries."""
from datetime import UTC, timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.mail import send_mail
from portal.models_base import utcnow
from portal.notifications import outbox
from portal.notifications.models import OutboxMail, OutboxStatus
from portal.tenancy import context

from .helpers import csrf_from, post_form
from .outbox_support import closed_port


def _rows(tenant_id):
    with context.acting_as(tenant_id):
        return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)
                                       .execution_options(populate_existing=True)))


def _wait(row) -> timedelta:
    at = row.next_attempt_at  # SQLite gives it back naive
    return (at if at.tzinfo else at.replace(tzinfo=UTC)) - utcnow()


def _send_outbox(app):
    result = app.test_cli_runner().invoke(args=["rete", "send-outbox"])
    assert result.exit_code == 0, result.output
    return result.output


def test_smtp_down_the_action_succeeds_and_send_outbox_delivers_once(app, client, network, mailbox):
    user, tid = network.users["a_operator"], network.tenants["a"].id
    email = user.email
    app.config["OUTBOX_BACKOFF_SECONDS"] = 0  # due again at once, so the test need not wait
    try:
        with closed_port(app):
            response = post_form(client, "/password/dimenticata", {"email": email})
        assert response.status_code == 302  # the user's action completed
        assert mailbox.wait_for(1, timeout=0.3) == []
        [row] = _rows(tid)  # an anonymous request: filed under the recipient's tenant
        assert (row.recipient, row.status, row.attempts) == (email, OutboxStatus.PENDING, 1)
        assert row.last_error == "ConnectionRefusedError" and email not in row.last_error
        assert "password" not in row.subject_enc and "/password/nuova/" not in row.body_enc  # encrypted at rest

        assert "E-mail inviate: 1" in _send_outbox(app)  # the server is back
        [message] = mailbox.wait_for(1)
        assert message["To"] == email and "/password/nuova/" in mailbox.body(message)
        [row] = _rows(tid)
        assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.body_enc is None
        row_id = row.id

        assert "E-mail inviate: 0" in _send_outbox(app)  # exactly once
        assert outbox.send_rows([(row_id, tid)], db.session) == 0  # a late sender with its id: no resend
        assert len(mailbox.wait_for(2, timeout=0.5)) == 1
    finally:
        app.config["OUTBOX_BACKOFF_SECONDS"] = 60


def test_a_rolled_back_change_sends_nothing(app, network, mailbox):
    tid = network.tenants["a"].id
    with app.app_context(), context.acting_as(tid):
        send_mail("persona@prova.example", "Mai partita", "Corpo")
        db.session.rollback()
        db.session.commit()  # a later commit of the same session carries nothing of it
    assert mailbox.wait_for(1, timeout=0.5) == []
    assert _rows(tid) == []
    assert "E-mail inviate: 0" in _send_outbox(app)


def test_error_response_discards_the_mail_of_the_failed_action(login, network, mailbox):
    """A request answered 4xx rolls back what it flushed, its outbox rows included."""
    client = login("a_admin")
    page = client.get("/utenti/invita").get_data(as_text=True)
    response = client.post("/utenti/invita", data={"csrf_token": csrf_from(page), "email": "non-valida",
                                                   "full_name": "", "role": "antenna_operator"})
    assert response.status_code in (200, 400)
    assert _rows(network.tenants["a"].id) == []


def test_backoff_then_failed_after_max_attempts(app, network, mailbox):
    tid = network.tenants["a"].id
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    try:
        with closed_port(app):
            with app.app_context(), context.acting_as(tid):
                send_mail("persona@prova.example", "Ritenta", "Corpo")
                db.session.commit()
            [row] = _rows(tid)
            waits = [_wait(row)]
            assert timedelta(seconds=50) < waits[0] <= timedelta(seconds=60)  # first retry after a minute
            for _attempt in range(2):
                with context.acting_as(tid):
                    db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
                _send_outbox(app)
                [row] = _rows(tid)
                waits.append(_wait(row))
        assert row.status == OutboxStatus.FAILED and row.attempts == 3
        assert timedelta(seconds=110) < waits[1] <= timedelta(seconds=120)  # doubled
        assert "E-mail inviate: 0" in _send_outbox(app)  # given up: cron leaves it alone
        assert mailbox.wait_for(1, timeout=0.3) == []
    finally:
        app.config["OUTBOX_MAX_ATTEMPTS"] = 8


def test_a_claimed_row_is_not_sent_twice(app, network, mailbox):
    """Another sender moved next_attempt_at forward (claimed it): send-outbox leaves it."""
    tid = network.tenants["a"].id
    with closed_port(app):
        with app.app_context(), context.acting_as(tid):
            send_mail("persona@prova.example", "Occupata", "Corpo")
            db.session.commit()
    with context.acting_as(tid):
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow() + timedelta(minutes=5)))
    row_id = _rows(tid)[0].id
    assert "E-mail inviate: 0" in _send_outbox(app)
    # A sender that had already picked its id (the request's attempt, the worker) loses the claim too.
    assert outbox.send_rows([(row_id, tid)], db.session) == 0
    assert mailbox.wait_for(1, timeout=0.3) == []
    assert _rows(tid)[0].attempts == 1


def _failed_row(app, tenant_id):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    try:
        with closed_port(app), app.app_context(), context.acting_as(tenant_id):
            send_mail("destinatario@prova.example", "Oggetto non consegnato", "Corpo")
            db.session.commit()
    finally:
        app.config["OUTBOX_MAX_ATTEMPTS"] = 8
    [row] = _rows(tenant_id)
    assert row.status == OutboxStatus.FAILED
    return row.id


def test_system_admin_sees_failed_mail_and_retries_it(app, login, network, mailbox):
    row_id = _failed_row(app, network.tenants["n1"].id)
    admin = login("n1_sysadmin")
    page = admin.get("/posta-in-uscita/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Oggetto non consegnato" in text and "destinatario@prova.example" in text and "ConnectionRefusedError" in text
    assert "Posta in uscita" in admin.get("/").get_data(as_text=True)  # in the user menu
    response = admin.post(f"/posta-in-uscita/{row_id}/riprova", data={"csrf_token": csrf_from(text)})
    assert response.status_code == 302
    assert mailbox.wait_for(1)[0]["Subject"] == "Oggetto non consegnato"
    [row] = _rows(network.tenants["n1"].id)
    assert row.status == OutboxStatus.SENT
    assert "Nessuna e-mail in attesa" in admin.get("/posta-in-uscita/").get_data(as_text=True)


def test_retry_all_failed(app, login, network, mailbox):
    _failed_row(app, network.tenants["n1"].id)
    admin = login("n1_sysadmin")
    page = admin.get("/posta-in-uscita/").get_data(as_text=True)
    assert admin.post("/posta-in-uscita/riprova-tutti", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert mailbox.wait_for(1)[0]["Subject"] == "Oggetto non consegnato"


def test_outbox_page_is_the_system_admins_and_their_tenants(app, login, network):
    row_id = _failed_row(app, network.tenants["n1"].id)
    for key in ("n1_coordinator", "n1_dpo", "a_admin"):
        assert login(key).get("/posta-in-uscita/").status_code == 403
    other = login("n2_sysadmin")
    page = other.get("/posta-in-uscita/").get_data(as_text=True)
    assert "Oggetto non consegnato" not in page and "destinatario@prova.example" not in page
    response = other.post(f"/posta-in-uscita/{row_id}/riprova", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404
    [row] = _rows(network.tenants["n1"].id)
    assert row.status == OutboxStatus.FAILED


def test_an_unreachable_server_is_tried_once_per_batch(app, network, mailbox, monkeypatch):
    """Three recipients, SMTP down: one connection attempt, not three timeouts in the user's request."""
    import portal.mail as mail

    calls = []
    real = mail.deliver
    monkeypatch.setattr(mail, "deliver", lambda *args: calls.append(args[1]) or real(*args))
    tid = network.tenants["a"].id
    with closed_port(app), app.app_context(), context.acting_as(tid):
        send_mail(["uno@prova.example", "due@prova.example", "tre@prova.example"], "Giù", "Corpo")
        db.session.commit()
    assert len(calls) == 1
    rows = _rows(tid)
    assert [(r.status, r.attempts, r.last_error) for r in rows] == [(OutboxStatus.PENDING, 1, "ConnectionRefusedError")] * 3
    monkeypatch.setattr(mail, "deliver", real)
    with context.acting_as(tid):
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert "E-mail inviate: 3" in _send_outbox(app)
    assert sorted(m["To"] for m in mailbox.wait_for(3)) == ["due@prova.example", "tre@prova.example", "uno@prova.example"]
