"""Good-practice cards, validation by the node, the validated list; moderation (audited); reports."""
import re

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.forum.models import ForumPost, ForumThread, ThreadKind
from portal.tenancy import context

from .forum_support import make_thread, publish
from .helpers import csrf_token

CARD = {
    "ground": "disability", "problem": "Le piccole imprese non sanno accogliere", "target_group": "Giovani",
    "intervention": "Tutor in azienda", "partners": "Consorzio", "resources": "Due tutor",
    "results": "5 contratti", "contacts": "Sportello lavoro",
}


def _actions(object_id, network) -> set[str]:
    """Audit actions on the object, in the chains of the node and of antennas A and B (RLS on PostgreSQL)."""
    out = set()
    for key in ("n1", "a", "b"):
        with context.acting_as(network.tenants[key].id):
            out |= set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(object_id))))
    return out


def _post(client, url, data, page):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)})


def test_card_is_published_validated_by_the_node_and_listed(login, network):
    client = login("a_operator")
    response = publish(client, "Tirocini accompagnati", "Descrizione", practice=CARD, category_slug="lavoro")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    thread = db.session.scalar(select(ForumThread).where(ForumThread.title == "Tirocini accompagnati"))
    assert thread.kind == ThreadKind.PRACTICE and thread.problem == CARD["problem"] and thread.ground == "disability"
    page = client.get(f"/forum/t/{thread.id}").get_data(as_text=True)
    assert "Tutor in azienda" in page and "Valida come buona prassi" not in page
    assert "Tirocini accompagnati" not in client.get("/forum/buone-prassi").get_data(as_text=True)

    # An antenna cannot validate; the coordinator of another node cannot either.
    assert _post(client, f"/forum/t/{thread.id}/valida", {}, f"/forum/t/{thread.id}").status_code == 403
    other = login("n2_coordinator")
    assert _post(other, f"/forum/t/{thread.id}/valida", {}, f"/forum/t/{thread.id}").status_code == 403

    coordinator = login("n1_coordinator")
    assert "Valida come buona prassi" in coordinator.get(f"/forum/t/{thread.id}").get_data(as_text=True)
    assert _post(coordinator, f"/forum/t/{thread.id}/valida", {"action": "validate"}, f"/forum/t/{thread.id}").status_code == 302
    db.session.refresh(thread)
    assert thread.validated_at is not None
    assert "forum.practice.validate" in _actions(thread.id, network)

    listing = login("b_operator").get("/forum/buone-prassi").get_data(as_text=True)
    assert "Tirocini accompagnati" in listing
    assert "Tirocini accompagnati" in client.get("/forum/buone-prassi?motivo=disability").get_data(as_text=True)
    assert "Tirocini accompagnati" not in client.get("/forum/buone-prassi?motivo=age").get_data(as_text=True)


def test_practice_fields_are_required(login, network):
    response = publish(login("a_operator"), "Scheda vuota", "Testo", practice={"problem": ""})
    assert response.status_code == 200
    assert db.session.scalar(select(ForumThread).where(ForumThread.title == "Scheda vuota")) is None


def test_moderator_hides_locks_moves_and_restores_audited(login, network):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Da moderare")
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread.id))
    page = f"/forum/t/{thread.id}"
    reader = login("b_operator")

    # A refused report says why: an empty reason, one too long (the box's maxlength bypassed).
    for data, told in (({"reason": ""}, "Indica il motivo della segnalazione."), ({"reason": "x" * 501}, "500")):
        refused = reader.post(f"/forum/p/{post.id}/segnala", data={"csrf_token": csrf_token(reader, page), **data},
                              follow_redirects=True)
        assert told in refused.get_data(as_text=True), data
    # A user reports the post; the moderator sees it in the queue.
    assert _post(reader, f"/forum/p/{post.id}/segnala", {"reason": "Contiene dati"}, page).status_code == 302
    coordinator = login("n1_coordinator")
    assert "Da moderare" in coordinator.get("/forum/segnalazioni").get_data(as_text=True)
    assert login("a_admin").get("/forum/segnalazioni").status_code == 403

    # Non-moderators cannot moderate.
    assert _post(reader, f"/forum/p/{post.id}/modera", {"action": "hide"}, page).status_code == 403
    assert _post(reader, f"/forum/t/{thread.id}/modera", {"action": "lock"}, page).status_code == 403

    # An action no button sends, or validating a discussion as a practice: a 400 that says so.
    unknown = _post(coordinator, f"/forum/p/{post.id}/modera", {"action": "delete"}, page)
    assert unknown.status_code == 400 and "Azione di moderazione non prevista" in unknown.get_data(as_text=True)
    discussion = make_thread(network.users["a_operator"], network.tenants["a"], title="Solo una discussione")
    refused = _post(coordinator, f"/forum/t/{discussion.id}/valida", {"action": "validate"}, page)
    assert refused.status_code == 400 and "Solo una scheda di buona prassi" in refused.get_data(as_text=True)

    assert _post(coordinator, f"/forum/p/{post.id}/modera", {"action": "hide"}, page).status_code == 302
    db.session.refresh(post)
    assert post.hidden
    assert "Testo di prova" not in reader.get(page).get_data(as_text=True)
    assert "Da moderare" not in coordinator.get("/forum/segnalazioni").get_data(as_text=True)  # resolved
    assert _post(coordinator, f"/forum/p/{post.id}/modera", {"action": "restore"}, page).status_code == 302

    assert _post(coordinator, f"/forum/t/{thread.id}/modera", {"action": "lock"}, page).status_code == 302
    response = _post(reader, f"/forum/t/{thread.id}/rispondi", {"body": "Risposta"}, page)
    # refused on the thread page, the text kept (tests/test_forum_repeated_and_stale_forms.py)
    assert response.status_code == 409 and "chiusa" in response.get_data(as_text=True)
    db.session.refresh(thread)
    assert thread.locked and thread.post_count == 1

    target = db.session.scalar(select(ForumThread.category_id).where(ForumThread.id == thread.id))
    from .forum_support import category

    lavoro = category("lavoro")
    assert _post(coordinator, f"/forum/t/{thread.id}/modera", {"action": "move", "category_id": lavoro.id}, page).status_code == 302
    db.session.refresh(thread)
    assert thread.category_id == lavoro.id != target

    assert _post(coordinator, f"/forum/t/{thread.id}/modera", {"action": "hide"}, page).status_code == 302
    assert reader.get(page).status_code == 404
    assert coordinator.get(page).status_code == 200
    assert _post(coordinator, f"/forum/t/{thread.id}/modera", {"action": "restore"}, page).status_code == 302
    assert reader.get(page).status_code == 200

    assert {"forum.post.report", "forum.post.hide", "forum.post.restore"} <= _actions(post.id, network)
    assert {"forum.thread.lock", "forum.thread.move", "forum.thread.hide", "forum.thread.restore"} <= _actions(thread.id, network)


def test_forum_index_lists_threads_with_bounded_queries(login, network, count_queries):
    for i in range(30):
        make_thread(network.users["a_operator"], network.tenants["a"], title=f"Discussione {i:02d}")
    client = login("b_operator")
    client.get("/forum/")
    with count_queries() as counter:
        page = client.get("/forum/").get_data(as_text=True)
    assert "Discussione 29" in page and "Pagina successiva" in page
    assert counter.count <= 12, counter.statements


def test_the_error_summary_names_a_practice_s_description_as_its_field_does(login, network):
    # A keyboard or screen-reader user follows the summary's link to the field: the two must say the same name
    # (the field was labelled "Descrizione" in the page only; the summary said "Testo").
    html = publish(login("a_operator"), "Scheda senza descrizione", "", practice=CARD).get_data(as_text=True)
    assert '<a href="#body">Descrizione</a>' in html
    assert re.search(r'<label for="body" class="active">Descrizione<span class="rete-required"', html)
