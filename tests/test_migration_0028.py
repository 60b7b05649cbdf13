"""Migration 0028 (the legal path) on a populated database: the tables join a database that already has
cases, take rows for them, and on PostgreSQL the application role sees only its own node's rows (RLS)."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db

from .conftest import DB_KIND, Database


@pytest.fixture
def populated(tmp_path_factory):
    database = Database(tmp_path_factory, "migrlegal")
    yield database
    database.drop()


def test_0028_on_a_populated_database(populated):
    from .test_budget_totals import _committed_contract

    url = populated.owner_url
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_OWNER_URL": url}, owner=True)
    with app.app_context():
        upgrade(revision="0015")
        with db.engine.begin() as conn:
            ids = _committed_contract(conn)
        upgrade(revision="0028")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO case_legal_paths (case_id, action_type, counsel, outcome, tenant_id, version, created_at,"
                " updated_at) VALUES (:case, 'civil_action', 'Avv. Bianchi', 'pending', :node, 1, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"), ids)
            conn.execute(text(
                "INSERT INTO case_fund_requests (case_id, fund, requested, requested_on, tenant_id, version, created_at,"
                " updated_at) VALUES (:case, 'legal_solidarity', 1234.56, CURRENT_DATE, :node, 1, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"), ids)
            amount = conn.execute(text("SELECT requested FROM case_fund_requests")).scalar()
        assert str(amount) == "1234.56"
        if DB_KIND == "postgresql":
            engine = sa.create_engine(populated.app_url)
            with engine.connect() as conn:
                seen = {}
                for tenant in (ids["node"], ids["a"]):
                    with conn.begin():
                        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
                        seen[tenant] = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                                        for t in ("case_legal_paths", "case_fund_requests")]
            engine.dispose()
            assert seen == {ids["node"]: [1, 1], ids["a"]: [0, 0]}
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM case_fund_requests"))
            conn.execute(text("DELETE FROM case_legal_paths"))
        downgrade(revision="0015")
        with db.engine.connect() as conn:
            assert "case_legal_paths" not in sa.inspect(conn).get_table_names()
        db.engine.dispose()
