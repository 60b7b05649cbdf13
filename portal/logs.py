"""Logging: one line per request with a request id, JSON in production (``LOG_FORMAT=json``), text otherwise.

Logs leave the portal (collectors, support tickets), so nothing personal goes in them: a request line
holds the route *template* (``/casi/<int:case_id>``; never the path, which may carry a reset token or a
typed name, nor the query string, which carries searches), the method, status and duration — no address,
no user, no form. The JSON formatter writes only the fields of an allow-list, and both formatters mask
e-mail addresses and codici fiscali in any message or traceback (a database error may quote a value).
"""
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or client may send as a request id: a token, not free text (no spaces, quotes, @, newlines).
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
FIELDS = ("method", "route", "endpoint", "status", "duration_ms", "job")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
CODICE_FISCALE = re.compile(r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
                            re.IGNORECASE)


def redact(text: str) -> str:
    return CODICE_FISCALE.sub("[codice fiscale]", EMAIL.sub("[e-mail]", text))


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if getattr(record, "request_id", "-") != "-":
            entry["request_id"] = record.request_id
        entry.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return redact(super().format(record))


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (gunicorn and pytest both replace it)."""

    marker = "rete"

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _install_handler(fmt: str) -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "marker", None) == StderrHandler.marker]:
        root.removeHandler(handler)  # create_app may run more than once in a process (tests, CLI)
    handler = StderrHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)


def route_template() -> str:
    """The request's route as declared (``/password/nuova/<token>``): what logs may say of the address."""
    return request.url_rule.rule if request.url_rule else "-"


def init_logging(app: Flask) -> None:
    _install_handler(app.config["LOG_FORMAT"])
    logging.getLogger("portal").setLevel(app.config["LOG_LEVEL"])
    requests_log = logging.getLogger("portal.requests")

    def log_exception(exc_info) -> None:
        # Flask's own puts request.path in the message; the route template says as much, without a token
        app.logger.error("unhandled exception on %s %s", request.method, route_template(), exc_info=exc_info)

    app.log_exception = log_exception

    @app.before_request
    def _start():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        rid = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = rid
        rule = route_template()
        duration = round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1)
        level = logging.DEBUG if request.endpoint == "static" else logging.INFO
        requests_log.log(level, "%s %s %s %sms", request.method, rule, response.status_code, duration, extra={
            "method": request.method, "route": rule, "endpoint": request.endpoint,
            "status": response.status_code, "duration_ms": duration,
        })
        return response
