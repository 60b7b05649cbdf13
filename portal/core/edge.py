"""Bad input stopped at the edge, once for every route, before it reaches a query.

- ``<int:...>`` URL parts are bounded to the database's integer range (PostgreSQL ``integer``): a larger id
  does not match the route, so it is a 404 like any missing row, instead of an overflow error (500).
- ``request.args.get(..., type=int)`` and the same on ``request.form`` ignore values outside that range (the
  default applies), so ``?pagina=99999999999999999999`` is page 1, not an OFFSET overflow.
- A NUL byte in the path, a query or form argument or an upload's file name is a 400 with a message:
  PostgreSQL refuses NUL in text, and no legitimate form sends one.
- A JSON body sent to a page (anything outside the API) is a 415 with a message: Flask-WTF would build the
  form from it, and numbers, lists and null would reach fields that expect text (a 500), past the NUL check.
  The pages' forms and htmx send form data; the API (``/api/``) reads JSON and checks its own bodies.
"""
import builtins

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import IntegerConverter

from ..i18n import lazy_gettext as _l

DB_INT_MAX = 2**31 - 1
DB_INT_MIN = -(2**31)


class BoundedIntegerConverter(IntegerConverter):
    """The default ``int`` converter, capped at the database's integer range (werkzeug's argument names)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        low = DB_INT_MIN if min is None else builtins.max(min, DB_INT_MIN)
        high = DB_INT_MAX if max is None else builtins.min(max, DB_INT_MAX)
        super().__init__(map, fixed_digits, low, high, signed)


class BoundedArgs(ImmutableMultiDict):
    """Query and form arguments whose ``get(..., type=int)`` stays inside the database's integer range."""

    def get(self, key, default=None, type=None):  # noqa: A002 - MultiDict's signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not DB_INT_MIN <= value <= DB_INT_MAX:
            return default
        return value


class EdgeRequest(Request):
    parameter_storage_class = BoundedArgs


class UnsafeInput(BadRequest):
    """A 400 whose message the error page shows."""

    user_message = _l("La richiesta contiene caratteri non ammessi (un carattere nullo): correggi il testo e riprova.")


def _has_nul(multidict) -> bool:
    # A malformed multipart part can come through with a None name or value: nothing to refuse in it.
    return any("\x00" in (key or "") or "\x00" in (value or "") for key, value in multidict.items(multi=True))


def _refuse_nul():
    if "\x00" in request.path or _has_nul(request.args):
        raise UnsafeInput()
    if request.method in ("POST", "PUT", "PATCH") and (
        _has_nul(request.form) or any("\x00" in (f.filename or "") for f in request.files.values())
    ):
        raise UnsafeInput()


class FormsOnly(UnsupportedMediaType):
    user_message = _l("Le pagine di Rete accettano moduli, non JSON: per i dati strutturati c'è l'API (/api/v1).")


def _refuse_json_to_pages():
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json and not request.path.startswith("/api/"):
        raise FormsOnly()


def init_edge(app: Flask) -> None:
    """Call before any blueprint is registered (rules pick their converters when added)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = EdgeRequest
    # First of all before_request functions: the session, CSRF and views never see such input.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul)
    app.before_request_funcs[None].insert(0, _refuse_json_to_pages)
