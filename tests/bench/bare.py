"""The yardstick of ``python -m tests.bench.compare``: bare Flask + psycopg listing 50 of 100,000 rows."""
import os

import psycopg
from flask import Flask
from markupsafe import escape

app, conn = Flask(__name__), psycopg.connect(os.environ["BARE_DSN"], autocommit=True)  # one per sync worker


@app.route("/")
def rows():
    found = conn.execute("SELECT id, label FROM bench_bare_rows ORDER BY id DESC LIMIT 50").fetchall()
    return "<!doctype html><table>" + "".join(f"<tr><td>{i}</td><td>{escape(s)}</td></tr>" for i, s in found) + "</table>"
