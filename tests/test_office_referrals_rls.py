"""The office referral in PostgreSQL: only the node and the office it names read or change it (raw SQL as the
application role, below the ORM's criteria)."""
import pytest
import sqlalchemy as sa
from sqlalchemy import text

from .conftest import DB_KIND
from .office_support import victim_referral

pytestmark = pytest.mark.skipif(DB_KIND != "postgresql", reason="row-level security exists on PostgreSQL only")


def _as(conn, tenant_id) -> None:
    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def test_raw_sql_only_the_node_and_the_named_office_read_and_change_it(session, network):
    row = victim_referral(network)  # N1's action referred to office F
    t = network.tenants
    conn = session.connection()
    ids = {"i": row.id}

    def seen(tenant_id) -> int:
        _as(conn, tenant_id)
        return conn.execute(text("SELECT count(*) FROM office_referrals WHERE id = :i"), ids).scalar()

    assert seen(t["n1"].id) == 1 and seen(t["f"].id) == 1
    for outsider in ("e", "a", "b", "p", "n2", "r"):
        assert seen(t[outsider].id) == 0, outsider
    # Another office changes nothing and cannot slip a row in the node's name; the office cannot read the action.
    _as(conn, t["e"].id)
    assert conn.execute(text("UPDATE office_referrals SET state = 'taken' WHERE id = :i"), ids).rowcount == 0
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with conn.begin_nested():
            conn.execute(text(
                "INSERT INTO office_referrals (uid, action_id, pseudonym, service_type, phase, planned_start,"
                " action_status, state, referred_at, peer_id, tenant_id, version, created_at, updated_at)"
                " VALUES ('x', :a, 'X', 'training', 'preparatory', '2026-03-02', 'planned', 'referred', now(), :e, :n1,"
                " 1, now(), now())"),
                {"a": network.action.id, "e": t["e"].id, "n1": t["n1"].id})
    _as(conn, t["f"].id)
    assert conn.execute(text("SELECT count(*) FROM actions WHERE id = :a"), {"a": network.action.id}).scalar() == 0
    # The named office may record that it took the person in charge (update).
    assert conn.execute(text("UPDATE office_referrals SET state = 'taken' WHERE id = :i"), ids).rowcount == 1
