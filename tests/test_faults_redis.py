"""Redis goes away and comes back: the portal keeps serving pages and logins, the login limit still holds
(each worker counts in memory meanwhile), limits go back to Redis when it returns, and a job that cannot
be queued runs at once instead of failing the user's action.

A real redis-server on a free port, and the app under gunicorn (2 workers): Flask-Limiter keeps its
storage on a module-level object, so an in-process app pointed at Redis would leak into other tests.
"""
from __future__ import annotations

import os
import time

import pytest
import requests

from portal.jobs import enqueue
from portal.seed.network import DEMO_PASSWORD

from .conftest import Database, make_config, unavailable
from .faults_support import REDIS_SERVER, Gunicorn, RedisServer, csrf_of, http_login, seed_demo, wait_until

LIMIT = 4
OPERATOR = "operatore@comune-novara.example"
UNKNOWN = {"email": "nessuno@prova.example", "password": "Sbagliata-2026!"}


@pytest.fixture
def redis_server(tmp_path):
    if not os.path.exists(REDIS_SERVER):
        unavailable(f"redis-server not installed at {REDIS_SERVER}: apt-get install redis-server")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def served(tmp_path_factory, mail_server, redis_server):
    database = Database(tmp_path_factory, "faults_redis")
    server = None
    try:
        seed_demo(database)
        overrides = make_config(
            database, mail_server, RATELIMIT_STORAGE_URI=redis_server.url,
            REDIS_URL=redis_server.url.removesuffix("/0") + "/1",  # the RQ queue, apart from the counters
            LOGIN_RATE_LIMIT=f"{LIMIT} per minute", PROPAGATE_EXCEPTIONS=False,
        )
        server = Gunicorn(overrides, workers=2, log_dir=tmp_path_factory.mktemp("gunicorn"),
                          env={"RETE_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance"))}).start()
        yield server
    finally:
        if server:
            server.stop()
        database.drop()


class Visitor:
    """One browser: every answer is kept, so the test can say that none was a 5xx."""

    def __init__(self, base_url: str, http: requests.Session | None = None):
        self.base_url = base_url
        self.http = http or requests.Session()
        self.statuses: list[tuple[str, int]] = []

    def get(self, path: str) -> requests.Response:
        response = self.http.get(self.base_url + path, timeout=10, allow_redirects=False)
        self.statuses.append((path, response.status_code))
        return response

    def post_form(self, path: str, data: dict, form_page: str | None = None) -> int:
        token = csrf_of(self.get(form_page or path).text)
        response = self.http.post(self.base_url + path, data={**data, "csrf_token": token}, timeout=10,
                                  allow_redirects=False)
        self.statuses.append((path, response.status_code))
        return response.status_code

    def server_errors(self) -> list:
        return [s for s in self.statuses if s[1] >= 500]


def limiter_keys(redis_server) -> list[bytes]:
    return [k for k in redis_server.client().keys("*") if b"accounts.login" in k]


def rq_jobs(redis_server) -> int:
    from rq import Queue

    return Queue("rete", connection=redis_server.client(db=1)).count


def test_redis_outage_keeps_pages_logins_and_the_login_limit(served, redis_server):
    visitor = Visitor(served.url)

    # Redis up: the login limit is counted in Redis, e-mails go to the queue.
    assert [visitor.post_form("/accesso", UNKNOWN) for _ in range(LIMIT + 1)] == [200] * LIMIT + [429]
    assert limiter_keys(redis_server)
    assert visitor.post_form("/password/dimenticata", {"email": OPERATOR}) == 302
    # The reset (lookup, outbox row, audit) is one job on the queue, for a worker (portal.jobs.after_response).
    wait_until(lambda: rq_jobs(redis_server) == 1, 5, interval=0.05, what="the reset queued")

    redis_server.stop()

    # Pages and logins still work.
    for path in ("/accesso", "/privacy", "/accessibilita", "/salute"):
        assert visitor.get(path).status_code == 200, path
    user = Visitor(served.url, http_login(served.url, OPERATOR, DEMO_PASSWORD))
    for path in ("/", "/segnalazioni/", "/segnalazioni/nuova"):
        assert user.get(path).status_code == 200, path
    # An action that sends an e-mail does not fail because the queue is away.
    assert Visitor(served.url).post_form("/password/dimenticata", {"email": OPERATOR}) == 302
    # The login limit still applies, counted in each worker's memory (2 workers: at most twice the limit).
    statuses = []
    while 429 not in statuses:
        statuses.append(visitor.post_form("/accesso", UNKNOWN))
        assert len(statuses) <= 2 * LIMIT + 1, f"no limit without Redis: {statuses}"
    assert set(statuses) == {200, 429}

    redis_server.start()  # same port, empty

    # The limits go back to Redis: attempts are counted there again (each worker retries Redis with a
    # growing pause, so this may take some seconds).
    def counted_in_redis():
        visitor.post_form("/accesso", UNKNOWN)
        return limiter_keys(redis_server)

    wait_until(counted_in_redis, 45, interval=0.3, what="login attempts counted in Redis again")
    assert not visitor.server_errors() and not user.server_errors(), visitor.statuses + user.statuses
    assert served.process.poll() is None
    assert "Traceback" not in served.log(), served.log()[-3000:]


def _remember(path: str, line: str) -> None:
    with open(path, "a") as f:
        f.write(line + "\n")


def test_enqueue_runs_the_job_now_when_redis_is_down(app, redis_server, tmp_path):
    from rq import Queue

    done = tmp_path / "done.txt"
    with app.app_context():
        app.config["REDIS_URL"], saved = redis_server.url, app.config["REDIS_URL"]
        try:
            enqueue(_remember, str(done), "queued")
            assert Queue("rete", connection=redis_server.client()).count == 1
            assert not done.exists()  # waits for a worker

            redis_server.stop()
            started = time.monotonic()
            enqueue(_remember, str(done), "inline")
            assert done.read_text() == "inline\n"
            assert time.monotonic() - started < 5
        finally:
            app.config["REDIS_URL"] = saved
