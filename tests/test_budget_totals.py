"""The delivery totals kept by triggers: equal to the full aggregate after every kind of change."""
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from portal import create_app
from portal.budget.models import Delivery, DeliveryStatus
from portal.budget.totals import DeliveryTotal, drift
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .conftest import DB_KIND
from .factories import make_action


@pytest.fixture
def order(network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="TOTALI0001")
    return make_order(contract, make_action(network.case, provider=network.tenants["p"]), quantity="100")


def totals(contract_id):
    rows = db.session.scalars(select(DeliveryTotal).where(DeliveryTotal.contract_id == contract_id)
                              .execution_options(populate_existing=True))
    return {row.status: (row.deliveries, Decimal(row.amount).quantize(Decimal("0.01"))) for row in rows}


def test_insert_update_delete_keep_the_totals(network, order):
    node = network.tenants["n1"].id
    first = make_delivery(order, units="2")  # 2 h x 25.00
    second = make_delivery(order, units="3")
    with context.acting_as(node):
        assert totals(order.contract_id) == {"submitted": (2, Decimal("125.00"))}
        first.status = DeliveryStatus.APPROVED
        db.session.flush()
        assert totals(order.contract_id) == {"submitted": (1, Decimal("75.00")), "approved": (1, Decimal("50.00"))}
        second.status, second.amount = DeliveryStatus.RETURNED, Decimal("70.00")
        first.note = "Only a note: the totals are not touched"
        db.session.flush()
        assert totals(order.contract_id) == {
            "submitted": (0, Decimal("0.00")), "approved": (1, Decimal("50.00")), "returned": (1, Decimal("70.00")),
        }
        db.session.delete(second)
        db.session.flush()
        assert totals(order.contract_id)["returned"] == (0, Decimal("0.00"))
        assert drift() == []


def test_changes_outside_the_orm_are_counted_too(network, order):
    make_delivery(order, units="4")
    with context.acting_as(network.tenants["n1"].id):
        db.session.execute(text("UPDATE deliveries SET amount = amount + 1, status = 'approved' WHERE order_id = :o"),
                           {"o": order.id})
        assert totals(order.contract_id) == {"submitted": (0, Decimal("0.00")), "approved": (1, Decimal("101.00"))}
        assert drift() == []


def test_drift_reports_a_tampered_total(network, order):
    make_delivery(order, units="1")
    with context.acting_as(network.tenants["n1"].id):
        db.session.execute(text("UPDATE delivery_totals SET amount = amount + 5 WHERE contract_id = :c"),
                           {"c": order.contract_id})
        [(contract_id, status, kept_n, kept, real_n, real)] = drift()
        assert (contract_id, status, kept - real) == (order.contract_id, "submitted", Decimal("5.00"))


def test_provider_logging_a_delivery_writes_the_nodes_total(network, order):
    """The provider's own insert passes the summary's row-level policy (sharer insert)."""
    with context.acting_as(network.tenants["p"].id):
        db.session.add(Delivery(
            tenant_id=order.tenant_id, provider_id=order.provider_id, order_id=order.id, contract_id=order.contract_id,
            delivered_on=order.created_at.date(), units=Decimal("1"), unit_price=Decimal("25.00"),
            amount=Decimal("25.00"), attended=True, status=DeliveryStatus.SUBMITTED,
        ))
        db.session.flush()
        assert totals(order.contract_id) == {"submitted": (1, Decimal("25.00"))}
    with context.acting_as(network.tenants["b"].id):  # an antenna sees no total of the node
        assert totals(order.contract_id) == {}


@pytest.mark.skipif(DB_KIND != "postgresql", reason="concurrent writers need PostgreSQL's row locks")
def test_concurrent_writers_leave_no_drift(database, app):
    """Eight connections as the app role insert, approve, return and delete deliveries of one contract at
    once, committing as they go; afterwards the totals equal the aggregate exactly (and no deadlock)."""
    owner = sa.create_engine(database.owner_url)
    with owner.begin() as conn:
        ids = _committed_contract(conn)
    engine = sa.create_engine(database.app_url, pool_size=8)
    errors = []

    def writer(n):
        try:
            for i in range(15):
                with engine.begin() as conn:
                    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(ids["node"])})
                    new = conn.execute(text(
                        "INSERT INTO deliveries (tenant_id, provider_id, order_id, contract_id, delivered_on, units,"
                        " unit_price, amount, attended, status, version, created_at, updated_at, times_returned)"
                        " VALUES (:t, :p, :o, :c, current_date, 1, 10, :a, true, 'submitted', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0)"
                        " RETURNING id"), {**ids, "t": ids["node"], "a": 10 + n + i}).scalar()
                    conn.execute(text(
                        "UPDATE deliveries SET status = CASE WHEN id % 3 = 0 THEN 'returned' ELSE 'approved' END,"
                        " amount = amount + 1 WHERE id = :id"), {"id": new})
                    if i % 4 == 0:
                        conn.execute(text(
                            "UPDATE deliveries SET status = 'submitted' WHERE contract_id = :c AND status = 'returned'"
                            " AND id % 8 = :n"), {"c": ids["c"], "n": n})
                    if i % 5 == 0:
                        conn.execute(text("DELETE FROM deliveries WHERE id = :id"), {"id": new})
        except Exception as exc:  # surfaced below: a deadlock or a policy error fails the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with owner.connect() as conn:
            real = conn.execute(text(
                "SELECT status, count(*), sum(amount) FROM deliveries WHERE contract_id = :c GROUP BY status"
                " ORDER BY status"), {"c": ids["c"]}).all()
            kept = conn.execute(text(
                "SELECT status, deliveries, amount FROM delivery_totals WHERE contract_id = :c AND deliveries <> 0"
                " ORDER BY status"), {"c": ids["c"]}).all()
        assert sum(n for _, n, _ in real) > 8 * 15 * 0.7  # the writers really wrote
        assert kept == real
    finally:
        with owner.begin() as conn:
            _remove_contract(conn, ids)
        engine.dispose()
        owner.dispose()


def test_budget_verify_cli_as_owner(database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url}, owner=True)
    runner = app.test_cli_runner()
    with app.app_context():
        with db.engine.begin() as conn:
            ids = _committed_contract(conn)
            for amount in (10, 20, 30):
                conn.execute(text(
                    "INSERT INTO deliveries (tenant_id, provider_id, order_id, contract_id, delivered_on, units, unit_price,"
                    " amount, attended, status, version, created_at, updated_at, times_returned) VALUES (:node, :p, :o, :c,"
                    " CURRENT_DATE, 1, 10, :amount, true, 'approved', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0)"),
                    {**ids, "amount": amount})
        try:
            ok = runner.invoke(args=["rete", "budget-verify"])
            assert ok.exit_code == 0, ok.output
            # The CLI's session (this app context's) still holds its read: tamper through it, as the audit test does.
            db.session.execute(text("UPDATE delivery_totals SET deliveries = deliveries + 1 WHERE contract_id = :c"), ids)
            db.session.commit()
            result = runner.invoke(args=["rete", "budget-verify"])
            assert result.exit_code == 1
            assert f"contratto {ids['c']} stato approved: tenuto 4/60.00, reale 3/60.00" in result.output
        finally:
            db.session.remove()
            with db.engine.begin() as conn:
                _remove_contract(conn, ids)
            db.engine.dispose()


def _committed_contract(conn) -> dict:
    one = conn.execute
    node = one(text("INSERT INTO tenants (slug, name, kind, active) VALUES ('tot-n', 'N', 'node', true) RETURNING id")).scalar()
    p = one(text("INSERT INTO tenants (slug, name, kind, node_id, active) VALUES ('tot-p', 'P', 'service_provider', :n, true)"
                 " RETURNING id"), {"n": node}).scalar()
    budget = one(text(
        "INSERT INTO budgets (tenant_id, code, title, declared_total, start_date, end_date, version, created_at, updated_at)"
        " VALUES (:n, 'tot', 'T', 1000, '2026-01-01', '2027-12-31', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"), {"n": node}).scalar()
    line = one(text(
        "INSERT INTO budget_lines (tenant_id, budget_id, position, title, kind, allocated, version, created_at, updated_at)"
        " VALUES (:n, :b, 1, 'S', 'services', 1000, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"), {"n": node, "b": budget}).scalar()
    contract = one(text(
        "INSERT INTO contracts (tenant_id, provider_id, budget_line_id, title, procedure, legal_basis, cig, start_date,"
        " end_date, total_value, vat_rate, version, created_at, updated_at) VALUES (:n, :p, :l, 'T', 'open', 'x',"
        " 'TOT0000001', '2026-01-01', '2027-12-31', 1000, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
        {"n": node, "p": p, "l": line}).scalar()
    cline = one(text(
        "INSERT INTO contract_lines (tenant_id, provider_id, contract_id, service_type, unit, unit_price, quantity, version,"
        " created_at, updated_at) VALUES (:n, :p, :c, 'counselling', 'hour', 10, 100, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
        {"n": node, "p": p, "c": contract}).scalar()
    org = one(text("INSERT INTO tenants (slug, name, kind, node_id, active) VALUES ('tot-a', 'A', 'municipality', :n, true)"
                   " RETURNING id"), {"n": node}).scalar()
    user = one(text("INSERT INTO users (email, full_name, active, failed_logins, created_at, updated_at)"
                    " VALUES ('tot@x.example', 'T', true, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id")).scalar()
    person = one(text(
        "INSERT INTO people (tenant_id, node_id, uid, legal_hold, version, created_at, updated_at)"
        " VALUES (:a, :n, 'tot-person', false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
        {"a": org, "n": node}).scalar()
    referral = one(text(
        "INSERT INTO referrals (tenant_id, node_id, person_id, created_by_id, uid, state, context, grounds, urgency,"
        " legal_basis_requested, submission_key, version, created_at, updated_at) VALUES (:a, :n, :person, :u,"
        " 'tot-referral', 'accepted', 'work', '[\"age\"]', 'normal', false, 'tot-key', 1, CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP) RETURNING id"), {"a": org, "n": node, "person": person, "u": user}).scalar()
    case = one(text(
        "INSERT INTO cases (tenant_id, antenna_id, uid, referral_id, person_id, pseudonym, state, grounds, urgent,"
        " opened_at, version, created_at, updated_at) VALUES (:n, :a, 'tot-case', :r, :person, 'TOT-1', 'open', 'age',"
        " false, CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
        {"n": node, "a": org, "r": referral, "person": person}).scalar()
    action = one(text(
        "INSERT INTO actions (tenant_id, provider_id, case_id, pseudonym, service_type, phase, status, planned_start,"
        " planned_hours, delivered_hours, version, created_at, updated_at) VALUES (:n, :p, :k, 'TOT-1', 'counselling',"
        " 'preparatory', 'planned', CURRENT_DATE, 0, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
        {"n": node, "p": p, "k": case}).scalar()
    order = one(text(
        "INSERT INTO service_orders (tenant_id, provider_id, contract_id, contract_line_id, action_id, pseudonym, quantity,"
        " status, version, created_at, updated_at) VALUES (:n, :p, :c, :cl, :a, 'TOT-1', 100, 'open', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        " RETURNING id"), {"n": node, "p": p, "c": contract, "cl": cline, "a": action}).scalar()
    return {"node": node, "p": p, "a": org, "c": contract, "o": order, "budget": budget, "case": case,
            "referral": referral, "person": person, "user": user}


def _remove_contract(conn, ids) -> None:
    for sql in (
        "DELETE FROM deliveries WHERE contract_id = :c", "DELETE FROM delivery_totals WHERE contract_id = :c",
        "DELETE FROM service_orders WHERE contract_id = :c", "DELETE FROM actions WHERE case_id = :case",
        # The monitoring summaries the action triggers wrote (migration 0007).
        "DELETE FROM monitoring_case_facts WHERE case_id = :case", "DELETE FROM monitoring_action_days WHERE tenant_id = :node",
        "DELETE FROM cases WHERE id = :case", "DELETE FROM referrals WHERE id = :referral",
        "DELETE FROM people WHERE id = :person", "DELETE FROM users WHERE id = :user", "DELETE FROM contract_lines WHERE contract_id = :c",
        "DELETE FROM contracts WHERE id = :c", "DELETE FROM budget_lines WHERE budget_id = :budget",
        "DELETE FROM budgets WHERE id = :budget", "DELETE FROM tenants WHERE id IN (:p, :a)",
        "DELETE FROM tenants WHERE id = :node",
    ):
        conn.execute(text(sql), ids)
