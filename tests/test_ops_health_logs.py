"""Health probes (liveness without the database, readiness with it and its migrations) and request logs:
a request id on every response and log line, JSON in production, nothing personal in a line."""
import json
import re

import pytest

from portal import create_app
from portal.core import health
from portal.logs import _install_handler

from .conftest import make_config
from .helpers import csrf_token

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_liveness_answers_without_touching_the_database(client, count_queries):
    with count_queries() as counter:
        response = client.get("/salute/vivo")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert counter.count == 0


@pytest.mark.parametrize("path", ["/salute/pronto", "/salute"])
def test_readiness_on_a_migrated_database(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readiness_reports_pending_migrations_and_unknown_revisions(client, monkeypatch):
    heads, known = health.scripts.__wrapped__(client.application.extensions["migrate"].directory)
    monkeypatch.setattr(health, "scripts", lambda directory: (frozenset({"9999"}), known | {"9999"}))
    for path in ("/salute/pronto", "/salute"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "reason": "migrations_pending"}
    # the database carries a revision this code does not know (migrated by a newer release)
    monkeypatch.setattr(health, "scripts", lambda directory: (frozenset({"0001"}), frozenset({"0001"})))
    assert client.get("/salute/pronto").get_json()["reason"] == "database_ahead_of_code"
    assert client.get("/salute/vivo").status_code == 200  # liveness does not care


def test_readiness_without_a_database():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TESTING": True})
    client = app.test_client()
    response = client.get("/salute/pronto")
    assert response.status_code == 503 and response.get_json()["reason"] == "database_unreachable"
    assert client.get("/salute/vivo").status_code == 200


def test_request_id_taken_when_sane_else_generated(client):
    assert client.get("/salute/vivo", headers={"X-Request-ID": "lb-7f3a9c21.42"}).headers["X-Request-ID"] == \
        "lb-7f3a9c21.42"
    for bad in ("mario.rossi@example.com", "a b c d e f g h", "x;Injected=1<script>", "short", "z" * 200):
        assert HEX_ID.fullmatch(client.get("/salute/vivo", headers={"X-Request-ID": bad}).headers["X-Request-ID"])
    first, second = (client.get("/salute/vivo").headers["X-Request-ID"] for _ in range(2))
    assert HEX_ID.fullmatch(first) and first != second


@pytest.fixture
def json_app(database, mail_server):
    app = create_app(make_config(database, mail_server, LOG_FORMAT="json", PROPAGATE_EXCEPTIONS=False))

    @app.route("/prova-errore/<token>")
    def boom(token):
        raise RuntimeError("duplicate key (email)=(mario.rossi@example.com) RSSMRA85T10A562S")

    yield app
    _install_handler("text")  # the session's app logs text again


def _lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_request_log_line_is_json_without_personal_data(json_app, session, network, capsys):
    user = network.users["a_operator"]
    personal = [user.email, user.email.split("@")[0], "Mario", "Rossi", "segreto-token-123"]
    client = json_app.test_client()
    token = csrf_token(client, "/accesso")
    capsys.readouterr()
    response = client.post("/accesso?q=Mario+Rossi", data={"email": user.email, "password": "sbagliata-Mario-Rossi",
                                                          "csrf_token": token}, headers={"X-Request-ID": "req-00000001"})
    client.get("/password/nuova/segreto-token-123")
    out = capsys.readouterr().err
    lines = _lines(out)
    request_line = next(line for line in lines if line["logger"] == "portal.requests" and line["method"] == "POST")
    assert request_line["request_id"] == "req-00000001" == response.headers["X-Request-ID"]
    assert request_line["route"] == "/accesso" and request_line["status"] == response.status_code
    assert request_line["endpoint"] == "accounts.login" and request_line["duration_ms"] >= 0
    assert any(line.get("route") == "/password/nuova/<token>" for line in lines)
    for secret in personal:
        assert secret.lower() not in out.lower(), secret
    assert "@" not in out


def test_unhandled_error_logged_with_route_template_and_values_masked(json_app, session, capsys):
    capsys.readouterr()
    response = json_app.test_client().get("/prova-errore/segreto-token-123")
    assert response.status_code == 500
    out = capsys.readouterr().err
    error = next(line for line in _lines(out) if line["level"] == "ERROR")
    assert error["message"] == "unhandled exception on GET /prova-errore/<token>"
    assert "RuntimeError" in error["exception"] and "[e-mail]" in error["exception"]
    assert "[codice fiscale]" in error["exception"]
    assert "segreto-token-123" not in out and "mario.rossi" not in out and "RSSMRA85T10A562S" not in out
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_development_logs_text_with_the_request_id(client, capsys):
    capsys.readouterr()
    response = client.get("/salute/vivo")
    out = capsys.readouterr().err
    assert f"portal.requests [{response.headers['X-Request-ID']}] GET /salute/vivo 200" in out
