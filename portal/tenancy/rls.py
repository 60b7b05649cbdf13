"""PostgreSQL row-level security: the scoping rule again, in the database.

The policies are written by the migrations (``migrations/helpers/rls_v1.py``: every tenant-owned table);
the ``after_begin`` listener here sends the current tenant with ``set_config(..., true)``
(transaction-local, so a pooled connection never carries a previous request's tenant).
"""
from flask import has_app_context
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from .context import current, on_change


def _send(connection, ctx) -> None:
    tid = "" if ctx.tenant_id is None else str(ctx.tenant_id)
    uid = "" if ctx.user_id is None else str(ctx.user_id)
    connection.execute(
        text("SELECT set_config('app.tenant_id', :t, true), set_config('app.user_id', :u, true)"),
        {"t": tid, "u": uid},
    )


@event.listens_for(Session, "after_begin")
def _after_begin(session, transaction, connection):
    ctx = current()
    # An empty context needs no statement: the settings are transaction-local, so a new transaction starts
    # with none, which the policies read as no tenant (NULLIF(..., '')). Anonymous requests (sign-in, the
    # public pages) save a round trip; a signed-in request has its user set before its first statement.
    if connection.dialect.name == "postgresql" and (ctx.tenant_id is not None or ctx.user_id is not None):
        _send(connection, ctx)


@on_change
def _resend(ctx) -> None:
    """A context set mid-transaction (after login, in a job) must reach the open transaction too."""
    if not has_app_context():
        return
    from ..extensions import db

    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        _send(session.connection(), ctx)
