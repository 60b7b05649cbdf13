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
from .mixins import REGIONAL_TABLES

APP_ROLE = os.environ.get("RETE_APP_ROLE", "rete_app")
# Wrapped in a scalar subquery so PostgreSQL evaluates the setting once per statement (an InitPlan), not
# once per row: on 100,000 referrals the per-row form made a filtered scan 3-8 times slower (migration 0014).
_TENANT = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer)"
_USER = "(SELECT NULLIF(current_setting('app.user_id', true), '')::integer)"
# The tenant as the owner of people's data: NULL when app.tenant_id names a regional centre, so every rule
# written with it ("tenant_id = …", "node_id = …") matches nothing for a region, whatever ids a row
# carries. The kind is read from the tenants table, not trusted from the application. An InitPlan too.
DATA_TENANT_FUNCTION = "rete_data_tenant"
_DATA_TENANT = f"(SELECT {DATA_TENANT_FUNCTION}())"
_CREATE_DATA_TENANT = f"""
CREATE OR REPLACE FUNCTION {DATA_TENANT_FUNCTION}() RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT t.id FROM tenants t
    WHERE t.id = NULLIF(current_setting('app.tenant_id', true), '')::integer AND t.kind <> 'regional_centre'
$$"""


def create_data_tenant_function(op) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE_DATA_TENANT)


def _tenant_expression(table: str, sharer: str | None) -> str:
    # A user's own rows (UserShared: memberships, sessions...) are no one's personal case data: a regional
    # user needs them like anyone else. Everything else is blind to a region.
    return _TENANT if table in REGIONAL_TABLES or sharer == "user_id" else _DATA_TENANT


def _rule(sharer: str | None, shared_when: str | None = None, tenant: str = _TENANT) -> str:
    if sharer is None:
        return f"tenant_id = {tenant}"
    value = _USER if sharer == "user_id" else tenant
    if shared_when:  # NodeShared.__shared_when__: the sharer sees the row once that column is set
        return f"(tenant_id = {tenant} OR ({sharer} = {value} AND {shared_when} IS NOT NULL))"
    return f"(tenant_id = {tenant} OR {sharer} = {value})"


def enable(
    op, table: str, sharer: str | None = None, *, read_only: bool = False, tenantless_insert: bool = False,
    sharer_insert: bool = False, shared_when: str | None = None,
) -> None:
    """Enable and FORCE RLS on ``table``; read/change the rows of the tenant (or its sharer); insert own only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    tenant = _tenant_expression(table, sharer)
    if tenant == _DATA_TENANT:
        op.execute(_CREATE_DATA_TENANT)  # migrations older than 0024 call this too, on an empty database
    rule = _rule(sharer, shared_when, tenant)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({rule})")
    check = f"tenant_id = {tenant}"
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
