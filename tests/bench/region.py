"""Regional monitoring benchmark: ``python -m tests.bench.region --db postgresql``.

The region reads only ``region_summaries``, so the benchmark writes what ``flask rete region-refresh``
would keep for 8 nodes × 100,000 cases over three years (≈ 2,800 referrals per node and month, every
measure, a decision-days histogram), then times ``compute`` — a quarter's release: the SQL over the
summaries, the roll-up and the suppression of every table, which the nightly job does once per quarter and
the page did on every view before releases (region/releases.py) — as the regional tenant. Reports median
and p95 over repeated calls. Target: p95 ≤ 300 ms. Numbers to read, not assertions.
"""
import argparse
import random
import statistics
import time
from datetime import date

import sqlalchemy as sa

from .__main__ import database_urls

NODES, MONTHS, CASES_PER_NODE = 8, 36, 100_000


def _rows(node_id: int, region_id: int, rnd: random.Random):
    from portal.cases.models import ClosureOutcome
    from portal.monitoring.indicators import DIMENSIONS, RESULTS, SIX_MONTHS, VALUES
    from portal.referrals.models import Context, Ground

    per_month = CASES_PER_NODE // MONTHS
    for m in range(MONTHS):
        month = date(2024 + m // 12, m % 12 + 1, 1)

        def row(measure, value, count, month=month):
            return {"tenant_id": node_id, "region_id": region_id, "month": month, "measure": measure,
                    "value": value, "count": count}

        yield row("referrals", "total", per_month)
        for g in [*Ground, "intersectional"]:
            yield row("ground", getattr(g, "value", g), rnd.randint(1, per_month // 3))
        for c in Context:
            yield row("context", c.value, rnd.randint(0, per_month // 4))
        for d in ("accepted", "declined"):
            yield row("decision", d, rnd.randint(per_month // 4, per_month // 2))
        for days in range(0, 40):
            yield row("decision_days", str(days), rnd.randint(0, 40))
        for o in ClosureOutcome:
            yield row("cases_closed", o.value, rnd.randint(0, 60))
        for d in DIMENSIONS:
            for v in VALUES[d]:
                yield row(f"esf_{d}", v, rnd.randint(0, 300))
        for v in RESULTS:
            yield row("esf_result", v, rnd.randint(0, 100))
        for v in SIX_MONTHS:
            yield row("esf_six_months", v, rnd.randint(0, 100))
        yield row("esf_training", "completed", rnd.randint(0, 50))


def prepare(owner_url: str):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.region.models import RegionSummary
    from portal.tenancy import context
    from portal.tenancy.models import Tenant, TenantKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    with app.app_context(), context.system("bench region"):
        upgrade(revision="heads")
        region = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "bench-regione"))
        if region is None:
            region = Tenant(slug="bench-regione", name="Regione (bench)", kind=TenantKind.REGIONAL_CENTRE)
            db.session.add(region)
            db.session.flush()
            rnd = random.Random(7)
            for n in range(NODES):
                node = Tenant(slug=f"bench-nodo-{n}", name=f"Nodo {n} (bench)", kind=TenantKind.NODE, code=f"B{n}",
                              region_id=region.id)
                db.session.add(node)
                db.session.flush()
                db.session.execute(sa.insert(RegionSummary), list(_rows(node.id, region.id, rnd)))
            db.session.commit()
        region_id = region.id
        db.engine.dispose()
    return region_id


def run(app_url: str, owner_url: str, region_id: int, repeat: int) -> list[float]:
    from portal import create_app
    from portal.core.quarters import Quarter
    from portal.extensions import db
    from portal.region.queries import compute
    from portal.tenancy import context
    from portal.tenancy.models import Tenant

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url})
    times = []
    with app.app_context():
        for i in range(repeat + 2):
            context.activate(region_id, None, regional=True)
            started = time.perf_counter()
            region = db.session.get(Tenant, region_id)
            _nodes, tables, _medians = compute(region, Quarter(2025, 2))
            assert tables
            if i >= 2:  # warm-up
                times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        rows = len(tables)
        db.engine.dispose()
    print(f"a quarter's release: {rows} tables, {NODES} nodes")
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    owner_url, app_url = database_urls(args.db, "region", args.fresh)
    region_id = prepare(owner_url)
    times = sorted(run(app_url, owner_url, region_id, args.repeat))
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    print(f"release of a quarter ({args.db}): median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms over {len(times)} calls")


if __name__ == "__main__":
    main()
