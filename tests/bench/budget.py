"""Budget benchmark: ``python -m tests.bench.budget --db sqlite|postgresql [--scale large]``.

``small`` (default): 5 contracts, 2,000 service orders, 20,000 deliveries. ``large`` (the issue's
numbers): 50 contracts, 20,000 service orders, 500,000 deliveries. Reports median/p95 latency and SQL
statements per request for the budget overview and a contract statement (target: p95 < 100 ms on
PostgreSQL, 2 cores, a bounded number of queries), and time and peak Python memory of the streamed XLSX
export of all the deliveries of the biggest contract. Numbers to read, not assertions.
"""
import argparse
import os
import random
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from .__main__ import database_urls, log_in, measure

SCALES = {
    "small": {"cases": 200, "actions": 2_000, "contracts": 5, "orders": 2_000, "deliveries": 20_000},
    "large": {"cases": 2_000, "actions": 20_000, "contracts": 50, "orders": 20_000, "deliveries": 500_000},
}
OFFICER = "budget@nodo.novara.example"
BATCH = 5000


def _insert(model, rows):
    from portal.extensions import db

    for i in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[i : i + BATCH])


def seed_budget(scale: dict) -> int:
    """Contracts, orders and deliveries in bulk under the demo budget; returns the biggest contract's id."""
    from portal.budget.models import (
        Budget,
        Contract,
        ContractLine,
        Delivery,
        DeliveryStatus,
        OrderStatus,
        Procedure,
        ServiceOrder,
        Unit,
        line_amount,
    )
    from portal.cases.models import Action
    from portal.extensions import db
    from portal.tenancy.models import Tenant

    rnd = random.Random(5)
    node = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "provincia-novara"))
    provider = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "coop-esempio"))
    budget = db.session.scalar(sa.select(Budget).where(Budget.tenant_id == node.id))
    line_id = budget.lines[0].id
    existing = db.session.scalar(sa.select(sa.func.count(Contract.id)).where(Contract.cig.like("BENCH%")))
    if existing >= scale["contracts"]:
        return db.session.scalar(sa.select(sa.func.min(Contract.id)).where(Contract.cig.like("BENCH%")))
    now = datetime.now(UTC)
    common = {"tenant_id": node.id, "provider_id": provider.id, "version": 1, "created_at": now, "updated_at": now}
    _insert(Contract, [
        {**common, "budget_line_id": line_id, "title": f"Contratto di prova {n}", "procedure": Procedure.OPEN.value,
         "legal_basis": "D.Lgs. 36/2023", "cig": f"BENCH{n:05d}", "start_date": date(2026, 1, 1),
         "end_date": date(2027, 12, 31), "total_value": Decimal("9999999.00"), "vat_rate": Decimal("5")}
        for n in range(scale["contracts"])
    ])
    contract_ids = list(db.session.scalars(sa.select(Contract.id).where(Contract.cig.like("BENCH%")).order_by(Contract.id)))
    _insert(ContractLine, [
        {**common, "contract_id": cid, "service_type": "counselling", "unit": Unit.HOUR.value,
         "unit_price": Decimal("31.50"), "quantity": Decimal("9999999")}
        for cid in contract_ids
    ])
    lines = dict(db.session.execute(sa.select(ContractLine.contract_id, ContractLine.id).where(ContractLine.contract_id.in_(contract_ids))).all())
    ordered = sa.select(ServiceOrder.action_id)
    actions = list(db.session.execute(
        sa.select(Action.id, Action.pseudonym).where(Action.id.not_in(ordered)).order_by(Action.id).limit(scale["orders"])
    ))
    orders = []
    for n, (action_id, pseudonym) in enumerate(actions):
        cid = contract_ids[n % len(contract_ids)]
        orders.append({**common, "contract_id": cid, "contract_line_id": lines[cid], "action_id": action_id,
                       "pseudonym": pseudonym, "quantity": Decimal("25"), "status": OrderStatus.OPEN.value})
    _insert(ServiceOrder, orders)
    order_rows = list(db.session.execute(sa.select(ServiceOrder.id, ServiceOrder.contract_id).where(ServiceOrder.contract_id.in_(contract_ids))))
    statuses = [DeliveryStatus.APPROVED.value] * 8 + [DeliveryStatus.SUBMITTED.value, DeliveryStatus.RETURNED.value]
    price = Decimal("31.50")
    batch = []
    for n in range(scale["deliveries"]):
        order_id, cid = order_rows[n % len(order_rows)]
        units = Decimal(rnd.choice(["1.00", "1.50", "2.00", "3.25"]))
        batch.append({**common, "order_id": order_id, "contract_id": cid, "delivered_on": date(2026, 1, 1) + timedelta(days=n % 300),
                      "units": units, "unit_price": price, "amount": line_amount(units, price), "attended": True,
                      "note": None, "status": rnd.choice(statuses)})
        if len(batch) >= 50_000:
            _insert(Delivery, batch)
            batch = []
    _insert(Delivery, batch)
    db.session.commit()
    return contract_ids[0]


def prepare(owner_url: str, scale: dict) -> int:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.seed import seed_all
    from portal.tenancy import context

    from .seed_scale import seed_scale

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    with app.app_context(), context.system("bench seed"):
        upgrade(revision="heads")
        seed_all()
        db.session.commit()
        started = time.perf_counter()
        seed_scale(antennas=10, cases=scale["cases"], actions=scale["actions"])
        contract_id = seed_budget(scale)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # visibility map for index-only scans, fresh statistics
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"data ready in {time.perf_counter() - started:.1f} s: {scale}", flush=True)
        db.engine.dispose()
    return contract_id


def export_cost(app_url: str, owner_url: str, contract_id: int) -> dict:
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url, "LOGIN_RATE_LIMIT": "10000 per minute"})
    client = app.test_client()
    log_in(client, OFFICER)
    path = f"/budget/contratti/{contract_id}/prestazioni.xlsx"

    def fetch():
        response = client.get(path, buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        return response.status_code, size

    started = time.perf_counter()
    status, size = fetch()
    elapsed = time.perf_counter() - started
    tracemalloc.start()  # a second run for the peak (tracing slows Python down: not timed)
    fetch()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"status": status, "bytes": size, "seconds": elapsed, "peak_mb": peak / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("RETE_TEST_DB", "postgresql"), choices=["sqlite", "postgresql"])
    parser.add_argument("--scale", default="small", choices=sorted(SCALES))
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the benchmark database")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    owner_url, app_url = database_urls(args.db, f"budget_{args.scale}", args.fresh)
    contract_id = prepare(owner_url, scale)
    if args.db == "sqlite":
        app_url = owner_url
    rows = measure(app_url, owner_url, [
        ("budget overview", OFFICER, "/budget/"),
        ("contract statement (biggest contract)", OFFICER, f"/budget/contratti/{contract_id}"),
        ("contracts list", OFFICER, "/budget/contratti"),
    ], args.repeat)
    export = export_cost(app_url, owner_url, contract_id)
    per_contract = scale["deliveries"] // scale["contracts"]
    print(f"\n### budget, {args.db}, scale {args.scale}: {scale['contracts']} contracts, {scale['orders']:,} orders, "
          f"{scale['deliveries']:,} deliveries\n")
    print("| page | median ms | p95 ms | SQL queries |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")
    print(f"\nXLSX export of one contract (~{per_contract:,} deliveries): HTTP {export['status']}, "
          f"{export['bytes'] / 1e6:.1f} MB in {export['seconds']:.1f} s, peak Python memory {export['peak_mb']:.1f} MB")


if __name__ == "__main__":
    main()
