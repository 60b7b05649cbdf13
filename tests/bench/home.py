"""The home page's work queue per role at scale: ``python -m tests.bench.home --db postgresql --scale large``.

Data: the case data set of ``tests.bench`` (large: 100,000 cases, 1,000,000 actions) in its own database
(``rete_bench_home_<scale>`` / ``instance/bench-home-<scale>.sqlite``, copied from the ``tests.bench`` one
when it exists), the alert benchmark's mix (case workers on half the cases, overdue actions, follow-ups,
orders and deliveries, undecided referrals…) and its alerts, plus queue items of every kind: 1% of the
referrals waiting for information and 1% drafts, a tenth of the mix's deliveries sent back, older orders,
invoices to verify, open data-subject requests (some overdue), forum posts with confirmed personal data.

Reports per role the latency of the home page (in-process WSGI, warm) and its SQL statements, and a
"vedi tutti" page. Not timed assertions: numbers to read and compare (the machine may be shared).
"""
import argparse
import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from .__main__ import ANTENNA_USER, SCALES, copied_database, measure
from .__main__ import prepare as prepare_cases

MARK = "bench-home-mix"
ROLES = [
    ("home, antenna operator", ANTENNA_USER),
    ("home, case worker", "casemanager@nodo.novara.example"),
    ("home, coordinator", "coordinatrice@nodo.novara.example"),
    ("home, budget officer", "budget@nodo.novara.example"),
    ("home, provider", "operatrice@coop-esempio.example"),
    ("home, DPO", "rpd@nodo.novara.example"),
]


def _mix(owner_url: str) -> None:
    """The alert benchmark's mix and its alerts, then the other queues' items (idempotent: a marker tenant)."""
    from portal import create_app
    from portal.alerts.services import evaluate
    from portal.extensions import db
    from portal.tenancy import context
    from portal.tenancy.models import Tenant, TenantKind

    from .alerts import _mix as alerts_mix

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    with app.app_context():
        with context.system("bench home"):
            if db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == MARK)):
                db.engine.dispose()
                return
            alerts_mix()
            node = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "provincia-novara"))
            dpo = db.session.scalar(sa.text("SELECT id FROM users WHERE email = 'rpd@nodo.novara.example'"))
            author = db.session.scalar(sa.text("SELECT id FROM users WHERE email = 'operatore@comune-novara.example'"))
            antenna = db.session.scalar(sa.text("SELECT id FROM tenants WHERE slug = 'bench-antenna-0'"))
            now = datetime.now(UTC)
            sql = [
                ("UPDATE referrals SET state = 'info_requested' WHERE id % 100 = 5", {}),
                ("UPDATE referrals SET state = 'draft', submitted_at = NULL, decided_at = NULL WHERE id % 100 = 6", {}),
                ("UPDATE deliveries SET status = 'returned', times_returned = 1 WHERE id % 10 = 0", {}),
                ("UPDATE service_orders SET created_at = :old WHERE id % 2 = 0", {"old": now - timedelta(days=30)}),
                ("INSERT INTO invoices (tenant_id, contract_id, number, issued_on, amount, status, version, created_at, updated_at) "
                 "SELECT tenant_id, id, 'BENCH-' || id, :day, 10, 'received', 1, :now, :now FROM contracts", {"day": now.date()}),
                ("INSERT INTO data_subject_requests (tenant_id, person_id, kind, status, opened_by_id, opened_at) "
                 "SELECT :node, id, 'access', 'open', :dpo, :now - (id % 60) * interval '1 day' FROM people WHERE id % 5000 = 7"
                 if db.engine.dialect.name == "postgresql" else
                 "INSERT INTO data_subject_requests (tenant_id, person_id, kind, status, opened_by_id, opened_at) "
                 "SELECT :node, id, 'access', 'open', :dpo, datetime(:now, '-' || (id % 60) || ' days') FROM people "
                 "WHERE id % 5000 = 7", {"node": node.id, "dpo": dpo}),
                ("INSERT INTO forum_threads (category_id, kind, title, author_user_id, author_tenant_id, locked, hidden, "
                 "post_count, last_post_at, created_at, updated_at) SELECT min(id), 'practice', 'Scheda di prova', :author, "
                 ":antenna, false, false, 1, :now, :now, :now FROM forum_categories", {"author": author, "antenna": antenna}),
                ("INSERT INTO forum_posts (thread_id, author_user_id, author_tenant_id, body, body_html, search_text, "
                 "personal_data_flags, hidden, has_attachments, version, created_at, updated_at) SELECT max(id), :author, "
                 ":antenna, '333 1234567', '<p>333 1234567</p>', 'x', '[\"phone\"]', false, false, 1, :now, :now "
                 "FROM forum_threads",
                 {"author": author, "antenna": antenna}),
            ]
            for statement, params in sql:
                db.session.execute(sa.text(statement), {"now": now, **params})
            db.session.add(Tenant(slug=MARK, name="Segnaposto del benchmark della home", kind=TenantKind.ASSOCIATION,
                                  node_id=node.id, active=False))
            db.session.commit()
        with context.acting_as(node.id):
            evaluate(node.id)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("RETE_TEST_DB", "postgresql"), choices=["sqlite", "postgresql"])
    parser.add_argument("--scale", default="realistic", choices=sorted(SCALES))  # realistic, cases100k, large
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the benchmark database")
    args = parser.parse_args()

    owner_url, app_url = copied_database(args.db, "home", args.scale, args.fresh)
    prepare_cases(owner_url, args.scale)
    _mix(owner_url)
    pages = [(label, email, "/") for label, email in ROLES]
    pages.append(("'vedi tutti', coordinator, unassigned cases", ROLES[2][1], "/da-fare/cases.unassigned"))
    rows = measure(app_url, owner_url, pages, args.repeat)
    scale = SCALES[args.scale]
    print(f"\n### home page work queues, {args.db}, scale {args.scale}: {scale['cases']:,} cases, "
          f"{scale['actions']:,} actions\n")
    print("| page | median ms | p95 ms | SQL queries |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")


if __name__ == "__main__":
    main()
