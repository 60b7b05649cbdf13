"""The DPO's access log in Italian (labels, not codes; repeated reads collapse) and the art. 15 export
as a readable, printable page next to the JSON, with the attachments' list."""
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from portal.audit.labels import ACTION_LABELS, action_label, field_label
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.people.access_log import readable
from portal.tenancy import context

from .helpers import csrf_from
from .network import VICTIM_LAST_NAME, VICTIM_TAX_CODE
from .referral_support import victim_attachment
from .test_people_dpo import open_request


def test_the_log_reads_in_italian_and_repeated_views_collapse(login, network):
    operator = login("a_operator")
    for _ in range(3):
        assert operator.get(f"/persone/{network.person.id}").status_code == 200
    with context.acting_as(network.tenants["n1"].id):
        record("case.record_export_xlsx", "case", network.case.id, [])
    html = login("n1_dpo").get(f"/persone/{network.person.id}/accessi").get_data(as_text=True)
    assert html.count("ha visualizzato la scheda") == 1 and "3 volte in un minuto" in html
    assert f"ha esportato la scheda in Excel – presa in carico n. {network.case.id}" in html
    assert "Cittadinanza, Disabilità" in html and "Codice pseudonimo" in html  # the fields, by label
    assert "person.viewed" not in html and "case.record_export_xlsx" not in html and "pseudonym" not in html


def test_the_log_is_translated(login, network):
    login("a_operator").get(f"/persone/{network.person.id}")
    dpo = login("n1_dpo")
    token = csrf_from(dpo.get("/profilo/password").get_data(as_text=True))
    dpo.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": token})
    html = dpo.get(f"/persone/{network.person.id}/accessi").get_data(as_text=True)
    assert "viewed the record" in html and "ha visualizzato la scheda" not in html
    assert "Pseudonym" in html and "ha visualizzato" not in html


def _row(action, at, user_id=1, object_id="7", fields=("pseudonym",)):
    event = SimpleNamespace(action=action, at=at, actor_user_id=user_id, object_type="person", object_id=object_id,
                            fields=list(fields))
    return event, SimpleNamespace(id=user_id, full_name=f"U{user_id}"), None


def test_only_reads_by_the_same_user_within_a_minute_collapse():
    t = datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC)
    rows = [  # newest first, as the log reads
        _row("person.viewed", t), _row("person.viewed", t - timedelta(seconds=20)),
        _row("person.viewed", t - timedelta(seconds=50)),
        _row("person.viewed", t - timedelta(seconds=75)),  # over a minute after the newest: a new line
        _row("person.viewed", t - timedelta(seconds=80), user_id=2),  # another user
        _row("person.viewed", t - timedelta(seconds=81), object_id="8"),  # another person
        _row("person.rectified", t - timedelta(seconds=82), fields=["last_name"]),
        _row("person.rectified", t - timedelta(seconds=83), fields=["last_name"]),  # changes never collapse
    ]
    lines = readable(rows)
    assert [line.count for line in lines] == [3, 1, 1, 1, 1, 1]
    assert lines[0].first_at == t - timedelta(seconds=50) and lines[0].at == t
    assert lines[-1].description == "ha rettificato i dati" and lines[-1].fields == ["Cognome"]


def test_labels_cover_the_codes_the_log_shows(app):
    with app.test_request_context():
        assert action_label("person.identity_read", ["search", "tax_code"]).startswith("ha trovato la persona")
        assert action_label("qualcosa.di_nuovo") == "qualcosa.di_nuovo"  # an unknown code is shown, never hidden
        assert field_label("referral.situation") == "Segnalazione: Situazione"
        assert field_label("tax_code") == "Codice fiscale"
    # Every action written about a person, a referral or a case has a label.
    for code in ("person.viewed", "person.identity_read", "person.exported", "person.exported_html",
                 "referral.read", "referral.attachment_read", "case.read", "case.record_read",
                 "case.record_export_csv", "case.record_export_xlsx", "data_subject_request.opened"):
        assert code in ACTION_LABELS, code


def test_the_export_has_a_printable_version_with_the_attachments_list(login, network, session):
    attachment = victim_attachment(network)
    dpo = login("n1_dpo")
    assert dpo.get(f"/persone/{network.person.id}/esporta/stampa").status_code == 403  # no open access request
    open_request(dpo, network.person, "access", reference="PROT-77")
    page = dpo.get(f"/persone/{network.person.id}/richieste").get_data(as_text=True)
    assert f"/persone/{network.person.id}/esporta/stampa" in page and f"/persone/{network.person.id}/esporta\"" in page

    response = dpo.get(f"/persone/{network.person.id}/esporta/stampa")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "I dati personali che trattiamo su di lei" in html and "PROT-77" in html
    assert VICTIM_LAST_NAME in html and VICTIM_TAX_CODE in html
    assert attachment.filename in html and f"{attachment.size} byte" in html and "Allegati" in html  # i18n.format_size
    assert "Inviata" in html and "Lavoro" in html  # state and context by label
    assert ">submitted<" not in html and ">work<" not in html  # never the codes
    assert "Chi ha avuto accesso ai suoi dati" in html

    data = json.loads(dpo.get(f"/persone/{network.person.id}/esporta").get_data(as_text=True))
    [referral] = data["referrals"]
    [listed] = referral["attachments"]
    assert listed["filename"] == attachment.filename and listed["size"] == attachment.size
    assert listed["uploaded_at"] and set(listed) == {"filename", "content_type", "size", "uploaded_at"}
    assert any(a["description"] == "ha esportato i dati della persona (versione stampabile)" for a in data["accesses"])
    with context.acting_as(network.tenants["n1"].id):
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(network.person.id))))
    assert "person.exported_html" in actions and "person.exported" in actions


def test_the_audit_log_page_shows_labels_too(login, network):
    login("a_operator").get(f"/persone/{network.person.id}/identita")
    html = login("n1_dpo").get("/registro-accessi/").get_data(as_text=True)
    assert "ha letto i dati identificativi" in html and "person.identity_read" in html  # label, code beside it
    assert "Codice fiscale" in html and "tax_code" not in html


def test_the_export_as_pdf(login, network, session):
    from portal.people.models import Person

    with context.acting_as(network.tenants["a"].id):
        person = session.get(Person, network.person.id)
        person.first_name = "Łukasz Ștefan"  # letters beyond Latin-1 print as typed (an embedded font)
        session.flush()
    victim_attachment(network)
    dpo = login("n1_dpo")
    assert dpo.get(f"/persone/{network.person.id}/esporta.pdf").status_code == 403
    open_request(dpo, network.person, "access")
    response = dpo.get(f"/persone/{network.person.id}/esporta.pdf")
    body = response.get_data()
    assert response.status_code == 200 and response.mimetype == "application/pdf" and body.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "no-store" and "attachment" in response.headers["Content-Disposition"]
    assert len(body) > 2000
    assert b"/FontFile2" in body and b"Titillium" in body  # the font is embedded (subset), not a core font
    with context.acting_as(network.tenants["n1"].id):
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "person.exported_pdf"))


def test_the_log_includes_the_identity_grants_of_the_person(login, network):
    """Grants hang off the person in the budget domain (``person_objects`` signal): their events show."""
    from portal.audit.labels import object_label

    from .budget_support import make_grant

    grant = make_grant(network.case, network.tenants["p"])
    with context.acting_as(network.tenants["n1"].id):
        record("identity_grant.revoked", "identity_grant", grant.id, ["revoke_reason"])
    html = login("n1_dpo").get(f"/persone/{network.person.id}/accessi").get_data(as_text=True)
    assert f"{object_label('identity_grant')} n. {grant.id}" in html
