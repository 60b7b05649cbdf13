"""Configuration from the environment and the HTTP security baseline."""
import pytest

from portal.config import DEV_BLIND_INDEX_KEY, DEV_DATA_KEYS, ConfigError, load_config


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
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379/1")
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["PROXY_TRUSTED_HOPS"] == 1


def test_production_keeps_files_in_the_database(monkeypatch):
    _production(monkeypatch)
    monkeypatch.delenv("RETE_FILE_STORAGE", raising=False)
    assert load_config()["FILE_STORAGE"] == "database"
    monkeypatch.setenv("RETE_FILE_STORAGE", "local")  # one host's folder: other workers would not see the files
    with pytest.raises(ConfigError, match="RETE_FILE_STORAGE"):
        load_config()


def test_file_storage_is_local_by_default_and_checked(monkeypatch):
    monkeypatch.delenv("RETE_ENV", raising=False)
    monkeypatch.delenv("RETE_FILE_STORAGE", raising=False)
    assert load_config()["FILE_STORAGE"] == "local"
    monkeypatch.setenv("RETE_FILE_STORAGE", "s3")
    with pytest.raises(ConfigError, match="RETE_FILE_STORAGE"):
        load_config()


def _production(monkeypatch, **env):
    values = {"RETE_ENV": "production", "SECRET_KEY": "s" * 40, "RETE_DATA_KEYS": "k2:" + "A" * 43 + "=",
              "RETE_BLIND_INDEX_KEY": "b" * 40, "DATABASE_URL": "postgresql+psycopg://rete_app@db/rete",
              "RATELIMIT_STORAGE_URI": "redis://cache:6379/1"}
    values.update(env)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("keys", [
    "k2:" + "A" * 43 + "=," + DEV_DATA_KEYS,  # the published key kept as an old key
    "k2:" + "A" * 43 + "=,k9:" + DEV_DATA_KEYS.partition(":")[2],  # renamed
    " " + DEV_DATA_KEYS,
])
def test_production_refuses_the_development_data_key_anywhere(monkeypatch, keys):
    _production(monkeypatch, RETE_DATA_KEYS=keys)
    with pytest.raises(ConfigError, match="RETE_DATA_KEYS"):
        load_config()


@pytest.mark.parametrize("blind", [DEV_BLIND_INDEX_KEY, DEV_DATA_KEYS, DEV_DATA_KEYS.partition(":")[2]])
def test_production_refuses_development_keys_as_blind_index_key(monkeypatch, blind):
    _production(monkeypatch, RETE_BLIND_INDEX_KEY=blind)
    with pytest.raises(ConfigError, match="RETE_BLIND_INDEX_KEY"):
        load_config()


@pytest.mark.parametrize("storage", [None, "memory://", " MEMORY://"])
def test_production_refuses_per_worker_rate_limit_storage(monkeypatch, storage):
    _production(monkeypatch)
    if storage is None:
        monkeypatch.delenv("RATELIMIT_STORAGE_URI")
    else:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        load_config()


def test_trusted_proxy_hops_are_configurable(monkeypatch):
    _production(monkeypatch, PROXY_TRUSTED_HOPS="2")
    assert load_config()["PROXY_TRUSTED_HOPS"] == 2
    monkeypatch.delenv("RETE_ENV")
    monkeypatch.delenv("PROXY_TRUSTED_HOPS")
    assert load_config()["PROXY_TRUSTED_HOPS"] == 0  # development: no proxy in front of the dev server


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


@pytest.mark.parametrize("hops, forwarded, same_client", [
    (1, ("203.0.113.7, 198.51.100.1", "203.0.113.8, 198.51.100.1"), True),  # one proxy: its peer is the client
    (2, ("203.0.113.7, 198.51.100.1", "203.0.113.8, 198.51.100.1"), False),  # two: the address before it
])
def test_login_limit_keys_on_the_address_the_trusted_proxies_report(database, mail_server, hops, forwarded, same_client):
    """X-Forwarded-For is read exactly PROXY_TRUSTED_HOPS deep: clients cannot dodge the limit by
    prepending addresses, and clients behind the same last proxy are not lumped together."""
    from portal import create_app
    from portal.extensions import limiter

    from .conftest import make_config
    from .helpers import csrf_from

    app = create_app(make_config(database, mail_server, PROXY_TRUSTED_HOPS=hops, LOGIN_RATE_LIMIT="2 per minute"))
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    token = csrf_from(client.get("/accesso").get_data(as_text=True))

    def attempt(xff):
        return client.post("/accesso", data={"email": "x@y.example", "password": "z" * 12, "csrf_token": token},
                           headers={"X-Forwarded-For": xff}, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code

    first = [attempt(forwarded[0]) for _ in range(2)]
    other = attempt(forwarded[1])
    assert first == [200, 200]
    assert other == (429 if same_client else 200)
    with app.app_context():
        limiter.reset()
