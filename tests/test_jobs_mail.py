"""Mail through real SMTP: written to the outbox with the change, sent after the commit, inline (embedded
default) or by an RQ worker on Redis (production)."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail import send_mail
from portal.notifications.models import OutboxMail, OutboxStatus
from portal.tenancy import context

from .conftest import shared_redis_url, unavailable
from .outbox_support import closed_port


def _rows(tenant_id):
    with context.acting_as(tenant_id):
        return [(r.recipient, r.status, r.attempts, r.last_error) for r in db.session.scalars(select(OutboxMail))]


def test_send_mail_reaches_smtp_after_the_commit(app, network, mailbox):
    tid = network.tenants["a"].id
    with app.app_context(), context.acting_as(tid):
        assert send_mail("persona@prova.example", "Oggetto di prova", "Corpo del messaggio")
        assert mailbox.wait_for(1, timeout=0.3) == []  # nothing leaves before the commit
        db.session.commit()
    message = mailbox.wait_for(1)[0]
    assert message["Subject"] == "Oggetto di prova"
    assert "Corpo del messaggio" in mailbox.body(message)
    assert _rows(tid) == [("persona@prova.example", OutboxStatus.SENT, 1, None)]


def test_each_recipient_gets_their_own_message(app, network, mailbox):
    with app.app_context(), context.acting_as(network.tenants["a"].id):
        send_mail(["uno@prova.example", "due@prova.example"], "Per due", "Corpo")
        db.session.commit()
    assert sorted(m["To"] for m in mailbox.wait_for(2)) == ["due@prova.example", "uno@prova.example"]


def test_unreachable_smtp_keeps_the_mail_pending(app, network, mailbox, caplog):
    tid = network.tenants["a"].id
    with closed_port(app), app.app_context(), context.acting_as(tid):
        assert send_mail("x@prova.example", "s", "b") is True
        db.session.commit()  # the action stands
    assert mailbox.wait_for(1, timeout=0.3) == []
    [(recipient, status, attempts, error)] = _rows(tid)
    assert (status, attempts, error) == (OutboxStatus.PENDING, 1, "ConnectionRefusedError")
    assert "not sent" in caplog.text and "x@prova.example" not in caplog.text


@pytest.fixture
def redis_url():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = shared_redis_url("mail")
    try:
        Redis.from_url(url).ping()
    except RedisDown:
        unavailable("Redis not reachable on 127.0.0.1:6379")
    Redis.from_url(url).flushdb()
    yield url
    Redis.from_url(url).flushdb()


def test_send_mail_through_rq_worker(app, network, mailbox, redis_url):
    from redis import Redis
    from rq import Queue

    from portal.worker import Worker

    tid = network.tenants["a"].id
    with app.app_context(), context.acting_as(tid):
        app.config["REDIS_URL"] = redis_url
        try:
            send_mail("persona@prova.example", "Dalla coda", "Consegnato dal worker")
            db.session.commit()
        finally:
            app.config["REDIS_URL"] = None
    queue = Queue("rete", connection=Redis.from_url(redis_url))
    assert queue.count == 1
    assert mailbox.wait_for(1, timeout=0.3) == []  # nothing sent until a worker runs
    with app.app_context():
        Worker([queue], connection=queue.connection).work(burst=True)
    assert mailbox.wait_for(1)[0]["Subject"] == "Dalla coda"
    assert _rows(tid)[0][1] == OutboxStatus.SENT


def test_a_reset_with_the_queue_is_one_push_whatever_the_address(app, client, network, mailbox, redis_url):
    """With the job queue the reset's lookup, mail and audit row are a worker's: the request pushes one job for a
    known address and one for an unknown one (done after the answer, they still held a sync worker's
    connection open longer for a known address)."""
    from redis import Redis
    from rq import Queue

    from portal.worker import Worker

    from .helpers import csrf_token

    queue = Queue("rete", connection=Redis.from_url(redis_url))
    app.config["REDIS_URL"] = redis_url
    try:
        for address in (network.users["a_operator"].email, "nessuno@prova.example"):
            token = csrf_token(client, "/password/dimenticata")
            assert client.post("/password/dimenticata", data={"email": address, "csrf_token": token}).status_code == 302
        assert queue.count == 2  # one job each, nothing looked up in the request
        assert mailbox.wait_for(1, timeout=0.3) == []
    finally:
        app.config["REDIS_URL"] = None
    with app.app_context():
        Worker([queue], connection=queue.connection).work(burst=True)
    assert [m["To"] for m in mailbox.wait_for(1)] == [network.users["a_operator"].email]
