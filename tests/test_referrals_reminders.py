"""`flask rete remind-stale`: one e-mail per stale referral to the node, not repeated within the period."""
from datetime import timedelta

from portal.models_base import utcnow
from portal.tenancy import context

from .factories import make_person, make_referral
from .referral_support import reload


def test_remind_stale_once_per_period(app, network, session, mailbox):
    a, n1 = network.tenants["a"], network.tenants["n1"]
    person = make_person(a, last_name="Attesa")
    stale = make_referral(a, network.users["a_operator"], person=person)
    stale.submitted_at = utcnow() - timedelta(days=10)
    fresh = make_referral(a, network.users["a_operator"], person=make_person(a, last_name="Recente"))
    session.flush()
    code, stale_id = person.pseudonym, stale.id

    result = app.test_cli_runner().invoke(args=["rete", "remind-stale"])
    assert result.exit_code == 0, result.output
    assert "Promemoria inviati: 1" in result.output
    messages = mailbox.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == n1.email
    body = mailbox.body(messages[0])
    assert code in body and f"/segnalazioni/{stale_id}" in body and "Attesa" not in body
    assert reload(session, a, stale).reminded_at is not None
    assert reload(session, a, fresh).reminded_at is None

    # Again at once: nothing new.
    result = app.test_cli_runner().invoke(args=["rete", "remind-stale"])
    assert "Promemoria inviati: 0" in result.output
    assert len(mailbox.wait_for(2, timeout=0.5)) == 1

    # A period later: reminded again.
    stale = reload(session, a, stale)
    with context.acting_as(a.id):
        stale.reminded_at = utcnow() - timedelta(days=8)
        session.flush()
    result = app.test_cli_runner().invoke(args=["rete", "remind-stale"])
    assert "Promemoria inviati: 1" in result.output
