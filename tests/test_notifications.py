"""In-app notifications: fed by the e-mailed events, the bell's unread count, the list, read markers, and
isolation (a user sees only their own, in the current tenant; anyone else's is 404)."""
import re

from sqlalchemy import select, text

from portal.extensions import db
from portal.mail import send_mail
from portal.notifications import services
from portal.notifications.models import Notification
from portal.referrals.models import ReferralState
from portal.tenancy import context

from .helpers import csrf_from
from .referral_support import post_new, post_on_page, referral_by_key


def _notes(tenant_id, user_id):
    with context.acting_as(tenant_id):
        return list(db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
            .execution_options(populate_existing=True)))


def _give(net, user_key, tenant_key, code="NO-2026-000042", state="submitted"):
    tid = net.tenants[tenant_key].id
    with context.acting_as(tid):
        row = services.notify(net.users[user_key].id, "referral.moved", {"code": code, "state": state},
                              f"/segnalazioni/{net.referral.id}", tenant_id=tid)
        db.session.flush()
    return row.id


def _bell_count(page: str) -> int:
    found = re.search(r'class="badge rete-bell-count">(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_a_referral_sent_and_answered_notifies_both_sides(login, network, session, mailbox):
    a, n1 = network.tenants["a"], network.tenants["n1"]
    operator, coordinator = login("a_operator"), login("n1_coordinator")
    response, key = post_new(operator)
    assert response.status_code == 302
    referral = referral_by_key(session, a, key)
    pseudonym, referral_id = referral.person.pseudonym, referral.id
    # The node's mailbox is not a user: its coordinators and case workers get it in the app.
    for user in ("n1_coordinator", "n1_case_worker"):
        [note] = _notes(n1.id, network.users[user].id)
        assert note.kind == "referral.moved" and note.params == {"code": pseudonym, "state": "submitted"}
        assert note.link == f"/segnalazioni/{referral_id}"
    assert _notes(n1.id, network.users["n1_budget_officer"].id) == []

    page = coordinator.get("/notifiche/").get_data(as_text=True)
    # The pseudonym is kept on one line (a phone broke it at a hyphen: "NO-2026-" above "000209").
    assert f'Segnalazione <span class="rete-nowrap">{pseudonym}</span>: Inviata al nodo' in page
    assert f'href="/segnalazioni/{referral_id}"' in page
    assert _bell_count(page) == 1

    # The node asks for information: the e-mail to the antenna's operator comes with a notification in A.
    version = referral.version
    post_on_page(coordinator, f"/segnalazioni/{referral_id}", f"/segnalazioni/{referral_id}/stato/request_info",
                 {"version": version, "message": "Serve il contratto."})
    [note] = _notes(a.id, network.users["a_operator"].id)
    assert note.params["state"] == ReferralState.INFO_REQUESTED.value
    assert f'Segnalazione <span class="rete-nowrap">{pseudonym}</span>: Richieste informazioni' in operator.get("/notifiche/").get_data(as_text=True)


def test_the_text_is_rendered_in_the_viewers_language(login, network):
    _give(network, "a_operator", "a")
    client = login("a_operator")
    page = client.get("/notifiche/").get_data(as_text=True)
    client.post("/lingua", data={"lang": "en", "next": "/notifiche/", "csrf_token": csrf_from(page)})
    page = client.get("/notifiche/").get_data(as_text=True)
    assert "NO-2026-000042" in page and "Inviata al nodo" not in page
    assert "Referral NO-2026-000042: Sent to the node" in page


def test_mail_to_a_user_with_a_kind_notifies_them_and_without_does_not(app, network):
    user, tid = network.users["a_admin"], network.tenants["a"].id
    with context.acting_as(tid):
        send_mail(user.email, "Oggetto", "Corpo", kind="referral.moved", params={"code": "X", "state": "accepted"},
                  link=app.config["SERVER_BASE_URL"] + "/segnalazioni/1")
        send_mail(user.email, "Oggetto", "Corpo")  # no kind: e-mail only
        send_mail("esterno@altrove.example", "Oggetto", "Corpo", kind="referral.moved", params={})
    [note] = _notes(tid, user.id)
    assert note.link == "/segnalazioni/1" and note.tenant_id == tid


def test_links_stay_inside_rete(app):
    with app.app_context():
        assert services.local_path("https://evil.example/x") is None
        assert services.local_path("//evil.example/x") is None
        assert services.local_path("javascript:alert(1)") is None
        assert services.local_path("/casi/3") == "/casi/3"


def test_unread_count_is_one_indexed_statement(app, login, network, count_queries):
    for _ in range(3):
        _give(network, "a_operator", "a")
    _give(network, "a_admin", "a")  # another user of the same tenant
    client = login("a_operator")
    fragment = client.get("/notifiche/campanella")
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and 'hx-trigger="every 60s"' in text and _bell_count(text) == 3
    assert "<html" not in text  # a fragment
    with app.test_request_context(), context.acting_as(network.tenants["a"].id):
        from flask_login import login_user

        login_user(network.users["a_operator"])
        with count_queries() as counter:
            assert services.unread_count() == 3
    assert counter.count == 1
    assert "notifications" in counter.statements[0] and "read_at IS NULL" in counter.statements[0]


def test_mark_one_and_all_read(login, network):
    first, second, third = (_give(network, "a_operator", "a") for _ in range(3))
    other = _give(network, "a_admin", "a")
    client = login("a_operator")
    page = client.get("/notifiche/").get_data(as_text=True)
    assert _bell_count(page) == 3 and "Segna tutte come lette" in page
    assert client.post(f"/notifiche/{second}/letta", data={"csrf_token": csrf_from(page)}).status_code == 302
    page = client.get("/notifiche/").get_data(as_text=True)
    assert _bell_count(page) == 2
    notes = {n.id: n.read_at for n in _notes(network.tenants["a"].id, network.users["a_operator"].id)}
    assert notes[second] is not None and notes[first] is None and notes[third] is None
    assert client.post("/notifiche/lette", data={"csrf_token": csrf_from(page)}).status_code == 302
    page = client.get("/notifiche/").get_data(as_text=True)
    assert _bell_count(page) == 0 and "Segna tutte come lette" not in page
    # Marking all of mine left the colleague's alone.
    [colleague] = _notes(network.tenants["a"].id, network.users["a_admin"].id)
    assert colleague.id == other and colleague.read_at is None


def test_another_users_or_tenants_notification_is_404(login, network):
    mine = _give(network, "a_admin", "a", code="NO-2026-SOLO-MIO")
    elsewhere = _give(network, "n1_coordinator", "n1", code="NO-2026-ALTROVE")
    colleague = login("a_operator")  # same tenant, another user
    page = colleague.get("/notifiche/").get_data(as_text=True)
    assert "NO-2026-SOLO-MIO" not in page and "NO-2026-ALTROVE" not in page and _bell_count(page) == 0
    token = csrf_from(page)
    assert colleague.post(f"/notifiche/{mine}/letta", data={"csrf_token": token}).status_code == 404
    assert colleague.post(f"/notifiche/{elsewhere}/letta", data={"csrf_token": token}).status_code == 404
    stranger = login("b_admin")
    assert stranger.post(f"/notifiche/{mine}/letta",
                         data={"csrf_token": csrf_from(stranger.get("/notifiche/").get_data(as_text=True))}
                         ).status_code == 404
    [note] = _notes(network.tenants["a"].id, network.users["a_admin"].id)
    assert note.read_at is None


def test_the_list_pages_newest_first(login, network):
    ids = [_give(network, "a_operator", "a", code=f"NO-2026-{n:06d}") for n in range(services.PAGE_SIZE + 2)]
    client = login("a_operator")
    page = client.get("/notifiche/").get_data(as_text=True)
    assert page.index(f"NO-2026-{len(ids) - 1:06d}") < page.index(f"NO-2026-{len(ids) - 2:06d}")
    assert "NO-2026-000000" not in page and "Pagina successiva" in page
    assert "NO-2026-000000" in client.get("/notifiche/?pagina=2").get_data(as_text=True)


def test_the_bell_is_in_the_header_and_works_without_javascript(login, network):
    _give(network, "a_operator", "a")
    page = login("a_operator").get("/").get_data(as_text=True)
    assert 'id="rete-bell"' in page and 'href="/notifiche/"' in page and _bell_count(page) == 1


def test_a_screen_reader_hears_the_unread_count_once(login, network):
    """The visible badge is a picture of the count the link's hidden text says ("Notifiche: 1 non letta")."""
    _give(network, "a_operator", "a")
    page = login("a_operator").get("/").get_data(as_text=True)
    start = page.rindex("<a", 0, page.index('id="rete-bell"'))
    bell = page[start:page.index("</a>", start)]
    spoken = re.sub(r"<span aria-hidden=\"true\">.*?</span></span>|<[^>]+>", " ", bell, flags=re.S)
    assert re.sub(r"\s+", " ", spoken).strip() == "Notifiche: 1 non letta"


def test_a_new_service_order_notifies_the_providers_users(login, network):
    from .budget_support import budget_of, make_contract

    contract = make_contract(network, budget_of(network), network.tenants["p"], value="500.00", price="25.00",
                             quantity="20")
    officer = login("n1_budget_officer")
    page = officer.get(f"/budget/contratti/{contract.id}/ordini/nuovo").get_data(as_text=True)
    response = officer.post(f"/budget/contratti/{contract.id}/ordini/nuovo", data={
        "csrf_token": csrf_from(page), "action": network.action.id, "line": contract.lines[0].id, "quantity": "10"})
    assert response.status_code == 302
    [note] = _notes(network.tenants["p"].id, network.users["p_user"].id)
    assert note.kind == "order.created" and note.params == {"code": network.case.pseudonym}
    page = login("p_user").get("/notifiche/").get_data(as_text=True)
    assert f"Nuovo ordine di servizio per {network.case.pseudonym}" in page and f'href="{note.link}"' in page
    assert note.link.startswith("/budget/ordini/")


def test_the_bell_fragment_stops_polling_when_logged_out(client):
    response = client.get("/notifiche/campanella")
    assert response.status_code == 286 and response.get_data() == b""


def test_the_unread_count_is_answered_from_its_partial_index(network, session):
    """On PostgreSQL the planner can answer the bell's count from ix_notifications_unread alone."""
    import pytest

    from .conftest import DB_KIND

    if DB_KIND != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    tid, uid = network.tenants["a"].id, network.users["a_operator"].id
    for _ in range(3):
        _give(network, "a_operator", "a")
    statement = services.unread_statement(tid, uid).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    with context.acting_as(tid):
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.execute(text(f"EXPLAIN {statement}")).scalars())
    assert "ix_notifications_unread" in plan, plan


def test_new_alerts_notify_their_owners_in_the_app(app, login, network):
    from portal.alerts.jobs import evaluate_node

    from .test_alerts_rules import stale_referral

    stale_referral(network)  # owned by the coordination; the network's overdue action is the case worker's
    n1 = network.tenants["n1"].id
    worker, coordinator = network.users["n1_case_worker"].id, network.users["n1_coordinator"].id
    with app.app_context():
        evaluate_node(n1)
    [note] = _notes(n1, worker)
    assert note.kind == "alerts.new" and note.params == {"count": 1} and note.link.startswith("/allerte/")
    assert [n.kind for n in _notes(n1, coordinator)] == ["alerts.new"]
    page = login("n1_case_worker").get("/notifiche/").get_data(as_text=True)
    assert "1 nuova allerta da seguire" in page and f'href="{note.link}"' in page


def test_a_security_alert_notifies_the_nodes_dpo(login, network):
    from .test_alerts_security import people, set_threshold

    set_threshold(network, 3)
    client = login("a_operator")
    for person in people(network, 3):
        client.get(f"/persone/{person.id}/identita")
    [note] = _notes(network.tenants["n1"].id, network.users["n1_dpo"].id)
    assert note.kind == "security_alert.opened" and note.link.startswith("/allerte/sicurezza/")
    page = login("n1_dpo").get("/notifiche/").get_data(as_text=True)
    assert "Allerta di sicurezza: 3 identità lette in 10 minuti" in page
    assert network.users["a_operator"].full_name not in page


def test_forum_replies_and_mentions_notify_users_in_their_own_tenant(login, network):
    from portal.forum.models import ForumSubscription, SubscriptionMode

    from .forum_support import make_thread, reply

    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Tavolo <casa>")
    db.session.add(ForumSubscription(user_id=network.users["b_operator"].id, thread_id=thread.id,
                                     mode=SubscriptionMode.IMMEDIATE))
    db.session.flush()
    assert reply(login("a_operator"), thread.id, "Chiediamo a @nodo-uno come fare").status_code == 302
    b, n1 = network.tenants["b"].id, network.tenants["n1"].id
    [note] = _notes(b, network.users["b_operator"].id)  # a subscriber of antenna B, told in B
    assert note.kind == "forum.reply" and note.link == f"/forum/t/{thread.id}"
    page = login("b_operator").get("/notifiche/").get_data(as_text=True)
    assert "Nuova risposta nella discussione" in page and "Tavolo &lt;casa&gt;" in page and "<casa>" not in page
    [mention] = _notes(n1, network.users["n1_coordinator"].id)  # the mentioned node's coordinator, in N1
    assert mention.kind == "forum.mention" and mention.link.startswith(f"/forum/t/{thread.id}#post-")
    assert "ha citato" in login("n1_coordinator").get("/notifiche/").get_data(as_text=True)
