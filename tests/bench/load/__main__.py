"""Load scenario: ``make bench-load`` or ``python -m tests.bench.load --users 50 --duration 600``.

A fresh PostgreSQL database seeded with the demo network, the app in its production shape — gunicorn (2
workers, the app role: row-level security applies), Redis for the rate limits and the queue, one RQ worker
sending the mail — and locust, headless, running the mixed roles of locustfile.py. Without a Redis at
``--redis`` the app runs as the embedded default does (limits in memory, mail sent in the request).
``--db sqlite --redis ''`` loads the embedded default (``make run``) instead.
Prints p95, requests per second, 5xx answers and cross-tenant findings; exits 1 on any 5xx or finding.
A benchmark, not part of ``make test``.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

# tests.conftest.Database reads the kind at import: PostgreSQL is the production shape; ``--db sqlite`` runs
# the embedded default (``make run``), whose two gunicorn workers share one database file.
_db = argparse.ArgumentParser(add_help=False)
_db.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
os.environ["RETE_TEST_DB"] = _db.parse_known_args()[0].db

import sqlalchemy as sa  # noqa: E402

from tests.conftest import Database  # noqa: E402
from tests.faults_support import ROOT, Gunicorn, seed_demo  # noqa: E402
from tests.mail_server import MailServer  # noqa: E402

HERE = Path(__file__).resolve().parent
CHECKER = "operatrice@comune-arona.example"
# What the checker asks for, by kind: none of these is Arona's unless listed in "own".
TEMPLATES = {
    "referrals": "/segnalazioni/{id}",
    "people": "/persone/{id}",
    "cases": "/casi/{id}",
    "actions": "/casi/azioni/{id}",
    "orders": "/budget/ordini/{id}",
    "contracts": "/budget/contratti/{id}",
}
TABLES = {"referrals": "referrals", "people": "people", "cases": "cases", "actions": "actions",
          "orders": "service_orders", "contracts": "contracts"}


class _Tmp:
    def mktemp(self, label):
        return Path(tempfile.mkdtemp(prefix=label))


def targets(owner_url: str) -> dict:
    engine = sa.create_engine(owner_url)
    with engine.connect() as conn:
        arona = conn.scalar(sa.text("SELECT tenant_id FROM memberships m JOIN users u ON u.id = m.user_id "
                                    "WHERE u.email = :e"), {"e": CHECKER})
        max_ids, own = {}, {}
        for kind, table in TABLES.items():
            max_ids[kind] = conn.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}"))
            columns = {c["name"] for c in sa.inspect(conn).get_columns(table)}
            if "tenant_id" in columns:
                own[kind] = list(conn.scalars(sa.text(f"SELECT id FROM {table} WHERE tenant_id = :t"), {"t": arona}))
    engine.dispose()
    return {"checker": CHECKER, "templates": TEMPLATES, "max_ids": max_ids, "own": own}


def _redis_ready(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        connection = Redis.from_url(url, socket_connect_timeout=2)
        connection.flushdb()  # the run's own database number: queues and limits of an earlier run go
        return True
    except RedisError:
        return False


def _start_worker(redis_url: str, owner_url: str, mail_port: int, work: Path) -> subprocess.Popen:
    """The Procfile's worker command: its jobs build an owner app from the environment."""
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": owner_url, "DATABASE_OWNER_URL": owner_url,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mail_port), "RETE_INSTANCE_DIR": str(work / "instance")}
    log = open(work / "worker.log", "w")
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("worker:"))
    command = shlex.split(line.split(":", 1)[1].replace("${REDIS_URL}", redis_url))
    command[0] = str(Path(sys.executable).parent / command[0])
    return subprocess.Popen(command,
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.load", description=__doc__.splitlines()[0],
                                     parents=[_db])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", default="600", help="seconds, or locust's 10m / 1h30m")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default=os.environ.get("RETE_LOAD_REDIS", "redis://127.0.0.1:6379/14"),
                        help="a Redis database the run may empty (its own number); '' for none")
    args = parser.parse_args(argv)
    duration = args.duration if not args.duration.isdigit() else f"{args.duration}s"

    database = Database(_Tmp(), "load")
    mail = MailServer()
    server = worker = None
    redis_url = args.redis if args.redis and _redis_ready(args.redis) else None
    work = Path(tempfile.mkdtemp(prefix="rete-load-"))
    try:
        print(f"Seeding {database.owner_url.rsplit('/', 1)[-1]} ...", flush=True)
        seed_demo(database)
        mail.start()
        overrides = {
            "SQLALCHEMY_DATABASE_URI": database.app_url, "DATABASE_OWNER_URL": database.owner_url,
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": mail.port,
            "LOGIN_RATE_LIMIT": "100000 per minute",  # every virtual user logs in from 127.0.0.1
        }
        if redis_url:
            overrides.update(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url)
            worker = _start_worker(redis_url, database.owner_url, mail.port, work)
        print("production shape: Redis " + (f"at {redis_url}, one RQ worker" if redis_url else
              "not reachable: limits in memory, mail sent in the request"), flush=True)
        server = Gunicorn(overrides, workers=args.workers, log_dir=work,
                          env={"RETE_INSTANCE_DIR": str(work / "instance")}).start()
        summary_path = work / "summary.json"
        env = {**os.environ, "RETE_LOAD_TARGETS": json.dumps(targets(database.owner_url)),
               "RETE_LOAD_SUMMARY": str(summary_path)}
        print(f"locust: {args.users} users for {duration} against {server.url} ({args.workers} gunicorn workers)",
              flush=True)
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", duration, "--host", server.url,
             "--stop-timeout", "10", "--exit-code-on-error", "0"],
            cwd=ROOT, env=env, check=False,
        )
        summary = json.loads(summary_path.read_text())
        summary["mail_delivered"] = len(mail.messages)
    finally:
        if server:
            server.stop()
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        mail.stop()
        database.drop()

    findings = summary["cross_tenant_findings"]
    print("\n=== Rete load scenario ===")
    print(f"requests {summary['requests']}, {summary['rps']:.1f} req/s, p50 {summary['p50_ms']:.0f} ms, "
          f"p95 {summary['p95_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms; p95 without logins "
          f"{summary['work_p95_ms']:.0f} ms")
    print(f"5xx answers: {summary['server_errors']}; other failures: {summary['failures'] - len(findings)}")
    print(f"cross-tenant: {summary['cross_tenant_probes']} probes, {len(findings)} findings"
          + (": " + ", ".join(findings[:20]) if findings else ""))
    if not summary["checker_sees_own"]:
        print("the checker could not open its own antenna's referral: its findings mean nothing")
    print(f"e-mails delivered during the run: {summary['mail_delivered']}")
    print("slowest p95: " + "; ".join(f"{name} {p95:.0f} ms ({n})" for name, n, p95 in summary["slowest"]))
    return 1 if summary["server_errors"] or findings or not summary["checker_sees_own"] else 0


if __name__ == "__main__":
    sys.exit(main())
