"""The forum's two-way buttons take only their two values: anything else (a hand-made request) is a 400 with a
message, never read as the second one (an unknown validation action withdrew the validation, an unknown
subscription action subscribed)."""
from sqlalchemy import select

from portal.extensions import db
from portal.forum.models import ForumSubscription, ForumThread

from .forum_support import victim_thread
from .helpers import csrf_token


def _validated(thread_id) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(ForumThread.validated_at).where(ForumThread.id == thread_id)) is not None


def test_an_unknown_validation_action_is_refused_and_changes_nothing(login, network):
    thread = victim_thread(network)
    coord = login("n1_coordinator")
    url = f"/forum/t/{thread.id}/valida"
    token = csrf_token(coord, f"/forum/t/{thread.id}")
    assert coord.post(url, data={"csrf_token": token, "action": "validate"}).status_code == 302
    assert _validated(thread.id)
    refused = coord.post(url, data={"csrf_token": token, "action": "abc"})
    assert refused.status_code == 400
    assert "Azione di moderazione non prevista." in refused.get_data(as_text=True)
    assert _validated(thread.id)
    assert coord.post(url, data={"csrf_token": token, "action": "unvalidate"}).status_code == 302
    assert not _validated(thread.id)


def test_an_unknown_subscription_action_is_refused_and_subscribes_nothing(login, network):
    thread = victim_thread(network)
    client = login("b_operator")
    token = csrf_token(client, "/forum/iscrizioni")
    refused = client.post("/forum/iscrizioni", data={"csrf_token": token, "thread_id": thread.id, "action": "abc",
                                                     "mode": "immediate"})
    assert refused.status_code == 400
    assert "Azione non prevista" in refused.get_data(as_text=True)
    mine = select(ForumSubscription).where(ForumSubscription.user_id == network.users["b_operator"].id)
    assert db.session.scalar(mine) is None
    ok = client.post("/forum/iscrizioni", data={"csrf_token": token, "thread_id": thread.id, "mode": "immediate"})
    assert ok.status_code == 302  # no action: a subscription, as the forum's category button sends it
    assert db.session.scalar(mine) is not None
