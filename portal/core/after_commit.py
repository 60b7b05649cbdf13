"""Work that must wait for the commit (the e-mail outbox, webhooks): rows of a registered model flushed in a
transaction are remembered as ``(id, tenant_id)`` and handed to the model's handler once the whole
transaction has ended — its connection released, so a slow SMTP server or receiver holds no lock. A
rolled-back transaction hands nothing; a savepoint's commit waits for the outer one, and a rolled-back
savepoint forgets only the rows flushed since it began (core/transaction.attempt).

One set of session listeners for every such model, so each outbox says only what to do with its rows.
"""
import logging
from collections.abc import Callable

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

log = logging.getLogger(__name__)
_NEW = "after_commit_new"  # session.info: {model: [(id, tenant_id)]} flushed in the open transaction
_COMMITTED = "after_commit_committed"  # ... and once it committed, until it ends
_MARKS = "after_commit_marks"  # {savepoint: {model: how many rows were remembered when it began}}
_HANDLERS: dict[type, Callable] = {}


def register(model: type, handler: Callable) -> None:
    """``handler(rows, bind)`` runs after the commit for the rows of ``model`` the transaction wrote."""
    _HANDLERS[model] = handler


def include(session, obj) -> None:
    """Hand an existing row to its handler after this transaction's commit too (e.g. a retried mail)."""
    session.info.setdefault(_NEW, {}).setdefault(type(obj), []).append((obj.id, obj.tenant_id))


def by_tenant(rows) -> dict[int | None, list[int]]:
    """The handed ``(id, tenant_id)`` rows as ``{tenant_id: [ids]}``: a handler works on each tenant's rows
    acting as that tenant."""
    grouped: dict = {}
    for row_id, tenant_id in rows:
        grouped.setdefault(tenant_id, []).append(row_id)
    return grouped


def in_own_session(bind, work: Callable, what: str) -> None:
    """Run ``work(session)`` in a session of its own; a failure is logged, never raised: the user's action
    is complete, and the cron command retries. (Tests bind theirs to one connection, which this joins.)"""
    session = Session(bind=bind if bind is not None else db.engine, join_transaction_mode="create_savepoint")
    try:
        work(session)
    except Exception:
        session.rollback()
        log.exception("%s: attempt after commit failed; the cron command will retry", what)
    finally:
        session.close()


@event.listens_for(Session, "after_flush")
def _remember(session, flush_context):
    for obj in session.new:
        if type(obj) in _HANDLERS:
            include(session, obj)


@event.listens_for(Session, "after_transaction_create")
def _mark(session, transaction):
    if transaction.nested:
        counts = {model: len(rows) for model, rows in session.info.get(_NEW, {}).items()}
        session.info.setdefault(_MARKS, {})[transaction] = counts


@event.listens_for(Session, "after_rollback")
def _forget(session):
    savepoint = session.get_nested_transaction()
    marks = session.info.get(_MARKS, {}).get(savepoint) if savepoint is not None else None
    if marks is None:
        session.info.pop(_NEW, None)
        return
    for model, rows in session.info.get(_NEW, {}).items():
        del rows[marks.get(model, 0):]


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.in_nested_transaction():  # a savepoint: the rows are not committed until the outer commit
        return
    for model, rows in session.info.pop(_NEW, {}).items():
        session.info.setdefault(_COMMITTED, {}).setdefault(model, []).extend(rows)


@event.listens_for(Session, "after_transaction_end")
def _after_end(session, transaction):
    session.info.get(_MARKS, {}).pop(transaction, None)
    if transaction.parent is not None or _COMMITTED not in session.info:
        return
    committed = session.info.pop(_COMMITTED)
    if has_app_context():
        for model, rows in committed.items():
            _HANDLERS[model](rows, session.bind)
