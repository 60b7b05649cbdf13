"""Network directory: everyone reads and filters; an antenna's admin keeps its own entry, the node all."""
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.tenancy import context

from .forum_support import victim_entry
from .helpers import csrf_token
from .network_support import n1_rows, trained_at


def test_directory_lists_and_filters(login, network):
    entry = victim_entry(network)
    n1_rows(network)  # A's agreement in force and a trained operator: its active point is published
    trained_at(network.tenants["a"], network.users["a_operator"])
    client = login("b_operator")
    assert network.tenants["a"].name in client.get("/rete/").get_data(as_text=True)
    assert network.tenants["a"].name in client.get("/rete/?motivo=ethnicity&comune=A429").get_data(as_text=True)
    assert network.tenants["a"].name not in client.get("/rete/?motivo=age").get_data(as_text=True)
    assert network.tenants["a"].name in client.get("/rete/?q=ascolto").get_data(as_text=True)
    page = client.get(f"/rete/{entry.id}").get_data(as_text=True)
    assert "Punto di prova" in page and "Modifica la scheda" not in page


def test_admin_edits_own_entry_and_the_node_all_audited(login, network):
    entry = victim_entry(network)
    url = f"/rete/{entry.id}/modifica"
    admin = login("a_admin")
    data = {"version": entry.version, "services": "Sportello e mediazione", "municipality_code": "A429",
            "grounds": ["ethnicity", "gender"], "csrf_token": csrf_token(admin, url)}
    assert admin.post(url, data=data).status_code == 302
    db.session.refresh(entry)
    assert entry.services == "Sportello e mediazione" and entry.grounds == ["ethnicity", "gender"]
    assert entry.municipality_name == "Arona"
    assert login("a_operator").get(url).status_code == 403
    assert login("b_admin").get(url).status_code == 403
    assert login("n2_coordinator").get(url).status_code == 403
    coordinator = login("n1_coordinator")
    data = {"version": entry.version, "services": "Aggiornato dal nodo", "csrf_token": csrf_token(coordinator, url)}
    assert coordinator.post(url, data=data).status_code == 302
    # A stale version is a conflict, never an overwrite.
    data = {"version": 1, "services": "Vecchio", "csrf_token": csrf_token(coordinator, url)}
    assert coordinator.post(url, data=data).status_code == 409
    with context.acting_as(network.tenants["a"].id):
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(entry.id))))
    assert "directory.entry.update" in actions


def test_own_entry_is_created_on_first_use(login, network):
    admin = login("b_admin")
    response = admin.get("/rete/mia")
    assert response.status_code == 302
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.organisation_id == network.tenants["b"].id))
    assert entry is not None and response.headers["Location"].endswith(f"/rete/{entry.id}/modifica")
    assert login("b_operator").get("/rete/mia").status_code == 403


def test_information_points(login, network):
    entry = victim_entry(network)
    admin = login("a_admin")
    page = f"/rete/{entry.id}"
    nameless = admin.post(f"{page}/punti", data={"address": "Via Roma 1", "csrf_token": csrf_token(admin, page)})
    assert nameless.status_code == 400 and "Via Roma 1" in nameless.get_data(as_text=True)  # refused, input kept
    response = admin.post(f"{page}/punti", data={"name": "Sportello di Arona", "csrf_token": csrf_token(admin, page)})
    assert response.status_code == 302
    assert "Sportello di Arona" in admin.get(page).get_data(as_text=True)
    db.session.refresh(entry)
    point = [p for p in entry.points if p.name == "Sportello di Arona"][0]
    other = login("b_admin")
    assert other.post(f"{page}/punti/{point.id}/elimina", data={"csrf_token": csrf_token(other, page)}).status_code == 403
    assert admin.post(f"{page}/punti/{point.id}/elimina", data={"csrf_token": csrf_token(admin, page)}).status_code == 302
    assert "Sportello di Arona" not in admin.get(page).get_data(as_text=True)
    # The point is gone: editing or deleting it again is a 404, as for any point not of this entry.
    assert admin.get(f"{page}/punti/{point.id}/modifica").status_code == 404
    assert admin.post(f"{page}/punti/{point.id}/elimina", data={"csrf_token": csrf_token(admin, page)}).status_code == 404
