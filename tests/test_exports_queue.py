"""Exports on the job queue (portal/exports): asking queues an RQ job on a real Redis, a real worker builds
the file acting as the requester while the page shows its progress, then a download link (audited) for the
requester and users of the same role only; without Redis the request builds it at once (`make run`)."""
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.core import storage
from portal.crypto import unseal
from portal.exports import services
from portal.exports.models import ExportJob, ExportState
from portal.models_base import aware, utcnow
from portal.tenancy import context

from .conftest import unavailable
from .factories import MembershipFactory, UserFactory
from .faults_support import REDIS_SERVER, RedisServer, free_port
from .helpers import csrf_token, log_in

PERIOD = {"dal": "2026-04-01", "al": "2026-06-30"}  # open data: one closed quarter
OPEN_DATA = "monitoring.open_data_csv"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if not os.path.exists(REDIS_SERVER):
        unavailable("redis-server not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def queue(app, redis_server, monkeypatch):
    from rq import Queue

    monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
    connection = redis_server.client()
    connection.flushdb()
    return Queue("rete", connection=connection)


def _ask(client, kind=OPEN_DATA, **params):
    response = client.post(f"/esportazioni/{kind}", data={**PERIOD, **params, "csrf_token": csrf_token(client, "/profilo/password")})
    return response


def _job(session, network, job_id) -> ExportJob:
    with context.acting_as(network.tenants["n1"].id):
        return session.scalar(select(ExportJob).where(ExportJob.id == job_id).execution_options(populate_existing=True))


def _job_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(re.search(r"/esportazioni/(\d+)$", response.headers["Location"]).group(1))


def _work(app, queue):
    from portal.worker import Worker

    with app.app_context():
        Worker([queue], connection=queue.connection).work(burst=True)


def test_an_export_runs_on_the_worker_with_progress_then_a_download(app, login, network, session, queue,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORAGE", storage.DATABASE)
    client = login("n1_coordinator")
    job_id = _job_id(_ask(client))
    assert queue.count == 1  # queued, not built: the request did not wait for it
    job = _job(session, network, job_id)
    with context.acting_as(network.tenants["n1"].id):  # the file's bytes are read under the row's tenant rule
        assert job.state == ExportState.QUEUED and job.params == PERIOD and job.content is None

    page = client.get(f"/esportazioni/{job_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    assert f'hx-get="/esportazioni/{job_id}/stato"' in page and 'hx-trigger="every 2s"' in page
    assert '<progress id="export-progress"' in page and 'value="0"' in page and "/file" not in page
    with context.acting_as(network.tenants["n1"].id):
        job.state, job.progress = ExportState.RUNNING, 60
        session.flush()
    fragment = client.get(f"/esportazioni/{job_id}/stato").get_data(as_text=True)
    assert 'value="60"' in fragment and "60%" in fragment and "<html" not in fragment
    with context.acting_as(network.tenants["n1"].id):
        job.state, job.progress = ExportState.QUEUED, 0
        session.flush()

    _work(app, queue)
    assert queue.count == 0
    job = _job(session, network, job_id)
    assert job.state == ExportState.DONE and job.progress == 100 and aware(job.expires_at) > utcnow()
    page = client.get(f"/esportazioni/{job_id}").get_data(as_text=True)
    assert "Il file è pronto" in page and 'http-equiv="refresh"' not in page and "/stato" not in page
    assert f"/esportazioni/{job_id}/file" in page

    response = client.get(f"/esportazioni/{job_id}/file")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
    with context.acting_as(network.tenants["n1"].id):
        assert unseal(job.content, job.storage_key) == response.data  # kept by the database backend, in the job's row
    direct = client.get("/monitoraggio/open-data.csv?dal=2026-04-01&al=2026-06-30")
    assert response.data == direct.data and b"soppresso" in response.data  # the same file as built in a request
    with context.acting_as(network.tenants["n1"].id):
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "export_job",
                                                                      AuditEvent.object_id == str(job_id))))
    assert actions == {"export.requested", "export.downloaded"}


def test_the_file_is_the_requester_s_and_their_role_s(app, login, network, session, queue):
    job_id = _job_id(_ask(login("n1_case_worker"), "monitoring.report_xlsx"))
    _work(app, queue)
    url = f"/esportazioni/{job_id}/file"
    assert login("n1_case_worker").get(url).status_code == 200
    with context.acting_as(network.tenants["n1"].id):
        colleague = UserFactory(email="altra.operatrice@prova.example")
        membership = MembershipFactory(user=colleague, tenant=network.tenants["n1"], role=Role.CASE_WORKER)
        session.flush()
    other = app.test_client()
    log_in(other, colleague.email, membership_id=membership.id)
    assert other.get(url).status_code == 200  # same role, same tenant: could have asked for the same file
    for key in ("n1_coordinator", "n1_budget_officer", "n2_case_worker", "a_operator"):
        assert login(key).get(url).status_code == 404, key
    assert _ask(login("a_operator")).status_code == 403  # an antenna has no node report
    assert _ask(login("n1_case_worker"), OPEN_DATA).status_code == 403  # open data: the coordinator only


def test_a_membership_ended_before_the_worker_runs_builds_nothing(app, login, network, session, queue):
    job_id = _job_id(_ask(login("n1_coordinator")))
    with context.acting_as(network.tenants["n1"].id):
        network.memberships["n1_coordinator"].active = False
        session.flush()
    _work(app, queue)
    job = _job(session, network, job_id)
    assert job.state == ExportState.FAILED and job.error == "forbidden" and job.storage_key is None


def test_a_failing_build_is_shown_as_failed(app, login, network, session, queue, monkeypatch):
    def broken(params, progress):
        progress(30)
        raise RuntimeError("boom")

    monkeypatch.setitem(services.KINDS, OPEN_DATA, services.KINDS[OPEN_DATA].__class__(
        OPEN_DATA, "Prova", services.KINDS[OPEN_DATA].allowed, services.KINDS[OPEN_DATA].params, broken))
    client = login("n1_coordinator")
    job_id = _job_id(_ask(client))
    _work(app, queue)
    assert _job(session, network, job_id).state == ExportState.FAILED
    page = client.get(f"/esportazioni/{job_id}").get_data(as_text=True)
    assert "Non è stato possibile preparare il file" in page and 'http-equiv="refresh"' not in page


def test_without_a_queue_the_request_builds_the_file_at_once(app, login, network, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORAGE", storage.LOCAL)
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    for url in (None, f"redis://127.0.0.1:{free_port()}/0"):  # none configured; configured but down
        monkeypatch.setitem(app.config, "REDIS_URL", url)
        client = login("n1_coordinator")
        job_id = _job_id(_ask(client))
        job = _job(session, network, job_id)
        assert job.state == ExportState.DONE and (tmp_path / "exports" / job.storage_key).exists()
        assert "Il file è pronto" in client.get(f"/esportazioni/{job_id}").get_data(as_text=True)
        assert client.get(f"/esportazioni/{job_id}/file").status_code == 200


def test_an_expired_export_is_not_served_and_goes_with_the_next_request(app, login, network, session, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "FILE_STORAGE", storage.LOCAL)
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    client = login("n1_coordinator")
    job_id = _job_id(_ask(client))
    with context.acting_as(network.tenants["n1"].id):
        job = _job(session, network, job_id)
        job.expires_at = utcnow() - timedelta(minutes=1)
        session.flush()
        old_key = job.storage_key
    assert (tmp_path / "exports" / old_key).exists()
    response = client.get(f"/esportazioni/{job_id}/file")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/esportazioni/{job_id}")
    assert "Il file è scaduto" in client.get(f"/esportazioni/{job_id}").get_data(as_text=True)
    _job_id(_ask(client))  # the next export purges the expired one: row and file
    with context.acting_as(network.tenants["n1"].id):
        assert session.scalar(select(ExportJob).where(ExportJob.storage_key == old_key)) is None
    assert not (tmp_path / "exports" / old_key).exists()
