"""Error pages in the portal's layout, and the conflict page that keeps the user's input."""
import logging

from flask import Flask, render_template, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..tenancy.scoping import TenantViolation
from .locking import ConflictError

log = logging.getLogger(__name__)



class Forbidden(PermissionError):
    """The current user may not do this (views answer 403). The one class every domain raises and catches
    (each re-exports it as ``<domain>.Forbidden``)."""


def _submitted_fields() -> list[tuple[str, str]]:
    """What the user typed, to show back on a conflict (never the CSRF token or passwords)."""
    skip = {"csrf_token", "version", "password", "confirm", "current"}
    return [(k, v) for k, v in request.form.items(multi=True) if k not in skip and v]


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        template = f"errors/{code}.html" if code in (403, 404, 429) else "errors/generic.html"
        return render_template(template, error=exc, code=code), code

    @app.errorhandler(ConflictError)
    @app.errorhandler(StaleDataError)
    def _conflict(exc):
        db.session.rollback()
        return render_template("errors/409.html", fields=_submitted_fields(), back=request.referrer), 409

    @app.errorhandler(TenantViolation)
    def _violation(exc):
        db.session.rollback()
        log.warning("tenant violation on %s: %s", request.path, exc)
        return render_template("errors/403.html", code=403), 403

    @app.errorhandler(500)
    def _internal(exc):
        db.session.rollback()
        return render_template("errors/generic.html", code=500), 500
