"""The transaction boundary: a refused service call is undone inside its savepoint, the form keeps the
input, the rest of the request commits; no view rolls the session back by hand."""
import ast
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, update
from wtforms import Form, StringField

from portal.accounts.models import UserSession
from portal.core.errors import ServiceError
from portal.core.models import Feedback
from portal.core.transaction import attempt
from portal.db import _sqlite_setup
from portal.extensions import db
from portal.models_base import utcnow

from .case_support import case_of
from .helpers import at_once, csrf_from

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def _view_modules() -> list[Path]:
    # views*, viewkit.py, identity_views.py, public_views.py...
    paths = sorted(set(PORTAL.glob("**/*view*.py")) | set((PORTAL / "api").glob("*.py")))
    assert len(paths) > 20
    return paths


def rollback_calls(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rollback"]


def test_no_view_calls_rollback():
    found = [f"{path.relative_to(PORTAL.parent)}:{line}" for path in _view_modules()
             for line in rollback_calls(path.read_text())]
    assert found == [], "views use core.transaction.attempt, never rollback():\n" + "\n".join(found)


def test_the_scan_sees_a_rollback():
    assert rollback_calls("def view():\n    db.session.rollback()\n    session.rollback()\n") == [2, 3]


def forbidden_catches(source: str) -> list[int]:
    """``except <...>Forbidden`` (alone or in a tuple), or a Forbidden handed to a helper that catches it
    (``guarded(check, services.Forbidden)``, ``attempt(refusing=Forbidden)``): the app answers a service's
    Forbidden (403 page, or a problem document under /api) and rolls back, so a view translating it by hand
    only repeats that."""
    def names(node):
        for item in node.elts if isinstance(node, ast.Tuple) else [node]:
            yield item.attr if isinstance(item, ast.Attribute) else getattr(item, "id", "")

    def forbidden(node) -> bool:
        return node is not None and any(name.endswith("Forbidden") for name in names(node))

    def handed(call) -> bool:  # the mapping itself (api/problems.py's errorhandler) is the one place allowed
        return (getattr(call.func, "attr", None) != "errorhandler"
                and any(forbidden(arg) for arg in [*call.args, *(keyword.value for keyword in call.keywords)]))

    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ExceptHandler) and forbidden(node.type) or isinstance(node, ast.Call) and handed(node)]


def test_no_view_catches_forbidden():
    found = [f"{path.relative_to(PORTAL.parent)}:{line}" for path in _view_modules()
             for line in forbidden_catches(path.read_text())]
    assert found == [], "a service's Forbidden is answered by core/errors.py (api/problems.py):\n" + "\n".join(found)


def test_the_scan_sees_a_forbidden_catch():
    source = ("try:\n    act()\nexcept services.Forbidden:\n    abort(403)\n"
              "try:\n    act()\nexcept (ValueError, Forbidden):\n    abort(400)\nexcept KeyError:\n    pass\n"
              "staff = guarded(services.may_triage, services.Forbidden)\n"
              "with attempt(refusing=(ServiceError, Forbidden)):\n    raise Forbidden()\n"
              "@bp.errorhandler(Forbidden)\ndef _forbidden(exc):\n    pass\n")
    assert forbidden_catches(source) == [3, 7, 11, 12]


class NameForm(Form):
    name = StringField()
    other = StringField()


def _row(message: str) -> Feedback:
    row = Feedback(page="/test", message=message)
    row.tenant_id = None  # what after-commit handlers are given with each row (Feedback has no tenant)
    return row


def _rows(message: str) -> int:
    return len(db.session.scalars(select(Feedback).where(Feedback.message == message)).all())


def test_a_refusal_undoes_only_its_savepoint_and_lands_on_its_field(app, session):
    with app.test_request_context("/", method="POST", data={"name": "Typed by the user", "other": "kept"}):
        form = NameForm(formdata=None, data={"name": "Typed by the user", "other": "kept"})
        db.session.add(_row("test.before"))  # the rest of the request
        with attempt(form) as done:
            db.session.add(_row("test.refused"))
            db.session.flush()
            raise ServiceError("Nome già usato.", "name")
        db.session.commit()  # what the boundary does for a 200
    assert not done and isinstance(done.error, ServiceError)
    assert form.name.errors == ["Nome già usato."] and form.name.data == "Typed by the user"
    assert _rows("test.before") == 1 and _rows("test.refused") == 0


def test_a_refusal_without_a_field_goes_on_top_and_success_commits(app, session):
    with app.test_request_context("/"):
        form = NameForm()
        form.form_errors = []
        with attempt(form) as refused:
            raise ServiceError("Non ora.")
        with attempt(form) as done:
            db.session.add(_row("test.done"))
        db.session.commit()
    assert form.form_errors == ["Non ora."] and not refused and done
    assert _rows("test.done") == 1


def test_anything_else_propagates_and_rolls_the_savepoint_back(app, session):
    with app.test_request_context("/"):
        with pytest.raises(KeyError):
            with attempt(NameForm()):
                db.session.add(_row("test.crashed"))
                db.session.flush()
                raise KeyError("not a refusal")
        db.session.commit()
    assert _rows("test.crashed") == 0


def test_a_refused_form_keeps_the_input_and_the_rest_of_the_request_commits(login, network):
    """Closing a case in the future is refused on the page; the login session's touch, made before the
    view ran, still commits (a rollback by hand used to discard it)."""
    client = login("n1_case_worker")
    user_id = network.users["n1_case_worker"].id
    case = case_of(network)
    token = csrf_from(client.get(f"/casi/{case.id}/chiudi").get_data(as_text=True))
    earlier = utcnow() - timedelta(minutes=5)  # after the GET, which touched the session itself
    db.session.execute(update(UserSession).where(UserSession.user_id == user_id).values(last_seen_at=earlier))
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = client.post(f"/casi/{case.id}/chiudi", data={
        "version": case.version, "outcome": "included", "reason": "MOTIVO-DIGITATO-7", "closed_on": tomorrow,
        "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La data di chiusura non può essere nel futuro." in body and "MOTIVO-DIGITATO-7" in body
    assert case_of(network).closed_at is None
    seen = db.session.scalars(select(UserSession.last_seen_at).where(UserSession.user_id == user_id)
                              .execution_options(populate_existing=True)).all()
    assert seen and all(moment.replace(tzinfo=None) > earlier.replace(tzinfo=None) for moment in seen)


def test_after_commit_work_forgets_only_the_refused_savepoint(app, session):
    """A row flushed before a refused call is still handed to its after-commit handler (an outbox mail)."""
    from portal.core import after_commit

    handed = []
    after_commit.register(Feedback, lambda rows, bind: handed.extend(row_id for row_id, _tenant in rows))
    try:
        with app.test_request_context("/"):
            before = _row("test.queued")
            db.session.add(before)
            db.session.flush()
            with attempt():
                db.session.add(_row("test.refused"))
                db.session.flush()
                raise ServiceError("Non ora.")
            db.session.commit()
    finally:
        after_commit._HANDLERS.pop(Feedback, None)
    assert handed == [before.id]


def test_two_sqlite_transactions_that_read_then_write_both_commit(tmp_path):
    """`make run`: two gunicorn workers on one SQLite file. Each request reads, then writes (the session's clock,
    an audit row); deferred transactions deadlock and SQLite refuses one at once ("database is locked")."""
    engine = create_engine(f"sqlite:///{tmp_path / 'two.sqlite'}")
    _sqlite_setup(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    first_has_read, errors = threading.Event(), []

    def request(first: bool) -> None:
        try:
            if not first:
                assert first_has_read.wait(5)
            with engine.begin() as conn:
                conn.exec_driver_sql("SELECT n FROM counter").all()
                if first:
                    first_has_read.set()
                    threading.Event().wait(0.3)  # the other request starts meanwhile
                conn.exec_driver_sql("UPDATE counter SET n = n + 1")
        except Exception as error:  # noqa: BLE001  (the thread reports what the test asserts on)
            errors.append(error)

    at_once(lambda: request(True), lambda: request(False))
    assert errors == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 2
    engine.dispose()
