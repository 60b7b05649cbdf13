"""Migration 0051 on a populated database: statistics_releases appears, one release per tenant, kind and quarter
(a regional centre's here); on PostgreSQL its policies read the plain tenant (a region reads its own releases, no other's); the
downgrade takes it away and leaves the summaries."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from portal.extensions import db

from .conftest import APP_ROLE
from .migration_support import contract_at

REGION = "INSERT INTO tenants (slug, name, kind, active) VALUES (:slug, 'R', 'regional_centre', true) RETURNING id"
SUMMARY = ("INSERT INTO region_summaries (tenant_id, region_id, month, measure, value, count) "
           "VALUES (:node, :region, '2026-07-01', 'referrals', 'total', 6)")
RELEASE = ("INSERT INTO statistics_releases (tenant_id, kind, quarter, released_at, content) "
           "VALUES (:region, 'region', '2026-Q3', CURRENT_TIMESTAMP, '{}')")


def test_0051_on_a_populated_database(migration_db):
    with contract_at("0050") as (conn, ids):
        region = conn.execute(text(REGION), {"slug": "regione-m51"}).scalar()
        conn.execute(text("UPDATE tenants SET region_id = :r WHERE id = :n"), {"r": region, "n": ids["node"]})
        conn.execute(text(SUMMARY), {"node": ids["node"], "region": region})
    upgrade(revision="0051")
    assert "statistics_releases" in inspect(db.engine).get_table_names()
    with db.engine.begin() as conn:
        conn.execute(text(RELEASE), {"region": region})
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text(RELEASE), {"region": region})  # one release per quarter: never a second count
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            other = conn.execute(text(REGION), {"slug": "regione-altra"}).scalar()
        with db.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
            for tenant, seen in ((region, 1), (other, 0), (ids["node"], 0)):
                conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
                assert conn.execute(text("SELECT count(*) FROM statistics_releases")).scalar() == seen, tenant
    downgrade(revision="0050")
    assert "statistics_releases" not in inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count FROM region_summaries")).scalar() == 6
