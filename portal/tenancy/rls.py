"""PostgreSQL row-level security: the scoping rule again, in the database.

Migrations call :func:`enable` for every tenant-owned table; the ``after_begin`` listener sends the
current tenant with ``set_config(..., true)`` (transaction-local, so a pooled connection never carries
a previous request's tenant).
"""
import os

from flask import has_app_context
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from .context import current, on_change

APP_ROLE = os.environ.get("RETE_APP_ROLE", "rete_app")
# Wrapped in a scalar subquery so PostgreSQL evaluates the setting once per statement (an InitPlan), not
# once per row: on 100,000 referrals the per-row form made a filtered scan 3-8 times slower (migration 0014).
_TENANT = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer)"
_USER = "(SELECT NULLIF(current_setting('app.user_id', true), '')::integer)"


def _rule(sharer: str | None, shared_when: str | None = None) -> str:
    if sharer is None:
        return f"tenant_id = {_TENANT}"
    value = _USER if sharer == "user_id" else _TENANT
    if shared_when:  # NodeShared.__shared_when__: the sharer sees the row once that column is set
        return f"(tenant_id = {_TENANT} OR ({sharer} = {value} AND {shared_when} IS NOT NULL))"
    return f"(tenant_id = {_TENANT} OR {sharer} = {value})"


def enable(
    op, table: str, sharer: str | None = None, *, read_only: bool = False, tenantless_insert: bool = False,
    sharer_insert: bool = False, shared_when: str | None = None,
) -> None:
    """Enable and FORCE RLS on ``table``; read/change the rows of the tenant (or its sharer); insert own only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    rule = _rule(sharer, shared_when)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({rule})")
    check = f"tenant_id = {_TENANT}"
    if tenantless_insert:  # audit events of anonymous actors (failed logins) carry no tenant
        check = f"(tenant_id IS NULL OR {check})"
    if sharer_insert:  # rows the sharer writes into the owner's space (the node's messages to an antenna)
        check = rule
    op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({check})")
    if not read_only:
        op.execute(f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({rule}) WITH CHECK ({rule})")
        op.execute(f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({rule})")


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for suffix in ("read", "insert", "update", "delete"):
        op.execute(f"DROP POLICY IF EXISTS {table}_{suffix} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def grant_app_role(op, append_only: tuple[str, ...] = ()) -> None:
    """Create the non-owner application role if missing and grant it DML, minus UPDATE/DELETE on logs."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
        f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$"
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON alembic_version TO {APP_ROLE}")
    for table in append_only:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")


def _send(connection, ctx) -> None:
    tid = "" if ctx.tenant_id is None else str(ctx.tenant_id)
    uid = "" if ctx.user_id is None else str(ctx.user_id)
    connection.execute(
        text("SELECT set_config('app.tenant_id', :t, true), set_config('app.user_id', :u, true)"),
        {"t": tid, "u": uid},
    )


@event.listens_for(Session, "after_begin")
def _after_begin(session, transaction, connection):
    if connection.dialect.name == "postgresql":
        _send(connection, current())


@on_change
def _resend(ctx) -> None:
    """A context set mid-transaction (after login, in a job) must reach the open transaction too."""
    if not has_app_context():
        return
    from ..extensions import db

    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        _send(session.connection(), ctx)
