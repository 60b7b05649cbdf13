"""PostgreSQL goes away under load and comes back: only what was in flight fails, nothing is half-written.

The real thing, bounded: gunicorn (2 workers, the app role, so row-level security applies) talks to
PostgreSQL through a TCP proxy this test controls. Three antenna operators create and submit referrals
while the node's coordinator takes them in charge; mid-load the proxy cuts every connection and refuses
new ones for two seconds. Clients behave like people: a failed page is tried again with the same form
(same submission key), so a retry may find that the first attempt had in fact been recorded.
"""
from __future__ import annotations

import queue
import re
import threading
import time
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa

from portal import create_app
from portal.seed.network import DEMO_PASSWORD

from .conftest import DB_KIND, PG_HOST, PG_PORT, Database, make_config
from .faults_support import Gunicorn, TcpProxy, csrf_of, http_login, seed_demo, wait_until
from .referral_support import KEY_RE, form_data

pytestmark = pytest.mark.skipif(DB_KIND != "postgresql", reason="the connection-loss test drives PostgreSQL "
                                "through a TCP proxy; SQLite has no connection to lose")

OPERATORS = ["operatore@comune-novara.example", "operatrice@comune-arona.example", "operatore@cisa24.example"]
COORDINATOR = "coordinatrice@nodo.novara.example"
OUTAGE_SECONDS = 2.0
# A request sent a moment before the proxy accepts again may still meet the outage.
GRACE_SECONDS = 0.5
RETRY_SECONDS = 20
DETAIL_RE = re.compile(r"/segnalazioni/(\d+)$")


@dataclass
class Call:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


class Load:
    """The client side: every request is timed and kept, so the test can say when each failure happened."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.created: dict[str, tuple[int, str, float]] = {}  # submission key -> (referral id, operator, sent at)
        self.accepted: dict[int, float] = {}  # referral id -> sent at
        self.to_accept: queue.Queue[int] = queue.Queue()
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def call(self, http, kind, method, path, **kwargs) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = http.request(method, self.base_url + path, timeout=15, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            with self._lock:
                self.calls.append(Call(kind, started, time.monotonic(), None, type(exc).__name__))
            return None
        with self._lock:
            self.calls.append(Call(kind, started, time.monotonic(), response.status_code))
        return response

    def until_answered(self, http, kind, method, path, **kwargs) -> tuple[requests.Response, float]:
        """Try again, as a person would, until the portal answers with something other than a failure."""
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            sent = time.monotonic()
            response = self.call(http, kind, method, path, **kwargs)
            if response is not None and response.status_code < 500:
                return response, sent
            if time.monotonic() > deadline:
                raise AssertionError(f"{kind}: still failing after {RETRY_SECONDS} s")
            time.sleep(0.2)

    def snapshot(self) -> tuple[list, list]:
        with self._lock:
            return list(self.created.values()), list(self.accepted.values())

    def run(self, target, *args):
        def guarded():
            try:
                target(*args)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(f"{target.__name__}{args}: {exc!r}")
                self.stop.set()

        thread = threading.Thread(target=guarded, daemon=True)
        thread.start()
        return thread

    # --- the people -----------------------------------------------------------------------------

    def operator(self, email: str) -> None:
        http = http_login(self.base_url, email, DEMO_PASSWORD)
        n = 0
        while not self.stop.is_set():
            n += 1
            page, _ = self.until_answered(http, "form", "GET", "/segnalazioni/nuova")
            assert page.status_code == 200, page.status_code
            data = form_data(first_name=f"Carico{n}", last_name=email.split("@")[1].split(".")[0].title())
            data.update(csrf_token=csrf_of(page.text), submission_key=KEY_RE.search(page.text).group(1))
            response, sent = self.until_answered(http, "refer", "POST", "/segnalazioni/nuova", data=data)
            match = DETAIL_RE.search(response.headers.get("Location", ""))
            assert response.status_code == 302 and match, f"referral not recorded: {response.status_code}"
            with self._lock:
                self.created[data["submission_key"]] = (int(match.group(1)), email, sent)
            self.to_accept.put(int(match.group(1)))

    def coordinator(self) -> None:
        http = http_login(self.base_url, COORDINATOR, DEMO_PASSWORD)
        while not self.stop.is_set():  # what is still waiting at the end stays submitted
            try:
                referral_id = self.to_accept.get(timeout=0.2)
            except queue.Empty:
                continue
            self.accept(http, referral_id)

    def accept(self, http, referral_id: int) -> None:
        path = f"/segnalazioni/{referral_id}"
        form_re = re.compile(rf'action="{path}/stato/accept(?:#[^"]*)?".*?</form>', re.S)  # the tab's #fragment
        deadline = time.monotonic() + RETRY_SECONDS
        first_sent = None
        while time.monotonic() < deadline:
            page, _ = self.until_answered(http, "inbox", "GET", path)
            assert page.status_code == 200, page.status_code
            form = form_re.search(page.text)
            if form is None:  # an earlier attempt was recorded after all: nothing left to accept
                assert first_sent is not None, f"no accept form for referral {referral_id}"
                with self._lock:
                    self.accepted[referral_id] = first_sent
                return
            html = form.group(0)
            data = {
                "csrf_token": csrf_of(html),
                "version": re.search(r'name="version"[^>]*value="(\d+)"', html).group(1),
                "case_worker_id": re.search(r'<option[^>]*value="(\d+)"', html).group(1),
            }
            sent = time.monotonic()
            first_sent = first_sent or sent
            response = self.call(http, "accept", "POST", f"{path}/stato/accept", data=data)
            if response is not None and response.status_code == 302:
                with self._lock:
                    self.accepted[referral_id] = sent
                return
            time.sleep(0.2)  # failed, or a conflict after a recorded attempt: look at the page again
        raise AssertionError(f"referral {referral_id} never accepted")


@pytest.fixture(scope="module")
def served(tmp_path_factory, mail_server):
    database = Database(tmp_path_factory, "faults_pg")
    proxy = server = None
    try:
        seed_demo(database)
        proxy = TcpProxy((PG_HOST, PG_PORT)).start()
        app_url = database.app_url.replace(f"@{PG_HOST}:{PG_PORT}/", f"@127.0.0.1:{proxy.port}/")
        overrides = make_config(database, mail_server, SQLALCHEMY_DATABASE_URI=app_url,
                                PROPAGATE_EXCEPTIONS=False)  # error pages as in production, not tracebacks
        server = Gunicorn(overrides, workers=2, log_dir=tmp_path_factory.mktemp("gunicorn"),
                          env={"RETE_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance"))}).start()
        yield database, proxy, server
    finally:
        if server:
            server.stop()
        if proxy:
            proxy.close()
        database.drop()


def test_connection_loss_fails_only_in_flight_requests_and_leaves_no_partial_writes(served):
    database, proxy, server = served
    owner = sa.create_engine(database.owner_url)
    with owner.connect() as conn:
        last_seeded = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM referrals"))
        last_person = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM people"))
        last_case = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM cases"))

    load = Load(server.url)
    threads = [load.run(load.operator, email) for email in OPERATORS] + [load.run(load.coordinator)]

    def progress(since: float) -> bool:
        assert not load.errors, load.errors
        created, accepted = load.snapshot()
        per_operator = [sum(1 for _, who, sent in created if who == email and sent > since) for email in OPERATORS]
        return min(per_operator) >= 2 and any(sent > since for sent in accepted)

    try:
        wait_until(lambda: progress(0), 30, what="load under way")
        dropped_at = time.monotonic()
        with proxy.refusing():
            cut = proxy.drop_all()
            time.sleep(OUTAGE_SECONDS)
        restored_at = time.monotonic()
        wait_until(lambda: progress(restored_at + GRACE_SECONDS), 30, what="load after the outage")
    finally:
        load.stop.set()
    for thread in threads:
        thread.join(timeout=RETRY_SECONDS + 15)
    assert not load.errors, load.errors
    assert not any(t.is_alive() for t in threads), "a client never finished"

    failures = [c for c in load.calls if c.failed]
    print(f"\n{len(load.calls)} requests, {len(load.created)} referrals, {len(load.accepted)} accepted; "
          f"outage {restored_at - dropped_at:.1f} s: {cut} connections cut, {proxy.refused} refused, "
          f"{len(failures)} requests failed ({sorted({c.kind for c in failures})})")
    # The outage was real: pooled connections were cut, and requests met it.
    assert cut >= 1 and proxy.refused >= 1
    assert failures, "no request met the outage"
    # Only requests in flight during the outage failed; a 5xx is never an answer outside it.
    stray = [c for c in failures if c.started > restored_at + GRACE_SECONDS or c.ended < dropped_at]
    assert not stray, f"failures outside the outage window {dropped_at:.2f}-{restored_at:.2f}: {stray}"
    # "Try again" (503 with Retry-After, the input shown back), not a bare 500 or a 502 from a dead worker.
    assert all(c.status in (None, 503) for c in failures), [c for c in failures if c.status not in (None, 503)]
    assert server.process.poll() is None, "gunicorn died"

    with owner.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, submission_key, state, person_id FROM referrals WHERE id > :last"), {"last": last_seeded}).all()
        # Nothing lost, nothing doubled: exactly the referrals the operators saw recorded, once each.
        assert {r.submission_key: r.id for r in rows} == {k: v[0] for k, v in load.created.items()}
        ids = [r.id for r in rows]
        accepted = set(load.accepted)
        assert accepted <= set(ids) and len(accepted) >= 2
        assert {r.id for r in rows if r.state == "accepted"} == accepted
        assert all(r.state == "submitted" for r in rows if r.id not in accepted)

        def ids_where(sql: str) -> set[int]:
            return {int(v) for v in conn.scalars(sa.text(sql), {"ids": ids})}

        any_ids = "= ANY(:ids)"
        # Each referral came with its person, its transitions and its audit trail - all or nothing.
        assert ids_where(f"SELECT r.id FROM referrals r JOIN people p ON p.id = r.person_id WHERE r.id {any_ids}") == set(ids)
        assert ids_where("SELECT referral_id FROM referral_events WHERE to_state = 'submitted' "
                         f"AND referral_id {any_ids}") == set(ids)
        assert ids_where("SELECT referral_id FROM referral_events WHERE to_state = 'accepted' "
                         f"AND referral_id {any_ids}") == accepted
        assert ids_where(f"SELECT referral_id FROM cases WHERE referral_id {any_ids}") == accepted
        audited = "SELECT CAST(object_id AS integer) FROM audit_events WHERE action = '{}' AND object_type = 'referral' " \
                  f"AND CAST(object_id AS integer) {any_ids}"
        assert ids_where(audited.format("referral.created")) == set(ids)
        assert ids_where(audited.format("referral.submit")) == set(ids)
        assert ids_where(audited.format("referral.accept")) == accepted
        people = {r.person_id for r in rows}
        # ... and nothing of a rolled-back attempt survived: no person, case or event without its referral.
        assert set(conn.scalars(sa.text("SELECT id FROM people WHERE id > :last"), {"last": last_person})) == people
        assert set(conn.scalars(sa.text("SELECT referral_id FROM cases WHERE id > :last"), {"last": last_case})) == accepted
        assert conn.scalar(sa.text(
            "SELECT count(*) FROM audit_events WHERE object_type = 'referral' AND action LIKE 'referral.%' "
            "AND CAST(object_id AS integer) > :last AND NOT CAST(object_id AS integer) = ANY(:ids)"),
            {"last": last_seeded, "ids": ids}) == 0
        assert {int(v) for v in conn.scalars(sa.text(
            "SELECT CAST(object_id AS integer) FROM audit_events WHERE action = 'person.created' "
            "AND CAST(object_id AS integer) = ANY(:people)"), {"people": list(people)})} == people
        assert conn.scalar(sa.text(
            "SELECT count(*) FROM audit_events WHERE action = 'case.opened' "
            "AND CAST(object_id AS integer) IN (SELECT id FROM cases WHERE referral_id = ANY(:ids))"), {"ids": ids}) == len(accepted)
    owner.dispose()

    # The hash chains and the budget's trigger-kept totals are intact.
    owner_app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url},
                           owner=True)
    runner = owner_app.test_cli_runner()
    for command in ("audit-verify", "budget-verify"):
        result = runner.invoke(args=["rete", command])
        assert result.exit_code == 0, f"{command}: {result.output}"
    with owner_app.app_context():
        from portal.extensions import db

        db.engine.dispose()


def test_connections_cut_between_requests_cost_no_request(served):
    """PostgreSQL restarted, or a firewall dropping idle connections: the pool's pre-ping notices the dead
    connection before a request uses it, so no one sees an error."""
    _, proxy, server = served
    http = http_login(server.url, OPERATORS[0], DEMO_PASSWORD)
    paths = ["/salute", "/segnalazioni/", "/"]
    for _ in range(3):  # both workers hold a pooled connection
        assert all(http.get(server.url + p, timeout=15).status_code == 200 for p in paths)
    assert proxy.drop_all() >= 1
    statuses = [http.get(server.url + p, timeout=15).status_code for _ in range(4) for p in paths]
    assert statuses == [200] * len(statuses)


def test_a_database_that_never_answers_costs_seconds_not_a_worker(served):
    """A network partition: connections are accepted and never answered. The request gets the 503 page
    after the connect timeout (portal/db.py), not a worker killed by gunicorn's 30 s timeout."""
    _, proxy, server = served
    http = http_login(server.url, OPERATORS[1], DEMO_PASSWORD)
    with proxy.silent():
        proxy.drop_all()
        started = time.monotonic()
        try:
            status = http.get(server.url + "/salute", timeout=40).status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        elapsed = time.monotonic() - started
    assert status == 503 and elapsed < 25, (status, round(elapsed, 1))  # a few connect attempts, < gunicorn 30 s
    assert http.get(server.url + "/segnalazioni/", timeout=15).status_code == 200
