"""The thread page stays cheap: a bounded number of statements that does not grow with posts or files, and
no write when the reader has already seen every post."""
from sqlalchemy import select

from portal.extensions import db
from portal.forum import text
from portal.forum.models import ForumAttachment, ForumPost, ForumReadMarker

from .forum_support import make_thread


def _add_posts(thread, author, tenant, n, with_files=False):
    for i in range(n):
        post = ForumPost(thread_id=thread.id, author_user_id=author.id, author_tenant_id=tenant.id, body=f"Risposta {i}",
                         body_html=text.render(f"Risposta {i}"), search_text=f"Risposta {i}", personal_data_flags=[],
                         hidden=False, has_attachments=with_files)
        db.session.add(post)
        db.session.flush()
        if with_files:
            db.session.add(ForumAttachment(post_id=post.id, filename=f"f{i}.pdf", content_type="application/pdf", size=10,
                                           storage_key=f"k{thread.id}-{i}", sha256="0" * 64, uploaded_by_id=author.id))
    thread.post_count += n
    db.session.flush()


def _statements(count_queries, client, url):
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return [s for s in counter.statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]


def test_statements_do_not_grow_with_posts_or_files(login, network, count_queries):
    author, tenant = network.users["a_operator"], network.tenants["a"]
    small = make_thread(author, tenant, title="Poche risposte")
    big = make_thread(author, tenant, title="Molte risposte")
    _add_posts(big, author, tenant, 45, with_files=True)
    client = login("b_operator")
    client.get(f"/forum/t/{small.id}")
    client.get(f"/forum/t/{big.id}")
    few = _statements(count_queries, client, f"/forum/t/{small.id}")
    many = _statements(count_queries, client, f"/forum/t/{big.id}?pagina=2")
    assert len(many) == len(few) + 1  # the page's files, in one query
    assert len(many) <= 7, many
    page = client.get(f"/forum/t/{big.id}?pagina=2").get_data(as_text=True)
    assert page.count("/forum/allegati/") == 20 and page.count('action="/forum/p/') == 20


def test_reading_again_writes_nothing(login, network, count_queries):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Già letta")
    client = login("b_operator")
    client.get(f"/forum/t/{thread.id}")  # first visit: the read marker is created
    marker = db.session.scalar(select(ForumReadMarker).where(ForumReadMarker.thread_id == thread.id))
    assert marker is not None
    statements = _statements(count_queries, client, f"/forum/t/{thread.id}")
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))], statements
    # A new post makes it unread again; the next visit moves the marker.
    from .forum_support import reply

    reply(login("a_operator"), thread.id, "Novità")
    index = client.get("/forum/").get_data(as_text=True)
    assert "Nuovo" in index
    statements = _statements(count_queries, client, f"/forum/t/{thread.id}")
    assert [s for s in statements if s.lstrip().upper().startswith("UPDATE FORUM_READ_MARKERS")]
