"""The ``/api/v1`` blueprint: OpenAPI, authentication, scopes, rate limit, idempotency, cursor pages.

flask-smorest (with marshmallow and apispec, all maintained by the marshmallow-code organisation)
generates the OpenAPI 3.1 document from the same schemas that validate and serialise each call, so the
document cannot drift from the code. Its own HTML viewers load from a CDN, which the portal's CSP
forbids: ``/api/v1/docs`` renders the document server-side instead (templates/api/docs.html).
Its app-wide JSON error handler is not installed: the portal's pages keep their error pages and the
API answers problem+json (``problems.py``).
"""
import base64
import functools
import hashlib
import json
from datetime import timedelta

from flask import current_app, g, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from webargs import core as webargs_core

from ..core.edge import DB_INT_MAX
from ..core.transaction import attempt
from ..extensions import csrf, db, limiter
from ..i18n import lazy_gettext as _l
from ..models_base import utcnow
from . import clients, problems
from .models import IdempotencyRecord, Scope
from .problems import Problem

IDEMPOTENCY_HOURS = 24
MAX_LIMIT = 100


class ProblemSchema(Schema):
    """RFC 9457 problem details, the body of every error (``problems.py``)."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(metadata={"description": _l("I campi non validi, con i messaggi.")})


class RestApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):  # noqa: D401 - see the module docstring
        return None


api = RestApi()
blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Rete API v1")
problems.on_blueprint(blp)
csrf.exempt(blp)  # no cookies: every call carries its key, so there is no cross-site request to forge


def _client_key() -> str:
    """Rate-limit key: the client, once its key is verified; else the caller's address. Keyed on the id a call
    claimed, every made-up key had a count of its own (unlimited lookups from one address), and anyone knowing
    a client's key id could use up that client's limit. Verified without binding: the blueprint binds."""
    client_id = clients.verified_client_id(request.headers.get("Authorization"))
    return f"api-client:{client_id}" if client_id is not None else f"api-anon:{request.remote_addr}"


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "120 per minute"), key_func=_client_key)(blp)


MAX_ID = DB_INT_MAX  # the database's integer: a larger id in a URL names nothing (404, not an overflow)


@blp.url_value_preprocessor
def _ids_in_range(_endpoint, values):
    for name, value in (values or {}).items():
        if name.endswith("_id") and isinstance(value, int) and not 0 < value <= MAX_ID:
            raise Problem(404, "Risorsa non trovata.")


@blp.before_request
def _authenticate():
    try:
        clients.authenticate(request.headers.get("Authorization"))
    except clients.AuthError:
        raise Problem(401, "Chiave API mancante, non valida, scaduta o revocata.",
                      headers={"WWW-Authenticate": 'Bearer realm="rete"'}) from None


@blp.before_request
def _no_nul_characters():
    """PostgreSQL text cannot hold NUL: refused here with a clear answer, not deep down as a 500. Every body
    the arguments' parser reads as JSON (``application/json`` and ``application/*+json``, by webargs' own
    test); the query and form fields, file names included, are refused for every route by ``core/edge.py``."""
    body = request.get_data(cache=True) if webargs_core.is_json(request.mimetype) else b""
    if any("\x00" in v for v in request.args.values()) or b"\\u0000" in body or b"\x00" in body:
        raise Problem(400, "La richiesta contiene un carattere NUL (U+0000), non ammesso.")
    if body:
        _check_json(body)


def _check_json(body: bytes) -> None:
    """A body webargs would choke on, refused with a 400 before it does: nesting past Python's recursion limit,
    an integer past its digit limit (webargs catches only decoding errors), or a string with a lone surrogate
    (valid JSON, but no UTF-8 text: it failed at encryption or at the database)."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return  # malformed, or not UTF-8: webargs answers it, as before
    except (ValueError, RecursionError):
        raise Problem(400, "Il corpo JSON annida troppi livelli o ha un numero troppo lungo.") from None
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Problem(400, "Il corpo JSON contiene caratteri non validi (un surrogato UTF-16 isolato).") from None


@blp.after_request
def _remember_use(response):
    if response.status_code < 400 and g.get("api_client") is not None:
        db.session.commit()  # last_used_at (writes have committed already)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def requires_scope(scope: Scope):
    """Refuse (403) a client without ``scope``; the operation's OpenAPI entry says it needs the API key, so
    the document cannot leave out what the code checks."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not clients.has_scope(scope):
                raise Problem(403, f"Il client API non ha il permesso '{scope.value}'.")
            return view(*args, **kwargs)

        return blp.doc(security=[{"bearer": []}])(wrapped)

    return decorator


FORM_MIMETYPES = ("multipart/form-data", "application/x-www-form-urlencoded")  # what werkzeug parses


def _fingerprint() -> str:
    """sha256 of the method, the path and the whole body. A form body cannot be read raw: ``core/edge.py``
    reads ``request.form`` for every POST, which consumes the stream, so ``get_data()`` is empty there and
    every multipart request would look alike. Its parsed fields and files are hashed instead, each length-
    prefixed (no two bodies hash alike by shifting a boundary); the files are hashed from their spooled
    copies in chunks, then rewound for the view, so a large upload is not read into memory once more."""
    digest = hashlib.sha256(request.method.encode() + b"\n" + request.path.encode() + b"\n")
    if request.mimetype not in FORM_MIMETYPES:
        digest.update(request.get_data())  # the same hash as before forms were covered: stored keys still replay
        return digest.hexdigest()

    def put(text: str | None) -> None:
        data = (text or "").encode()
        digest.update(len(data).to_bytes(8, "big") + data)

    put(request.mimetype)
    for name, value in request.form.items(multi=True):
        put(name)
        put(value)
    for name, upload in request.files.items(multi=True):
        put(name)
        put(upload.filename)
        put(upload.content_type)
        upload.stream.seek(0)
        digest.update(hashlib.file_digest(upload.stream, "sha256").digest())
        upload.stream.seek(0)
    return digest.hexdigest()


def _idempotent(view):
    """POSTs honour ``Idempotency-Key``: the first answer (status and body) is stored with the change, in
    the same transaction, and replayed for 24 hours; the same key with another request is refused."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            result = view(*args, **kwargs)
            db.session.commit()
            return result
        if len(key) > 200:
            raise Problem(400, "Idempotency-Key troppo lunga (al massimo 200 caratteri).")
        client = g.api_client
        fingerprint = _fingerprint()
        since = utcnow() - timedelta(hours=IDEMPOTENCY_HOURS)
        db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.client_id == client.id,
                                                           IdempotencyRecord.created_at < since))
        stored = db.session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.client_id == client.id, IdempotencyRecord.key == key))
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise Problem(422, "Idempotency-Key già usata per una richiesta diversa.")
            response = current_app.response_class(stored.body, status=stored.status, mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        response = current_app.make_response(view(*args, **kwargs))
        with attempt(refusing=IntegrityError) as stored:  # the same key at the same instant: the other call won
            db.session.add(IdempotencyRecord(client_id=client.id, key=key, fingerprint=fingerprint,
                                             status=response.status_code, body=response.get_data(as_text=True)))
        if not stored:
            raise Problem(409, "Una richiesta con la stessa Idempotency-Key è in corso: riprova.")
        db.session.commit()  # an error answer is replayed too: it commits whatever its status
        return response

    return wrapped


def operation(rule: str, method: str, *, summary: str, scope: Scope, args=None, location: str = "json",
              response=None, status: int = 200, idempotent: bool = False, **doc):
    """One endpoint's decorators in the one order every operation uses: route, doc (``summary`` and any
    other OpenAPI ``doc``), scope, then idempotency, arguments (``args`` read from ``location``) and
    response. ``route`` registers what the others built, so it stays outermost."""
    def decorator(view):
        view = blp.response(status, response)(view)
        if args is not None:
            view = blp.arguments(args, location=location)(view)
        if idempotent:
            view = _idempotent(view)
        view = requires_scope(scope)(view)
        view = blp.doc(summary=summary, **doc)(view)
        return blp.route(rule, methods=[method])(view)

    return decorator


def readable_or_404(model, row_id: int, visible, detail: str):
    """The row with ``row_id`` if ``visible(row)``, else 404 with ``detail``: a foreign id answers as an
    unknown one does, so a client cannot learn which ids other organisations have."""
    row = db.session.get(model, row_id)
    if row is None or not visible(row):
        raise Problem(404, detail)
    return row


# --- cursor pages ---------------------------------------------------------------------------------------

def page_args() -> tuple[int | None, int]:
    """``cursor`` (opaque, from the previous page) and ``limit`` (1–100, default 25)."""
    raw_limit = request.args.get("limit", "25")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise Problem(400, f"'limit' deve essere un intero tra 1 e {MAX_LIMIT}.")
    cursor = request.args.get("cursor")
    if not cursor:
        return None, int(raw_limit)
    try:
        before = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==="))["before"]
        # An id the database's integer holds (past it the query overflowed: a 500); bool is an int to Python.
        if not isinstance(before, int) or isinstance(before, bool) or not 0 < before <= MAX_ID:
            raise ValueError
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: a cursor of nested brackets
        raise Problem(400, "'cursor' non valido: usa il valore 'next_cursor' della pagina precedente.") from None
    return before, int(raw_limit)


def page_of(query, id_column, to_dict) -> dict:
    """Newest first by id; ``next_cursor`` is null on the last page."""
    before, limit = page_args()
    if before is not None:
        query = query.where(id_column < before)
    rows = list(db.session.scalars(query.order_by(id_column.desc()).limit(limit + 1)).unique())
    return page_from(rows, limit, to_dict)


def page_from(rows: list, limit: int, to_dict) -> dict:
    """``rows``: up to limit + 1, newest first; the extra one only says there is a next page."""
    more, rows = len(rows) > limit, rows[:limit]
    cursor = None
    if more:
        cursor = base64.urlsafe_b64encode(json.dumps({"before": rows[-1].id}).encode()).decode().rstrip("=")
    return {"items": [to_dict(r) for r in rows], "next_cursor": cursor}


def init_api(app) -> None:
    app.config.setdefault("API_TITLE", "Rete API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app, spec_kwargs={"info": {"description": _l("API per i sistemi delle organizzazioni della rete.")}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "description": "rete_<tenant>_<key id>_<secret>"})
    from . import resources, resources_more  # noqa: F401  (routes on blp)

    problems.on_app(app)
    api.register_blueprint(blp)
