"""The database away, or ending a transaction (deadlock, lock wait, SQLite busy): 503 with Retry-After, what the
user typed shown back, nothing identifying in the log — never a bare 500. The real outage (PostgreSQL behind a
proxy that cuts every connection) is tests/test_faults_postgresql.py; here each way of failing is forced."""
import logging

from sqlalchemy.exc import OperationalError, PendingRollbackError

from portal.accounts import services
from portal.directory import services as directory
from portal.extensions import db
from portal.forum import services as forum
from portal.tenancy.scoping import TenantViolation

from .api_support import headers_for
from .forum_support import category
from .helpers import csrf_token, database_away, database_gone

TITLE, BODY = "Orari dello sportello", "Un testo che nessuno deve riscrivere da capo"


def gone() -> OperationalError:
    return database_gone({"secret": "Maria Rossi"})


def _new_thread(client):
    return client.post("/forum/nuova", data={
        "csrf_token": csrf_token(client, "/forum/nuova"), "category": category().id, "title": TITLE, "body": BODY})


def _kept_503(answer) -> str:
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) >= 10
    assert "Servizio momentaneamente non disponibile" in page and "no-store" in answer.headers["Cache-Control"]
    return page


def test_a_form_the_database_fails_keeps_what_was_typed(login, monkeypatch, caplog):
    client = login("a_operator")

    def create_thread(*_args, **_kwargs):
        raise gone()

    monkeypatch.setattr(forum, "create_thread", create_thread)
    with caplog.at_level(logging.WARNING, logger="portal.core.errors"):
        page = _kept_503(_new_thread(client))
    assert TITLE in page and BODY in page
    assert "database unavailable on POST /forum/nuova: _ServerGone 57P01" in caplog.text
    assert "Maria Rossi" not in caplog.text  # the statement's values never reach the log


def test_a_commit_the_database_refuses_keeps_what_was_typed(app, login, monkeypatch):
    """The view succeeded; the request's one commit (portal/db.py) did not: nothing is saved, and the user
    is told so with the input, not shown the thread's page."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: the 500 handler answers
    client = login("a_operator")
    token = csrf_token(client, "/forum/nuova")

    def commit():
        raise gone()

    monkeypatch.setattr(db.session, "commit", commit)
    page = _kept_503(client.post("/forum/nuova", data={"csrf_token": token, "category": category().id,
                                                       "title": TITLE, "body": BODY}))
    assert BODY in page


def test_an_error_the_lost_connection_set_off_is_a_503_too(app, login, monkeypatch):
    """The statement fails inside acting_as; putting the context back on the way out then meets the broken
    connection (PendingRollbackError), and that error is the one that reaches Flask."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client = login("a_operator")

    def create_thread(*_args, **_kwargs):
        try:
            raise gone()
        except OperationalError:
            raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back")  # noqa: B904 - as SQLAlchemy raises it

    monkeypatch.setattr(forum, "create_thread", create_thread)
    assert BODY in _kept_503(_new_thread(client))


def test_a_page_while_the_database_is_away_needs_nothing_from_it(app, login):
    """Not even the account: base.html's header reads it, so the 503 page is a page of its own."""
    client = login("n1_coordinator")
    with database_away(app):
        page = _kept_503(client.get("/"))
    assert "I dati che avevi inserito" not in page  # a GET typed nothing


def test_a_form_sent_while_the_database_is_away_keeps_what_was_typed(app, login):
    """The session's check fails before the view builds its form: what the view's form declares is shown, under
    its labels (the hidden field is not), and only to this site's own pages."""
    client = login("a_operator")
    token = csrf_token(client, "/forum/nuova")
    data = {"csrf_token": token, "category": "1", "title": TITLE, "body": BODY, "pending": "41,42"}
    with database_away(app):
        page = _kept_503(client.post("/forum/nuova", data=data, headers={"Origin": "http://localhost"}))
        foreign = _kept_503(client.post("/forum/nuova", data=data, headers={"Origin": "https://altrove.example"}))
    assert "<dt>Titolo</dt>" in page and "<dt>Testo</dt>" in page and BODY in page and "41,42" not in page
    assert BODY not in foreign


def test_the_api_answers_a_problem_document(app, client, network, monkeypatch):
    headers = headers_for(network, "a")

    def search(**_kwargs):
        raise gone()

    monkeypatch.setattr(directory, "search", search)
    answer = client.get("/api/v1/directory?q=sportello", headers=headers)
    assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
    # At least the portal's 10 s: the API's rate limiter may name the end of its own window, if later.
    assert int(answer.headers["Retry-After"]) >= 10 and answer.get_json()["status"] == 503


def test_any_other_failure_is_still_a_500(app, login, monkeypatch):
    """Only the database's own failures are 503: a bug stays a 500 (and is logged as one)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client = login("a_operator")

    def create_thread(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(forum, "create_thread", create_thread)
    assert _new_thread(client).status_code == 500


def test_a_link_token_in_the_path_never_reaches_the_log(app, client, network, caplog, monkeypatch):
    """A password reset (or invitation) link opened while the database is away: the log names the route, not
    the address, which carries the token that opens the account."""
    with app.test_request_context():
        token = services.make_reset_token(network.users["n1_coordinator"])
    with caplog.at_level(logging.WARNING, logger="portal.core.errors"), database_away(app):
        _kept_503(client.get(f"/password/nuova/{token}"))
    assert "database unavailable on GET /password/nuova/<token>: _ServerGone 57P01" in caplog.text
    assert token not in caplog.text
    assert client.get(f"/password/nuova/{token}").status_code == 200  # the link still works once it is back
    caplog.clear()

    def crossing(_token):
        raise TenantViolation("a write across tenants")

    monkeypatch.setattr(services, "user_for_token", crossing)
    with caplog.at_level(logging.WARNING, logger="portal.core.errors"):
        assert client.get(f"/password/nuova/{token}").status_code == 403
    assert "tenant violation on /password/nuova/<token>" in caplog.text and token not in caplog.text
