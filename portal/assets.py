"""Static files: content-hashed names, precompressed, cached for a year (built by scripts/build_assets.py).

``url_for('static', filename='css/rete.css')`` keeps working in every template: a ``url_defaults`` hook
swaps in the hashed name from static/dist/manifest.json. WhiteNoise, as WSGI middleware in front of Flask,
serves static/dist/ under /static/ with the ``.br``/``.gz`` sibling the client accepts, from a table built
at start-up (no file-system look-up, no compression, no Flask request per asset), in gunicorn as in the
werkzeug test server. A name the manifest lacks (a file added since the last ``make assets``) falls through
to Flask's own static view under its plain name, revalidated as before: never stale, only slower.
"""
import json
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

from .security import CSP

DIST = Path(__file__).resolve().parents[1] / "static" / "dist"
# The name changes with the content, so a copy can be kept "forever": browsers never revalidate it.
IMMUTABLE = "public, max-age=31536000, immutable"


def load_manifest(dist: Path = DIST) -> dict[str, str]:
    try:
        return json.loads((dist / "manifest.json").read_text())
    except FileNotFoundError:
        return {}


def init_assets(app: Flask) -> None:
    manifest = load_manifest()
    app.extensions["rete_assets"] = manifest
    if not manifest:
        app.logger.warning("static/dist/manifest.json missing: run `make assets` (static files served unhashed)")
        return

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            values["filename"] = manifest.get(values.get("filename"), values.get("filename"))

    def _headers(headers, path, url) -> None:
        # WhiteNoise answers before Flask's after_request: the same protective headers, set here once per file.
        headers["Cache-Control"] = IMMUTABLE
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"

    app.wsgi_app = WhiteNoise(
        app.wsgi_app, root=str(DIST), prefix=app.static_url_path, allow_all_origins=False,
        add_headers_function=_headers,
    )
