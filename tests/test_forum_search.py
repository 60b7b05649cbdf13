"""Full-text search in Italian (PostgreSQL tsvector 'italian' / SQLite FTS5 with a crude stem), htmx and plain."""
from portal.extensions import db
from portal.forum import text

from .forum_support import make_thread


def test_fts5_query_uses_prefix_of_a_crude_stem():
    assert text.fts5_query("Discriminazioni sul lavoro") == '"discriminazion"* "lavor"*'
    assert text.fts5_query("  ") == ""


def test_a_different_inflection_finds_the_post(login, network):
    make_thread(network.users["a_operator"], network.tenants["a"], title="Sportello contro la discriminazione",
                body="Abbiamo aperto uno sportello di ascolto per le lavoratrici.")
    make_thread(network.users["a_operator"], network.tenants["a"], title="Altro", body="Niente a che vedere.")
    client = login("b_operator")
    page = client.get("/forum/cerca?q=discriminazioni").get_data(as_text=True)
    assert "Sportello contro la discriminazione" in page and "Altro</a>" not in page
    assert "<html" in page  # the plain form gets a whole page
    page = client.get("/forum/cerca?q=lavoratrice", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Sportello contro la discriminazione" in page and "<html" not in page  # htmx gets the results only


def test_hidden_posts_are_not_found(login, network):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Mediazione abitativa nascosta")
    thread.hidden = True
    db.session.flush()
    page = login("b_operator").get("/forum/cerca?q=mediazione").get_data(as_text=True)
    assert "Mediazione abitativa nascosta" not in page


def test_search_treats_operators_as_words(login, network):
    client = login("b_operator")
    for q in ['"', "NEAR(a b)", "a* OR -b", "'); DROP TABLE forum_posts; --", "ç ñ ü"]:
        assert client.get("/forum/cerca", query_string={"q": q}).status_code == 200


def test_thread_and_search_pages_have_bounded_queries(login, network, count_queries):
    from portal.forum.models import ForumPost

    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Lunga discussione sull'inclusione")
    for i in range(45):
        db.session.add(ForumPost(thread_id=thread.id, author_user_id=network.users["b_operator"].id,
                                 author_tenant_id=network.tenants["b"].id, body=f"Risposta {i}", body_html=f"<p>Risposta {i}</p>",
                                 search_text=f"Risposta {i} inclusione", personal_data_flags=[], hidden=False))
    thread.post_count = 46
    db.session.flush()
    client = login("b_operator")
    client.get(f"/forum/t/{thread.id}")
    for path in (f"/forum/t/{thread.id}", f"/forum/t/{thread.id}?pagina=3", "/forum/cerca?q=inclusioni"):
        with count_queries() as counter:
            page = client.get(path).get_data(as_text=True)
        assert "Risposta" in page
        assert counter.count <= 12, (path, counter.statements)
