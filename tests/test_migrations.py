"""Alembic: upgrade from empty, downgrade to base and back, and no drift between models and migrations."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.forum.models import include_object

from .conftest import Database


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    database = Database(tmp_path_factory, "migr")
    yield database
    database.drop()


def test_upgrade_from_empty_downgrade_and_again(scratch):
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch.owner_url, "DATABASE_OWNER_URL": scratch.owner_url}, owner=True)
    with app.app_context():
        upgrade(revision="heads")
        downgrade(revision="base")
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object}), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: run 'flask db migrate' ({diff})"
