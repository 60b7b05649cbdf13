"""The fixtures every test builds on, a pytest plugin (``pytest_plugins`` in conftest.py), as Indico keeps its
own in ``indico/testing/fixtures``: the test network and clients logged in as its users, the statement
counter, the mailbox; and ``fresh``, a row read again as a tenant sees it now. The harness under them (the
databases, the app, the per-test session, the SMTP server) stays in conftest.py."""
import contextlib

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.extensions import db
from portal.tenancy import context

from .helpers import log_in
from .network import build_network


def fresh(model, ident, tenant_id):
    """The row as ``tenant_id`` sees it now (bypassing the identity map of the test session)."""
    with context.acting_as(tenant_id):
        return db.session.execute(
            select(model).where(model.id == ident).execution_options(populate_existing=True)
        ).scalar_one_or_none()


@pytest.fixture
def mailbox(mail_server):
    mail_server.messages.clear()
    return mail_server


@pytest.fixture
def network(session):
    """Node N1 with antennas A and B and a provider; node N2 elsewhere; one user per role in each."""
    return build_network(session)


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def login(app, session, network):
    """``login(key)`` returns a fresh test client logged in as the network user ``key``."""
    def _login(key: str):
        client = app.test_client()
        user = network.users[key]
        log_in(client, user.email, membership_id=network.memberships[key].id)
        return client

    return _login


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count`` (statements sent to the DB)."""
    class Counter:
        count = 0
        statements: list = []

    @contextlib.contextmanager
    def _count():
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, *args):
            if "set_config" not in statement:
                counter.count += 1
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return _count
