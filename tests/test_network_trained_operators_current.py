"""A trained operator counts for an organisation only while they still work there (an active membership of an
active user): the point's row, the node's counts and the activation check. The course keeps its record of
who completed it (history)."""
from datetime import date
from decimal import Decimal

from portal.directory.models import InformationPoint
from portal.extensions import db
from portal.network import services
from portal.network.models import Participation
from portal.tenancy import context

from .factories import MembershipFactory
from .forum_support import victim_entry
from .helpers import csrf_token
from .network_support import n1_rows


def _trained(net, key="a_operator"):
    rows = n1_rows(net)
    with context.acting_as(net.tenants["n1"].id):
        db.session.add(Participation(course_id=rows["course"].id, user_id=net.users[key].id,
                                     organisation_id=net.tenants["a"].id, completed_on=date.today(),
                                     hours_attended=Decimal(32)))
        db.session.flush()
    return rows


def _set_membership(net, key, active):
    membership = net.memberships[key]
    with context.acting_as(membership.tenant_id):
        membership.active = active
        db.session.flush()


def _counts(net):
    with context.acting_as(net.tenants["n1"].id):
        return services.attention_counts(net.tenants["n1"].id)


def test_an_operator_who_left_the_antenna_no_longer_counts(login, network):
    victim_entry(network)
    rows = _trained(network)
    name = network.users["a_operator"].full_name
    assert _counts(network)["without_trained_operator"] == 0
    assert name in login("n1_coordinator").get("/rete/punti").get_data(as_text=True)

    _set_membership(network, "a_operator", False)
    assert _counts(network)["without_trained_operator"] == 1
    with context.acting_as(network.tenants["n1"].id):
        assert services.trained_operators(network.tenants["a"].id) == []
    coordinator = login("n1_coordinator")
    assert name not in coordinator.get("/rete/punti").get_data(as_text=True)
    # The course still records that they completed it, then.
    course = coordinator.get(f"/rete/formazione/{rows['course'].id}").get_data(as_text=True)
    assert name in course

    _set_membership(network, "a_operator", True)  # back at the antenna: counts again
    assert _counts(network)["without_trained_operator"] == 0


def test_a_deactivated_account_no_longer_counts(network):
    victim_entry(network)
    _trained(network)
    network.users["a_operator"].active = False
    db.session.flush()
    assert _counts(network)["without_trained_operator"] == 1


def test_a_point_is_not_activated_on_the_training_of_someone_who_left(login, network):
    entry = victim_entry(network)
    _trained(network)
    point = InformationPoint(entry_id=entry.id, name="Sportello in attesa", active=False)
    db.session.add(point)
    db.session.flush()
    _set_membership(network, "a_operator", False)
    coordinator = login("n1_coordinator")
    response = coordinator.post(f"/rete/punti/{point.id}/attivazione", data={
        "version": point.version, "active": "1", "csrf_token": csrf_token(coordinator, "/rete/punti")})
    assert response.status_code == 400
    assert "operatore che abbia completato la formazione" in response.get_data(as_text=True)
    db.session.refresh(point)
    assert point.active is False


def test_only_the_organisation_they_left_loses_them(network):
    """Trained for A and still at A, while their membership at B ended: they still count for A."""
    victim_entry(network)
    _trained(network)
    MembershipFactory(user=network.users["a_operator"], tenant=network.tenants["b"], active=False)
    assert _counts(network)["without_trained_operator"] == 0
