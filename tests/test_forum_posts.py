"""Forum: threads, replies, Markdown cleaned by nh3 (no stored XSS), personal-data check, edit window."""
from html.parser import HTMLParser

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.forum import services, text
from portal.forum.models import ForumPost, ForumPostRevision, ForumThread
from portal.tenancy import context

from .conftest import DB_KIND
from .factories import TenantFactory, UserFactory
from .forum_support import make_thread, publish, reply

HOSTILE = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">clic</a>',
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "![img](javascript:alert(1))",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
    "<svg><script>alert(1)</script></svg>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<<script>script>alert(1)<</script>/script>",
]


class _Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML (escaped text is only text)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def dangers(html: str) -> list:
    parser = _Elements()
    parser.feed(html)
    out = []
    for tag, attrs in parser.found:
        if tag not in text.ALLOWED_TAGS:
            out.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                out.append(f"{tag}[{name}]")
            if name in ("href", "src") and not (value or "").lower().startswith(("http://", "https://", "mailto:", "#")):
                out.append(f"{tag}[{name}={value}]")
    return out


@pytest.mark.parametrize("payload", HOSTILE)
def test_render_is_inert(payload):
    html = text.render(payload)
    assert dangers(html) == [], (payload, html)


def test_markdown_is_rendered_and_links_get_rel():
    html = text.render("**forte** e [sito](https://example.org)")
    assert "<strong>forte</strong>" in html
    assert 'href="https://example.org"' in html and "noopener" in html


def test_hostile_post_is_stored_and_shown_inert(login, network):
    client = login("a_operator")
    body = "\n\n".join(HOSTILE)
    response = publish(client, "Prova di sicurezza", body)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    body_html = page.split('class="rete-post-body">', 1)[1].split("</div>", 1)[0]
    assert dangers(body_html) == []
    assert "<script>alert" not in page.lower()
    post = db.session.scalar(select(ForumPost).order_by(ForumPost.id.desc()))
    assert dangers(post.body_html) == [] and "<script" not in post.body_html


def test_thread_shows_the_authors_organisation_not_the_user(login, network):
    client = login("a_operator")
    location = publish(client, "Esperienza condivisa", "Ciao rete").headers["Location"]
    page = login("b_operator").get(location).get_data(as_text=True)
    assert network.tenants["a"].name in page
    assert network.users["a_operator"].full_name not in page
    assert network.users["a_operator"].email not in page


def test_reply_checks_personal_data_too(login, network):
    client = login("a_operator")
    thread_id = int(publish(client, "Discussione", "Testo").headers["Location"].rsplit("/", 1)[1])
    response = reply(login("b_operator"), thread_id, "Il suo numero è 0321 123456")
    assert response.status_code == 200
    assert "Confermo che il numero 0321 123456 nel testo è un recapito pubblico" in response.get_data(as_text=True)
    assert reply(login("b_operator"), thread_id, "Buona idea, grazie").status_code == 302
    assert db.session.get(ForumThread, thread_id).post_count == 2


def test_author_edits_within_window_and_history_is_kept(login, network, app):
    client = login("a_operator")
    thread_id = int(publish(client, "Da correggere", "Prima versione").headers["Location"].rsplit("/", 1)[1])
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread_id))
    from .helpers import csrf_token

    url = f"/forum/p/{post.id}/modifica"
    response = client.post(url, data={"body": "Seconda versione", "version": post.version,
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.body == "Seconda versione" and post.edited_at is not None
    assert [r.body for r in db.session.scalars(select(ForumPostRevision).where(ForumPostRevision.post_id == post.id))] == [
        "Prima versione"
    ]
    stranger = login("b_operator").get(url)  # not the author: the refusal page, not the edit form
    assert stranger.status_code == 403 and "Seconda versione" not in stranger.get_data(as_text=True)
    app.config["FORUM_EDIT_MINUTES"] = -1  # the window has passed
    try:
        late_look = client.get(url)
        assert late_look.status_code == 403 and "Seconda versione" not in late_look.get_data(as_text=True)
        # Written while the window closed: refused, the text kept on the page with the reason.
        late = client.post(url, data={"body": "Terza versione scritta con calma", "version": post.version,
                                      "csrf_token": csrf_token(client, url)})
        body = late.get_data(as_text=True)
        assert late.status_code == 403 and "Terza versione scritta con calma" in body and "è scaduto" in body
        db.session.refresh(post)
        assert post.body == "Seconda versione"
        other = login("b_operator")
        forum_page = f"/forum/t/{thread_id}"
        assert other.post(url, data={"body": "x", "csrf_token": csrf_token(other, forum_page)}).status_code == 403
    finally:
        app.config.pop("FORUM_EDIT_MINUTES")
    with context.acting_as(network.tenants["a"].id):  # the author's tenant chain (RLS applies on PostgreSQL)
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(post.id))))
    assert "forum.post.edit" in actions


@pytest.mark.skipif(DB_KIND != "postgresql", reason="two transactions side by side: PostgreSQL")
def test_replies_sent_at_once_are_each_counted(app):
    """Two replies to one thread at once, each request on its own connection: both read the count before
    either writes. Each must count, or the thread's last page (reckoned from it) hides the newest reply."""
    with app.app_context(), context.system("test"):
        tenant, user = TenantFactory(), UserFactory()
        thread_id = make_thread(user, tenant).id  # one post
        db.session.commit()
        first, second = Session(db.engine), Session(db.engine)
        try:
            mine, theirs = first.get(ForumThread, thread_id), second.get(ForumThread, thread_id)
            for session, thread in ((first, mine), (second, theirs)):
                services.count_post(thread)
                session.commit()
            assert db.session.scalar(select(ForumThread.post_count).where(ForumThread.id == thread_id)) == 3
        finally:
            first.close()
            second.close()
            db.session.execute(delete(ForumPost).where(ForumPost.thread_id == thread_id))
            db.session.execute(delete(ForumThread).where(ForumThread.id == thread_id))
            db.session.delete(user)
            db.session.delete(tenant)
            db.session.commit()
