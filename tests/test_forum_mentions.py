"""Mentions of organisations: "@slug" links to the directory entry and e-mails the organisation's admins and
followers (title and link only); hostile input stays inert."""
import pytest
from sqlalchemy import select

from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.forum import text
from portal.forum.models import ForumPost, ForumSubscription, SubscriptionMode

from .forum_support import make_thread, reply, victim_entry
from .test_forum_posts import HOSTILE, dangers

KNOWN = {"antenna-alfa": "Antenna Alfa", "antenna-beta": "Antenna <b>Beta</b>"}


def test_known_mentions_become_links_to_the_directory():
    html, mentioned = text.render_with_mentions("Grazie @antenna-beta e @sconosciuta!", KNOWN)
    assert '<a href="/rete/o/antenna-beta"' in html and "@sconosciuta" in html and mentioned == ["antenna-beta"]
    assert 'title="Antenna &lt;b&gt;Beta&lt;/b&gt;"' in html  # the name is escaped, never markup


@pytest.mark.parametrize("source", [
    "scrivi a mario@antenna-beta.example",  # an e-mail address is not a mention
    "`@antenna-beta` nel codice",
    "    @antenna-beta in un blocco di codice",
])
def test_no_mention_where_there_is_none(source):
    assert text.render_with_mentions(source, KNOWN)[1] == []


@pytest.mark.parametrize("payload", HOSTILE + [
    "@<script>alert(1)</script>", "@antenna-beta<script>alert(1)</script>", "[@antenna-beta](javascript:alert(1))",
    "@antenna-beta\"onmouseover=alert(1)", "<a href='/rete/o/antenna-beta' onclick=alert(1)>@antenna-beta</a>",
    "@antenna-beta @antenna-beta @antenna-alfa![x](javascript:alert(1))",
])
def test_mentions_stay_nh3_safe(payload):
    html = text.render(payload, KNOWN)
    problems = [d for d in dangers(html) if "href=/rete/o/" not in d]
    assert problems == [], (payload, html)
    assert "<script" not in html.lower()  # what looks like markup outside tags is escaped text


def test_a_mention_notifies_the_organisation_by_email(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Tavolo casa")
    db.session.add(ForumSubscription(user_id=network.users["b_operator"].id, category_id=thread.category_id,
                                     mode=SubscriptionMode.DIGEST))
    db.session.flush()
    response = reply(login("a_operator"), thread.id, "Chiediamo a @antenna-beta la loro esperienza con i proprietari")
    assert response.status_code == 302
    messages = mailbox.wait_for(2)
    recipients = sorted(m["To"] for m in messages)
    # B's admin, and B's operator who follows the category; nobody of A, N1, N2 or the provider.
    assert recipients == sorted([network.users["b_admin"].email, network.users["b_operator"].email])
    for message in messages:
        body = mailbox.body(message)
        assert "Antenna Alfa" in body and "Antenna Beta" in body and f"/forum/t/{thread.id}" in body
        assert "proprietari" not in body  # never the post's text
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread.id).order_by(ForumPost.id.desc()))
    assert '<a href="/rete/o/antenna-beta"' in post.body_html


def test_a_subscriber_is_told_once(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Una sola e-mail")
    db.session.add(ForumSubscription(user_id=network.users["b_admin"].id, thread_id=thread.id,
                                     mode=SubscriptionMode.IMMEDIATE))
    db.session.flush()
    reply(login("a_operator"), thread.id, "Ne parliamo con @antenna-beta")
    messages = mailbox.wait_for(2, timeout=2)
    assert [m["To"] for m in messages] == [network.users["b_admin"].email]


def test_the_mention_link_leads_to_the_directory_entry(login, network):
    entry = victim_entry(network)
    client = login("b_operator")
    response = client.get("/rete/o/antenna-alfa")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rete/{entry.id}")
    assert client.get("/rete/o/antenna-beta").status_code == 404  # no entry yet
    assert client.get("/rete/o/nessuna").status_code == 404
    assert db.session.scalar(select(DirectoryEntry.id).where(DirectoryEntry.organisation_id == network.tenants["b"].id)) is None


def test_unknown_and_self_mentions_send_nothing(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Nessun avviso")
    reply(login("a_admin"), thread.id, "Scrivete a @nessuna-antenna o a noi, @antenna-alfa")
    messages = mailbox.wait_for(1, timeout=1)
    assert [m["To"] for m in messages] == []  # A's only admin wrote it; A's operator follows nothing


def test_an_edit_notifies_only_newly_mentioned_organisations(login, network, mailbox):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Modifiche con citazioni")
    author = login("a_operator")
    reply(author, thread.id, "Prima versione per @antenna-beta")
    assert [m["To"] for m in mailbox.wait_for(1)] == [network.users["b_admin"].email]
    mailbox.messages.clear()
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread.id).order_by(ForumPost.id.desc()))
    url = f"/forum/p/{post.id}/modifica"
    from .helpers import csrf_token

    response = author.post(url, data={"body": "Per @antenna-beta e per il @nodo-uno", "version": post.version,
                                      "csrf_token": csrf_token(author, url)})
    assert response.status_code == 302
    assert [m["To"] for m in mailbox.wait_for(1)] == [network.users["n1_coordinator"].email]


def test_a_new_thread_can_mention_too(login, network, mailbox):
    from .forum_support import publish

    response = publish(login("b_operator"), "Proposta per il nodo", "Chiediamo al @nodo-uno un incontro sul tema.")
    assert response.status_code == 302
    assert [m["To"] for m in mailbox.wait_for(1)] == [network.users["n1_coordinator"].email]
