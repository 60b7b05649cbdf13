"""Bulk import benchmark: ``python -m tests.bench.imports --db postgresql [--rows 10000]``.

An antenna imports a CSV of 10,000 rows (every row a person with a valid codice fiscale and a referral):
upload (parse and keep the rows encrypted), dry run (every row checked, duplicates looked up through the
blind indexes), then the import itself in chunks of 500, each row through the referral form's service
(person, pseudonym, encrypted identity, blind indexes, draft referral, two audit events). Runs as the
application role, under RLS, in a fresh database each time; prints each phase, the total and the machine's
load average. Target: the whole under 60 s on PostgreSQL. Numbers to read, not assertions.

``--cases``: the node's coordinator imports its own cases instead (person, accepted referral and case a row).
"""
import argparse
import os
import time

from .__main__ import database_urls


def prepare(owner_url: str, cases: bool = False) -> tuple[int, int]:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.models import Membership, Role, User
    from portal.extensions import db
    from portal.tenancy import context
    from portal.tenancy.models import Tenant, TenantKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    with app.app_context(), context.system("bench imports"):
        upgrade(revision="heads")
        node = Tenant(slug="bench-nodo", name="Nodo (bench)", kind=TenantKind.NODE, code="BN")
        db.session.add(node)
        db.session.flush()
        antenna = Tenant(slug="bench-antenna", name="Antenna (bench)", kind=TenantKind.MUNICIPALITY, node_id=node.id)
        user = User(email="import@bench.example", full_name="Operatore (bench)", password_hash="x", active=True,
                    failed_logins=0)
        db.session.add_all([antenna, user])
        db.session.flush()
        if cases:  # the coordinator imports, and is the case worker the rows name
            membership = Membership(user_id=user.id, tenant_id=node.id, role=Role.COORDINATOR, active=True)
        else:
            membership = Membership(user_id=user.id, tenant_id=antenna.id, role=Role.ANTENNA_OPERATOR, active=True)
        db.session.add(membership)
        db.session.commit()
        ids = membership.tenant_id, membership.id
        db.engine.dispose()
    return ids


def csv_file(rows: int, cases: bool = False) -> bytes:
    from tests.imports_support import CASE_HEADER, case_row, csv_bytes, person_row

    if cases:
        return csv_bytes([case_row(n, worker="import@bench.example") for n in range(rows)], header=CASE_HEADER)
    return csv_bytes([person_row(n) for n in range(rows)])


def run(app_url: str, owner_url: str, antenna_id: int, membership_id: int, data: bytes) -> dict:
    from portal import create_app
    from portal.extensions import db
    from portal.imports import services
    from portal.imports.jobs import _acting, _run

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url})
    phases, cpu = {}, {}
    with app.app_context(), _acting(antenna_id, membership_id, "127.0.0.1"):
        started, used = time.perf_counter(), time.process_time()
        batch = services.upload("bench.csv", data)
        db.session.commit()
        phases["upload"], cpu["upload"] = time.perf_counter() - started, time.process_time() - used
        started, used = time.perf_counter(), time.process_time()
        services.dry_run(batch)
        db.session.commit()
        phases["dry run"], cpu["dry run"] = time.perf_counter() - started, time.process_time() - used
        assert batch.valid_rows == batch.total_rows, (batch.valid_rows, batch.invalid_rows)
        started, used = time.perf_counter(), time.process_time()
        services.start(batch, batch.version)
        db.session.commit()
        _run(batch.id)
        phases["import"], cpu["import"] = time.perf_counter() - started, time.process_time() - used
        batch = services.get_batch(batch.id)
        phases["created"] = batch.created_rows
        phases["cpu"] = cpu
        db.engine.dispose()
    return phases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--cases", action="store_true", help="a node imports its own cases")
    args = parser.parse_args()
    owner_url, app_url = database_urls(args.db, "imports", fresh=True)
    antenna_id, membership_id = prepare(owner_url, args.cases)
    data = csv_file(args.rows, args.cases)
    load_before = os.getloadavg()
    phases = run(app_url, owner_url, antenna_id, membership_id, data)
    load_after = os.getloadavg()
    total = phases["upload"] + phases["dry run"] + phases["import"]
    print(f"import of {args.rows} {'cases' if args.cases else 'referrals'} ({len(data) / 1e6:.1f} MB CSV) on {args.db}: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items() if k not in ("created", "cpu"))
          + f"; total {total:.1f} s ({args.rows / total:.0f} rows/s), {phases['created']} rows created")
    print("CPU time of the importing process: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases["cpu"].items())
          + " (the rest of the wall time is the database and waiting for a CPU)")
    print(f"load average (1, 5, 15 min) before {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}, "
          f"after {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
