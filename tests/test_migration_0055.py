"""Migration 0055 on a populated database: pseudonyms keep their codes, and each prefix's counter starts after
the highest number its year already used, and this year's after the last person id ever given (a deleted
person held a code up to it), so no code is given twice."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from .conftest import DB_KIND
from .migration_support import contract_at

PERSON = ("INSERT INTO people (tenant_id, node_id, uid, pseudonym, legal_hold, version, created_at, updated_at)"
          " VALUES (:a, :n, :uid, :code, false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
CODES = ["NO-2026-000040", "NO-2026-000209", "NO-2025-000007", "VC-2026-000041", "not-a-code"]


def test_0055_on_a_populated_database(migration_db):
    from portal.extensions import db

    with contract_at("0054") as (conn, ids):
        for n, code in enumerate(CODES):
            conn.execute(text(PERSON), {"a": ids["a"], "n": ids["node"], "uid": f"m55-{n}", "code": code})
        # Deleted since (a discarded draft): its code must not be given again.
        conn.execute(text(PERSON), {"a": ids["a"], "n": ids["node"], "uid": "m55-gone", "code": "NO-2026-000999"})
        gone = conn.execute(text("SELECT max(id) FROM people")).scalar()
        conn.execute(text("DELETE FROM people WHERE uid = 'm55-gone'"))
        node_code = conn.execute(text("SELECT code FROM tenants WHERE id = :n"), {"n": ids["node"]}).scalar()
    upgrade(revision="0055")
    with db.engine.connect() as conn:
        counters = {(p, y): last for p, y, last in conn.execute(text("SELECT prefix, year, last FROM pseudonym_counters"))}
        kept = set(conn.execute(text("SELECT pseudonym FROM people")).scalars())
    year = datetime.now(ZoneInfo("Europe/Rome")).year
    last_id = gone if DB_KIND == "postgresql" else gone - 1  # SQLite gives a deleted last id again
    expected = {("NO", 2026): 209, ("NO", 2025): 7, ("VC", 2026): 41}
    for prefix in {"NO", "VC", "RT"} | ({node_code.upper()} if node_code else set()):
        expected[prefix, year] = max(expected.get((prefix, year), 0), last_id)
    assert counters == expected
    assert set(CODES) <= kept
    downgrade(revision="0054")
    assert "pseudonym_counters" not in inspect(db.engine).get_table_names()
