"""Tables only their triggers write (the referral summary): after ``upgrade head`` the application role may
read them and write none (0031 revoked, 0032/0037 re-granted through rls_v1, 0038 revoked again); the grants
of rls_v2, which new migrations use, keep them read-only however often they run; and the ORM refuses to write
them on either database."""
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text

from portal.extensions import db
from portal.monitoring.models import ReferralMonth
from portal.tenancy import context
from portal.tenancy.mixins import READ_ONLY_TABLES
from portal.tenancy.scoping import ReadOnlyTable

from .conftest import APP_ROLE, DB_KIND

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "migrations"))  # as alembic.ini does
from helpers import rls_v1, rls_v2  # noqa: E402

postgresql_only = pytest.mark.skipif(DB_KIND != "postgresql", reason="grants are PostgreSQL's")
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")


def _privileges(connection, table: str) -> set[str]:
    return {p for p in ("SELECT", *WRITES)
            if connection.scalar(text("SELECT has_table_privilege(:role, :table, :p)"),
                                 {"role": APP_ROLE, "table": table, "p": p})}


def test_the_application_and_the_migrations_agree_on_the_read_only_tables():
    assert READ_ONLY_TABLES == set(rls_v2.READ_ONLY_TABLES)
    assert READ_ONLY_TABLES <= set(db.metadata.tables)


@postgresql_only
@pytest.mark.parametrize("table", sorted(READ_ONLY_TABLES))
def test_after_upgrade_head_the_application_role_only_reads(session, table):
    assert _privileges(session.connection(), table) == {"SELECT"}
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), session.begin_nested():
        session.execute(text(f"DELETE FROM {table} WHERE false"))  # checked before any row is looked at


@postgresql_only
def test_rls_v2_grants_leave_the_read_only_tables_read_only(database):
    engine = sa.create_engine(database.owner_url)
    try:
        with engine.connect() as connection, connection.begin() as transaction:  # rolled back: grants are transactional
            op = Operations(MigrationContext.configure(connection))
            rls_v1.grant_app_role(op, append_only=("audit_events",))
            again = {table: _privileges(connection, table) for table in READ_ONLY_TABLES}
            assert all(set(WRITES) - {"TRUNCATE"} <= p for p in again.values())  # the v1 regression, as 0032/0037 did
            rls_v2.grant_app_role(op)
            assert {table: _privileges(connection, table) for table in READ_ONLY_TABLES} == {
                table: {"SELECT"} for table in READ_ONLY_TABLES}
            assert _privileges(connection, "audit_events") == {"SELECT", "INSERT"}
            transaction.rollback()
    finally:
        engine.dispose()


def test_the_orm_refuses_to_write_a_read_only_table(network):
    with context.acting_as(network.tenants["n1"].id):
        db.session.add(ReferralMonth(tenant_id=network.tenants["n1"].id, month=date(2026, 1, 1), key="state",
                                     value="received", referrals=1))
        with pytest.raises(ReadOnlyTable, match="ReferralMonth"):
            db.session.flush()
        db.session.rollback()
