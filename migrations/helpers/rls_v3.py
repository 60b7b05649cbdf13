"""Row-level security for migrations after 0050 (frozen: see __init__.py). As ``rls_v2``, and the tables a
regional centre keeps its own rows in grow by ``statistics_releases`` (0051): their policies read the plain tenant
setting, not ``rete_data_tenant()`` (NULL for a region), or the region could not read its own releases.
"""
from . import rls_v1
from .rls_v2 import APP_ROLE, APPEND_ONLY_TABLES, READ_ONLY_TABLES, disable, grant_app_role

__all__ = ["APP_ROLE", "APPEND_ONLY_TABLES", "READ_ONLY_TABLES", "REGIONAL_TABLES", "disable", "enable_regional",
           "grant_app_role"]

REGIONAL_TABLES = rls_v1.REGIONAL_TABLES | {"statistics_releases"}


def enable_regional(op, table: str) -> None:
    """Enable and FORCE RLS on a table of REGIONAL_TABLES owned by its tenant alone (no sharer)."""
    assert table in REGIONAL_TABLES, table
    if op.get_bind().dialect.name != "postgresql":
        return
    rule = f"tenant_id = {rls_v1._TENANT}"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({rule})")
    op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({rule})")
    op.execute(f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({rule}) WITH CHECK ({rule})")
    op.execute(f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({rule})")
