"""Forum forms sent again or grown stale: a new discussion or a reply posted twice (a double click, the page sent
again) is published, stored and notified once; a reply to a discussion closed while it was written is refused on
the thread page with its text kept and its files not left behind; an edit saved in another tab meanwhile is a
conflict, never overwritten."""
import io
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.forum import services
from portal.forum.models import (
    ForumAttachment,
    ForumPost,
    ForumPostRevision,
    ForumSubscription,
    ForumThread,
    SubscriptionMode,
)
from portal.notifications.models import OutboxMail
from portal.tenancy import context

from .forum_support import category, make_thread, publish
from .helpers import csrf_from, csrf_token, field_error

KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"')
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati" / "forum"


def _stored(storage) -> int:
    return len(list(storage.iterdir())) if storage.exists() else 0


def _form(client, url) -> tuple[str, str]:
    """The key and the CSRF token of the form a page shows."""
    page = client.get(url).get_data(as_text=True)
    return KEY.search(page).group(1), csrf_from(page)


def _uploads(user) -> int:
    return db.session.scalar(select(func.count(ForumAttachment.id)).where(ForumAttachment.uploaded_by_id == user.id))


def test_a_new_discussion_sent_twice_is_published_once_with_its_file_once(login, network, storage, monkeypatch):
    client = login("a_operator")
    key, token = _form(client, "/forum/nuova")

    def send():
        return client.post("/forum/nuova", content_type="multipart/form-data", data={
            "category": str(category().id), "title": "Una volta sola", "body": "Testo della discussione",
            "submission_key": key, "csrf_token": token, "files": [(io.BytesIO(PDF), "modulo.pdf")]})

    first = send()
    assert first.status_code == 302
    again = send()
    assert again.status_code == 302 and again.location == first.location  # to the discussion, as the first
    assert "Questa discussione era già stata pubblicata." in client.get(again.location).get_data(as_text=True)
    # Sent at the same instant: the second does not see the first yet; the unique key refuses it.
    monkeypatch.setattr(services, "thread_by_key", lambda key: None)
    raced = send()
    assert raced.status_code == 409 and "Questa discussione era già stata pubblicata." in raced.get_data(as_text=True)
    threads = db.session.scalars(select(ForumThread).where(ForumThread.title == "Una volta sola")).all()
    assert len(threads) == 1 and threads[0].post_count == 1
    assert _uploads(network.users["a_operator"]) == 1 and _stored(storage) == 1
    # A new form (a new key) is a new discussion.
    assert publish(client, "Una volta sola", "Di nuovo, di proposito").status_code == 302


def test_a_reply_sent_twice_is_published_and_notified_once(login, network, mailbox, monkeypatch):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Orari dello sportello")
    follower = network.users["b_operator"]
    db.session.add(ForumSubscription(user_id=follower.id, thread_id=thread.id, mode=SubscriptionMode.IMMEDIATE))
    db.session.flush()
    author = login("n1_coordinator")
    key, token = _form(author, f"/forum/t/{thread.id}")
    url, data = f"/forum/t/{thread.id}/rispondi", {"body": "Il martedì mattina", "submission_key": key, "csrf_token": token}
    first, again = author.post(url, data=data), author.post(url, data=data)
    assert first.status_code == again.status_code == 302 and again.location == first.location
    assert "Questa risposta era già stata pubblicata." in author.get(again.location).get_data(as_text=True)
    monkeypatch.setattr(services, "reply_by_key", lambda thread, key: None)  # the same instant
    raced = author.post(url, data=data)
    assert raced.status_code == 409 and "Questa risposta era già stata pubblicata." in raced.get_data(as_text=True)
    bodies = db.session.scalars(select(ForumPost.body).where(ForumPost.thread_id == thread.id).order_by(ForumPost.id))
    assert list(bodies) == ["Testo di prova", "Il martedì mattina"]
    db.session.refresh(thread)
    assert thread.post_count == 2
    with context.acting_as(network.tenants["b"].id):  # the follower's organisation files the mail
        mails = db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.recipient == follower.email))
    assert mails == 1


def test_a_reply_to_a_discussion_closed_meanwhile_keeps_its_text_and_leaves_no_file(login, network, storage):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Si chiude presto")
    page = f"/forum/t/{thread.id}"
    writer = login("b_operator")
    key, token = _form(writer, page)
    coordinator = login("n1_coordinator")  # closes the discussion while the reply is written
    assert coordinator.post(f"{page}/modera", data={"action": "lock", "csrf_token": csrf_token(coordinator, page)}
                            ).status_code == 302
    text = "Una risposta lunga, scritta con calma"
    response = writer.post(f"{page}/rispondi", content_type="multipart/form-data", data={
        "body": text, "submission_key": key, "csrf_token": token, "files": [(io.BytesIO(PDF), "orari.pdf")]})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert text in html and field_error(html, "body") == "La discussione è chiusa: non si può rispondere."
    assert "orari.pdf" not in html  # nothing offered for a reply that cannot be published
    assert _uploads(network.users["b_operator"]) == 0 and _stored(storage) == 0
    db.session.refresh(thread)
    assert thread.post_count == 1


def test_an_edit_saved_in_another_tab_meanwhile_is_a_conflict(login, network):
    client = login("a_operator")
    thread_id = int(publish(client, "Due schede aperte", "Prima versione").headers["Location"].rsplit("/", 1)[1])
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread_id))
    url = f"/forum/p/{post.id}/modifica"
    tab_a, tab_b = client.get(url).get_data(as_text=True), client.get(url).get_data(as_text=True)

    def save(tab, body):
        return client.post(url, data={"body": body, "version": VERSION.search(tab).group(1), "csrf_token": csrf_from(tab)})

    assert save(tab_a, "Versione A").status_code == 302
    conflict = save(tab_b, "Versione B")
    assert conflict.status_code == 409 and "Versione B" in conflict.get_data(as_text=True)  # kept, to copy
    db.session.refresh(post)
    assert post.body == "Versione A"
    revisions = db.session.scalars(select(ForumPostRevision.body).where(ForumPostRevision.post_id == post.id))
    assert list(revisions) == ["Prima versione"]
    # The edit page opened again shows the new version: saving from it goes through.
    assert save(client.get(url).get_data(as_text=True), "Versione B").status_code == 302
