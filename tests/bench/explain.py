"""Per-statement EXPLAIN (ANALYZE, BUFFERS) of a page, as the application role: the robust measure on a shared
machine. ``python -m tests.bench.explain --db-name rete_bench_home_cases100k --email casemanager@… [--path /]``

Renders the page once (warm), captures its statements with their parameters and the tenant settings the
request sent, then explains each one in the same settings (best of ``--repeat`` runs) and prints its
execution time, the rows and buffers of the plan's top node and the first line of the plan.
"""
import argparse
import re

import sqlalchemy as sa

from .__main__ import log_in


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db-name", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plans", action="store_true", help="print the whole plan of each statement")
    args = parser.parse_args()

    from portal import create_app
    from portal.extensions import db

    owner = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db_name}"
    app_url = f"postgresql+psycopg://rete_app@127.0.0.1:5432/{args.db_name}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner, "LOGIN_RATE_LIMIT": "10000 per minute"})
    with app.app_context():
        engine = db.engine
    captured = []
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cur, stmt, params, *a: captured.append((stmt, params)))
    client = app.test_client()
    log_in(client, args.email)
    for _ in range(2):
        assert client.get(args.path).status_code == 200
    captured.clear()
    assert client.get(args.path).status_code == 200
    settings, local = None, []
    total = 0.0
    with engine.connect() as conn:
        for statement, params in captured:
            if "set_config" in statement:
                settings, local = (statement, params), []
                continue
            if statement.lstrip().upper().startswith("SET "):  # SET LOCAL work_mem…: the statements after it need it
                local.append((statement, params))
                continue
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            best = None
            for _ in range(args.repeat):
                with conn.begin():
                    for setting in ([settings] if settings else []) + local:
                        conn.exec_driver_sql(*setting)
                    plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
                ms = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
                if best is None or ms < best[0]:
                    best = (ms, plan)
            total += best[0]
            head = " ".join(statement.split())[:110]
            print(f"{best[0]:8.2f} ms  {head}")
            if args.plans:
                print("\n".join("          " + line for line in best[1]))
    print(f"{total:8.2f} ms  total of {args.path} for {args.email}")


if __name__ == "__main__":
    main()
