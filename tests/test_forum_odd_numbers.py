"""Numbers the forum and the groups read from a form that are not plain ones ("²" and other characters
``isdigit`` accepts but ``int`` refuses, a run of digits no database integer holds) are ignored or refused
with a 4xx, never a 500."""
import pytest

from portal.extensions import db
from portal.forum.models import ForumPost

from .forum_support import make_thread, victim_group
from .helpers import csrf_token

ODD = ["²", "99999999999999999999", "-1", "sette"]


@pytest.mark.parametrize("pending", ODD)
def test_a_reply_ignores_odd_waiting_file_ids(login, network, pending):
    thread = make_thread(network.users["a_operator"], network.tenants["a"])
    client, page = login("b_operator"), f"/forum/t/{thread.id}"
    response = client.post(f"{page}/rispondi", data={"body": "Una risposta qualunque", "pending": pending,
                                                     "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert db.session.query(ForumPost).filter_by(thread_id=thread.id).count() == 2


@pytest.mark.parametrize("category_id", ODD)
def test_moving_a_thread_to_an_odd_category_is_a_400(login, network, category_id):
    thread = make_thread(network.users["a_operator"], network.tenants["a"])
    client, page = login("n1_coordinator"), f"/forum/t/{thread.id}"
    response = client.post(f"{page}/modera", data={"action": "move", "category_id": category_id,
                                                   "csrf_token": csrf_token(client, page)})
    assert response.status_code == 400


def test_a_groups_odd_member_ids_are_ignored(network):
    from portal.governance import services

    group = victim_group(network)
    a = network.tenants["a"]
    assert services._set_members(group, [*ODD, str(a.id)]) is True  # only antenna A stays (N1 goes)
    db.session.flush()
    assert [m.tenant_id for m in group.members] == [a.id]
