"""Hidden forum content is read only by who may moderate it: the coordinators of its author's network. A
coordinator of another node is a reader like any other there (no page, no list entry, no file, no reply),
and a reply to a hidden thread tells its subscribers nothing (its title stays inside)."""
import io

from sqlalchemy import select

from portal.extensions import db
from portal.forum.models import ForumAttachment, ForumPost, ForumSubscription, SubscriptionMode
from portal.notifications.models import OutboxMail
from portal.tenancy import context

from .forum_support import make_thread, reply
from .helpers import csrf_token
from .test_forum_attachments import PDF

TITLE, BODY = "Discussione che il nodo nasconde", "Risposta con il verbale allegato"


def _reply_with_file(client, thread_id):
    page = f"/forum/t/{thread_id}"
    response = client.post(f"{page}/rispondi", content_type="multipart/form-data", data={
        "body": BODY, "files": (io.BytesIO(PDF), "verbale.pdf"), "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread_id).order_by(ForumPost.id.desc()))
    return post, db.session.scalar(select(ForumAttachment).where(ForumAttachment.post_id == post.id))


def _moderate(client, url, action, page):
    return client.post(url, data={"action": action, "csrf_token": csrf_token(client, page)})


def _mails_to(network, address):
    rows = []
    for tenant in network.tenants.values():
        with context.acting_as(tenant.id):
            rows += db.session.scalars(select(OutboxMail.id).where(OutboxMail.recipient == address)).all()
    return rows


def test_a_hidden_thread_is_read_by_its_networks_moderators_only(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title=TITLE)
    _post, attachment = _reply_with_file(login("a_operator"), thread.id)
    follower = network.users["b_operator"]
    db.session.add(ForumSubscription(user_id=follower.id, thread_id=thread.id, mode=SubscriptionMode.IMMEDIATE))
    db.session.flush()
    own, other = login("n1_coordinator"), login("n2_coordinator")
    page = f"/forum/t/{thread.id}"
    assert other.get(f"/forum/allegati/{attachment.id}").status_code == 200  # visible: the whole network reads it
    assert _moderate(own, f"{page}/modera", "hide", page).status_code == 302

    for reader in (other, login("b_operator")):
        assert reader.get(page).status_code == 404
        assert TITLE not in reader.get("/forum/").get_data(as_text=True)
        assert reader.get(f"/forum/allegati/{attachment.id}").status_code == 404
        assert reader.post(f"{page}/rispondi", data={"body": "Letta lo stesso",
                                                      "csrf_token": csrf_token(reader, "/forum/")}).status_code == 404
    assert TITLE in own.get(page).get_data(as_text=True) and TITLE in own.get("/forum/").get_data(as_text=True)
    assert own.get(f"/forum/allegati/{attachment.id}").status_code == 200

    mailbox.messages.clear()
    response = own.post(f"{page}/rispondi", data={"body": "Nota dei moderatori", "csrf_token": csrf_token(own, page)})
    assert response.status_code == 302
    assert mailbox.messages == [] and _mails_to(network, follower.email) == []  # no notice about a hidden thread


def test_a_hidden_post_is_read_by_its_networks_moderators_only(login, network):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Discussione visibile")
    post, attachment = _reply_with_file(login("a_operator"), thread.id)
    own, other = login("n1_coordinator"), login("n2_coordinator")
    page = f"/forum/t/{thread.id}"
    assert _moderate(own, f"/forum/p/{post.id}/modera", "hide", page).status_code == 302

    assert other.get(page).status_code == 200 and BODY not in other.get(page).get_data(as_text=True)
    assert other.get(f"/forum/allegati/{attachment.id}").status_code == 404
    assert other.post(f"/forum/p/{post.id}/segnala", data={"reason": "x", "csrf_token": csrf_token(other, page)}
                      ).status_code == 404
    assert BODY in own.get(page).get_data(as_text=True)
    assert own.get(f"/forum/allegati/{attachment.id}").status_code == 200


def test_another_networks_hidden_thread_leaves_no_title_on_the_moderators_page(login, network):
    """A coordinator's own network may have posted in a thread that another network hid: the report on that
    post and the contact it confirmed stay out of the coordinator's review page (the title would show)."""
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title=TITLE)
    other = login("n2_coordinator")
    page = f"/forum/t/{thread.id}"
    assert reply(other, thread.id, "Scriveteci a rete.nodo2@example.org", confirm=True).status_code == 302
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread.id).order_by(ForumPost.id.desc()))
    reader = login("b_operator")
    assert reader.post(f"/forum/p/{post.id}/segnala", data={"reason": "Recapito privato",
                                                            "csrf_token": csrf_token(reader, page)}).status_code == 302
    before = other.get("/forum/segnalazioni").get_data(as_text=True)
    assert before.count(TITLE) == 2  # the report and the confirmed contact, while the thread is visible

    own = login("n1_coordinator")
    assert _moderate(own, f"{page}/modera", "hide", page).status_code == 302
    assert TITLE not in other.get("/forum/segnalazioni").get_data(as_text=True)
    assert own.get("/forum/segnalazioni").status_code == 200
