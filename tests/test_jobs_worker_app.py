"""portal.jobs.in_app: an RQ job runs in the caller's app, or in the worker's own app, built once per worker
process through the factory the wiring registered (the job's low layer never imports portal/__init__)."""
from flask import Flask, current_app, has_app_context

import portal
from portal import jobs
from portal.exports import services as exports
from portal.imports import jobs as imports
from portal.notifications import outbox


def test_the_wiring_registers_the_owner_app_for_workers():
    assert jobs._worker_app_factory is portal.create_owner_app


def test_a_job_outside_an_app_builds_the_worker_app_once(monkeypatch):
    built = []

    def factory():
        built.append(Flask("worker"))
        return built[-1]

    monkeypatch.setattr(jobs, "_worker_app_factory", factory)
    monkeypatch.setattr(jobs, "_worker_app", None)
    job = jobs.in_app(lambda value: (current_app.name, value))
    assert not has_app_context()
    assert job(1) == ("worker", 1) and job(2) == ("worker", 2)
    assert len(built) == 1 and not has_app_context()


def test_a_job_inside_an_app_uses_it(monkeypatch):
    monkeypatch.setattr(jobs, "_worker_app_factory", lambda: (_ for _ in ()).throw(AssertionError("built")))
    monkeypatch.setattr(jobs, "_worker_app", None)
    with Flask("caller").app_context():
        assert jobs.in_app(lambda: current_app.name)() == "caller"


def test_rq_finds_the_decorated_jobs_by_their_own_names():
    # RQ stores a job as "module.qualname" and imports it back in the worker.
    for job, name in ((exports.run, "portal.exports.services.run"), (imports.run_import, "portal.imports.jobs.run_import"),
                      (outbox.run_job, "portal.notifications.outbox.run_job")):
        assert f"{job.__module__}.{job.__qualname__}" == name and job.__wrapped__


def test_the_procfile_worker_runs_every_job_in_its_own_process(tmp_path):
    """The Procfile's worker must not fork a process per job: ``in_app`` builds the worker's app once per
    process, so a forking worker built it (~2 s) for every mail. Runs the Procfile's command for real."""
    import os
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue

    from .conftest import shared_redis_url, unavailable
    from .worker_probe import pid

    url = shared_redis_url("worker")
    try:
        Redis.from_url(url).flushdb()
    except RedisDown:
        unavailable("Redis not reachable on 127.0.0.1:6379")
    root = Path(__file__).resolve().parent.parent
    line = next(x for x in (root / "Procfile").read_text().splitlines() if x.startswith("worker:"))
    command = shlex.split(line.split(":", 1)[1].replace("${REDIS_URL}", url)) + ["--burst"]
    command[0] = str(Path(sys.executable).parent / command[0])
    queue = Queue("rete", connection=Redis.from_url(url))
    jobs_ = [queue.enqueue(pid) for _ in range(3)]
    try:
        subprocess.run(command, cwd=root, env={**os.environ, "REDIS_URL": url}, check=True, timeout=120,
                       capture_output=True)
        pids = {job.latest_result().return_value for job in jobs_}
    finally:
        Redis.from_url(url).flushdb()
    assert len(pids) == 1, f"one process per job: {pids}"


def test_the_worker_stops_within_seconds_after_leaving_its_channel():
    """RQ's listener thread waited up to 60 s for a message and stopping the worker joined it: a burst worker
    (the tests', the Procfile's on SIGTERM) took a minute to return whenever the thread was back to waiting
    after the channel was left. portal.worker.Worker's listener looks every second."""
    import threading
    import time

    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue

    from portal.worker import Worker

    from .conftest import shared_redis_url, unavailable

    connection = Redis.from_url(shared_redis_url("worker"))
    try:
        connection.ping()
    except RedisDown:
        unavailable("Redis not reachable on 127.0.0.1:6379")
    worker = Worker([Queue("rete", connection=connection)], connection=connection)
    worker.subscribe()
    deadline = time.monotonic() + 5
    while not worker.pubsub.subscribed and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.pubsub.unsubscribe()  # what a stopping worker does first; the thread goes back to waiting
    time.sleep(0.5)
    stopping = threading.Thread(target=worker.unsubscribe, daemon=True)
    started = time.monotonic()
    stopping.start()
    stopping.join(timeout=10)
    assert not stopping.is_alive(), "the worker's listener held its stop for over 10 s"
    assert time.monotonic() - started < 3
