"""Run the benchmarks: ``make bench`` or ``python -m tests.bench --db postgresql --scale large``.

Reports, per page, median and p95 latency (in-process WSGI, warm), SQL statements per request, and
throughput with concurrent clients against gunicorn. Not timed assertions: numbers to read and compare.
"""
import argparse
import collections
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
SCALES = {
    "realistic": {"antennas": 20, "cases": 2_000, "actions": 20_000},
    "large": {"antennas": 200, "cases": 100_000, "actions": 1_000_000},
    # 100,000 cases with one action each: the home queues and the referral panels read cases, referrals and
    # open actions, and seeding the million actions of "large" (per-row summary triggers) takes over an hour
    # on a busy shared machine.
    "cases100k": {"antennas": 200, "cases": 100_000, "actions": 100_000},
}
BENCH_PASSWORD = "Rete-demo-2026!"
ANTENNA_USER = "bench.operatore@bench.example"


def database_urls(kind: str, scale: str, fresh: bool) -> tuple[str, str]:
    if kind == "sqlite":
        path = ROOT / "instance" / f"bench-{scale}.sqlite"
        path.parent.mkdir(exist_ok=True)
        if fresh and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        return url, url
    name = f"rete_bench_{scale}"
    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if fresh:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return (f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", f"postgresql+psycopg://rete_app@127.0.0.1:5432/{name}")


def copied_database(kind: str, prefix: str, scale: str, fresh: bool) -> tuple[str, str]:
    """A benchmark's own database (``rete_bench_<prefix>_<scale>`` / ``instance/bench-<prefix>-<scale>.sqlite``),
    first copied from the ``tests.bench`` one of the same scale when that exists, so nothing is seeded twice."""
    label = f"{prefix}_{scale}" if kind == "postgresql" else f"{prefix}-{scale}"
    if kind == "sqlite":
        ours, theirs = ROOT / "instance" / f"bench-{label}.sqlite", ROOT / "instance" / f"bench-{scale}.sqlite"
        if fresh and ours.exists():
            ours.unlink()
        if not ours.exists() and theirs.exists():
            shutil.copyfile(theirs, ours)
        return database_urls(kind, label, False)
    name = f"rete_bench_{label}"
    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if fresh:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        source = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": f"rete_bench_{scale}"}).scalar()
        if not exists and source:
            try:  # a file-level copy: seconds instead of re-seeding (needs nobody connected to the source)
                conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "rete_bench_{scale}"')
            except sa.exc.DBAPIError as exc:
                print(f"copy of rete_bench_{scale} failed ({exc.orig}); seeding from scratch", flush=True)
    admin.dispose()
    return database_urls(kind, label, False)


def prepare(owner_url: str, scale: str) -> dict:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.models import Membership, Role, User
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from portal.seed import seed_all
    from portal.tenancy import context
    from portal.tenancy.models import Tenant

    from .seed_scale import seed_scale

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    with app.app_context(), context.system("bench seed"):
        upgrade(revision="heads")
        seed_all()
        db.session.commit()
        started = time.perf_counter()
        targets = seed_scale(**SCALES[scale])
        if db.engine.dialect.name == "postgresql":
            for table in ("tenants", "people", "referrals", "cases", "actions", "users", "memberships"):
                db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        if db.session.scalar(sa.select(User).where(User.email == ANTENNA_USER)) is None:
            user = User(email=ANTENNA_USER, full_name="Operatore Bench", password_hash=hash_password(BENCH_PASSWORD), active=True)
            db.session.add(user)
            db.session.flush()
            antenna = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "bench-antenna-0"))
            db.session.add(Membership(user_id=user.id, tenant_id=antenna.id, role=Role.ANTENNA_OPERATOR, active=True))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # as autovacuum would have done after a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"data ready in {time.perf_counter() - started:.1f} s: {SCALES[scale]}", flush=True)
        db.engine.dispose()
    return targets


def log_in(client, email: str) -> None:
    page = client.get("/accesso").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/accesso", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"login failed for {email}"


def measure(app_url: str, owner_url: str, pages: list[tuple[str, str, str]], repeat: int) -> list[dict]:
    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url, "LOGIN_RATE_LIMIT": "10000 per minute"})
    clients = {}
    rows = []
    with app.app_context():
        engine = db.engine
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for label, email, path in pages:
        if email not in clients:
            clients[email] = app.test_client()
            log_in(clients[email], email)
        client = clients[email]
        for _ in range(3):  # warm caches and the connection pool
            assert client.get(path).status_code == 200, f"{path} did not answer 200"
        timings, counts = [], []
        for _ in range(repeat):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            counts.append(len([s for s in statements if "set_config" not in s]))
        timings.sort()
        rows.append({
            "page": label, "median_ms": statistics.median(timings),
            "p95_ms": timings[max(0, math.ceil(0.95 * len(timings)) - 1)], "queries": max(counts),
        })
    return rows


def throughput(app_url: str, owner_url: str, email: str, path: str, clients: int, seconds: float) -> dict:
    import requests

    port = 8765
    env = {**os.environ, "DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url, "LOGIN_RATE_LIMIT": "10000 per minute"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # workers import the app: allow a slow start on a busy machine
            try:
                requests.get(base + "/salute", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        sessions = []
        for _ in range(clients):
            s = requests.Session()
            page = s.get(base + "/accesso").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            s.post(base + "/accesso", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token}, allow_redirects=False)
            sessions.append(s)
        done, latencies, errors = [0], [], collections.Counter()
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def worker(s):
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    status = s.get(base + path, timeout=30, allow_redirects=False).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    done[0] += status == 200
                    if status != 200:
                        errors[status] += 1
                    latencies.append(elapsed)

        threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        latencies.sort()
        return {"clients": clients, "requests": done[0], "errors": dict(errors) or 0, "rps": done[0] / elapsed,
                "p95_ms": latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)] if latencies else 0}
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("RETE_TEST_DB", "postgresql"), choices=["sqlite", "postgresql"])
    parser.add_argument("--scale", default="realistic", choices=sorted(SCALES))
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the benchmark database")
    args = parser.parse_args()

    owner_url, app_url = database_urls(args.db, args.scale, args.fresh)
    targets = prepare(owner_url, args.scale)
    last_page = math.ceil(SCALES[args.scale]["cases"] / 25)
    coordinator = "coordinatrice@nodo.novara.example"
    pages = [
        ("node case list, first page", coordinator, "/casi/"),
        ("node case list, last page", coordinator, f"/casi/?pagina={last_page}"),
        ("node case list, filtered (state + ground)", coordinator, "/casi/?stato=phase_1&motivo=ethnicity"),
        ("node case list, search by pseudonym", coordinator, "/casi/?q=NO-2026-0000"),
        ("scheda analitica, 50 actions", coordinator, f"/casi/{targets['big_case_id']}/scheda"),
        ("node referral inbox", coordinator, "/segnalazioni/"),
        ("antenna referral list", ANTENNA_USER, "/segnalazioni/"),
    ]
    rows = measure(app_url, owner_url, pages, args.repeat)
    tp = throughput(app_url, owner_url, coordinator, "/casi/", args.clients, args.seconds)
    scale = SCALES[args.scale]
    print(f"\n### {args.db}, scale {args.scale}: {scale['antennas']} antennas, {scale['cases']:,} people/cases, "
          f"{scale['actions']:,} actions\n")
    print("| page | median ms | p95 ms | SQL queries |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")
    print(f"\nThroughput, node case list, gunicorn 4 workers, {tp['clients']} concurrent clients: "
          f"{tp['rps']:.1f} req/s (p95 {tp['p95_ms']:.0f} ms, {tp['requests']} ok, {tp['errors']} errors)")


if __name__ == "__main__":
    main()
