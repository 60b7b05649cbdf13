"""Database wiring: engine options per dialect, model registry and the per-request commit."""
import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from .extensions import db, migrate

CONNECT_TIMEOUT_SECONDS = 5
SQLITE_BUSY_TIMEOUT_MS = 15000


def import_models() -> None:
    """Import every domain's models so metadata (and Alembic) sees all tables."""
    from .accounts import models as _accounts  # noqa: F401
    from .alerts import models as _alerts  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .budget import models as _budget  # noqa: F401
    from .budget import totals as _budget_totals  # noqa: F401
    from .cases import legal as _cases_legal  # noqa: F401
    from .cases import models as _cases  # noqa: F401
    from .core import models as _core  # noqa: F401
    from .directory import models as _directory  # noqa: F401
    from .documents import models as _documents  # noqa: F401
    from .forum import models as _forum  # noqa: F401
    from .governance import models as _governance  # noqa: F401
    from .monitoring import models as _monitoring  # noqa: F401
    from .network import models as _network  # noqa: F401
    from .notifications import models as _notifications  # noqa: F401
    from .people import models as _people  # noqa: F401
    from .referrals import models as _referrals  # noqa: F401
    from .region import models as _region  # noqa: F401
    from .reports import models as _reports  # noqa: F401
    from .tenancy import models as _tenancy  # noqa: F401


def _sqlite_setup(engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # A writer waits for the other's transaction instead of failing; well within gunicorn's 30 s timeout.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # IMMEDIATE: the transaction takes the write lock when it starts. A deferred one reads first and asks for
        # the lock at its first write (nearly every request writes: the session's clock, the audit of a read);
        # two such transactions deadlock, and SQLite answers one of them "database is locked" at once, without
        # waiting: a 500 for 4% of requests with the two workers of `make run` under load. Transactions on one
        # SQLite file now run one after the other; PostgreSQL, the production shape, runs them side by side.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(uri.removeprefix("sqlite:///")) or ".", exist_ok=True)
    import_models()
    from .tenancy import rls, scoping  # noqa: F401  (registers the session listeners)

    if uri.startswith("postgresql") and "connect_timeout" not in make_url(uri).query:
        # A server that accepts the connection but never answers (a network partition) must cost the request
        # seconds, not hold the worker until gunicorn kills it; a connect_timeout in the URL takes precedence.
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_setup(db.engine)

    @app.after_request
    def _commit(response):
        # Services flush and audit; the request commits once, so a change and its audit row land together.
        # An error response (validation aside, which re-renders with 200) discards what was flushed.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback(exc):
        if exc is not None:
            db.session.rollback()
