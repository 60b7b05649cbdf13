"""The public lists, without an account: the calls open today and the active information points."""
from datetime import date, timedelta

from portal.directory.models import DirectoryEntry, InformationPoint
from portal.extensions import db
from portal.network.models import Agreement, Call
from portal.tenancy import context

from .network_support import n1_rows, trained_at


def test_open_calls_only(client, network):
    n1, today = network.tenants["n1"], date.today()
    db.session.add_all([
        Call(node_id=n1.id, title="Avviso aperto", opens_on=today - timedelta(days=2), closes_on=today + timedelta(days=5)),
        Call(node_id=n1.id, title="Avviso chiuso", opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=1)),
        Call(node_id=n1.id, title="Avviso futuro", opens_on=today + timedelta(days=3), closes_on=today + timedelta(days=9)),
    ])
    db.session.flush()
    page = client.get("/avvisi").get_data(as_text=True)
    assert "Avviso aperto" in page and "Nodo Uno di prova" in page
    assert "Avviso chiuso" not in page and "Avviso futuro" not in page
    # Every public page links both lists from its footer.
    assert 'href="/avvisi"' in client.get("/accesso").get_data(as_text=True)


def test_active_points_of_active_organisations_only(client, network):
    a, b = network.tenants["a"], network.tenants["b"]
    n1_rows(network)  # A's agreement in force; B's too, so that only its closing keeps its point out
    trained_at(a, network.users["a_operator"])
    trained_at(b, network.users["b_operator"])
    with context.acting_as(network.tenants["n1"].id):
        db.session.add(Agreement(organisation_id=b.id, signed_on=date.today(), expires_on=date.today() + timedelta(days=9)))
        db.session.flush()
    for tenant, names in ((a, ("Punto attivo", "Punto da attivare")), (b, ("Punto di un'antenna chiusa",))):
        entry = DirectoryEntry(organisation_id=tenant.id, grounds=[])
        db.session.add(entry)
        db.session.flush()
        for name in names:
            db.session.add(InformationPoint(entry_id=entry.id, name=name, municipality_name="Oleggio",
                                            opening_hours="Lunedì 9-12", active=name != "Punto da attivare"))
    b.active = False
    db.session.flush()
    page = client.get("/punti-informativi").get_data(as_text=True)
    assert "Punto attivo" in page and "Antenna Alfa" in page and "Lunedì 9-12" in page
    assert "Punto da attivare" not in page and "antenna chiusa" not in page
    assert 'href="/punti-informativi"' in client.get("/accesso").get_data(as_text=True)
