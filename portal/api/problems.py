"""Errors of ``/api`` as ``application/problem+json`` (RFC 9457), never an HTML page or a bare 5xx."""
from flask import Flask, current_app, json, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..core.errors import (
    RETRY_AFTER_SECONDS,
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    database_unavailable,
    note_unavailable,
)
from ..tenancy.scoping import TenantViolation

PROBLEM = "application/problem+json"
API_PREFIX = "/api/"


class Problem(HTTPException):
    """Raise ``Problem(status, detail)`` anywhere below a view: it becomes the problem document."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, errors=None, headers=None):
        super().__init__(detail)
        self.code, self.detail, self.title, self.errors, self.extra_headers = status, detail, title, errors, headers


def problem_response(status: int, detail: str, *, title: str | None = None, errors=None, headers=None):
    from http import HTTPStatus

    body = {"type": "about:blank", "title": title or HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_http(exc: HTTPException):
    if isinstance(exc, Problem):
        return problem_response(exc.code, exc.detail, title=exc.title, errors=exc.errors, headers=exc.extra_headers)
    errors = None
    data = getattr(exc, "data", None)  # webargs: the fields that failed validation, with their messages
    if isinstance(data, dict) and "messages" in data:
        errors = data["messages"]
    detail = exc.description or ""
    if exc.code == 422 and errors:
        detail = "La richiesta contiene dati non validi: vedi 'errors'."
    response = problem_response(exc.code or 500, detail, errors=errors)
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if exc.code == 429:
        response.headers.update({k: v for k, v in exc.get_headers() if k.lower() == "retry-after"})
    return response


def _field_errors(exc: ServiceError) -> dict | None:
    """The refused field in webargs' shape (location -> field -> messages), when the request sent it: a
    service names its form's fields, and one the request does not carry (the page's name) stays in the detail."""
    if not exc.field:
        return None
    body = request.get_json(silent=True) if request.is_json else None
    sent = {"json": body if isinstance(body, dict) else {}, "files": request.files, "form": request.form,
            "query": request.args}
    location = next((name for name, values in sent.items() if exc.field in values), None)
    return {location: {exc.field: [str(exc)]}} if location else None


def on_blueprint(blueprint) -> None:
    """Problem documents for every error a view of the API blueprint raises (once, at import): the core
    errors a service raises (``core/errors.py``) as the pages' handlers answer them, but in problem+json (a
    blueprint's handlers come before the app's). Each is a status of 400 or more, so the request's boundary
    (portal/db.py) rolls back what the call had flushed."""

    @blueprint.errorhandler(HTTPException)
    def _http(exc):
        return _from_http(exc)

    @blueprint.errorhandler(Conflict)
    @blueprint.errorhandler(StaleDataError)
    def _conflict(exc):
        return problem_response(409, "La risorsa è stata modificata nel frattempo: rileggila e riprova.")

    @blueprint.errorhandler(TenantViolation)
    def _violation(exc):
        return problem_response(403, "Operazione non consentita su dati di un'altra organizzazione.")

    @blueprint.errorhandler(Forbidden)
    def _forbidden(exc):  # services raise it bare, as the 403 page says nothing more
        return problem_response(403, "Operazione non consentita a questo client.")

    @blueprint.errorhandler(NotFound)
    def _not_found(exc):
        return problem_response(404, "Risorsa non trovata.")

    @blueprint.errorhandler(ServiceError)
    def _refused(exc):
        return problem_response(422, str(exc) or "Richiesta rifiutata.", errors=_field_errors(exc))

    @blueprint.errorhandler(OperationalError)
    def _unavailable(exc):
        note_unavailable(exc)
        return _unavailable_problem()

    @blueprint.errorhandler(500)  # by code: the app's HTML 500 handler would come first otherwise
    def _internal(exc):  # Flask has logged the exception already
        if (cause := database_unavailable(exc)) is not None:  # a failed commit, or an error a lost connection set off
            note_unavailable(cause)
            return _unavailable_problem()
        return problem_response(500, "Si è verificato un errore imprevisto: è stato registrato. Riprova più tardi.")


def _unavailable_problem():
    return problem_response(503, "Servizio momentaneamente non disponibile: la richiesta non è stata completata. "
                            "Riprova più tardi.", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def on_app(app: Flask) -> None:
    """/api paths that match no route (404/405) reach the app's HTML handler: wrapped, not replaced."""
    page_handler = app.error_handler_spec[None][None].get(HTTPException)

    def _api_or_page(exc):
        if request.path.startswith(API_PREFIX):
            return _from_http(exc)
        return page_handler(exc)

    if page_handler is not None:
        app.register_error_handler(HTTPException, _api_or_page)
