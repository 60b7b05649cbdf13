"""Alert job and pages at scale: ``python -m tests.bench.alerts --db postgresql --scale large``.

Data: the referral/case data set of ``tests.bench`` (large: 100,000 cases, 1,000,000 actions), copied
into its own database (``rete_bench_alerts_<scale>`` / ``instance/bench-alerts-<scale>.sqlite``, from the
``tests.bench`` one when it exists, so nothing is seeded twice) plus a mix that makes every rule fire:
case workers on half the cases, 1% urgent cases without one, 1% referrals undecided, 2% of the actions
planned and overdue, 2% with a provider and no delivery, 3 follow-ups on 10% of the cases, and for 1%
of the cases three logged sessions of which the last ones were missed.

Reports the job's time (all rules, one node) on the first evaluation after the mix (opening every
alert), on a steady re-evaluation (nothing new) and per rule; the unusual-access check per identity
reveal; and the latency of the alert pages. Run as the job runs: as the schema owner acting as the node.
"""
import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from .__main__ import SCALES, copied_database, measure
from .__main__ import prepare as prepare_cases

MARK = "bench-alerts-mix"


def _mix() -> None:
    """Make every rule fire on a fraction of the data (idempotent: marked by a tenant slug)."""
    from portal.accounts.models import User
    from portal.budget.models import ContractLine
    from portal.extensions import db
    from portal.tenancy.models import Tenant, TenantKind

    if db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == MARK)):
        return
    node = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "provincia-novara"))
    worker = db.session.scalar(sa.select(User.id).where(User.email == "casemanager@nodo.novara.example"))
    line = db.session.execute(sa.select(ContractLine.id, ContractLine.contract_id, ContractLine.provider_id).limit(1)).one()
    today = date.today()
    sql = [
        ("UPDATE cases SET case_worker_id = :w WHERE id % 2 = 0", {"w": worker}),
        ("UPDATE cases SET urgent = true, case_worker_id = NULL WHERE id % 100 = 1 AND state <> 'closed'", {}),
        ("UPDATE referrals SET state = 'submitted', submitted_at = :old WHERE id % 100 = 3", {"old": today - timedelta(days=30)}),
        ("UPDATE actions SET status = 'planned', planned_end = planned_start + 14 WHERE id % 50 = 5"
         if db.engine.dialect.name == "postgresql" else
         "UPDATE actions SET status = 'planned', planned_end = date(planned_start, '+14 days') WHERE id % 50 = 5", {}),
        ("UPDATE actions SET status = 'in_progress', provider_id = :p WHERE id % 50 = 7", {"p": line.provider_id}),
        ("INSERT INTO verifications (tenant_id, case_id, phase, months_after, due_date, version, created_at, updated_at) "
         "SELECT tenant_id, id, 'inclusion', m.months, :base, 1, :now, :now FROM cases "
         "CROSS JOIN (SELECT 3 AS months UNION ALL SELECT 6 UNION ALL SELECT 12) m WHERE id % 10 = 4",
         {"base": today}),
        # 1% of the cases: an order for one of their provider actions and three sessions, the last two missed
        ("INSERT INTO service_orders (tenant_id, provider_id, contract_id, contract_line_id, action_id, pseudonym, quantity, "
         "status, version, created_at, updated_at) SELECT a.tenant_id, :p, :c, :l, a.id, a.pseudonym, 10, 'open', 1, :now, :now "
         "FROM actions a WHERE a.id IN (SELECT min(id) FROM actions WHERE case_id % 100 = 9 GROUP BY case_id)",
         {"p": line.provider_id, "c": line.contract_id, "l": line.id}),
        ("INSERT INTO deliveries (tenant_id, provider_id, order_id, contract_id, delivered_on, units, unit_price, amount, "
         "attended, status, version, created_at, updated_at) "
         "SELECT o.tenant_id, o.provider_id, o.id, o.contract_id, :day0, 1, 25, 25, s.attended, 'submitted', 1, :now, :now "
         "FROM service_orders o JOIN actions a ON a.id = o.action_id "
         "CROSS JOIN (SELECT true AS attended UNION ALL SELECT false UNION ALL SELECT false UNION ALL SELECT false) s "
         "WHERE a.case_id % 100 = 9", {"day0": today - timedelta(days=10)}),
    ]
    now = datetime.now(UTC)
    for statement, params in sql:
        db.session.execute(sa.text(statement), {"now": now, **params})
    # every delivery of the mix on its own day, so "the last N sessions" has an order
    db.session.execute(sa.text(
        "UPDATE deliveries SET delivered_on = :d WHERE attended = true AND order_id IN "
        "(SELECT o.id FROM service_orders o JOIN actions a ON a.id = o.action_id WHERE a.case_id % 100 = 9)"),
        {"d": today - timedelta(days=40)})
    db.session.add(Tenant(slug=MARK, name="Segnaposto del benchmark delle allerte", kind=TenantKind.ASSOCIATION,
                          node_id=node.id, active=False))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def run_job(owner_url: str) -> dict:
    from portal import create_app
    from portal.alerts import rules
    from portal.alerts.models import CASE_RULES, Alert
    from portal.alerts.security import check_reader
    from portal.alerts.services import evaluate, settings_for
    from portal.audit.services import record
    from portal.extensions import db
    from portal.people.models import Person
    from portal.tenancy import context
    from portal.tenancy.models import Tenant

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    out = {}
    with app.app_context():
        with context.system("bench"):
            node_id = db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == "provincia-novara"))
            _mix()
            # start from no alerts, as a node switching the feature on would
            db.session.execute(sa.delete(Alert))
            db.session.commit()
        with context.acting_as(node_id):
            out["first"], counts = _timed(evaluate, node_id)
            db.session.commit()
            out["opened"] = counts["opened"]
            if db.engine.dialect.name == "postgresql":  # as autovacuum would after 75,000 new rows
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("ANALYZE alerts")
            out["steady"], counts = _timed(evaluate, node_id)
            db.session.commit()
            out["steady_opened"] = counts["opened"]
            settings = settings_for(node_id)
            conn = db.session.connection()
            out["per_rule"] = {}
            for rule in CASE_RULES:
                scope = rules.Scope(node_id, settings[rule]["threshold"], date.today())
                query = rules.RULES[rule](scope).subquery()
                ms, found = _timed(lambda q=query: conn.execute(sa.select(sa.func.count()).select_from(q)).scalar())
                out["per_rule"][rule.value] = (ms, found)
            out["open_alerts"] = db.session.scalar(sa.select(sa.func.count(Alert.id)).where(Alert.open_key.is_not(None)))
            person_ids = db.session.scalars(sa.select(Person.id).limit(30)).all()
            timings = []
            user_id = db.session.scalar(sa.text("SELECT min(id) FROM users"))
            for pid in person_ids:
                record("person.identity_read", "person", pid, ["first_name"], user_id=user_id)
                ms, _ = _timed(check_reader, user_id)
                timings.append(ms)
            out["reveal_check_ms"] = statistics.median(timings)
            db.session.rollback()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("RETE_TEST_DB", "postgresql"), choices=["sqlite", "postgresql"])
    parser.add_argument("--scale", default="realistic", choices=sorted(SCALES))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the benchmark database")
    args = parser.parse_args()

    owner_url, app_url = copied_database(args.db, "alerts", args.scale, args.fresh)
    prepare_cases(owner_url, args.scale)
    job = run_job(owner_url)
    coordinator = "coordinatrice@nodo.novara.example"
    pages = [
        ("alert list, coordinator, first page", coordinator, "/allerte/"),
        ("alert list, filtered (rule + state)", coordinator, "/allerte/?regola=action_overdue&stato=open"),
        ("alert list, page 100", coordinator, "/allerte/?pagina=100"),
        ("home page with the alerts panel", coordinator, "/"),
    ]
    rows = measure(app_url, owner_url, pages, args.repeat)
    scale = SCALES[args.scale]
    print(f"\n### alerts, {args.db}, scale {args.scale}: {scale['cases']:,} cases, {scale['actions']:,} actions\n")
    print(f"- job, all rules, first evaluation: {job['first'] / 1000:.2f} s ({job['opened']:,} alerts opened)")
    print(f"- job, all rules, steady re-evaluation: {job['steady'] / 1000:.2f} s ({job['steady_opened']} opened, "
          f"{job['open_alerts']:,} open)")
    for rule, (ms, found) in job["per_rule"].items():
        print(f"  - {rule}: {ms:.0f} ms to find {found:,}")
    print(f"- unusual-access check per identity reveal: {job['reveal_check_ms']:.1f} ms (median)\n")
    print("| page | median ms | p95 ms | SQL queries |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")


if __name__ == "__main__":
    main()
