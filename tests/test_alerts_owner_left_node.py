"""An alert's owner who no longer works in the node (membership deactivated, account still active, e.g.
still at another tenant) is no owner for the e-mails: nothing goes to them, the coordinators get the alert."""
from portal.accounts.models import Membership
from portal.alerts.jobs import digest_all, evaluate_node
from portal.extensions import db
from portal.tenancy import context

from .test_alerts_mail import _by_recipient, _people


def _leave_the_node(net, key):
    with context.acting_as(net.tenants["n1"].id):
        membership = db.session.get(Membership, net.memberships[key].id)
        membership.active = False
        db.session.flush()


def test_a_case_worker_who_left_gets_no_alert_mail_and_the_coordinators_do(app, network, mailbox):
    users, pseudonym = _people(network), network.case.pseudonym
    worker, coordinator = users["n1_case_worker"][0], users["n1_coordinator"][0]
    _leave_the_node(network, "n1_case_worker")

    counts = evaluate_node(network.tenants["n1"].id)  # the case's action is overdue: its case worker's alert
    assert counts["opened"] == 1 and counts["emails"] == 1
    messages = _by_recipient(mailbox, 1)
    assert list(messages) == [coordinator]
    assert pseudonym in mailbox.body(messages[coordinator])

    mailbox.messages.clear()
    with app.app_context():
        sent = digest_all()
    messages = _by_recipient(mailbox, sent)
    assert worker not in messages
    body = mailbox.body(messages[coordinator])
    unowned = body.split("Senza case manager", 1)[1]  # listed with the alerts nobody owns
    assert pseudonym in unowned and "Azione pianificata scaduta" in unowned
