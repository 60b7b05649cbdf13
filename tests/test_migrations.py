"""Alembic: upgrade from empty, downgrade to base and back, and no drift between models and migrations."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.crypto import decrypt, encrypt
from portal.extensions import db
from portal.forum.models import include_object

from .migration_support import contract_at


def test_upgrade_from_empty_downgrade_and_again(migration_db):
    upgrade(revision="heads")
    downgrade(revision="base")
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object}), db.metadata)
    assert diff == [], f"models and migrations differ: run 'flask db migrate' ({diff})"


def test_upgrade_of_a_database_with_data_from_the_previous_release(migration_db, capsys):
    """0006 was the head of the previous release: a database with referrals, cases, orders and deliveries
    must upgrade in place (no table copy that foreign keys forbid on SQLite), with the backfills right."""
    with contract_at("0006") as (conn, ids):
        conn.execute(text(
            "INSERT INTO deliveries (tenant_id, provider_id, order_id, contract_id, delivered_on, units, unit_price,"
            " amount, attended, status, version, created_at, updated_at) VALUES (:node, :p, :o, :c, CURRENT_DATE,"
            " 2, 25, 50, true, 'approved', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), ids)
        conn.execute(text("UPDATE referrals SET submitted_at = CURRENT_TIMESTAMP WHERE id = :referral"), ids)
        # Hours typed by hand before 0016: 10 on the ordered action (2 approved), 5 on a provider action
        # never ordered (none delivered), 7 on an action the node delivered itself (kept).
        conn.execute(text("UPDATE actions SET delivered_hours = 10, delivered_on = '2026-01-05' WHERE case_id = :case"), ids)
        for provider, hours in (("provider", 5), ("node", 7)):
            conn.execute(text(
                "INSERT INTO actions (tenant_id, provider_id, case_id, pseudonym, service_type, phase, status,"
                " planned_start, planned_hours, delivered_hours, version, created_at, updated_at) VALUES (:node,"
                f" {':p' if provider == 'provider' else 'NULL'}, :case, 'TOT-1', 'tutoring', 'preparatory', 'done',"
                " '2026-01-02', 5, :h, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {**ids, "h": hours})
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        totals = conn.execute(text("SELECT status, deliveries, amount FROM delivery_totals")).all()
        shared = conn.execute(text("SELECT shared_at IS NOT NULL FROM people WHERE id = :person"), ids).scalar()
        actions = conn.execute(text(
            "SELECT provider_id IS NOT NULL, delivered_hours, delivered_sessions, attended_sessions FROM actions"
            " WHERE case_id = :case ORDER BY id"), ids).all()
        kept = conn.execute(text("SELECT sum(delivered_hours) FROM monitoring_action_days WHERE tenant_id = :node"), ids).scalar()
    assert [(status, n, float(amount)) for status, n, amount in totals] == [("approved", 1, 50.0)]
    assert shared  # the person's referral had reached the node: it stays visible to it
    # 0016: provider actions take their delivered figures from their approved deliveries; the node's own stays.
    assert [(p, float(h), n, att) for p, h, n, att in actions] == [(True, 2.0, 1, 1), (True, 0.0, 0, 0), (False, 7.0, 0, 0)]
    assert float(kept) == 9.0  # the monitoring summaries followed
    # The difference is reported, counts only.
    assert "2 changed, difference in delivered hours -13.00 h" in capsys.readouterr().out


def test_0018_moves_the_case_notes_into_the_diary(migration_db):
    """A database of the release before the diary, with a case carrying internal notes: after the upgrade the
    notes are the case's first diary entry (re-encrypted for its row, no author), the column is gone, and a
    downgrade brings them back."""
    with contract_at("0015") as (conn, ids):
        conn.execute(text("UPDATE cases SET internal_notes_enc = :token WHERE id = :case"),
                     {"case": ids["case"], "token": encrypt("Colloquio del 3 marzo: disponibile.", "cases.internal_notes.tot-case")})
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT uid, case_id, author_id, tenant_id, text_enc FROM case_diary_entries")).all()
        columns = {c["name"] for c in inspect(conn).get_columns("cases")}
    [(uid, case_id, author_id, tenant_id, token)] = rows
    assert case_id == ids["case"] and author_id is None and tenant_id == ids["node"]
    assert decrypt(token, f"case_diary_entries.text.{uid}") == "Colloquio del 3 marzo: disponibile."
    assert "internal_notes_enc" not in columns
    downgrade(revision="0015")
    with db.engine.connect() as conn:
        token = conn.execute(text("SELECT internal_notes_enc FROM cases WHERE id = :case"), ids).scalar()
    assert decrypt(token, "cases.internal_notes.tot-case") == "Colloquio del 3 marzo: disponibile."
