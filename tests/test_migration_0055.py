"""Migration 0055 on a populated database: pseudonyms keep their codes, and each prefix's counter starts after
the highest number its year already used, so the next code of a node neither repeats one nor jumps."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from .migration_support import contract_at

PERSON = ("INSERT INTO people (tenant_id, node_id, uid, pseudonym, legal_hold, version, created_at, updated_at)"
          " VALUES (:a, :n, :uid, :code, false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
CODES = ["NO-2026-000040", "NO-2026-000209", "NO-2025-000007", "VC-2026-000041", "not-a-code"]


def test_0055_on_a_populated_database(migration_db):
    from portal.extensions import db

    with contract_at("0054") as (conn, ids):
        for n, code in enumerate(CODES):
            conn.execute(text(PERSON), {"a": ids["a"], "n": ids["node"], "uid": f"m55-{n}", "code": code})
    upgrade(revision="0055")
    with db.engine.connect() as conn:
        counters = {(p, y): last for p, y, last in conn.execute(text("SELECT prefix, year, last FROM pseudonym_counters"))}
        kept = set(conn.execute(text("SELECT pseudonym FROM people")).scalars())
    assert counters == {("NO", 2026): 209, ("NO", 2025): 7, ("VC", 2026): 41}
    assert set(CODES) <= kept
    downgrade(revision="0054")
    assert "pseudonym_counters" not in inspect(db.engine).get_table_names()
