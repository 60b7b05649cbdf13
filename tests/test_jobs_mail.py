"""Mail through real SMTP, inline (embedded default) and through an RQ queue on Redis (production)."""
import socket

import pytest

from portal.mail import send_mail

from .conftest import unavailable


def test_send_mail_inline_reaches_smtp(app, mailbox):
    with app.app_context():
        assert send_mail("persona@prova.example", "Oggetto di prova", "Corpo del messaggio")
    message = mailbox.wait_for(1)[0]
    assert message["Subject"] == "Oggetto di prova"
    assert "Corpo del messaggio" in mailbox.body(message)


def test_unreachable_smtp_is_logged_not_raised(app, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with app.app_context():
        app.config["MAIL_PORT"], saved = closed_port, app.config["MAIL_PORT"]
        try:
            assert send_mail("x@prova.example", "s", "b") is False
        finally:
            app.config["MAIL_PORT"] = saved
    assert "not sent" in caplog.text


@pytest.fixture
def redis_url():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(url).ping()
    except RedisDown:
        unavailable("Redis not reachable on 127.0.0.1:6379")
    Redis.from_url(url).flushdb()
    yield url
    Redis.from_url(url).flushdb()


def test_send_mail_through_rq_worker(app, mailbox, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    with app.app_context():
        app.config["REDIS_URL"] = redis_url
        try:
            send_mail("persona@prova.example", "Dalla coda", "Consegnato dal worker")
        finally:
            app.config["REDIS_URL"] = None
    queue = Queue("rete", connection=Redis.from_url(redis_url))
    assert queue.count == 1
    assert mailbox.wait_for(1, timeout=0.3) == []  # nothing sent until a worker runs
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert mailbox.wait_for(1)[0]["Subject"] == "Dalla coda"
