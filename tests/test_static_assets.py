"""Static files: hashed names only, precompressed, a year of immutable caching (portal/assets.py).

Needs the build of ``make assets`` (the test targets run it first).
"""
import gzip
import hashlib
import posixpath
import re

import brotli
import pytest

from portal.assets import IMMUTABLE
from portal.security import CSP

HASHED = re.compile(r"^/static/[\w./-]+\.([0-9a-f]{12})\.\w+$")
STATIC_URL = re.compile(r"""(?:href|src)="(/static/[^"#]+)""")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")


@pytest.fixture(autouse=True)
def _built(app):
    assert app.extensions.get("rete_assets"), "static/dist/manifest.json missing: run `make assets`"


def static_urls(html: str) -> set[str]:
    return set(STATIC_URL.findall(html))


def test_pages_reference_only_hashed_static_urls(client, login):
    for html in (client.get("/accesso").get_data(as_text=True), login("n1_coordinator").get("/casi/").get_data(as_text=True)):
        urls = static_urls(html)
        assert any("bootstrap-italia" in u for u in urls) and any("sprites" in u for u in urls)
        assert len(STATIC_URL.findall(html)) == html.count("/static/"), "a static URL outside href/src"
        unhashed = [u for u in urls if not HASHED.match(u)]
        assert not unhashed, f"static files referenced without a content hash: {unhashed}"


@pytest.mark.parametrize("encoding, decompress", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_static_files_compressed_and_cached_for_a_year(client, encoding, decompress):
    urls = static_urls(client.get("/accesso").get_data(as_text=True))
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": encoding})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        assert response.headers["Content-Security-Policy"] == CSP and response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers.get("Content-Encoding") == encoding, url
        assert "Accept-Encoding" in response.headers.get("Vary", ""), url
        body = decompress(response.get_data())
        # The name is the content's hash: a changed file can never be served under an old cached name.
        assert hashlib.sha256(body).hexdigest()[:12] == HASHED.match(url).group(1), url
        assert len(response.get_data()) < len(body), url


def test_plain_response_without_accept_encoding(client):
    css = next(u for u in static_urls(client.get("/accesso").get_data(as_text=True)) if u.endswith(".css"))
    response = client.get(css, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.headers["Cache-Control"] == IMMUTABLE


def test_fonts_and_images_inside_stylesheets_resolve_to_hashed_files(client):
    stylesheets = [u for u in static_urls(client.get("/accesso").get_data(as_text=True)) if u.endswith(".css")]
    checked = 0
    for css in stylesheets:
        text = client.get(css, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
        for target in CSS_URL.findall(text):
            if target.startswith(("data:", "#", "http")):
                continue
            url = posixpath.normpath(posixpath.join(posixpath.dirname(css), target.split("?")[0].split("#")[0]))
            assert HASHED.match(url), f"{css} refers to an unhashed {target}"
            response = client.get(url)
            assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE, url
            checked += 1
    assert checked >= 10  # the font files of fonts.css at least


def test_html_pages_are_still_never_cached(client):
    assert client.get("/accesso").headers["Cache-Control"] == "no-store"
