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
