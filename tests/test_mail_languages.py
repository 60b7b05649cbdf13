"""Mail in each recipient's language: a user's choice of language is kept with their account (their next sign-in
elsewhere speaks it), and what the portal mails them is composed in it, whoever's action sent it; an
organisation's mailbox reads the portal's language."""
from email.header import decode_header, make_header

from portal.accounts.models import User
from portal.extensions import db

from .helpers import csrf_token, log_in, post_form
from .referral_support import post_new, referral_by_key
from .test_referrals_lifecycle import _mail_for, _move


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _choose(client, language):
    return post_form(client, "/lingua", {"lang": language, "next": "/"}, page="/")


def test_the_language_chosen_signed_in_follows_the_account(app, login, network):
    _choose(login("a_operator"), "en")
    db.session.expire_all()
    assert db.session.get(User, network.users["a_operator"].id).locale == "en"
    elsewhere = app.test_client()
    assert log_in(elsewhere, network.users["a_operator"].email).status_code == 302
    assert '<html lang="en"' in elsewhere.get("/").get_data(as_text=True)


def test_a_choice_made_before_signing_in_is_kept_too(app, network):
    browser = app.test_client()
    browser.post("/lingua", data={"lang": "en", "next": "/accesso", "csrf_token": csrf_token(browser, "/accesso")})
    assert log_in(browser, network.users["n1_coordinator"].email).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, network.users["n1_coordinator"].id).locale == "en"


def test_each_recipient_reads_the_mail_in_their_language(login, network, session, mailbox):
    """An English-speaking operator's referral reaches the node's mailbox in Italian; the node's Italian question
    reaches the operator in English."""
    operator, coordinator = login("a_operator"), login("n1_coordinator")
    _choose(operator, "en")
    response, key = post_new(operator)
    assert response.status_code == 302
    referral = referral_by_key(session, network.tenants["a"], key)
    to_node = _mail_for(mailbox, 1)[0]
    assert to_node["To"] == network.tenants["n1"].email
    assert _subject(to_node).endswith(": Inviata al nodo") and "Per i dettagli accedi a Rete" in mailbox.body(to_node)
    assert _move(coordinator, referral, "request_info", version=referral.version, message="Serve il contratto.")\
        .status_code == 302
    to_operator = _mail_for(mailbox, 2)[1]
    assert to_operator["To"] == network.users["a_operator"].email
    assert _subject(to_operator).startswith("Rete – referral ") and "Per i dettagli" not in mailbox.body(to_operator)
    assert "is now in the state \"Information requested\"" in mailbox.body(to_operator)


def test_lazy_text_nested_and_functions_are_composed_per_recipient(app, network):
    """What the case transfer sends (a subject inside the body) and the alerts' digests (a function): composed
    once per language, each recipient's row in theirs; a mailbox in the portal's."""
    from sqlalchemy import select

    from portal.i18n import lazy_gettext as _l
    from portal.mail import send_mail
    from portal.notifications.models import OutboxMail
    from portal.tenancy import context

    english, italian = network.users["n1_coordinator"], network.users["n1_case_worker"]
    english.locale = "en"
    db.session.flush()
    subject = _l("Rete – trasferimento del caso %(code)s accolto", code="NP-2026-000001")
    body = _l("%(subject)s.\nPer i dettagli accedi a Rete: %(link)s\n", subject=subject, link="http://x/")
    calls = []

    def digest():
        calls.append(1)
        return str(_l("Le tue allerte ancora aperte:"))

    with app.test_request_context(), context.acting_as(network.tenants["n1"].id):
        send_mail([english.email, italian.email, network.tenants["n1"].email], subject, body)
        send_mail([english.email, italian.email], _l("Rete – riepilogo quotidiano del forum"), digest)
        rows = {(r.recipient, r.subject): r.body for r in db.session.scalars(select(OutboxMail))}
    assert rows[english.email, "Rete – transfer of case NP-2026-000001 accepted"].startswith(
        "Rete – transfer of case NP-2026-000001 accepted.\n")
    assert rows[italian.email, "Rete – trasferimento del caso NP-2026-000001 accolto"].endswith(
        "Per i dettagli accedi a Rete: http://x/\n")
    assert (network.tenants["n1"].email, "Rete – trasferimento del caso NP-2026-000001 accolto") in rows
    assert rows[italian.email, "Rete – riepilogo quotidiano del forum"] == "Le tue allerte ancora aperte:"
    assert rows[english.email, "Rete – daily forum digest"] != "Le tue allerte ancora aperte:"
    assert len(calls) == 2  # once per language, not per recipient


def test_signing_out_keeps_the_language(login):
    client = login("a_operator")
    _choose(client, "en")
    answer = client.post("/esci", data={"csrf_token": csrf_token(client, "/")}, follow_redirects=True)
    assert '<html lang="en"' in answer.get_data(as_text=True) and "You have signed out" in answer.get_data(as_text=True)
