"""Profile one page in-process: ``python -m tests.bench.profile_page --db sqlite /casi/``.

Builds (or reuses) the ``tests.bench`` data set, logs in, warms up, then runs N requests of each page under
cProfile and prints the time and the function calls per request and the top functions. Call counts are
stable on a loaded machine, time is not: compare counts first.
"""
import argparse
import cProfile
import os
import pstats
import time

from .__main__ import ANTENNA_USER, SCALES, database_urls, log_in, prepare

COORDINATOR = "coordinatrice@nodo.novara.example"
SHORTCUTS = {"cases": "/casi/", "inbox": "/segnalazioni/", "home": "/"}


def profile(app, email: str, path: str, repeat: int, top: int, sort: str) -> dict:
    client = app.test_client()
    log_in(client, email)
    for _ in range(5):  # warm caches, templates and the connection pool
        assert client.get(path).status_code == 200, f"{path} did not answer 200"
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(repeat):
        response = client.get(path)
    profiler.disable()
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    stats = pstats.Stats(profiler)
    calls = stats.total_calls
    print(f"\n## {path} as {email}: {repeat} requests, {elapsed / repeat * 1000:.1f} ms per request (profiled), "
          f"{calls / repeat:,.0f} function calls per request")
    stats.sort_stats(sort).print_stats(top)
    return {"path": path, "ms": elapsed / repeat * 1000, "calls": calls / repeat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pages", nargs="*", default=["cases", "inbox", "home"],
                        help="paths or shortcuts (cases, inbox, home); coordinator unless --antenna")
    parser.add_argument("--db", default=os.environ.get("RETE_TEST_DB", "sqlite"), choices=["sqlite", "postgresql"])
    parser.add_argument("--scale", default="realistic", choices=sorted(SCALES))
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative", "ncalls"])
    parser.add_argument("--antenna", action="store_true", help="as the antenna operator instead of the coordinator")
    args = parser.parse_args()

    from portal import create_app

    owner_url, app_url = database_urls(args.db, args.scale, False)
    prepare(owner_url, args.scale)
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url,
                      "LOGIN_RATE_LIMIT": "10000 per minute"})
    email = ANTENNA_USER if args.antenna else COORDINATOR
    rows = [profile(app, email, SHORTCUTS.get(p, p), args.repeat, args.top, args.sort) for p in args.pages]
    print("\n| page | ms per request (profiled) | function calls per request |\n|---|---:|---:|")
    for r in rows:
        print(f"| {r['path']} | {r['ms']:.1f} | {r['calls']:,.0f} |")


if __name__ == "__main__":
    main()
