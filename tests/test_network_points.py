"""Information points: activated by the node only with a trained operator and an agreement in force; the
directory publishes active points only; the node's page counts what is missing."""
import re
from datetime import date, timedelta
from decimal import Decimal

from portal.directory.models import InformationPoint
from portal.extensions import db
from portal.network import services
from portal.network.models import Agreement, Participation
from portal.tenancy import context

from .forum_support import victim_entry
from .helpers import csrf_token, field_error
from .network_support import n1_rows, trained_at


def _waiting_point(net):
    entry = victim_entry(net)
    point = InformationPoint(entry_id=entry.id, name="Sportello in attesa", active=False)
    db.session.add(point)
    db.session.flush()
    return point


def _activate(client, point):
    return client.post(f"/rete/punti/{point.id}/attivazione",
                       data={"version": point.version, "active": "1", "csrf_token": csrf_token(client, "/rete/punti")})


def test_activation_needs_a_trained_operator_and_an_agreement(login, network):
    point = _waiting_point(network)
    rows = n1_rows(network)
    with context.acting_as(network.tenants["n1"].id):
        db.session.delete(rows["agreement"])
        db.session.flush()
    coordinator = login("n1_coordinator")
    response = _activate(coordinator, point)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "operatore che abbia completato la formazione" in page and "accordo firmato" in page
    db.session.refresh(point)
    assert point.active is False

    # 20 hours are not enough; 32 are.
    url = f"/rete/formazione/{rows['course'].id}"
    data = {"email": network.users["a_operator"].email, "organisation_id": network.tenants["a"].id,
            "completed_on": "2026-11-30", "hours_attended": "20", "csrf_token": csrf_token(coordinator, url)}
    assert coordinator.post(url, data=data).status_code == 302
    assert "operatore che abbia completato" in _activate(coordinator, point).get_data(as_text=True)
    assert coordinator.post(url, data={**data, "hours_attended": "32"}).status_code == 302
    response = _activate(coordinator, point)
    assert response.status_code == 400
    assert "operatore che abbia completato" not in response.get_data(as_text=True)
    assert "accordo firmato" in response.get_data(as_text=True)

    # An agreement with its document, then the activation goes through.
    response = coordinator.post("/rete/accordi", data={
        "organisation_id": network.tenants["a"].id, "signed_on": (date.today() - timedelta(days=1)).isoformat(),
        "expires_on": (date.today() + timedelta(days=30)).isoformat(), "csrf_token": csrf_token(coordinator, "/rete/punti"),
    })
    assert response.status_code == 302
    assert _activate(coordinator, point).status_code == 302
    db.session.refresh(point)
    assert point.active is True and point.agreement_id is not None


def test_a_user_of_another_organisation_is_not_recorded(login, network):
    rows = n1_rows(network)
    coordinator = login("n1_coordinator")
    url = f"/rete/formazione/{rows['course'].id}"
    response = coordinator.post(url, data={"email": network.users["b_operator"].email,
                                           "organisation_id": network.tenants["a"].id,
                                           "csrf_token": csrf_token(coordinator, url)})
    assert response.status_code == 400
    assert "Nessun utente con questa e-mail" in response.get_data(as_text=True)
    assert network.users["b_operator"].email in response.get_data(as_text=True)  # the input is kept


def test_directory_shows_active_points_only(login, network):
    point = _waiting_point(network)
    entry = victim_entry(network)
    n1_rows(network)  # A's agreement in force and a trained operator: its active point is published
    trained_at(network.tenants["a"], network.users["a_operator"])
    reader = login("b_operator").get(f"/rete/{entry.id}").get_data(as_text=True)
    assert "Punto di prova" in reader and "Sportello in attesa" not in reader
    own = login("a_admin").get(f"/rete/{entry.id}").get_data(as_text=True)
    assert "Sportello in attesa" in own and "Non attivo" in own
    point.active = True
    db.session.flush()
    assert "Sportello in attesa" in login("b_operator").get(f"/rete/{entry.id}").get_data(as_text=True)


def test_a_new_point_starts_inactive(login, network):
    entry = victim_entry(network)
    admin = login("a_admin")
    response = admin.post(f"/rete/{entry.id}/punti", data={"name": "Nuovo sportello", "languages": "italiano, arabo",
                                                          "csrf_token": csrf_token(admin, f"/rete/{entry.id}")})
    assert response.status_code == 302
    db.session.refresh(entry)
    point = next(p for p in entry.points if p.name == "Nuovo sportello")
    assert point.active is False and point.languages == "italiano, arabo"


def test_points_page_counts_what_is_missing(login, network):
    _waiting_point(network)
    rows = n1_rows(network)
    with context.acting_as(network.tenants["n1"].id):
        rows["agreement"].expires_on = date.today() + timedelta(days=20)
        db.session.flush()
    page = login("n1_coordinator").get("/rete/punti").get_data(as_text=True)
    assert "Sportello in attesa" in page and "in scadenza" in page
    with context.acting_as(network.tenants["n1"].id):
        counts = services.attention_counts(network.tenants["n1"].id)
    assert counts["without_trained_operator"] == 2 and counts["agreement_expiring"] == 2
    with context.acting_as(network.tenants["n1"].id):
        db.session.add(Participation(course_id=rows["course"].id, user_id=network.users["a_operator"].id,
                                     organisation_id=network.tenants["a"].id, completed_on=date.today(),
                                     hours_attended=Decimal(32)))
        db.session.flush()
    page = login("n1_coordinator").get("/rete/punti").get_data(as_text=True)
    assert network.users["a_operator"].full_name in page  # the trained operator, named on the point's row
    with context.acting_as(network.tenants["n1"].id):
        assert services.attention_counts(network.tenants["n1"].id)["without_trained_operator"] == 0


def test_only_the_coordinator_of_the_node(login, network):
    assert login("n1_case_worker").get("/rete/punti").status_code == 403
    assert login("a_admin").get("/rete/formazione").status_code == 403
    rows = n1_rows(network)
    assert login("n2_coordinator").get(f"/rete/formazione/{rows['course'].id}").status_code == 404
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.get(Agreement, rows["agreement"].id) is not None


def test_the_directory_links_the_coordinator_to_the_network_pages(login, network):
    assert 'href="/rete/punti"' in login("n1_coordinator").get("/rete/").get_data(as_text=True)
    assert 'href="/rete/punti"' not in login("a_admin").get("/rete/").get_data(as_text=True)


def test_the_agreement_document_is_stored_and_served_to_the_node(app, login, network, tmp_path, monkeypatch):
    import io

    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    coordinator = login("n1_coordinator")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data = {"organisation_id": network.tenants["b"].id, "signed_on": "2026-01-10", "expires_on": "2028-01-09",
            "document": (io.BytesIO(pdf), "accordo firmato.pdf"), "csrf_token": csrf_token(coordinator, "/rete/punti")}
    assert coordinator.post("/rete/accordi", data=data, content_type="multipart/form-data").status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        agreement = db.session.query(Agreement).filter_by(organisation_id=network.tenants["b"].id).one()
    response = coordinator.get(f"/rete/accordi/{agreement.id}/documento")
    assert response.status_code == 200 and response.data == pdf and response.headers["X-Content-Type-Options"] == "nosniff"
    assert login("n2_coordinator").get(f"/rete/accordi/{agreement.id}/documento").status_code == 404
    # Not a PDF or image: refused with the reason, nothing recorded.
    data = {**data, "document": (io.BytesIO(b"MZ not a document"), "x.exe"), "csrf_token": csrf_token(coordinator, "/rete/punti")}
    response = coordinator.post("/rete/accordi", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "Sono ammessi solo file PDF" in response.get_data(as_text=True)


def test_the_antennas_admin_corrects_a_point_but_does_not_activate_it(login, network):
    point = _waiting_point(network)
    entry = victim_entry(network)
    url = f"/rete/{entry.id}/punti/{point.id}/modifica"
    admin = login("a_admin")
    data = {"version": point.version, "name": "Sportello corretto", "languages": "italiano, inglese",
            "accessibility": "Accesso senza gradini", "active": "y", "csrf_token": csrf_token(admin, url)}
    assert admin.post(url, data=data).status_code == 302
    db.session.refresh(point)
    assert (point.name, point.languages, point.active) == ("Sportello corretto", "italiano, inglese", False)
    assert admin.post(url, data={**data, "version": 1, "csrf_token": csrf_token(admin, url)}).status_code == 409
    assert login("b_admin").get(url).status_code == 403


def test_each_refusal_lands_on_its_own_field(app, login, network, tmp_path, monkeypatch):
    """The agreement's expiry under the expiry and a rejected file under the file (both used to sit on the
    organisation); a participation's hours under the hours, a half completion under the part missing."""
    import io

    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    coordinator = login("n1_coordinator")
    data = {"organisation_id": network.tenants["b"].id, "signed_on": "2026-01-10", "expires_on": "2026-01-10",
            "csrf_token": csrf_token(coordinator, "/rete/punti")}
    response = coordinator.post("/rete/accordi", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "expires_on") == "La scadenza dell&#39;accordo deve seguire la data di firma."
    assert field_error(html, "organisation_id") is None
    response = coordinator.post("/rete/accordi", content_type="multipart/form-data", data={
        **data, "expires_on": "2028-01-09", "document": (io.BytesIO(b"MZ not a document"), "x.exe")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Sono ammessi solo file PDF" in field_error(html, "document")
    assert field_error(html, "organisation_id") is None
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.query(Agreement).filter_by(organisation_id=network.tenants["b"].id).count() == 0

    url = f"/rete/formazione/{n1_rows(network)['course'].id}"
    data = {"email": network.users["a_operator"].email, "organisation_id": network.tenants["a"].id,
            "completed_on": "2026-11-30", "hours_attended": "40", "csrf_token": csrf_token(coordinator, url)}
    html = coordinator.post(url, data=data).get_data(as_text=True)
    assert field_error(html, "hours_attended") == "Le ore frequentate superano la durata del corso."
    assert field_error(html, "email") is None
    html = coordinator.post(url, data={**data, "hours_attended": ""}).get_data(as_text=True)
    assert "indica sia la data sia le ore" in field_error(html, "hours_attended")
    html = coordinator.post(url, data={**data, "completed_on": "", "hours_attended": "10"}).get_data(as_text=True)
    assert "indica sia la data sia le ore" in field_error(html, "completed_on")
    assert field_error(html, "email") is None


def test_hours_are_typed_the_italian_way(login, network):
    """A course of 7,5 hours and an operator who attended 7,5 of them: the comma is the decimal point."""
    coordinator = login("n1_coordinator")
    response = coordinator.post("/rete/formazione", data={
        "title": "Mezza giornata", "hours": "7,5", "csrf_token": csrf_token(coordinator, "/rete/formazione")})
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "hours")
    url = response.headers["Location"]
    data = {"email": network.users["a_operator"].email, "organisation_id": network.tenants["a"].id,
            "completed_on": date.today().isoformat(), "hours_attended": "7,5", "csrf_token": csrf_token(coordinator, url)}
    response = coordinator.post(url, data=data)
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "hours_attended")
    with context.acting_as(network.tenants["n1"].id):
        rows = db.session.scalars(db.select(Participation).where(Participation.hours_attended == Decimal("7.5"))).all()
    assert len(rows) == 1
    html = coordinator.post(url, data={**data, "hours_attended": "sette"}).get_data(as_text=True)
    assert field_error(html, "hours_attended") == "Scrivi un numero di ore, ad esempio 12,5."


def test_network_tabs_mark_the_page_shown(login, network):
    """The network pages share a row of tabs; the page shown is the current one (aria-current), the others not."""
    coordinator = login("n1_coordinator")
    for path, name in (("/rete/punti", "Punti informativi"), ("/rete/formazione", "Formazione"),
                       ("/rete/avvisi", "Avvisi"), ("/rete/candidature", "Candidature")):
        html = coordinator.get(path).get_data(as_text=True)
        nav = html[html.index('aria-label="Gestione della rete"'):]
        nav = nav[:nav.index("</nav>")]
        current = re.findall(r'<a class="nav-link active" href="[^"]+"\s*aria-current="page">([^<]+)</a>', nav)
        assert current == [name], (path, current)
