"""Two requests at the same instant on two connections of a real PostgreSQL (the race tests): the first is held
just after a statement until the second waits on a lock, then both finish. ``shared`` is a module fixture's
``(app, database, inspector, ids)``: an app on a committed database and an owner's engine to look inside it."""
import threading
import time
from contextlib import contextmanager

import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.tenancy import context

from .conftest import Database, IsolatedClient, make_config


@contextmanager
def race_app(tmp_path_factory, mail_server, name: str, seed):
    """A migrated database ``name`` with the test network and what ``seed(net)`` adds (it returns the ids the
    races need), committed; yields ``(app, database, inspector, ids)`` for :func:`race`, dropped afterwards."""
    from .network import build_network

    database = Database(tmp_path_factory, name)
    database.migrate()
    owner = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url,
                        "TESTING": True, "FAST_PASSWORD_HASH": True}, owner=True)
    with owner.app_context(), context.system("test network"):
        ids = seed(build_network(db.session))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app = create_app(make_config(database, mail_server, ATTACHMENT_DIR=str(tmp_path_factory.mktemp("race_files"))))
    app.test_client_class = IsolatedClient
    inspector = sa.create_engine(database.owner_url)
    try:
        yield app, database, inspector, ids
    finally:
        inspector.dispose()
        with app.app_context():
            db.engine.dispose()
        database.drop()


def waiting_on_a_lock(inspector, name: str, seconds: float = 5) -> bool:
    """True once a session of the database waits for a lock another holds; False after ``seconds``.

    Each poll is its own transaction: PostgreSQL shows one snapshot of pg_stat_activity per transaction, so polls
    in one transaction saw only the first (a second request slower than the first poll was never seen waiting)."""
    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND wait_event_type = 'Lock'")
    deadline = time.monotonic() + seconds
    with inspector.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        while time.monotonic() < deadline:
            if connection.execute(query, {"name": name}).scalar():
                return True
            time.sleep(0.05)
    return False


def race(shared, first, hold_after: str, second, spy: str | None = None):
    """Run ``first`` until it has run a statement containing ``hold_after``; hold it there while ``second``
    runs until it waits on a lock; let both finish. Returns the two outcomes (a response, or what was raised:
    under TESTING a server error propagates instead of answering 500), whether the second waited, and, with
    ``spy``, whether the first had committed when the second first ran a statement containing it."""
    app, database, inspector, _ids = shared
    with app.app_context():
        engine = db.engine
    held, committed, threads, outcomes = threading.Event(), threading.Event(), {}, {}

    def after(conn, cursor, statement, parameters, context, executemany):
        me = threading.current_thread()
        if me is threads.get("first") and hold_after in statement and not held.is_set():
            held.set()
            outcomes["waited"] = waiting_on_a_lock(inspector, database.name)
        elif spy and me is threads.get("second") and spy in statement and "after_commit" not in outcomes:
            outcomes["after_commit"] = committed.is_set()

    def on_commit(conn):
        if threading.current_thread() is threads.get("first"):
            committed.set()

    def run(key, call):
        try:
            outcomes[key] = call()
        except Exception as exc:  # noqa: BLE001 - a 500 under TESTING: the finding
            outcomes[key] = exc

    def run_second():
        assert held.wait(15), f"the first request never ran {hold_after!r}"
        run("second", second)

    threads["first"] = threading.Thread(target=run, args=("first", first))
    threads["second"] = threading.Thread(target=run_second)
    sa.event.listen(engine, "after_cursor_execute", after)
    sa.event.listen(engine, "commit", on_commit)
    try:
        for thread in threads.values():
            thread.start()
        for thread in threads.values():
            thread.join(60)
    finally:
        sa.event.remove(engine, "after_cursor_execute", after)
        sa.event.remove(engine, "commit", on_commit)
    return outcomes


def status(outcome):
    return outcome if isinstance(outcome, Exception) else outcome.status_code
