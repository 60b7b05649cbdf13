"""Migration 0028 (the legal path) on a populated database: the tables join a database that already has
cases, take rows for them, and on PostgreSQL the application role sees only its own node's rows (RLS)."""
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db

from .conftest import DB_KIND
from .migration_support import contract_at


def test_0028_on_a_populated_database(migration_db):
    with contract_at("0015") as (_conn, ids):
        pass  # the contract alone: 0028's tables take rows for its case once they exist
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
        engine = sa.create_engine(migration_db.app_url)
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
