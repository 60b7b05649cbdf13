"""The transfer row in PostgreSQL: only the sending and the receiving node read or change it (raw SQL as
the application role, below the ORM's criteria)."""
import pytest
import sqlalchemy as sa
from sqlalchemy import text

from .conftest import DB_KIND
from .transfer_support import victim_transfer

pytestmark = pytest.mark.skipif(DB_KIND != "postgresql", reason="row-level security exists on PostgreSQL only")


def _as(conn, tenant_id) -> None:
    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def test_raw_sql_only_the_two_nodes_read_and_change_the_transfer(session, network):
    transfer = victim_transfer(network)  # N1 -> N3: N2 is a third node of the same region
    t = network.tenants
    conn = session.connection()
    row = {"i": transfer.id}

    def seen(tenant_id) -> int:
        _as(conn, tenant_id)
        return conn.execute(text("SELECT count(*) FROM case_transfers WHERE id = :i"), row).scalar()

    assert seen(t["n1"].id) == 1 and seen(t["n3"].id) == 1
    for outsider in ("n2", "a", "b", "p", "r"):
        assert seen(t[outsider].id) == 0, outsider
    # A third node changes nothing, and cannot slip a row into the sender's name.
    _as(conn, t["n2"].id)
    assert conn.execute(text("UPDATE case_transfers SET state = 'accepted' WHERE id = :i"), row).rowcount == 0
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with conn.begin_nested():
            conn.execute(text(
                "INSERT INTO case_transfers (uid, case_id, pseudonym, state, proposed_by_id, proposed_at, notes_shared,"
                " peer_id, tenant_id, version, created_at, updated_at) VALUES ('x', :c, 'X', 'pending', :u, now(), 0,"
                " :n2, :n1, 1, now(), now())"),
                {"c": network.case.id, "u": network.users["n2_coordinator"].id, "n2": t["n2"].id, "n1": t["n1"].id})
    # The receiver may answer (update) it.
    _as(conn, t["n3"].id)
    assert conn.execute(text("UPDATE case_transfers SET state = 'declined' WHERE id = :i"), row).rowcount == 1
