"""A point is published only while a trained operator works for its organisation, as activating it asks: when
the last one leaves, the public list and the directory stop sending people to it, and the node's page says
why; when someone trained works there again, it is back, with nobody having to activate it again."""
from datetime import date
from decimal import Decimal

from portal.accounts.models import Membership
from portal.extensions import db
from portal.network.models import Participation
from portal.tenancy import context

from .forum_support import victim_entry
from .helpers import csrf_token
from .network_support import n1_rows


def _train(network, user_key):
    with context.acting_as(network.tenants["n1"].id):
        db.session.add(Participation(course_id=n1_rows(network)["course"].id, user_id=network.users[user_key].id,
                                     organisation_id=network.tenants["a"].id, completed_on=date.today(),
                                     hours_attended=Decimal(32)))
        db.session.flush()


def _published(client, entry) -> tuple[bool, bool]:
    public = "Punto di prova" in client.get("/punti-informativi").get_data(as_text=True)
    directory = "Punto di prova" in client.get(f"/rete/{entry.id}").get_data(as_text=True)
    return public, directory


def test_a_point_whose_trained_operator_left_is_published_no_more(app, login, network):
    entry = victim_entry(network)  # A's active point "Punto di prova"
    n1_rows(network)  # A's agreement in force
    reader = login("b_operator")
    assert _published(reader, entry) == (False, False)  # nobody trained at A
    _train(network, "a_operator")
    assert _published(reader, entry) == (True, True)
    admin = login("a_admin")
    membership = network.memberships["a_operator"]
    assert admin.post(f"/utenti/{membership.id}/disattiva", data={
        "version": membership.version, "csrf_token": csrf_token(admin, "/utenti")}).status_code == 302
    assert _published(reader, entry) == (False, False)
    page = login("n1_coordinator").get("/rete/punti").get_data(as_text=True)
    assert "Non pubblicato: nessun operatore formato" in page
    with context.acting_as(network.tenants["a"].id):  # back at A
        db.session.get(Membership, membership.id, populate_existing=True).active = True
        db.session.flush()
    assert _published(reader, entry) == (True, True)
