"""An information point is published (the public list, the network's directory) only while its organisation
has an agreement in force with the node, on the day in Rome: an expired agreement takes it out, a new one
brings it back. The node's page keeps showing it, marked."""
from datetime import UTC, datetime, timedelta

from portal import i18n
from portal.accounts.models import Role
from portal.directory.models import DirectoryEntry, InformationPoint
from portal.extensions import db
from portal.i18n import local_today
from portal.network.models import Agreement
from portal.tenancy import context

from .factories import MembershipFactory, TenantFactory, UserFactory
from .forum_support import victim_entry
from .network_support import n1_rows, trained_at

NOT_PUBLISHED = "Non pubblicato: nessun accordo in vigore"


def _staffed_point(net):
    """Antenna A's "Punto di prova", active, with a trained operator (what publishing needs besides the agreement)."""
    entry = victim_entry(net)
    trained_at(net.tenants["a"], net.users["a_operator"])
    return entry


def _expire(net, on):
    """Antenna A's only agreement (N1's row) ends on ``on``."""
    agreement = n1_rows(net)["agreement"]
    with context.acting_as(net.tenants["n1"].id):
        agreement.expires_on = on
        db.session.flush()
    return agreement


def _public(client) -> str:
    return client.get("/punti-informativi").get_data(as_text=True)


def test_the_public_list_drops_a_point_whose_agreement_expired_until_a_new_one(client, network):
    _staffed_point(network)  # antenna A's "Punto di prova", active
    today = local_today()
    _expire(network, today)
    assert "Punto di prova" in _public(client)  # its last day is still in force
    _expire(network, today - timedelta(days=1))
    assert "Punto di prova" not in _public(client)
    with context.acting_as(network.tenants["n1"].id):  # a future agreement is not in force yet
        db.session.add(Agreement(organisation_id=network.tenants["a"].id, signed_on=today + timedelta(days=1),
                                 expires_on=today + timedelta(days=366)))
        db.session.flush()
    assert "Punto di prova" not in _public(client)
    with context.acting_as(network.tenants["n1"].id):
        db.session.add(Agreement(organisation_id=network.tenants["a"].id, signed_on=today,
                                 expires_on=today + timedelta(days=365)))
        db.session.flush()
    assert "Punto di prova" in _public(client)


def test_each_node_answers_for_its_own_antennas_points(client, network):
    """A's agreement (N1's) lapsed; an antenna of N2 under N2's agreement stays listed, and N2's agreement
    says nothing about A (each node's rows are read as that node)."""
    _staffed_point(network)
    today = local_today()
    _expire(network, today - timedelta(days=1))
    n2 = network.tenants["n2"]
    other = TenantFactory(slug="antenna-gamma", name="Antenna Gamma", node=n2)
    entry = DirectoryEntry(organisation_id=other.id, grounds=[])
    db.session.add(entry)
    db.session.flush()
    db.session.add(InformationPoint(entry_id=entry.id, name="Sportello Gamma", active=True))
    operator = UserFactory(email="gamma.operator@prova.example", full_name="Operatrice Gamma")
    MembershipFactory(user=operator, tenant=other, role=Role.ANTENNA_OPERATOR)
    trained_at(other, operator)
    with context.acting_as(n2.id):
        db.session.add(Agreement(organisation_id=other.id, signed_on=today, expires_on=today + timedelta(days=30)))
        db.session.flush()
    page = _public(client)
    assert "Sportello Gamma" in page and "Antenna Gamma" in page
    assert "Punto di prova" not in page


def test_the_day_that_ends_an_agreement_is_the_day_in_rome(client, network, monkeypatch):
    """At 23:30 UTC it is already the next day in Rome: an agreement ending on the host's date has expired."""
    _staffed_point(network)
    late = datetime.combine(local_today(), datetime.min.time(), UTC).replace(hour=23, minute=30)
    _expire(network, late.date())

    class LateEvening(datetime):
        @classmethod
        def now(cls, tz=None):
            return late.astimezone(tz) if tz else late.replace(tzinfo=None)

    monkeypatch.setattr(i18n, "datetime", LateEvening)
    assert "Punto di prova" not in _public(client)


def test_the_directory_publishes_it_no_more_and_its_keepers_see_it_marked(login, network):
    entry = _staffed_point(network)
    url = f"/rete/{entry.id}"
    n1_rows(network)
    assert "Punto di prova" in login("b_operator").get(url).get_data(as_text=True)
    assert NOT_PUBLISHED not in login("a_admin").get(url).get_data(as_text=True)
    _expire(network, local_today() - timedelta(days=1))
    assert "Punto di prova" not in login("b_operator").get(url).get_data(as_text=True)
    own = login("a_admin").get(url).get_data(as_text=True)
    assert "Punto di prova" in own and NOT_PUBLISHED in own
    # The node's page still lists it, active, with no agreement in force and the same mark.
    staff = login("n1_coordinator").get("/rete/punti").get_data(as_text=True)
    assert "Punto di prova" in staff and "nessuno in vigore" in staff and NOT_PUBLISHED in staff


def test_an_inactive_point_is_not_marked_as_waiting_for_an_agreement(login, network):
    """The mark is for an active point the public no longer sees; a point never activated has its own."""
    entry = _staffed_point(network)
    n1_rows(network)
    db.session.add(InformationPoint(entry_id=entry.id, name="Sportello in attesa", active=False))
    db.session.flush()
    own = login("a_admin").get(f"/rete/{entry.id}").get_data(as_text=True)
    assert "Sportello in attesa" in own and "in attesa di attivazione" in own and NOT_PUBLISHED not in own
