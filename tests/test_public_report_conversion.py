"""What a converted public report carries onto the person and the referral. The person's identity and consent
come only from a reporter who is the person discriminated against: a witness's or an organisation's name went
onto the person (special-category data about the wrong individual). The referral's text carries what the node
learnt (facts, who wrote, the thread with its answers): the report itself is erased a year after conversion."""
import pytest

from portal.extensions import db
from portal.referrals.models import Referral

from .helpers import csrf_from
from .report_support import WHAT, open_report, submit
from .test_public_reports import _report


def _convert(node, report):
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    answer = node.post(f"/segnalazioni-pubbliche/{report.id}/converti",
                       data={"csrf_token": csrf_from(page), "version": report.version})
    assert answer.status_code == 302


def _referral(network, report):
    from portal.tenancy import context

    with context.acting_as(network.tenants["n1"].id):
        referral = db.session.get(Referral, report.referral_id, populate_existing=True)
        person = referral.person
        return referral, (person.first_name, person.last_name, person.contact), referral.situation


@pytest.mark.parametrize("kind, name", [("witness", "Giulio Bianchi"), ("organisation", "Associazione Aiuto")])
def test_a_reporter_who_is_not_the_person_gives_the_person_no_identity(client, login, network, session, kind, name):
    submit(client, reporter_kind=kind, wants_contact="y", name=name, contact="011 555 1234")
    _convert(login("n1_coordinator"), _report(network))
    referral, identity, text = _referral(network, _report(network))
    assert identity == (None, None, None)
    assert referral.consent_notice_version is None and referral.consent_date is None  # theirs, not the person's
    assert f"Nome di chi scrive: {name}" in text and "Recapito di chi scrive: 011 555 1234" in text


def test_the_thread_and_the_facts_come_along_with_the_victims_identity(client, login, network, session):
    _, code = submit(client, wants_contact="y", name="Amina Haddad", contact="333 1234567", occurred_on="2026-11-02")
    node = login("n1_coordinator")
    report = _report(network)
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    assert node.post(f"/segnalazioni-pubbliche/{report.id}/messaggio", data={
        "csrf_token": csrf_from(page), "version": report.version, "body": "Quale azienda?"}).status_code == 302
    assert open_report(client, code).status_code == 302
    status = client.get("/segnala/segue/stato").get_data(as_text=True)
    answer = "Ditta RISPOSTA-5522 in via Roma 3"
    assert client.post("/segnala/segue/stato", data={"csrf_token": csrf_from(status), "body": answer}).status_code == 302
    _convert(node, _report(network))
    referral, identity, text = _referral(network, _report(network))
    assert identity == ("Amina", "Haddad", "333 1234567") and referral.consent_notice_version
    assert text.startswith(WHAT) and "Data dei fatti: 02/11/2026" in text and "Nome di chi scrive" not in text
    assert text.index("Quale azienda?") < text.index(answer)
    assert "Il nodo:\nQuale azienda?" in text and f"Chi scrive:\n{answer}" in text


def _age_access(client, seconds):
    from portal.reports.views_public import ACCESS_KEY

    with client.session_transaction() as session:
        session[ACCESS_KEY] = {**session[ACCESS_KEY], "t": session[ACCESS_KEY]["t"] - seconds}


def test_a_reply_sent_after_the_access_expired_is_kept_and_sent_with_the_code(app, client, network, session):
    """30 minutes writing a reply: the access had expired and the reply was dropped without a word. Now the code
    form comes back with the reply in it, and the code sends it; while the reporter is active the window runs
    from the last request."""
    _, code = submit(client)
    assert open_report(client, code).status_code == 302
    window = app.config.get("PUBLIC_REPORT_SESSION_MINUTES", 30) * 60
    _age_access(client, window - 60)
    page = client.get("/segnala/segue/stato")  # still open: and the window starts again from here
    assert page.status_code == 200
    _age_access(client, window - 60)
    assert client.get("/segnala/segue/stato").status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    _age_access(client, window + 1)
    reply = "Risposta scritta con calma-8841"
    expired = client.post("/segnala/segue/stato", data={"csrf_token": token, "body": reply})
    body = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "accesso alla segnalazione è scaduto" in body and reply in body
    sent = client.post("/segnala/segue", data={"csrf_token": csrf_from(body), "code": code, "body": reply})
    assert sent.status_code == 302 and "inviato=1" in sent.location
    report = _report(network)
    assert [m.body for m in report.messages] == [reply]


@pytest.mark.parametrize("address", ["victim@x.example\r\nBcc:evil@y.example", "@", "a@b.example,evil@x.example",
                                     "evil@x.example>"])
def test_a_notification_address_that_is_not_one_is_refused_on_its_field(client, network, session, address):
    """They passed a check for "@" and no space: every notice then failed, retried for nothing, unsaid."""
    response, code = submit(client, notify_email=address)
    assert code is None and response.status_code == 200
    assert "Scrivi un indirizzo e-mail valido." in response.get_data(as_text=True)
    assert WHAT in response.get_data(as_text=True)  # the report typed is kept
