"""Row-level security for migrations after 0038 (frozen: see __init__.py). As ``rls_v1``, except the grants.

``rls_v1.grant_app_role`` grants DML on every table, so each migration that called it after 0031 gave the
application role back the writes 0031 had revoked on the read-only summary (0032 and 0037 did; 0038 revoked
again). Here the read-only tables are a constant of the helper: every call leaves them SELECT-only.
"""
from . import rls_v1
from .rls_v1 import APP_ROLE, REGIONAL_TABLES, create_data_tenant_function, disable, enable

__all__ = ["APP_ROLE", "APPEND_ONLY_TABLES", "READ_ONLY_TABLES", "REGIONAL_TABLES", "create_data_tenant_function",
           "disable", "enable", "grant_app_role"]

# Written only by triggers that run as the owner (SECURITY DEFINER); the application only reads them.
READ_ONLY_TABLES = ("monitoring_referral_months",)
# Logs: the application adds rows, never changes or removes one.
APPEND_ONLY_TABLES = ("audit_events",)


def grant_app_role(op, append_only: tuple[str, ...] = APPEND_ONLY_TABLES,
                   read_only: tuple[str, ...] = READ_ONLY_TABLES) -> None:
    """``rls_v1.grant_app_role`` (the role, DML on every table, the logs append-only), then every write on
    the read-only tables revoked again: SELECT only."""
    rls_v1.grant_app_role(op, append_only)
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in read_only:
        # A table a later migration drops must not break the migrations that come after it.
        op.execute(f"DO $$ BEGIN IF to_regclass('public.{table}') IS NOT NULL THEN "
                   f"EXECUTE 'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}'; END IF; END $$")
