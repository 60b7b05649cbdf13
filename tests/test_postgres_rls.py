"""Row-level security: the scoping rule again in PostgreSQL, with the app's own non-owner role."""
import pytest
import sqlalchemy as sa
from sqlalchemy import text

from portal.extensions import db
from portal.tenancy.mixins import SCOPED_MIXINS

from .conftest import DB_KIND

pytestmark = pytest.mark.skipif(DB_KIND != "postgresql", reason="row-level security exists on PostgreSQL only")


def scoped_tables():
    return sorted({m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, SCOPED_MIXINS)})


@pytest.fixture
def app_conn(database):
    """A raw connection as the application role, outside the ORM and its listeners."""
    engine = sa.create_engine(database.app_url)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@pytest.fixture
def committed_network(database, app):
    """Data committed through the owner (as migrations/seeding would), removed afterwards."""
    engine = sa.create_engine(database.owner_url)
    with engine.begin() as conn:
        node = conn.execute(text("INSERT INTO tenants (slug, name, kind, active) VALUES ('rls-n', 'N', 'node', true) RETURNING id")).scalar()
        a = conn.execute(text("INSERT INTO tenants (slug, name, kind, node_id, active) VALUES ('rls-a', 'A', 'municipality', :n, true) RETURNING id"), {"n": node}).scalar()
        b = conn.execute(text("INSERT INTO tenants (slug, name, kind, node_id, active) VALUES ('rls-b', 'B', 'municipality', :n, true) RETURNING id"), {"n": node}).scalar()
        user = conn.execute(text("INSERT INTO users (email, full_name, active, failed_logins, created_at, updated_at) VALUES ('rls@x.example', 'R', true, 0, now(), now()) RETURNING id")).scalar()
        conn.execute(text("INSERT INTO memberships (user_id, tenant_id, role, active, version, created_at, updated_at) VALUES (:u, :a, 'antenna_operator', true, 1, now(), now())"), {"u": user, "a": a})
        conn.execute(text("INSERT INTO audit_events (tenant_id, node_id, chain_key, seq, at, action, fields, prev_hash, hash) VALUES (:a, :n, 'rls', 1, now(), 'x', '[]', 'p', 'h')"), {"a": a, "n": node})
    yield {"node": node, "a": a, "b": b, "user": user}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE chain_key = 'rls'"))
        conn.execute(text("DELETE FROM memberships WHERE user_id = :u"), {"u": user})
        conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": user})
        conn.execute(text("DELETE FROM tenants WHERE slug IN ('rls-a', 'rls-b')"))
        conn.execute(text("DELETE FROM tenants WHERE slug = 'rls-n'"))
    engine.dispose()


def set_tenant(conn, tenant_id):
    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def test_app_role_is_not_owner_and_cannot_bypass(app_conn):
    row = app_conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert row == (False, False)
    owners = app_conn.execute(
        text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
    ).scalar()
    assert owners == 0


def test_every_scoped_table_has_forced_rls(app_conn):
    tables = scoped_tables()
    assert "memberships" in tables and "audit_events" in tables
    rows = app_conn.execute(
        text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:t)"),
        {"t": tables},
    ).all()
    assert {r.relname for r in rows} == set(tables)
    assert all(r.relrowsecurity and r.relforcerowsecurity for r in rows), rows


def test_no_tenant_set_returns_zero_rows(app_conn, committed_network):
    for table in scoped_tables():
        assert app_conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_tenant_sees_own_rows_only(app_conn, committed_network):
    with app_conn.begin():
        set_tenant(app_conn, committed_network["a"])
        assert app_conn.execute(text("SELECT count(*) FROM memberships")).scalar() == 1
    with app_conn.begin():
        set_tenant(app_conn, committed_network["b"])
        assert app_conn.execute(text("SELECT count(*) FROM memberships")).scalar() == 0
        assert app_conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
    with app_conn.begin():  # the node reads its network's audit trail (node_id sharer)
        set_tenant(app_conn, committed_network["node"])
        assert app_conn.execute(text("SELECT count(*) FROM audit_events WHERE chain_key = 'rls'")).scalar() == 1


def test_setting_is_transaction_local(app_conn, committed_network):
    with app_conn.begin():
        set_tenant(app_conn, committed_network["a"])
    assert app_conn.execute(text("SELECT count(*) FROM memberships")).scalar() == 0


def test_cross_tenant_insert_is_rejected(app_conn, committed_network):
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with app_conn.begin():
            set_tenant(app_conn, committed_network["b"])
            app_conn.execute(
                text("INSERT INTO memberships (user_id, tenant_id, role, active, version, created_at, updated_at) "
                     "VALUES (:u, :a, 'antenna_admin', true, 1, now(), now())"),
                {"u": committed_network["user"], "a": committed_network["a"]},
            )


def test_cross_tenant_update_touches_nothing(app_conn, committed_network):
    with app_conn.begin():
        set_tenant(app_conn, committed_network["b"])
        changed = app_conn.execute(text("UPDATE memberships SET active = false")).rowcount
    assert changed == 0


def test_audit_log_is_append_only_for_the_app(app_conn, committed_network):
    for statement in ("UPDATE audit_events SET action = 'y'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            with app_conn.begin():
                set_tenant(app_conn, committed_network["a"])
                app_conn.execute(text(statement))


def test_policies_read_the_tenant_setting_once_per_statement(app_conn):
    """A bare current_setting() in a policy is evaluated per row (3-8x slower scans); (SELECT ...) once."""
    import re

    # The policies that apply to the application role (not the schema owner's own, e.g. the one its
    # trigger functions write a summary through, migration 0031).
    rows = app_conn.execute(text(
        "SELECT policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies"
        " WHERE schemaname = current_schema() AND roles && ARRAY['public', current_user]::name[]"
    )).all()
    assert len(rows) > 50
    per_row = [name for name, expression in rows if re.search(r"(?<!SELECT )\(NULLIF\(current_setting", expression)]
    assert per_row == []
    assert all("current_setting" in expression or "rete_data_tenant" in expression for _, expression in rows)


# --- the regional centre (migration 0024): a region's id matches no row of people's data -----------------
PERSON_DATA = ("people", "referrals", "referral_events", "attachments", "cases", "actions", "verifications")


def test_every_policy_but_the_regional_tables_is_blind_to_a_region(app_conn):
    from portal.tenancy.mixins import REGIONAL_TABLES

    rows = app_conn.execute(text(
        "SELECT tablename, policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies"
        " WHERE schemaname = current_schema()"
    )).all()
    tables = {table for table, _, _ in rows}
    assert set(PERSON_DATA) <= tables
    user_tables = {table for table, _, expression in rows if "app.user_id" in expression}
    for table, name, expression in rows:
        if table in REGIONAL_TABLES or table in user_tables:
            assert "rete_data_tenant" not in expression, name
        elif "app.tenant_id" in expression or "rete_data_tenant" in expression:
            assert "rete_data_tenant" in expression and "app.tenant_id" not in expression, name


def _counts(conn, tenant_id) -> dict:
    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
    return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in PERSON_DATA}


def test_raw_selects_as_a_region_return_no_rows(session, network):
    """Node N1 owns the victim's case and action and sees its referral and person; the same tenant id,
    once its kind is regional_centre, reads 0 rows of each (nothing else changed)."""
    from .referral_support import victim_attachment

    victim_attachment(network)
    node = network.tenants["n1"].id
    conn = session.connection()
    before = _counts(conn, node)
    assert all(before[t] >= 1 for t in ("people", "referrals", "attachments", "cases", "actions")), before
    conn.execute(text("UPDATE tenants SET kind = 'regional_centre' WHERE id = :n"), {"n": node})
    assert _counts(conn, node) == dict.fromkeys(PERSON_DATA, 0)
    # ...and it cannot write any: the insert check is the same rule.
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with conn.begin_nested():
            assert conn.execute(text("UPDATE cases SET closure_reason = NULL")).rowcount == 0
            conn.execute(text(
                "INSERT INTO duplicate_dismissals (tenant_id, person_id, other_person_id, dismissed_by_id, dismissed_at)"
                " VALUES (:n, :p, :p, :u, now())"), {"n": node, "p": network.person.id, "u": network.users["n1_dpo"].id})
