"""Filter choices cached per tenant: the second list page does not read them again, a change flushed in
this process shows at once, and one node never gets another's choices."""
from portal.accounts.models import Membership, Role, User
from portal.core import cached_choices as choices
from portal.extensions import db
from portal.tenancy import context


def _option_statements(statements):
    return [s for s in statements if "FROM tenants" in s and "tenants.node_id" in s and "ORDER BY tenants.name" in s]


def test_case_list_reads_its_filter_choices_once_a_minute(login, network, count_queries):
    client = login("n1_coordinator")
    choices.clear()
    with count_queries() as first:
        assert client.get("/casi/").status_code == 200
    with count_queries() as second:
        page = client.get("/casi/").get_data(as_text=True)
    assert _option_statements(first.statements) and not _option_statements(second.statements)
    assert second.count < first.count
    assert network.tenants["a"].name in page  # the antenna filter still lists the node's antennas


def test_a_new_case_worker_shows_at_once_and_tenants_do_not_mix(login, network):
    client = login("n1_coordinator")
    client.get("/casi/")
    with context.acting_as(network.tenants["n1"].id):
        user = User(email="nuova.operatrice@nodo.example", full_name="Zelinda Nuovissima", active=True)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, tenant_id=network.tenants["n1"].id, role=Role.CASE_WORKER, active=True))
        db.session.flush()
    assert "Zelinda Nuovissima" in client.get("/casi/").get_data(as_text=True)
    other = login("n2_coordinator") if "n2_coordinator" in network.users else None
    if other is not None:
        assert "Zelinda Nuovissima" not in other.get("/casi/").get_data(as_text=True)
