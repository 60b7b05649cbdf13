"""A forum mail to another organisation's people (a reply to a thread they follow, a mention of their
organisation) is filed in the recipient's organisation's outbox, never the author's: the author's system
admin, who reads their outbox while mails are pending or failed, must not see other organisations'
addresses there."""
from sqlalchemy import select

from portal.extensions import db
from portal.forum.models import ForumSubscription, SubscriptionMode
from portal.notifications.models import Notification, OutboxMail
from portal.tenancy import context

from .forum_support import make_thread, reply


def _filed(network, model, column):
    """(value of ``column``, owning tenant key) of every row, read as each tenant."""
    out = set()
    for key, tenant in network.tenants.items():
        with context.acting_as(tenant.id):
            out |= {(value, key) for value in db.session.scalars(select(column))}
    return out


def test_reply_and_mention_mails_are_filed_with_the_recipients_organisation(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Accoglienza in comune")
    follower, mentioned = network.users["b_operator"], network.users["n2_coordinator"]
    db.session.add(ForumSubscription(user_id=follower.id, thread_id=thread.id, mode=SubscriptionMode.IMMEDIATE))
    db.session.flush()
    assert reply(login("n1_coordinator"), thread.id, "Chiediamo anche a @nodo-due").status_code == 302
    assert sorted(m["To"] for m in mailbox.wait_for(2)) == sorted([follower.email, mentioned.email])
    assert _filed(network, OutboxMail, OutboxMail.recipient) == {(follower.email, "b"), (mentioned.email, "n2")}
    # The in-app notices are where they were: each recipient's own organisation.
    assert _filed(network, Notification, Notification.user_id) == {(follower.id, "b"), (mentioned.id, "n2")}
