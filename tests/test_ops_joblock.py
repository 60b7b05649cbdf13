"""Cron jobs run once: a second run while the first holds the job's lock does nothing and exits 0.

On PostgreSQL the lock is held on a second real connection (another host's cron); on SQLite by another
open file description (another process's flock).
"""
import contextlib
import fcntl

import pytest
import sqlalchemy as sa

from portal.cli import rete
from portal.joblock import LOCK_NAMESPACE, lock_key, lock_path

NOT_CRON = {"seed-demo"}


@contextlib.contextmanager
def held_elsewhere(app, database, name):
    with app.app_context():
        path = None if database.kind == "postgresql" else lock_path(name)
    if path is None:
        engine = sa.create_engine(database.owner_url, isolation_level="AUTOCOMMIT")
        params = {"n": LOCK_NAMESPACE, "k": lock_key(name)}
        with engine.connect() as other:
            assert other.execute(sa.text("SELECT pg_try_advisory_lock(:n, :k)"), params).scalar()
            yield
            # explicitly: a closed connection's locks go only when its backend has exited, a moment later
            other.execute(sa.text("SELECT pg_advisory_unlock(:n, :k)"), params)
        engine.dispose()
    else:
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield


@pytest.mark.parametrize("args, done", [
    (["forum-digest"], "Riepiloghi del forum inviati: 0"),
    (["remind-stale"], "Promemoria inviati:"),
])
def test_second_run_skips_while_the_lock_is_held(app, session, database, args, done):
    runner = app.test_cli_runner()
    with held_elsewhere(app, database, args[0]):
        skipped = runner.invoke(args=["rete", *args])
    assert skipped.exit_code == 0, skipped.output
    assert "already running" in skipped.output and done not in skipped.output
    ran = runner.invoke(args=["rete", *args])  # lock released: the next run does the work
    assert ran.exit_code == 0 and done in ran.output, ran.output
    again = runner.invoke(args=["rete", *args])  # and the run releases it when done
    assert done in again.output


def test_a_job_failing_releases_its_lock(app, session, database, monkeypatch):
    import portal.forum.notify as notify

    def boom():
        raise RuntimeError("smtp down")

    monkeypatch.setattr(notify, "send_digest", boom)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rete", "forum-digest"]).exit_code == 1
    monkeypatch.undo()
    assert "Riepiloghi del forum inviati" in runner.invoke(args=["rete", "forum-digest"]).output


def test_other_jobs_are_not_blocked(app, session, database):
    with held_elsewhere(app, database, "alerts-digest"):
        result = app.test_cli_runner().invoke(args=["rete", "forum-digest"])
    assert "Riepiloghi del forum inviati" in result.output


def test_every_cron_command_runs_alone_with_its_own_key():
    jobs = {name: cmd for name, cmd in rete.commands.items() if name not in NOT_CRON}
    missing = [name for name, cmd in jobs.items() if not getattr(cmd.callback, "runs_alone", False)
               and not getattr(getattr(cmd.callback, "__wrapped__", None), "runs_alone", False)]
    assert not missing, f"flask rete commands without @runs_alone: {missing}"
    assert len({lock_key(name) for name in jobs}) == len(jobs)
