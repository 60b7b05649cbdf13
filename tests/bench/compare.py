"""Rete's pages side by side with a bare page, same load tool, same run: ``python -m tests.bench.compare``.

The bare page (tests/bench/bare.py: Flask + psycopg, 50 of 100,000 rows, no ORM, no tenancy, no templates)
is what a page costs with nothing of ours on it; the ratio says what the portal adds. Both run under
gunicorn with 2 workers, as the application role, on the realistic data set (2,000 cases) on PostgreSQL;
the load is wrk (Debian package ``wrk``) with 2 connections per core. Also prints the first-visit transfer:
the login page and the static files it references, brotli-compressed as a browser receives them.
Numbers to read, not assertions.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from . import __main__ as bench

PAGES = [
    ("node case list", "/casi/"),
    ("node case list, filtered", "/casi/?stato=phase_1&motivo=ethnicity"),
    ("node referral inbox", "/segnalazioni/"),
    ("home page", "/"),
    ("forum", "/forum/"),
    ("node dashboard", "/monitoraggio/"),
    # Floors, not pages: what any of Rete's answers costs before a page's own work. The liveness probe is the
    # application's middleware and request set-up alone; signed in, it adds the session check (the session row,
    # the user and the membership in one statement, row-level-security settings, the transaction); the bell adds
    # one count and a fragment of template.
    ("floor: liveness probe, signed out", "/salute/vivo"),
    ("floor: liveness probe, signed in", "/salute/vivo"),
    ("floor: header bell, signed in", "/notifiche/campanella"),
]
SIGNED_OUT = {"floor: liveness probe, signed out"}
COORDINATOR = "coordinatrice@nodo.novara.example"
# Flask-Login's strong session protection ends a session whose user agent changes: wrk must send the same one
# as the login, or every request after the first is a fast 302 to the login page (counted by status_count.lua).
USER_AGENT = "rete-bench-compare"
STATIC_URL = re.compile(r"""(?:href|src)="(/static/[^"#]+)""")


def database_urls(name: str, fresh: bool) -> tuple[str, str]:
    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if fresh:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return (f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", f"postgresql+psycopg://rete_app@127.0.0.1:5432/{name}")


def seed_bare_rows(owner_url: str) -> None:
    engine = sa.create_engine(owner_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_bare_rows (id serial PRIMARY KEY, label text NOT NULL)")
        if conn.exec_driver_sql("SELECT count(*) FROM bench_bare_rows").scalar() < 100_000:
            conn.exec_driver_sql("TRUNCATE bench_bare_rows")
            conn.exec_driver_sql("INSERT INTO bench_bare_rows (label) SELECT 'riga ' || g FROM generate_series(1, 100000) g")
        conn.exec_driver_sql("GRANT SELECT ON bench_bare_rows TO rete_app")
    engine.dispose()


def serve(target: str, port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", target],
        cwd=bench.ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(600):  # workers import the app: allow a slow start on a busy machine
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{target} did not start")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()


def wrk(url: str, seconds: float, cookie: str = "") -> tuple[float, str]:
    connections = 2 * (os.cpu_count() or 1)
    command = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
               "-s", str(Path(__file__).with_name("status_count.lua"))]
    if cookie:
        command += ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+(\S+)", out)
    bad = int(re.search(r"Not-200 responses: (\d+)", out).group(1))
    return rps, (p99.group(1) if p99 else "?") + (f", **{bad} not 200**" if bad else "")


def log_in(base: str) -> str:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', s.get(base + "/accesso").text).group(1)
    response = s.post(base + "/accesso", allow_redirects=False,
                      data={"email": COORDINATOR, "password": bench.BENCH_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "login failed"
    for path in (p for _, p in PAGES):
        assert s.get(base + path, allow_redirects=False).status_code == 200, f"{path} did not answer 200"
    return "; ".join(f"{k}={v}" for k, v in s.cookies.items())


def first_visit_bytes(base: str) -> tuple[int, int, int]:
    html = requests.get(base + "/accesso", headers={"Accept-Encoding": "br, gzip"})
    assets = sorted(set(STATIC_URL.findall(html.text)))
    compressed = plain = 0
    for url in assets:
        response = requests.get(base + url, headers={"Accept-Encoding": "br, gzip"}, stream=True)
        compressed += len(response.raw.read())
        plain += len(requests.get(base + url, headers={"Accept-Encoding": "identity"}).content)
    return len(html.content) + compressed, len(html.content) + plain, len(assets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the benchmark database")
    args, _ = parser.parse_known_args()  # `make bench ARGS=…` passes the other benchmarks' options too
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    owner_url, app_url = database_urls("rete_bench_compare", args.fresh)
    bench.prepare(owner_url, "realistic")
    seed_bare_rows(owner_url)
    dsn = app_url.replace("postgresql+psycopg://", "postgresql://")
    rete = serve("wsgi:app", 8766, {"DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url,
                                    "LOGIN_RATE_LIMIT": "10000 per minute"})
    bare = serve("tests.bench.bare:app", 8767, {"BARE_DSN": dsn})
    try:
        base = "http://127.0.0.1:8766"
        cookie = log_in(base)
        bare_rps, bare_p99 = wrk("http://127.0.0.1:8767/", args.seconds)
        rows = [(label, *wrk(base + path, args.seconds, "" if label in SIGNED_OUT else cookie))
                for label, path in PAGES]
        sent, plain, count = first_visit_bytes(base)
    finally:
        stop(rete)
        stop(bare)
    cores = os.cpu_count() or 1
    print(f"\n### Rete vs a bare Flask + psycopg page (PostgreSQL, 2,000 cases, gunicorn -w 2, "
          f"wrk {2 * cores} connections, {args.seconds:g} s each)\n")
    print("| page | req/s | p99 | bare ÷ page |\n|---|---:|---:|---:|")
    print(f"| bare page (50 of 100,000 rows) | {bare_rps:.0f} | {bare_p99} | 1.0 |")
    for label, rps, p99 in rows:
        print(f"| {label} | {rps:.0f} | {p99} | {bare_rps / rps if rps else float('inf'):.1f} |")
    print(f"\nFirst visit, login page: {sent / 1024:.0f} KB transferred (HTML + {count} static files, brotli; "
          f"{plain / 1024:.0f} KB uncompressed), plus the web fonts the page uses; later pages fetch the HTML only.")


if __name__ == "__main__":
    main()
