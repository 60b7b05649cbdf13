"""The test harness every domain reuses.

- ``RETE_TEST_DB=sqlite|postgresql`` picks the database (``make test`` runs both). On PostgreSQL each
  run creates and drops its own database; the app connects as the non-owner role, so row-level
  security is exercised by every test. A missing server is a skip locally and a failure with CI=true.
- One connection and outer transaction per test; the app's session joins it with savepoints and
  everything is rolled back afterwards.
- A real SMTP server (aiosmtpd) receives the mail.

The fixtures the tests use on top of it (the test network, clients logged in as its users, the statement
counter, the mailbox) are the plugin module ``tests/fixtures.py``; the migration tests' own (a throw-away
database they upgrade and downgrade) are ``tests/migration_support.py``.
"""
import contextvars
import os
import secrets
import socket
import time

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from portal import create_app
from portal.extensions import db, limiter
from portal.tenancy import context

from .mail_server import MailServer

# The tests' own "today" (date.today() in expected values) is the users' day, as the portal's is
# (portal.i18n.local_today): on a UTC host the two differed from 23:00 UTC. tests/test_clock.py checks the
# portal itself against fixed moments, whatever the host's zone.
os.environ["TZ"] = "Europe/Rome"
time.tzset()

pytest_plugins = ["tests.fixtures", "tests.migration_support"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DB_KIND = os.environ.get("RETE_TEST_DB", "sqlite")
PG_HOST = os.environ.get("RETE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("RETE_TEST_PG_PORT", "5432"))
APP_ROLE = os.environ.get("RETE_APP_ROLE", "rete_app")


def pytest_report_header(config):
    return f"rete: database={DB_KIND} ci={IN_CI}"


def unavailable(reason: str):
    """Skip locally, fail in CI: a green CI must mean the real thing ran."""
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


# The machine's Redis on 6379 is shared by the two suites, which `make test` runs side by side: each suite
# has its own databases there (tests/bench/load uses 14).
_SHARED_REDIS_DB = {("sqlite", "mail"): 15, ("sqlite", "worker"): 13,
                    ("postgresql", "mail"): 12, ("postgresql", "worker"): 11}


def shared_redis_url(purpose: str) -> str:
    return f"redis://127.0.0.1:6379/{_SHARED_REDIS_DB[DB_KIND, purpose]}"


def _pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=2):
            return True
    except OSError:
        return False


class Database:
    """A throw-away database for this run: owner URL (migrations, seeding) and app URL (the app)."""

    def __init__(self, tmp_path_factory, label: str):
        self.kind = DB_KIND
        if self.kind == "sqlite":
            path = tmp_path_factory.mktemp(label) / "rete.sqlite"
            self.owner_url = self.app_url = f"sqlite:///{path}"
        elif self.kind == "postgresql":
            if not _pg_reachable():
                unavailable(f"PostgreSQL not reachable on {PG_HOST}:{PG_PORT}")
            self.name = f"rete_test_{label}_{os.getpid()}_{secrets.token_hex(3)}"
            self.admin_url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"
            self.owner_url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{self.name}"
            self.app_url = f"postgresql+psycopg://{APP_ROLE}@{PG_HOST}:{PG_PORT}/{self.name}"
            self._admin(f'CREATE DATABASE "{self.name}"')
        else:
            raise pytest.UsageError(f"unknown RETE_TEST_DB={self.kind}")

    def _admin(self, sql: str) -> None:
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
        engine.dispose()

    def migrate(self) -> None:
        from flask_migrate import upgrade

        owner_app = create_app({"SQLALCHEMY_DATABASE_URI": self.owner_url, "DATABASE_OWNER_URL": self.owner_url})
        with owner_app.app_context():
            upgrade(revision="heads")
            db.engine.dispose()

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    database = Database(tmp_path_factory, "main")
    database.migrate()
    yield database
    database.drop()


@pytest.fixture(scope="session")
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def make_config(database, mail_server, **extra) -> dict:
    cfg = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database.app_url,
        "DATABASE_OWNER_URL": database.owner_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail_server.port,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PASSWORD_RESET_ADDRESS_LIMIT": "1000 per hour",
        "FAST_PASSWORD_HASH": True,
        "SERVER_NAME": None,
    }
    cfg.update(extra)
    return cfg


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: its own app context (so its own ``g``
    and its own database session), and no tenant context inherited from the test code."""

    def open(self, *args, **kwargs):
        # Read whole and closed, as a server does once the answer is sent: closing runs the work left for then
        # (portal.jobs.after_response). Werkzeug's client would close only what a test reads whole.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database, mail_server, tmp_path_factory):
    # Files the tests store (local backend) go to a throw-away folder, never the checkout's instance/.
    app = create_app(make_config(database, mail_server, ATTACHMENT_DIR=str(tmp_path_factory.mktemp("attachments"))))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def session(app):
    """The per-test session: joined to an outer transaction that is rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        limiter.reset()
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            context.reset()
            outer.rollback()
            connection.close()


@pytest.fixture(scope="module")
def oidc_provider():
    """A real OpenID Connect provider on a free port, standing in for a SPID/CIE proxy (tests/oidc_provider.py)."""
    from .oidc_provider import running_provider

    with running_provider() as provider:
        yield provider
