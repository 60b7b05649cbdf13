"""A post's hide/restore button is shown to who may use it: the moderators of the network of the post's
author, the rule the service applies, whoever wrote the thread it is in."""
from portal.extensions import db
from portal.forum import text
from portal.forum.models import ForumPost

from .forum_support import make_thread
from .helpers import csrf_token


def _buttons(client, thread_id, *posts) -> list[bool]:
    html = client.get(f"/forum/t/{thread_id}").get_data(as_text=True)
    return [f'action="/forum/p/{post.id}/modera"' in html for post in posts]


def test_each_post_has_the_button_of_its_own_moderators(login, network):
    # A thread of node N2; a reply in it by antenna A, of node N1's network.
    thread = make_thread(network.users["n2_coordinator"], network.tenants["n2"], title="Discussione del nodo due")
    first = db.session.query(ForumPost).filter_by(thread_id=thread.id).one()
    reply = ForumPost(thread_id=thread.id, author_user_id=network.users["a_operator"].id,
                      author_tenant_id=network.tenants["a"].id, body="Risposta dell'antenna", personal_data_flags=[],
                      body_html=text.render("Risposta dell'antenna"), search_text="Risposta dell'antenna", hidden=False)
    db.session.add(reply)
    thread.post_count += 1
    db.session.flush()
    n1, n2 = login("n1_coordinator"), login("n2_coordinator")
    assert _buttons(n1, thread.id, first, reply) == [False, True]
    assert _buttons(n2, thread.id, first, reply) == [True, False]
    page = f"/forum/t/{thread.id}"

    def moderate(client, post):
        return client.post(f"/forum/p/{post.id}/modera", data={"action": "hide", "csrf_token": csrf_token(client, page)})

    # The buttons not shown would be refused; the ones shown work.
    assert moderate(n1, first).status_code == 403 and moderate(n2, reply).status_code == 403
    assert moderate(n1, reply).status_code == 302 and moderate(n2, first).status_code == 302
