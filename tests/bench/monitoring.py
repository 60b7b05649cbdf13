"""Monitoring benchmark: ``python -m tests.bench.monitoring --db postgresql --scale large``.

Reuses the referrals/cases data set of ``python -m tests.bench`` (same database: ``rete_bench_<scale>`` or
``instance/bench-<scale>.sqlite``; large = 200 antennas, 100,000 people/referrals/cases, 1,000,000
actions) and adds, once, what monitoring reads and that data set lacks: people's monitoring attributes,
closure outcomes of the closed cases, a phase-1 verification and three phase-2 follow-ups for every case
in phase 2 or closed. Reports median/p95 latency and SQL statements per page (target: node dashboard
p95 < 300 ms on PostgreSQL at 100,000 cases) and the node dashboard's throughput under gunicorn.
Numbers to read, not assertions.
"""
import argparse
import os
import random
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from .__main__ import ANTENNA_USER, SCALES, database_urls, measure, prepare, throughput

COORDINATOR = "coordinatrice@nodo.novara.example"
BATCH = 10_000


def add_monitoring_data(owner_url: str) -> None:
    """Idempotent: skipped when the bench cases already have verifications."""
    from portal import create_app
    from portal.cases.models import Case, CaseState, ClosureOutcome, JobOutcome, Verification, VerificationPhase
    from portal.extensions import db
    from portal.people.models import AgeBand, CitizenshipGroup, EducationLevel, Person
    from portal.tenancy import context

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    with app.app_context(), context.system("bench monitoring seed"):
        if db.session.scalar(sa.select(sa.func.count(Verification.id))) > 1000:
            db.engine.dispose()
            return
        started = time.perf_counter()
        pid = Person.id

        def by_id(values):
            return sa.case(*[(pid % len(values) == i, v.value) for i, v in enumerate(values)], else_=values[0].value)

        db.session.execute(sa.update(Person).where(Person.age_band.is_(None)).values(
            age_band=by_id(list(AgeBand)),
            citizenship_group=by_id(list(CitizenshipGroup)),
            education_level=by_id(list(EducationLevel)),
            disability=(pid % 7 == 0),
        ))
        outcomes = list(ClosureOutcome)
        cid = Case.id
        db.session.execute(sa.update(Case).where(Case.state == CaseState.CLOSED, Case.closed_at.is_(None)).values(
            closed_at=Case.opened_at + timedelta(days=120),
            closure_outcome=sa.case(*[(cid % len(outcomes) == i, o.value) for i, o in enumerate(outcomes)]),
        ))
        rnd = random.Random(11)
        today = date.today()
        now = datetime.now(UTC)
        node_id = db.session.scalar(sa.select(Case.tenant_id).limit(1))
        rows = []
        cases = db.session.execute(
            sa.select(Case.id, Case.opened_at).where(Case.state.in_([CaseState.PHASE_2, CaseState.CLOSED]))
        ).all()
        common = {"tenant_id": node_id, "version": 1, "created_at": now, "updated_at": now}
        for case_id, opened in cases:
            start = opened.date() + timedelta(days=60)
            rows.append({**common, "case_id": case_id, "phase": VerificationPhase.JOB_INSERTION.value, "due_date": start,
                         "done_on": start, "job_outcome": rnd.choice(list(JobOutcome)).value})
            for months in (3, 6, 12):
                due = start + timedelta(days=30 * months)
                done = due <= today and rnd.random() < 0.8
                rows.append({**common, "case_id": case_id, "phase": VerificationPhase.INCLUSION.value, "months_after": months,
                             "due_date": due, "done_on": due if done else None, "still_in_work": rnd.random() < 0.7 if done else None})
        for i in range(0, len(rows), BATCH):
            db.session.execute(sa.insert(Verification), rows[i : i + BATCH])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE people, cases, verifications")
        print(f"monitoring data added in {time.perf_counter() - started:.1f} s: {len(rows):,} verifications", flush=True)
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("RETE_TEST_DB", "postgresql"), choices=["sqlite", "postgresql"])
    parser.add_argument("--scale", default="realistic", choices=sorted(SCALES))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the benchmark database")
    args = parser.parse_args()

    owner_url, app_url = database_urls(args.db, args.scale, args.fresh)
    targets = prepare(owner_url, args.scale)
    add_monitoring_data(owner_url)
    if args.db == "sqlite":
        app_url = owner_url
    year = date.today().replace(month=1, day=1).isoformat()
    pages = [
        ("node dashboard, all panels (this year)", COORDINATOR, "/monitoraggio/"),
        ("node dashboard, last 90 days", COORDINATOR, f"/monitoraggio/?dal={(date.today() - timedelta(days=90)).isoformat()}"),
        ("node dashboard, antenna + ground", COORDINATOR, f"/monitoraggio/?antenna={targets['antenna_id']}&motivo=ethnicity"),
        ("node dashboard, provider", COORDINATOR, "/monitoraggio/?fornitore=__provider__"),
        ("antenna dashboard", ANTENNA_USER, "/monitoraggio/antenna"),
        ("periodic report (page)", COORDINATOR, f"/monitoraggio/rapporto?dal={year}&al={date.today().isoformat()}"),
        ("periodic report (XLSX)", COORDINATOR, f"/monitoraggio/rapporto.xlsx?dal={year}&al={date.today().isoformat()}"),
        ("open-data CSV", COORDINATOR, f"/monitoraggio/open-data.csv?dal={year}&al={date.today().isoformat()}"),
    ]
    provider = _provider_id(owner_url)
    pages = [(label, who, path.replace("__provider__", str(provider))) for label, who, path in pages]
    rows = measure(app_url, owner_url, pages, args.repeat)
    tp = throughput(app_url, owner_url, COORDINATOR, "/monitoraggio/", args.clients, args.seconds)
    scale = SCALES[args.scale]
    print(f"\n### monitoring, {args.db}, scale {args.scale}: {scale['antennas']} antennas, {scale['cases']:,} cases, "
          f"{scale['actions']:,} actions\n")
    print("| page | median ms | p95 ms | SQL queries |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")
    print(f"\nThroughput, node dashboard, gunicorn 4 workers, {tp['clients']} concurrent clients: "
          f"{tp['rps']:.1f} req/s (p95 {tp['p95_ms']:.0f} ms, {tp['requests']} ok, {tp['errors']} errors)")


def _provider_id(owner_url: str) -> int:
    engine = sa.create_engine(owner_url)
    with engine.connect() as conn:
        ident = conn.execute(sa.text("SELECT id FROM tenants WHERE slug = 'coop-esempio'")).scalar()
    engine.dispose()
    return ident


if __name__ == "__main__":
    main()
