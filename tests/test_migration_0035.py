"""Migration 0035 on a populated database: an unusual-access alert written before it keeps its user and
becomes kind ``unusual_access``; a burst alert without a user fits after it; the downgrade keeps the former."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db

from .migration_support import contract_at

ALERT = ("INSERT INTO security_alerts ({kind}subject_user_id, subject_tenant_id, open_key, state, detected_at, window_minutes,"
         " threshold, identities_read, last_seen_at, tenant_id, version, created_at, updated_at) VALUES ({value}:user, :tenant,"
         " :key, 'open', CURRENT_TIMESTAMP, 10, 20, 25, CURRENT_TIMESTAMP, :node, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


def test_0035_on_a_populated_database(migration_db):
    with contract_at("0030") as (conn, ids):
        conn.execute(text(ALERT.format(kind="", value="")),
                     {"user": ids["user"], "tenant": ids["a"], "key": f"u{ids['user']}", "node": ids["node"]})
    upgrade(revision="0035")
    with db.engine.begin() as conn:
        row = conn.execute(text("SELECT kind, subject_user_id FROM security_alerts")).one()
        assert tuple(row) == ("unusual_access", ids["user"])
        conn.execute(text(ALERT.format(kind="kind, ", value="'public_report_burst', ")),
                     {"user": None, "tenant": None, "key": f"r{ids['node']}", "node": ids["node"]})
        assert conn.execute(text("SELECT count(*) FROM public_reports WHERE erased_at IS NOT NULL")).scalar() == 0
    downgrade(revision="0030")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT subject_user_id FROM security_alerts")).scalars().all() == [ids["user"]]
