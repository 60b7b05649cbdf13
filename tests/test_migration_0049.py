"""Migration 0049 on a populated database: a resolved alert dated by the UTC day of a case opened at 23:30 UTC
(00:30 the next day in Rome) moves to the Rome day the rule now gives, so the resolution still holds; one
dated by a day that was never the source's stays; the downgrade moves it back."""
from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db

from .migration_support import contract_at

ALERT = ("INSERT INTO alerts (tenant_id, rule, state, object_type, object_id, case_id, due_on, opened_at, resolved_at,"
         " auto_resolved, version, created_at, updated_at) VALUES (:node, :rule, 'resolved', 'case', :case, :case,"
         " :due, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


def _due_days(conn):
    return dict(conn.execute(text("SELECT rule, due_on FROM alerts ORDER BY id")).all())


def test_0049_on_a_populated_database(migration_db):
    with contract_at("0048") as (conn, ids):
        conn.execute(text("UPDATE cases SET opened_at = :at WHERE id = :case"),
                     {"at": "2026-11-10 23:30:00" + ("+00" if migration_db.kind == "postgresql" else ""),
                      "case": ids["case"]})
        for rule, due in (("case_without_action", date(2026, 11, 10)), ("urgent_unassigned", date(2026, 10, 1))):
            conn.execute(text(ALERT), {"node": ids["node"], "rule": rule, "case": ids["case"], "due": due})
    upgrade(revision="0049")
    with db.engine.connect() as conn:
        days = {rule: str(day) for rule, day in _due_days(conn).items()}
    assert days == {"case_without_action": "2026-11-11", "urgent_unassigned": "2026-10-01"}
    downgrade(revision="0048")
    with db.engine.connect() as conn:
        days = {rule: str(day) for rule, day in _due_days(conn).items()}
    assert days == {"case_without_action": "2026-11-10", "urgent_unassigned": "2026-10-01"}
