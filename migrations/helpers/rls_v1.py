"""PostgreSQL row-level security policies as written by migrations 0001-0030 (frozen: see __init__.py).

Every policy reads the tenant through a scalar subquery, evaluated once per statement (an InitPlan; 0014
says why). A table outside REGIONAL_TABLES, and not shared with its user, reads its tenant through
``rete_data_tenant()``: NULL for a regional centre, so a region never reads people's data (0024).
"""
import os

APP_ROLE = os.environ.get("RETE_APP_ROLE", "rete_app")
# The tables a regional centre's own rows live in, as the application listed them when 0030 shipped.
REGIONAL_TABLES = frozenset({"memberships", "audit_events", "region_summaries", "mail_outbox", "notifications"})

_TENANT = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer)"
_USER = "(SELECT NULLIF(current_setting('app.user_id', true), '')::integer)"
DATA_TENANT_FUNCTION = "rete_data_tenant"
_DATA_TENANT = f"(SELECT {DATA_TENANT_FUNCTION}())"
_CREATE_DATA_TENANT = f"""
CREATE OR REPLACE FUNCTION {DATA_TENANT_FUNCTION}() RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT t.id FROM tenants t
    WHERE t.id = NULLIF(current_setting('app.tenant_id', true), '')::integer AND t.kind <> 'regional_centre'
$$"""


def _postgresql(op) -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_data_tenant_function(op) -> None:
    if _postgresql(op):
        op.execute(_CREATE_DATA_TENANT)


def _tenant_expression(table: str, sharer: str | None) -> str:
    return _TENANT if table in REGIONAL_TABLES or sharer == "user_id" else _DATA_TENANT


def _rule(sharer: str | None, shared_when: str | None = None, tenant: str = _TENANT) -> str:
    if sharer is None:
        return f"tenant_id = {tenant}"
    value = _USER if sharer == "user_id" else tenant
    if shared_when:  # the sharer sees the row once that column is set
        return f"(tenant_id = {tenant} OR ({sharer} = {value} AND {shared_when} IS NOT NULL))"
    return f"(tenant_id = {tenant} OR {sharer} = {value})"


def enable(
    op, table: str, sharer: str | None = None, *, read_only: bool = False, tenantless_insert: bool = False,
    sharer_insert: bool = False, shared_when: str | None = None,
) -> None:
    """Enable and FORCE RLS on ``table``; read/change the rows of the tenant (or its sharer); insert own only."""
    if not _postgresql(op):
        return
    tenant = _tenant_expression(table, sharer)
    if tenant == _DATA_TENANT:
        op.execute(_CREATE_DATA_TENANT)  # migrations older than 0024 need it too, on an empty database
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
    if not _postgresql(op):
        return
    for suffix in ("read", "insert", "update", "delete"):
        op.execute(f"DROP POLICY IF EXISTS {table}_{suffix} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def grant_app_role(op, append_only: tuple[str, ...] = ()) -> None:
    """Create the non-owner application role if missing and grant it DML, minus UPDATE/DELETE on logs."""
    if not _postgresql(op):
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
