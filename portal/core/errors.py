"""The one error model: what a service raises, and the response each error gets (mapped here, once).

- :class:`ServiceError` — a refused change with a message for the user, optionally naming the form field;
  a view runs the call in :func:`portal.core.transaction.attempt`, which shows it on the form.
- :class:`Forbidden` — 403 page; :class:`NotFound` — 404 page;
- :class:`Conflict` — someone saved in between: the 409 page, keeping what the user typed.
"""
import logging

from flask import Flask, g, render_template, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..tenancy.scoping import TenantViolation
from .forms import typed_input

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


def _submitted_fields() -> list[tuple[str, str]]:
    """What the user typed, to show back on a conflict (never the CSRF token or passwords)."""
    skip = {"csrf_token", "version", "password", "confirm", "current"}
    return typed_input(g.get("rete_submitted_forms", ()), request.form, skip)


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        template = f"errors/{code}.html" if code in (403, 404, 429) else "errors/generic.html"
        return render_template(template, error=exc, code=code), code

    @app.errorhandler(Conflict)
    @app.errorhandler(StaleDataError)
    def _conflict(exc):
        db.session.rollback()
        return render_template("errors/409.html", fields=_submitted_fields(), back=request.referrer), 409

    @app.errorhandler(Forbidden)
    def _forbidden(exc):
        db.session.rollback()
        return render_template("errors/403.html", code=403), 403

    @app.errorhandler(NotFound)
    def _not_found(exc):
        db.session.rollback()
        return render_template("errors/404.html", code=404), 404

    @app.errorhandler(ServiceError)
    def _refused(exc):  # a refusal no view showed on a form: a plain 400 with its message
        db.session.rollback()
        return render_template("errors/generic.html", code=400, error=exc), 400

    @app.errorhandler(TenantViolation)
    def _violation(exc):
        db.session.rollback()
        log.warning("tenant violation on %s: %s", request.path, exc)
        return render_template("errors/403.html", code=403), 403

    @app.errorhandler(500)
    def _internal(exc):
        db.session.rollback()
        return render_template("errors/generic.html", code=500), 500
