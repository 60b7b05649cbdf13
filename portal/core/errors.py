"""The one error model: what a service raises, and the response each error gets (mapped here, once).

- :class:`ServiceError` — a refused change with a message for the user, optionally naming the form field;
  a view runs the call in :func:`portal.core.transaction.attempt`, which shows it on the form.
- :class:`Forbidden` — 403 page; :class:`NotFound` — 404 page;
- :class:`Conflict` — someone saved in between: the 409 page, keeping what the user typed.
- the database unreachable, or a transaction it ended (connection lost, deadlock, lock wait, SQLite busy):
  a 503 page with ``Retry-After``, keeping what the user typed (:func:`database_unavailable`).

What reaches the log names the route template, never the path (tokens travel in it: portal/logs.py).
"""
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_wtf.csrf import CSRFError, same_origin
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..logs import route_template
from ..tenancy.scoping import TenantViolation
from .forms import NEVER_SHOWN, typed_input
from .kept import carried

log = logging.getLogger(__name__)


class Forbidden(PermissionError):
    """The current user may not do this (views answer 403). The one class every domain raises and catches
    (each re-exports it as ``<domain>.Forbidden``)."""


class NotFound(LookupError):
    """No such row, or not one the current user may see (404: never say which)."""


class Conflict(Exception):
    """The row changed since the form was rendered (core/locking.py raises it as ``ConflictError``)."""


class ServiceError(ValueError):
    """A refused change, with a message fit for the user and optionally the form field it is about.

    Each domain's error (``CaseError``, ``BudgetError``...) is one of these.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field

    @property
    def field_name(self) -> str | None:
        return self.field

    @property
    def user_message(self) -> str:  # what errors/generic.html shows
        return str(self)


RETRY_AFTER_SECONDS = 10
_FRAMES = "rete.error_frames"


@dataclass(frozen=True)
class ErrorFrame:
    """How a part of the site that speaks languages of its own (the public reporting door) frames its error
    pages: the visitor's language and its direction, that part's first page, words for people without an
    account."""
    lang: str
    direction: str = "ltr"
    home: str | None = None
    public: bool = False


def frame_errors(app: Flask, prefix: str, frame: Callable[[], ErrorFrame]) -> None:
    """Error pages of addresses under ``prefix`` speak as ``frame()`` says, called in the failed request. It
    must not read the request's body: reading it is what raises a 413. (Core cannot import that part.)"""
    app.extensions.setdefault(_FRAMES, []).append((prefix, frame))


def _frame() -> ErrorFrame | None:
    for prefix, frame in current_app.extensions.get(_FRAMES, ()):
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return frame()
    return None


@contextlib.contextmanager
def _framed():
    """Inside: the locale of the part of the site the failed request was for; yields what its error page
    needs besides (direction, first page, public wording), nothing for the rest of the site."""
    frame = _frame()
    if frame is None:
        yield {}
        return
    with force_locale(frame.lang):
        yield {"page_dir": frame.direction, "error_home": frame.home, "public_door": frame.public}


def error_page(template: str, code: int, **context):
    """An error page, in the language of the part of the site it answers for."""
    with _framed() as framing:
        return render_template(template, code=code, **framing, **context), code


def _submitted_fields() -> list[tuple[str, str]]:
    """What the user typed, to show back on a conflict (never the CSRF token, keys, passwords or codes)."""
    forms = g.get("rete_submitted_forms")
    if not forms:  # the failure came before the view built its form (the database, at the session's check)
        return kept_input()
    return typed_input(forms, request.form, NEVER_SHOWN)


def sent_from_this_site() -> bool:
    """The request came from one of this site's own pages: its Origin (else its Referer) is this site's."""
    return same_origin(request.headers.get("Origin") or request.referrer or "", request.host_url)


def kept_input() -> list[tuple[str, str]]:
    """What a form sent from this site's own pages carried, to show back when it could not be taken (the
    session ended, the form's token is no longer valid). From any other origin nothing is shown back: an echo
    would let another site put its words on a page of ours."""
    if request.method != "POST" or not sent_from_this_site():
        return []
    view = current_app.view_functions.get(request.endpoint or "")
    return carried(view, request.form) if view else []


def database_unavailable(exc: BaseException) -> OperationalError | None:
    """The database error behind ``exc``, when it is one a retry may cure: PostgreSQL gone or restarting, a
    deadlock or lock wait it ended, SQLite busy past its timeout (all OperationalError). It may lie behind
    another: a failed commit reaches the 500 handler wrapped (``original_exception``), and the connection it
    broke makes the next statement (a tenant context put back on the way out) fail with PendingRollbackError."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError):
            return exc
        seen.add(id(exc))
        exc = getattr(exc, "original_exception", None) or exc.__cause__ or exc.__context__
    return None


def _quietly_rolled_back() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone: the pool discards it either way
        log.debug("rollback after a database error failed", exc_info=True)


def note_unavailable(exc: OperationalError) -> None:
    """Roll the request back and log the failure: its class and SQLSTATE only (the message may quote the
    statement's values)."""
    _quietly_rolled_back()
    # The route template, not the path: a reset or invitation link's token is in the path.
    log.warning("database unavailable on %s %s: %s %s", request.method, route_template(), type(exc.orig).__name__,
                getattr(exc.orig, "sqlstate", "") or "")


def unavailable_page(exc: OperationalError):
    """503: the request's transaction rolled back; what the user typed is shown back. The page touches no
    database (no menu, no account: it would fail again)."""
    note_unavailable(exc)
    # Rendered without the context processors: flask_login's loads the account, from the database.
    with _framed() as framing:
        body = current_app.jinja_env.get_template("errors/503.html").render(
            request=request, current_locale=str(get_locale()), back=request.referrer, retry_after=RETRY_AFTER_SECONDS,
            fields=_submitted_fields() if request.method == "POST" else [],
            sprites=url_for("static", filename="vendor/svg/sprites.svg"), **framing)
    return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _form_expired(exc: CSRFError):
        # The page was opened before the session it belonged to ended (signed out and in again in another
        # tab, the browser dropped the cookie): what the form carried is shown back rather than lost.
        fields = kept_input()
        if not fields:
            return error_page("errors/generic.html", 400, error=exc)
        return error_page("errors/form_expired.html", 400, fields=fields, back=request.referrer)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        template = f"errors/{code}.html" if code in (403, 404, 429) else "errors/generic.html"
        return error_page(template, code, error=exc)

    @app.errorhandler(Conflict)
    @app.errorhandler(StaleDataError)
    def _conflict(exc):
        db.session.rollback()
        return error_page("errors/409.html", 409, fields=_submitted_fields(), back=request.referrer)

    @app.errorhandler(Forbidden)
    def _forbidden(exc):
        db.session.rollback()
        return error_page("errors/403.html", 403)

    @app.errorhandler(NotFound)
    def _not_found(exc):
        db.session.rollback()
        return error_page("errors/404.html", 404)

    @app.errorhandler(ServiceError)
    def _refused(exc):  # a refusal no view showed on a form: a plain 400 with its message
        db.session.rollback()
        return error_page("errors/generic.html", 400, error=exc)

    @app.errorhandler(TenantViolation)
    def _violation(exc):
        db.session.rollback()
        log.warning("tenant violation on %s: %s", route_template(), exc)
        return error_page("errors/403.html", 403)

    @app.errorhandler(OperationalError)
    def _unavailable(exc):
        return unavailable_page(exc)

    @app.errorhandler(500)
    def _internal(exc):
        if (cause := database_unavailable(exc)) is not None:  # a failed commit, or an error a lost connection set off
            return unavailable_page(cause)
        db.session.rollback()
        return error_page("errors/generic.html", 500)
