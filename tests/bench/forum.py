"""Forum benchmark: ``python -m tests.bench.forum`` (PostgreSQL; ``--threads/--posts`` to scale).

Bulk-loads N threads and M posts with generate_series (as the owner, like a restore), builds the GIN index
as the migration does, then measures the forum index, one page of a 200-post thread and a search, as the
application role (RLS on), with the same in-process harness as ``tests.bench``.
"""
import argparse

import sqlalchemy as sa

from .__main__ import database_urls, measure

WORDS = ("discriminazione lavoro casa scuola mediazione sportello ascolto tirocinio famiglie disabilità "
         "genere età religione orientamento accoglienza tutela rete antenna servizi inclusione").split()


def load(owner_url: str, threads: int, posts: int) -> int:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.seed import seed_all
    from portal.tenancy import context

    app = create_app({"SQLALCHEMY_DATABASE_URI": owner_url, "DATABASE_OWNER_URL": owner_url}, owner=True)
    with app.app_context(), context.system("forum bench"):
        upgrade(revision="heads")
        seed_all()
        db.session.commit()
        have = db.session.scalar(sa.text("SELECT count(*) FROM forum_threads"))
        if have < threads:
            words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
            db.session.execute(sa.text(f"""
                INSERT INTO forum_threads (category_id, kind, title, author_user_id, author_tenant_id, locked, hidden,
                    post_count, last_post_at, created_at, updated_at)
                SELECT 1 + g % 8, 'discussion', 'Discussione ' || g || ' su ' || ({words})[1 + g % 20],
                    (SELECT min(id) FROM users), (SELECT min(id) FROM tenants), false, false, 0,
                    now() - (g || ' minutes')::interval, now(), now()
                FROM generate_series(1, :n) g"""), {"n": threads})
            db.session.execute(sa.text(f"""
                INSERT INTO forum_posts (thread_id, author_user_id, author_tenant_id, body, body_html, search_text,
                    personal_data_flags, hidden, version, created_at, updated_at)
                SELECT t.id, t.author_user_id, t.author_tenant_id, b.txt, '<p>' || b.txt || '</p>', b.txt, '[]', false,
                    1, now(), now()
                FROM generate_series(1, :m) g
                JOIN forum_threads t ON t.id = (SELECT min(id) FROM forum_threads) + (g % :n)
                CROSS JOIN LATERAL (SELECT 'Messaggio ' || g || ': ' || ({words})[1 + g % 20] || ' e '
                    || ({words})[1 + (g / 20) % 20] || ' nella rete provinciale' AS txt) b"""),
                {"m": posts, "n": threads})
            db.session.execute(sa.text(
                "UPDATE forum_threads t SET post_count = c.n FROM (SELECT thread_id, count(*) n FROM forum_posts "
                "GROUP BY thread_id) c WHERE c.thread_id = t.id"))
            db.session.commit()
        big = db.session.scalar(sa.text("SELECT min(id) FROM forum_threads"))
        if db.session.scalar(sa.text("SELECT post_count FROM forum_threads WHERE id = :t"), {"t": big}) < 200:
            db.session.execute(sa.text("""
                INSERT INTO forum_posts (thread_id, author_user_id, author_tenant_id, body, body_html, search_text,
                    personal_data_flags, hidden, version, created_at, updated_at)
                SELECT t.id, t.author_user_id, t.author_tenant_id, 'Risposta ' || g, '<p>Risposta ' || g || '</p>',
                    'Risposta ' || g, '[]', false, 1, now(), now()
                FROM forum_threads t CROSS JOIN generate_series(1, 200) g WHERE t.id = :t"""), {"t": big})
            db.session.execute(sa.text(
                "UPDATE forum_threads SET post_count = (SELECT count(*) FROM forum_posts WHERE thread_id = :t) "
                "WHERE id = :t"), {"t": big})
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    return big


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    owner_url, app_url = database_urls("postgresql", "forum", args.fresh)
    big = load(owner_url, args.threads, args.posts)
    user = "operatore@cisa24.example"
    pages = [
        ("forum index", user, "/forum/"),
        ("forum index, page 100", user, "/forum/?pagina=100"),
        ("thread of 200+ posts, page 1", user, f"/forum/t/{big}"),
        ("thread of 200+ posts, page 10", user, f"/forum/t/{big}?pagina=10"),
        ("search (inflected word)", user, "/forum/cerca?q=discriminazioni"),
        ("search, htmx partial", user, "/forum/cerca?q=tirocini+sportelli"),
        ("validated good practices", user, "/forum/buone-prassi"),
    ]
    rows = measure(app_url, owner_url, pages, args.repeat)
    print(f"\n### postgresql: {args.threads:,} threads, {args.posts:,} posts\n")
    print("| page | median ms | p95 ms | SQL queries |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")


if __name__ == "__main__":
    main()
