"""Subscriptions: real e-mail on a reply, the daily digest CLI, unread markers; nothing per-user leaks."""
from sqlalchemy import select

from portal.extensions import db
from portal.forum.models import ForumSubscription, SubscriptionMode

from .forum_support import category, make_thread, reply
from .helpers import csrf_token


def _subscribe(client, **data):
    token = csrf_token(client, "/forum/iscrizioni")
    return client.post("/forum/iscrizioni", data={"action": "subscribe", "mode": "immediate", **data, "csrf_token": token})


def test_reply_notifies_subscribers_by_email(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Calendario degli incontri")
    subscriber = login("b_operator")
    assert _subscribe(subscriber, thread_id=thread.id).status_code == 302
    assert "Calendario degli incontri" in subscriber.get("/forum/iscrizioni").get_data(as_text=True)
    assert reply(login("a_operator"), thread.id, "Proposta: il primo martedì del mese").status_code == 302
    message = mailbox.wait_for(1)[0]
    assert message["To"] == network.users["b_operator"].email
    assert "Calendario degli incontri" in message["Subject"]
    body = mailbox.body(message)
    assert f"/forum/t/{thread.id}" in body and "primo martedì" not in body  # a link, never the post text


def test_the_author_is_not_notified_of_their_own_reply(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Solo mia")
    author = login("b_operator")
    _subscribe(author, thread_id=thread.id)
    reply(author, thread.id, "Mi rispondo da sola")
    assert mailbox.messages == []


def test_subscriptions_are_per_user(login, network):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Segreto di iscrizione")
    _subscribe(login("b_operator"), thread_id=thread.id)
    assert "Segreto di iscrizione" not in login("a_admin").get("/forum/iscrizioni").get_data(as_text=True)
    rows = db.session.scalars(select(ForumSubscription)).all()
    assert [r.user_id for r in rows] == [network.users["b_operator"].id]


def test_digest_cli_sends_one_mail_per_subscriber(app, login, network, mailbox):
    cat = category("lavoro")
    client = login("b_admin")
    assert _subscribe(client, category_id=cat.id, mode="digest").status_code == 302
    make_thread(network.users["a_operator"], network.tenants["a"], title="Novità sul lavoro", slug="lavoro")
    from portal.forum.notify import send_digest
    from portal.tenancy import context

    with app.app_context(), context.system("test digest"):
        assert send_digest() == 1
        assert send_digest() == 0  # nothing new since the last digest
        db.session.commit()  # as the command does: the outbox sends what was committed
    message = mailbox.wait_for(1)[0]
    assert message["To"] == network.users["b_admin"].email and "Novità sul lavoro" in mailbox.body(message)
    sub = db.session.scalar(select(ForumSubscription).where(ForumSubscription.user_id == network.users["b_admin"].id))
    assert sub.mode == SubscriptionMode.DIGEST


def test_digest_command_is_registered(app):
    result = app.test_cli_runner().invoke(args=["rete", "forum-digest", "--help"])
    assert result.exit_code == 0 and "digest" in result.output.lower()


def test_unread_marker(login, network):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Da leggere")
    client = login("b_operator")
    assert "Nuovo" in client.get("/forum/").get_data(as_text=True)
    client.get(f"/forum/t/{thread.id}")
    index = client.get("/forum/").get_data(as_text=True)
    row = index.split("Da leggere", 1)[1].split("</li>", 1)[0]
    assert "Nuovo" not in row
