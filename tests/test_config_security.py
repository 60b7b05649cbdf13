"""Configuration from the environment and the HTTP security baseline."""
import pytest

from portal.config import ConfigError, load_config


def test_production_refuses_development_secrets(monkeypatch):
    monkeypatch.setenv("RETE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError) as error:
        load_config()
    assert "SECRET_KEY" in str(error.value) and "RETE_DATA_KEYS" in str(error.value)


def test_production_starts_with_real_secrets(monkeypatch):
    monkeypatch.setenv("RETE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("RETE_DATA_KEYS", "k2:" + "A" * 43 + "=")
    monkeypatch.setenv("RETE_BLIND_INDEX_KEY", "b" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://rete_app@db/rete")
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("IDLE_TIMEOUT_MINUTES", "5")
    cfg = load_config()
    assert cfg["MAIL_PORT"] == 2525 and cfg["IDLE_TIMEOUT_MINUTES"] == 5


def test_security_headers(client):
    response = client.get("/accesso")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, network):
    from .helpers import log_in

    response = log_in(client, network.users["a_operator"].email)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_templates_have_no_inline_script_or_style():
    """The CSP forbids inline code; catch it at the source rather than in the browser."""
    import pathlib
    import re

    offenders = []
    for path in pathlib.Path("templates").rglob("*.html"):
        text = re.sub(r"\{#.*?#\}|<!--.*?-->", "", path.read_text(), flags=re.S)  # comments may name them
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"<style", text) or re.search(r'\sstyle="', text) or re.search(r"\son[a-z]+=", text):
            offenders.append(str(path))
    assert offenders == []


def test_error_pages_use_the_layout(client):
    response = client.get("/non-esiste")
    assert response.status_code == 404
    assert "it-footer" in response.get_data(as_text=True) or "footer" in response.get_data(as_text=True)
