"""What the migration tests (tests/test_migration*.py) share, a pytest plugin (``pytest_plugins`` in conftest.py):

- ``migration_db``: a throw-away database of its own (never the session's, which is at the heads already), the
  application running as its owner in an app context, as ``flask db upgrade`` runs in production; the test
  calls ``upgrade``/``downgrade`` and reads ``db.engine``. The engine is disposed and the database dropped after.
- ``contract_at(revision)``: the step a test of a migration on a populated database starts with: upgrade to the
  revision before it, write the committed contract of test_budget_totals (a node, a provider, an antenna, a
  user, a person, an accepted referral with a case and an action, a contract and its order) and, in the same
  transaction, the rows the migration will change.

Each test file keeps only what is its migration's: those rows, the revisions it moves between, what it checks.
"""
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db

from .conftest import Database


@pytest.fixture
def migration_db(tmp_path_factory):
    database = Database(tmp_path_factory, "migr")
    url = database.owner_url
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_OWNER_URL": url}, owner=True)
    with app.app_context():
        yield database
        db.engine.dispose()
    database.drop()


@contextmanager
def contract_at(revision: str):
    """Upgrade to ``revision`` and open a transaction holding the committed contract; yields (connection, ids)
    for the test's own rows, committed with it on leaving the block."""
    from .test_budget_totals import _committed_contract

    upgrade(revision=revision)
    with db.engine.begin() as conn:
        yield conn, _committed_contract(conn)
