"""Joining the network: a public application to a call, reviewed by the node; nothing is created until the
node accepts; acceptance creates the antenna, invites its first admin and records agreement and points."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.accounts.models import Membership, Role, User
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.network.models import Application, ApplicationStatus
from portal.tenancy import context
from portal.tenancy.models import Tenant

from .helpers import csrf_token, field_error
from .network_support import FOLLOW_TOKEN, VALID_VAT, n1_rows


def _form(client, url, **over):
    data = {"organisation_name": "Associazione Nuova Voce", "kind": "association", "tax_code": VALID_VAT,
            "contact_name": "Ilaria Referente", "contact_email": "ilaria@nuovavoce.example",
            "points-0-name": "Sportello Nuova Voce", "points-0-municipality_name": "Oleggio",
            "points-0-languages": "italiano, francese", "csrf_token": csrf_token(client, url)}
    data.update(over)
    return data


def _refresh(application, net):
    with context.acting_as(net.tenants["n1"].id):
        db.session.refresh(application)


def _applications(net):
    with context.acting_as(net.tenants["n1"].id):
        return list(db.session.scalars(select(Application).order_by(Application.id)))


def test_apply_confirm_by_mail_accept_creates_tenant_and_invitation(app, client, login, network, mailbox):
    call = n1_rows(network)["call"]
    url = f"/rete/avvisi/{call.id}/candidatura"
    tenants_before = db.session.scalar(select(func.count(Tenant.id)))
    response = client.post(url, data=_form(client, url))
    assert response.status_code == 200 and "Candidatura inviata" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Tenant.id))) == tenants_before  # nothing until the node accepts
    application = _applications(network)[-1]
    assert application.status == ApplicationStatus.SUBMITTED and application.tenant_id == network.tenants["n1"].id
    message = mailbox.wait_for(1)[-1]
    assert message["To"] == "ilaria@nuovavoce.example"
    # Nothing the applicant typed is in the portal's mail (anyone may give any address).
    assert "Nuova Voce" not in mailbox.body(message) and "Ilaria" not in mailbox.body(message)
    link = re.search(r"(/rete/avvisi/\d+/candidatura/\S+)", mailbox.body(message)).group(1)
    token = link.rsplit("/", 1)[1]
    assert token not in application.token_hash and len(application.token_hash) == 64  # stored hashed only
    assert "Sportello Nuova Voce" in client.get(link).get_data(as_text=True)

    # The node asks for changes; the applicant corrects through the link.
    coordinator = login("n1_coordinator")
    review = f"/rete/candidature/{application.id}"
    response = coordinator.post(review, data={"version": application.version, "decision": "request_changes",
                                              "message": "Indicate gli orari.", "csrf_token": csrf_token(coordinator, review)})
    assert response.status_code == 302
    page = client.get(link).get_data(as_text=True)
    assert "Indicate gli orari." in page and "Correggi la candidatura" in page
    _refresh(application, network)
    response = client.post(link, data=_form(client, link, version=application.version,
                                            **{"points-0-opening_hours": "Lunedì 9-12"}))
    assert response.status_code == 302
    _refresh(application, network)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.points[0]["opening_hours"] == "Lunedì 9-12"

    # Accepting without the agreement's dates is refused with a clear message.
    response = coordinator.post(review, data={"version": application.version, "decision": "accept",
                                              "csrf_token": csrf_token(coordinator, review)})
    assert response.status_code == 400 and "data di firma" in response.get_data(as_text=True)
    response = coordinator.post(review, data={
        "version": application.version, "decision": "accept", "signed_on": date.today().isoformat(),
        "expires_on": (date.today() + timedelta(days=730)).isoformat(), "csrf_token": csrf_token(coordinator, review)})
    assert response.status_code == 302
    _refresh(application, network)
    tenant = db.session.get(Tenant, application.organisation_id)
    assert application.status == ApplicationStatus.ACCEPTED
    assert tenant.name == "Associazione Nuova Voce" and tenant.node_id == network.tenants["n1"].id
    user = db.session.scalar(select(User).where(User.email == "ilaria@nuovavoce.example"))
    with context.acting_as(tenant.id):
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership.role == Role.ANTENNA_ADMIN and membership.pending and not membership.active
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.organisation_id == tenant.id))
    assert [(p.name, p.active, p.opening_hours) for p in entry.points] == [("Sportello Nuova Voce", False, "Lunedì 9-12")]
    from portal.network.models import Agreement

    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalar(select(Agreement).where(Agreement.organisation_id == tenant.id)) is not None
    [invitation] = [m for m in mailbox.wait_for(3) if m["To"] == "ilaria@nuovavoce.example" and "invito" in m["Subject"]]
    # The contact person accepts from the mail, then chooses a password (a new account has none).
    accept_link = re.search(r"(/invito/\S+)", mailbox.body(invitation)).group(1)
    response = client.post(accept_link, data={"csrf_token": csrf_token(client, accept_link)})
    assert response.status_code == 302 and "/password/nuova/" in response.location
    with context.acting_as(tenant.id):
        db.session.refresh(membership)
        assert membership.active and not membership.pending
    # Decided: no more edits through the link.
    assert client.post(link, data=_form(client, link)).status_code == 409


def test_accepting_says_a_wrong_expiry_and_a_rejected_file_on_their_fields(app, login, network, tmp_path, monkeypatch):
    """Both used to sit on the decision."""
    import io

    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    application = n1_rows(network)["application"]
    coordinator = login("n1_coordinator")
    review = f"/rete/candidature/{application.id}"
    tenants_before = db.session.scalar(select(func.count(Tenant.id)))
    data = {"version": application.version, "decision": "accept", "signed_on": date.today().isoformat(),
            "expires_on": date.today().isoformat(), "csrf_token": csrf_token(coordinator, review)}
    response = coordinator.post(review, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "expires_on") == "La scadenza dell&#39;accordo deve seguire la data di firma."
    assert field_error(html, "decision") is None
    response = coordinator.post(review, content_type="multipart/form-data", data={
        **data, "expires_on": (date.today() + timedelta(days=730)).isoformat(),
        "document": (io.BytesIO(b"MZ not a document"), "x.exe")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Sono ammessi solo file PDF" in field_error(html, "document")
    assert field_error(html, "decision") is None
    assert db.session.scalar(select(func.count(Tenant.id))) == tenants_before
    _refresh(application, network)
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_correction_after_the_node_decided_is_refused_on_top_of_the_form(client, network, monkeypatch):
    """The node decides while the applicant is correcting: said above the form (it used to sit under the
    attachment), nothing changed."""
    from portal.network import applications

    rows = n1_rows(network)
    application = rows["application"]
    with context.acting_as(network.tenants["n1"].id):
        application.status = ApplicationStatus.CHANGES_REQUESTED
        db.session.flush()
        version = application.version
    real = applications.edit

    def decided_meanwhile(row, *args, **kwargs):
        row.status = ApplicationStatus.REJECTED
        return real(row, *args, **kwargs)

    monkeypatch.setattr(applications, "edit", decided_meanwhile)
    link = f"/rete/avvisi/{rows['call'].id}/candidatura/{FOLLOW_TOKEN}"
    response = client.post(link, data=_form(client, link, version=version))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<li>La candidatura si può modificare solo quando il nodo chiede modifiche.</li>" in html
    assert field_error(html, "attachment") is None
    _refresh(application, network)
    assert application.organisation_name == "Associazione Candidata"


def test_bad_fields_are_named_and_the_input_kept(client, network):
    call = n1_rows(network)["call"]
    url = f"/rete/avvisi/{call.id}/candidatura"
    before = len(_applications(network))
    response = client.post(url, data=_form(client, url, tax_code="00743110158", **{"points-0-name": "",
                                                                                   "contact_email": "non-una-mail"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Codice fiscale o partita IVA non valido" in page and "almeno un punto informativo" in page
    assert "Associazione Nuova Voce" in page and "00743110158" in page
    # A person-run body's codice fiscale is accepted, as is a valid partita IVA.
    assert client.post(url, data=_form(client, url, tax_code="QRTZND80A41F952P")).status_code == 200
    # The honeypot: a bot fills every field.
    assert client.post(url, data=_form(client, url, website="http://spam.example")).status_code == 400
    assert len(_applications(network)) == before + 1


def test_a_closed_call_takes_no_application(client, network):
    call = n1_rows(network)["call"]
    call.closes_on = date.today() - timedelta(days=1)
    db.session.flush()
    url = f"/rete/avvisi/{call.id}/candidatura"
    assert "non è aperto" in client.get(url).get_data(as_text=True)
    assert client.post(url, data=_form(client, url)).status_code == 404


def test_applications_are_rate_limited(app, client, network):
    call = n1_rows(network)["call"]
    url = f"/rete/avvisi/{call.id}/candidatura"
    codes = [client.post(url, data=_form(client, url, tax_code="x")).status_code for _ in range(6)]
    assert codes[-1] == 429


def test_another_node_cannot_see_the_application(login, network, client):
    rows = n1_rows(network)
    application = rows["application"]
    other = login("n2_coordinator")
    assert other.get(f"/rete/candidature/{application.id}").status_code == 404
    assert "Associazione Candidata" not in other.get("/rete/candidature").get_data(as_text=True)
    assert login("a_admin").get(f"/rete/candidature/{application.id}").status_code == 403
    assert "Associazione Candidata" in login("n1_coordinator").get("/rete/candidature").get_data(as_text=True)
    # The follow-up link needs the right token.
    assert client.get(f"/rete/avvisi/{rows['call'].id}/candidatura/{FOLLOW_TOKEN}").status_code == 200
    assert client.get(f"/rete/avvisi/{rows['call'].id}/candidatura/{FOLLOW_TOKEN}x").status_code == 404


def test_an_application_with_someone_elses_address_gives_them_nothing_and_tells_nothing(client, login, network,
                                                                                       mailbox):
    """Anyone may apply, typing any address (nothing confirms it before the node decides): accepting invites it
    as any invitation does. An existing account gets no role until its owner accepts, the mail does not name
    them, and the node cannot look them up (the training register finds only current members)."""
    victim = network.users["n2_case_worker"]
    call = n1_rows(network)["call"]
    url = f"/rete/avvisi/{call.id}/candidatura"
    assert client.post(url, data=_form(client, url, contact_email=victim.email,
                                       contact_name="Nome Inventato")).status_code == 200
    application = _applications(network)[-1]
    coordinator = login("n1_coordinator")
    review = f"/rete/candidature/{application.id}"
    response = coordinator.post(review, data={
        "version": application.version, "decision": "accept", "signed_on": date.today().isoformat(),
        "expires_on": (date.today() + timedelta(days=730)).isoformat(), "csrf_token": csrf_token(coordinator, review)})
    assert response.status_code == 302
    _refresh(application, network)
    with context.acting_as(application.organisation_id):
        membership = db.session.scalar(select(Membership).where(Membership.user_id == victim.id))
        assert membership.pending and not membership.active
    mails = [mailbox.body(m) for m in mailbox.wait_for(2) if m["To"] == victim.email]
    assert any("/invito/" in body for body in mails) and not any(victim.full_name in body for body in mails)
    page = f"/rete/formazione/{n1_rows(network)['course'].id}"
    answer = coordinator.post(page, data={"email": victim.email, "organisation_id": application.organisation_id,
                                          "csrf_token": csrf_token(coordinator, page)})
    assert answer.status_code == 400 and victim.full_name not in answer.get_data(as_text=True)
    assert field_error(answer.get_data(as_text=True), "email")  # "no member of the organisation with this e-mail"
