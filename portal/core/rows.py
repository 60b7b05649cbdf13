"""Rows in views: one row by id, or 404 (``visible_or_404``, ``or_404``); and table rows as plain values: long
lists build their links and labels once per table, not once per cell (url_for, lazy-string translation and the
context proxies behind them dominate a list page's time)."""
from blinker import Namespace
from flask import abort, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..tenancy.context import current
from ..tenancy.scoping import get_visible

# Sent before a row is locked (FOR UPDATE): the audit chain takes its tenant's head first (audit/chain.py), so
# every write of a tenant locks in one order. A signal because core cannot import audit (audit imports core).
row_locking = Namespace().signal("row-locking")


def one_page(rows_of, statement, page: int, size: int) -> tuple[list, bool]:
    """Page ``page`` (from 1) of ``statement`` as ``rows_of`` reads it (``db.session.scalars``, ``execute``…) and
    whether another page follows: one row more than the page is read, so a list needs no count for its pager."""
    rows = list(rows_of(statement.offset((max(page, 1) - 1) * size).limit(size + 1)))
    return rows[:size], len(rows) > size


def by_id(model, ident):
    """The ``model`` row whose id is ``ident`` as a request gave it (text, perhaps not a number); None when
    there is none. The session's tenant criteria apply as to any read."""
    try:
        return db.session.get(model, int(ident))
    except (TypeError, ValueError):
        return None


def by_submission_key(model, submission_key: str | None, **belongs):
    """The ``model`` row a form with this key already created (a page posted again, a double click); None
    for a form without one, or when the row found is not the one ``belongs`` names (another case's, another
    author's: a key is no way to reach someone else's row)."""
    if not submission_key:
        return None
    found = db.session.scalar(select(model).where(model.submission_key == submission_key))
    if found is None or any(getattr(found, name) != value for name, value in belongs.items()):
        return None
    return found


def add_once(row) -> bool:
    """Add and flush a row a unique key allows once (a read marker, a subscription, an organisation's entry),
    inside a savepoint: False, with nothing pending, when another request added it at the same instant
    (two tabs, a double click) — the caller reads that one instead."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def add_keyed(row, refusal: Exception) -> None:
    """Add and flush a row carrying its form's key; the same key posted at the same instant is told apart by
    the unique index, the second raising ``refusal`` (added inside a savepoint, so nothing stays pending)."""
    if not add_once(row):
        raise refusal


def add_form_row(row, refusal: Exception) -> None:
    """Add and flush a row a page's form creates (``models_base.FormKeyed``): with the form's key as
    ``add_keyed`` (the same form posted at the same instant is refused); without one (a page from before, a
    script) plainly, so that no other integrity fault is taken for a repeated form."""
    if row.submission_key:
        add_keyed(row, refusal)
    else:
        db.session.add(row)
        db.session.flush()


def lock(model, ident, column=None):
    """Hold the row until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's transactions already take
    turns). Taken before a rule sums other rows against it (a contract line's room, a contract's value), so two
    requests at once check it one after the other: the second counts what the first added. Returns ``column``'s
    value as locked (the row's id by default)."""
    row_locking.send(model)
    return db.session.scalar(select(column if column is not None else model.id).where(model.id == ident).with_for_update())


def visible_or_404(model, ident, *, own: bool = False, may=None):
    """The ``model`` row with id ``ident`` if the current tenant sees it (the tenancy ORM criteria, re-checked
    for a row already in the session), else 404: never a 403 that would say it exists. ``own``: the tenant's
    own row only, not one another tenant shares with it (a provider's view of a node's action). ``may``: the
    user's rule for this page on the row it sees (``services.can_assign``), else 403."""
    row = get_visible(model, ident)
    if row is None or (own and row.tenant_id != current().tenant_id):
        abort(404)
    if may is not None:
        or_403(may(row))
    return row


def or_403(allowed: bool) -> None:
    """403 unless ``allowed``: the rule a page checks before it shows or does anything. A refusal found later,
    inside a service, is a ``Forbidden`` and gets the same page (core/errors.py)."""
    if not allowed:
        abort(403)


def or_404(row):
    """``row``, or 404 when a service's lookup (which applies its own rule on top of the tenant's) found none."""
    if row is None:
        abort(404)
    return row

# An id no route ever sees: the URL is built once around it and the row ids are put in its place.
_SENTINEL = 918273645


def url_maker(endpoint: str, key: str, **values):
    """``ident -> URL`` of ``endpoint`` with ``key=ident``, equal to url_for's but built with one url_for call."""
    head, found, tail = url_for(endpoint, **values, **{key: _SENTINEL}).partition(str(_SENTINEL))
    assert found, f"{endpoint} does not put {key} in its URL"
    return lambda ident: f"{head}{ident}{tail}"
