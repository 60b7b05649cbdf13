"""The home page's work queue ("Da fare") per role: its items and nobody else's, links to where the work is
done, a fixed number of statements whatever the data, the full list page, and menu and cards agreeing."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.alerts.models import Alert, AlertState, Rule
from portal.budget.models import DeliveryStatus, Invoice, InvoiceStatus
from portal.cases.legal import DeadlineKind, LegalDeadline
from portal.cases.models import OfficeReferral, OfficeReferralState, Verification, VerificationPhase
from portal.core import navigation
from portal.extensions import db
from portal.forum.models import ForumPost, ThreadKind
from portal.i18n import local_day
from portal.models_base import utcnow
from portal.people.models import DataSubjectRequest, RequestKind, RequestStatus
from portal.referrals.models import Urgency
from portal.reports.models import PublicReport, ReporterKind
from portal.tenancy import context
from portal.tenancy.models import TenantKind

from .alerts_support import victim_security_alert
from .budget_support import budget_of, make_contract, make_delivery, make_order
from .factories import MembershipFactory, TenantFactory, UserFactory, make_action, make_case, make_referral
from .forum_support import make_thread
from .office_support import second_office
from .transfer_support import pending_transfer

TODAY = date.today()

# The queues each role's home page opens on (and no other).
QUEUES = {
    "a_operator": {"referrals.info_requested", "referrals.drafts", "referrals.outcomes"},
    "a_admin": {"referrals.info_requested", "referrals.drafts", "referrals.outcomes"},
    # A public office refers like an antenna and takes in charge the people the node sends it.
    "e_operator": {"cases.office_waiting", "referrals.info_requested", "referrals.drafts", "referrals.outcomes"},
    "n1_case_worker": {"cases.new", "cases.actions_overdue", "cases.follow_ups", "cases.legal_deadlines",
                       "reports.waiting", "alerts.open"},
    "n1_coordinator": {"referrals.to_decide", "reports.waiting", "cases.unassigned", "cases.transfers_in",
                       "budget.deliveries_to_approve",
                       "forum.practices_to_validate", "forum.personal_data", "alerts.open"},
    "n1_budget_officer": {"budget.deliveries_to_approve", "budget.invoices_to_verify", "budget.lines_near_exhaustion"},
    "p_user": {"budget.new_orders", "budget.returned_deliveries", "budget.sessions_to_log"},
    "n1_dpo": {"people.open_requests", "alerts.security"},
    "n1_sysadmin": set(),
    "a_dpo": set(),
}


def _sections(html: str) -> dict[str, int]:
    """``{queue key: count}`` as the page shows them."""
    return {key: int(count) for key, count in re.findall(r'data-queue="([^"]+)"[\s\S]*?data-count="(\d+)"', html)}


def _section_html(html: str, key: str) -> str:
    start = html.index(f'data-queue="{key}"')
    return html[start:html.index("</section>", start)]


def _links(html: str, key: str) -> list[str]:
    return re.findall(r'<li[^>]*>\s*<a href="([^"]+)"', _section_html(html, key))


def _other_node(net):
    """Node N2's own antenna, with a user: everything made here must never reach N1's queues."""
    if getattr(net, "_n2_antenna", None) is None:
        net._n2_antenna = TenantFactory(slug="antenna-gamma", name="Antenna Gamma", node=net.tenants["n2"])
        net._n2_user = UserFactory(email="gamma@prova.example")
        MembershipFactory(user=net._n2_user, tenant=net._n2_antenna)
    return net._n2_antenna, net._n2_user


def _referrals(net, antenna, user, n=1):
    """For an antenna: info requested, a draft, an outcome decided yesterday (and one decided long ago)."""
    for _ in range(n):
        make_referral(antenna, user, state="info_requested")
        make_referral(antenna, user, state="draft")
        with context.acting_as(antenna.id):
            make_referral(antenna, user, state="declined", decided_at=utcnow() - timedelta(days=1))
            make_referral(antenna, user, state="declined", decided_at=utcnow() - timedelta(days=40))


def _node_work(net, node_key="n1", n=1):
    """For the node: referrals to decide (one urgent), an unassigned case, a follow-up due, an overdue action."""
    antenna = net.tenants["a"] if node_key == "n1" else _other_node(net)[0]
    user = net.users["a_operator"] if node_key == "n1" else _other_node(net)[1]
    worker = net.users[f"{node_key}_case_worker"]
    for _ in range(n):
        make_referral(antenna, user, state="submitted")
        make_referral(antenna, user, state="submitted", urgency=Urgency.URGENT)
        unassigned = make_case(make_referral(antenna, user))
        # proposed to the other node: in its coordinator's "Trasferimenti in arrivo", never in this one's
        pending_transfer(unassigned, net.tenants["n2" if node_key == "n1" else "n1"], net.users[f"{node_key}_coordinator"])
        case = make_case(make_referral(antenna, user), case_worker=worker, state="phase_2")
        make_action(case, planned_start=TODAY - timedelta(days=20), planned_end=TODAY - timedelta(days=5))
        with context.acting_as(case.tenant_id):
            db.session.add(Verification(tenant_id=case.tenant_id, case_id=case.id, phase=VerificationPhase.INCLUSION,
                                        months_after=3, due_date=TODAY + timedelta(days=2)))
            db.session.add(Alert(tenant_id=case.tenant_id, rule=Rule.ACTION_OVERDUE, state=AlertState.OPEN,
                                 object_type="case", object_id=case.id, case_id=case.id, pseudonym=case.pseudonym,
                                 owner_id=worker.id, due_on=TODAY, opened_at=utcnow()))
            # A hearing in three days on the worker's case, and a public report waiting for the node.
            db.session.add(LegalDeadline(tenant_id=case.tenant_id, case_id=case.id, due_on=TODAY + timedelta(days=3),
                                         kind=DeadlineKind.HEARING))
            db.session.add(PublicReport(tenant_id=case.tenant_id, code_hash="-", reporter_kind=ReporterKind.WITNESS,
                                        context="work", consent_notice_version="2026-01"))
            db.session.flush()


def _money(net, n=1):
    """N1's contract with provider P: deliveries to approve, a returned one, an invoice, a line nearly used up,
    an order issued today and one issued a month ago with nothing logged since."""
    if getattr(net, "_contract", None) is None:
        net._contract = make_contract(net, budget_of(net), net.tenants["p"], value="100000.00", quantity="100")
    contract = net._contract
    for _ in range(n):
        fresh_case = make_case(make_referral(net.tenants["a"], net.users["a_operator"]))
        order = make_order(contract, make_action(fresh_case, provider=net.tenants["p"]), quantity="10")
        old_case = make_case(make_referral(net.tenants["a"], net.users["a_operator"]))
        old = make_order(contract, make_action(old_case, provider=net.tenants["p"]), quantity="85")
        make_delivery(old, status=DeliveryStatus.SUBMITTED, day=TODAY - timedelta(days=30))
        make_delivery(old, status=DeliveryStatus.RETURNED, day=TODAY - timedelta(days=31))
        with context.acting_as(contract.tenant_id):
            old.created_at = utcnow() - timedelta(days=40)
            db.session.add(Invoice(tenant_id=contract.tenant_id, contract_id=contract.id, number=f"FT-{old.id}",
                                   issued_on=TODAY, amount=Decimal("10.00"), status=InvoiceStatus.RECEIVED))
            db.session.flush()
    return contract, order


def _forum(net, tenant_key="a", author_key="a_operator"):
    author, tenant = net.users[author_key], net.tenants[tenant_key]
    make_thread(author, tenant, title=f"Scheda da validare {tenant_key}", kind=ThreadKind.PRACTICE, problem="P")
    flagged = make_thread(author, tenant, title=f"Discussione con telefono {tenant_key}")
    db.session.add(ForumPost(thread_id=flagged.id, author_user_id=author.id, author_tenant_id=tenant.id,
                             body="chiamare il 333 1234567", body_html="<p>chiamare</p>", search_text="x",
                             personal_data_flags=["phone"], hidden=False))
    db.session.flush()


def _dpo(net, node_key="n1"):
    node = net.tenants[node_key]
    with context.acting_as(node.id):
        db.session.add(DataSubjectRequest(
            tenant_id=node.id, person_id=net.person.id, kind=RequestKind.ACCESS, status=RequestStatus.OPEN,
            opened_by_id=net.users[f"{node_key}_dpo"].id, opened_at=utcnow() - timedelta(days=40),
        ))
        db.session.flush()


def _office(net, n=1):
    """Office E: its own referrals to the node, and actions N1 referred to it: one waiting (an old one), one
    taken in charge, one withdrawn; office F's waiting one is never E's."""
    _referrals(net, net.tenants["e"], net.users["e_operator"], n)
    f = second_office(net)
    case = net.case  # the victim's: actions starting today are nobody's overdue work
    for _ in range(n):
        for office, state in ((net.tenants["e"], "referred"), (net.tenants["e"], "taken"),
                              (net.tenants["e"], "withdrawn"), (f, "referred")):
            action = make_action(case, planned_start=TODAY)
            with context.acting_as(case.tenant_id):
                db.session.add(OfficeReferral(
                    tenant_id=case.tenant_id, peer_id=office.id, action_id=action.id, pseudonym=case.pseudonym,
                    service_type=action.service_type, phase=action.phase, planned_start=action.planned_start,
                    action_status=action.status, state=OfficeReferralState(state),
                    referred_at=utcnow() - timedelta(days=9)))
                db.session.flush()


def _everything(net, n=1):
    _referrals(net, net.tenants["a"], net.users["a_operator"], n)
    _office(net, n)
    _referrals(net, net.tenants["b"], net.users["b_operator"], n)  # another antenna of the same node
    _node_work(net, "n1", n)
    _node_work(net, "n2", n)  # another node
    _money(net, n)
    _forum(net)
    _forum(net, "n2", "n2_coordinator")  # another network
    _dpo(net)
    victim_security_alert(net)


@pytest.mark.parametrize("key", sorted(QUEUES))
def test_each_role_opens_on_its_own_queues(login, network, key):
    _everything(network)
    html = login(key).get("/").get_data(as_text=True)
    assert set(_sections(html)) == QUEUES[key]
    assert ("Da fare" in html) == bool(QUEUES[key])


def test_antenna_counts_its_own_referrals_only(login, network):
    _everything(network, n=2)
    counts = _sections(login("a_operator").get("/").get_data(as_text=True))
    # two each of antenna A's; antenna B's (same node) and old outcomes are not counted
    assert counts == {"referrals.info_requested": 2, "referrals.drafts": 2, "referrals.outcomes": 2}


def test_coordinator_counts_its_node_only_and_urgent_first(login, network):
    _everything(network, n=2)
    html = login("n1_coordinator").get("/").get_data(as_text=True)
    counts = _sections(html)
    # N1: 2×2 referrals to decide (N2's never), 2 unassigned (+ none of N2's), the deliveries of N1's contract
    assert counts["referrals.to_decide"] == 4
    assert counts["cases.unassigned"] == 2 + 2 * 2  # and the cases _money opened for the orders
    assert counts["budget.deliveries_to_approve"] == 2
    assert counts["forum.practices_to_validate"] == 1  # antenna A's card; N2's network is not theirs
    assert counts["forum.personal_data"] == 1
    assert counts["alerts.open"] == 2
    assert counts["reports.waiting"] == 2  # N2's public reports are N2's
    assert counts["cases.transfers_in"] == 2  # N2's proposals to N1, not N1's own to N2
    to_decide = _section_html(html, "referrals.to_decide")
    first = re.search(r"<li([^>]*)>", to_decide).group(1)
    assert "rete-queue-late" in first  # the urgent ones come first


def test_case_worker_sees_only_what_is_theirs(login, network):
    _everything(network, n=2)
    counts = _sections(login("n1_case_worker").get("/").get_data(as_text=True))
    # the network's victim case is open and theirs (new); 2 phase-2 cases with an overdue action, a
    # follow-up due and an alert each; the victim case's action (planned 2026-03-02) is overdue too if past
    victim_overdue = 1 if date(2026, 3, 2) < TODAY else 0
    assert counts == {"cases.new": 1, "cases.actions_overdue": 2 + victim_overdue, "cases.follow_ups": 2,
                      "alerts.open": 2, "cases.legal_deadlines": 2, "reports.waiting": 2}  # N2's never


def test_budget_officer_and_provider(login, network):
    _everything(network, n=2)
    counts = _sections(login("n1_budget_officer").get("/").get_data(as_text=True))
    # ordered 2×(10+85) = 190 of 100 on the line: over, so near exhaustion
    assert counts == {"budget.deliveries_to_approve": 2, "budget.invoices_to_verify": 2, "budget.lines_near_exhaustion": 1}
    counts = _sections(login("p_user").get("/").get_data(as_text=True))
    assert counts == {"budget.new_orders": 2, "budget.returned_deliveries": 2, "budget.sessions_to_log": 2}


def test_provider_never_counts_another_providers_orders(login, network):
    _everything(network)
    other = TenantFactory(slug="fornitore-omega", kind=TenantKind.SERVICE_PROVIDER, node=network.tenants["n1"])
    contract = make_contract(network, budget_of(network), other, cig="ALTRO00001")
    order = make_order(contract, make_action(network.case, provider=other))
    make_delivery(order, status=DeliveryStatus.RETURNED)
    counts = _sections(login("p_user").get("/").get_data(as_text=True))
    assert counts == {"budget.new_orders": 1, "budget.returned_deliveries": 1, "budget.sessions_to_log": 1}


def test_dpo_requests_with_their_deadline(login, network):
    _everything(network)
    _dpo(network, "n2")
    html = login("n1_dpo").get("/").get_data(as_text=True)
    assert _sections(html) == {"people.open_requests": 1, "alerts.security": 1}
    section = _section_html(html, "people.open_requests")
    deadline = local_day(utcnow() - timedelta(days=40)) + timedelta(days=30)  # the day in Rome, as shown
    assert deadline.strftime("%d/%m/%Y") in section
    assert "rete-queue-late" in section and "scaduta da" in section


@pytest.mark.parametrize("key", sorted(k for k, queues in QUEUES.items() if queues))
def test_every_item_links_where_the_work_is_done(login, network, key):
    _everything(network)
    client = login(key)
    html = client.get("/").get_data(as_text=True)
    for queue_key in QUEUES[key]:
        links = _links(html, queue_key)
        assert links, f"{queue_key}: no items"
        for link in links:
            assert client.get(link).status_code == 200, f"{queue_key}: {link}"


EXPECTED_LINKS = {  # queue -> the endpoint prefix its items open
    "referrals.info_requested": "/segnalazioni/", "referrals.drafts": "/modifica", "referrals.outcomes": "/segnalazioni/",
    "referrals.to_decide": "/segnalazioni/", "cases.new": "/casi/", "cases.unassigned": "/casi/",
    "cases.actions_overdue": "/casi/azioni/", "cases.follow_ups": "/follow-up/3",
    "budget.deliveries_to_approve": "/budget/ordini/", "budget.invoices_to_verify": "#fatture",
    "budget.lines_near_exhaustion": "/budget/contratti/", "budget.new_orders": "/budget/ordini/",
    "budget.returned_deliveries": "/modifica", "budget.sessions_to_log": "/budget/ordini/",
    "forum.practices_to_validate": "/forum/t/", "forum.personal_data": "#post-", "people.open_requests": "/richieste",
    "alerts.open": "/allerte/", "alerts.security": "/allerte/sicurezza/",
    "cases.legal_deadlines": "#tutela", "reports.waiting": "/segnalazioni-pubbliche/",
    "cases.transfers_in": "/casi/trasferimenti/", "cases.office_waiting": "/casi/ufficio/",
}


@pytest.mark.parametrize("key", ["a_operator", "e_operator", "n1_case_worker", "n1_coordinator", "n1_budget_officer", "p_user", "n1_dpo"])
def test_links_are_the_right_pages(login, network, key):
    _everything(network)
    html = login(key).get("/").get_data(as_text=True)
    for queue_key in QUEUES[key]:
        assert all(EXPECTED_LINKS[queue_key] in link for link in _links(html, queue_key)), queue_key


# Statements of the whole home page (session, membership, layout, one per queue), whatever the data.
STATEMENTS = {"a_operator": None, "e_operator": None, "n1_case_worker": None, "n1_coordinator": None, "n1_budget_officer": None,
              "p_user": None, "n1_dpo": None}


@pytest.mark.parametrize("key", sorted(STATEMENTS))
def test_statements_do_not_grow_with_the_data(login, network, count_queries, key):
    _everything(network)
    client = login(key)
    client.get("/")  # warm
    with count_queries() as small:
        before = _sections(client.get("/").get_data(as_text=True))
    _everything(network, n=4)
    with count_queries() as large:
        after = _sections(client.get("/").get_data(as_text=True))
    assert sum(after.values()) > sum(before.values())
    assert small.count == large.count, "\n".join(large.statements)
    assert large.count == BASE_STATEMENTS + len(QUEUES[key]), "\n".join(large.statements)


BASE_STATEMENTS = 4  # what every page costs (login session with its membership, the bell's unread count), before the queues


def test_see_all_lists_every_item_by_pages(login, network):
    _everything(network, n=6)
    client = login("a_operator")
    home = client.get("/").get_data(as_text=True)
    assert len(_links(home, "referrals.drafts")) == 5 and "/da-fare/referrals.drafts" in home
    page = client.get("/da-fare/referrals.drafts").get_data(as_text=True)
    assert len(re.findall(r'href="/segnalazioni/\d+/modifica"', page)) == 6
    assert client.get("/da-fare/referrals.drafts?pagina=2").status_code == 404
    assert client.get("/da-fare/referrals.to_decide").status_code == 404  # the coordinator's, not theirs
    assert client.get("/da-fare/nessuna").status_code == 404


def test_menu_and_cards_agree_for_every_role(login, network):
    for key, membership in network.memberships.items():
        menu = {entry.endpoint for entry in navigation.menu_for(membership)}
        cards = {entry.endpoint for entry in navigation.entries_for(membership)}
        assert menu <= cards, key
        assert cards - menu <= {e.endpoint for e in navigation.ENTRIES if not e.menu}, key
    assert "budget.index" in {e.endpoint for e in navigation.entries_for(network.memberships["n1_budget_officer"])}
    assert "budget.orders" in {e.endpoint for e in navigation.entries_for(network.memberships["p_user"])}
    html = login("p_user").get("/").get_data(as_text=True)
    nav = html[html.index('id="main-menu"'):html.index("</nav>")]
    # Home and every menu entry, each once (the menu's groups: tests/test_main_menu.py)
    assert 'href="/budget/ordini"' in nav
    assert len(re.findall(r'<a [^>]*href="/', nav)) == 1 + len(navigation.menu_for(network.memberships["p_user"]))
    assert html.count('href="/budget/ordini"') >= 2  # the menu and the card


def test_office_waits_for_its_own_oldest_first(login, network):
    _everything(network, n=2)
    client = login("e_operator")
    html = client.get("/").get_data(as_text=True)
    # E's waiting ones only: not those taken in charge or withdrawn, never office F's
    assert _sections(html)["cases.office_waiting"] == 2
    assert "da 9 giorni" in _section_html(html, "cases.office_waiting")
    page = client.get("/da-fare/cases.office_waiting").get_data(as_text=True)
    assert len(re.findall(r'href="/casi/ufficio/\d+"', page)) == 2
    # the menu and the card: the office's page
    nav = html[html.index('id="main-menu"'):html.index("</nav>")]
    assert 'href="/casi/ufficio"' in nav
    for key in ("a_operator", "n1_coordinator", "n1_case_worker"):
        assert login(key).get("/da-fare/cases.office_waiting").status_code == 404, key
        assert "cases.office_referrals" not in {e.endpoint for e in navigation.entries_for(network.memberships[key])}


def test_outcome_states_are_labelled(login, network):
    with context.acting_as(network.tenants["a"].id):
        make_referral(network.tenants["a"], network.users["a_operator"], state="accepted", decided_at=utcnow())
    html = login("a_operator").get("/").get_data(as_text=True)
    assert "Presa in carico" in _section_html(html, "referrals.outcomes")



@pytest.mark.parametrize("locale, ago, waiting, late, due", [
    ("it", 0, "da oggi", "in scadenza oggi", "scade oggi"),
    ("it", 1, "da 1 giorno", "in ritardo di 1 giorno", "scaduta da 1 giorno"),
    ("it", 3, "da 3 giorni", "in ritardo di 3 giorni", "scaduta da 3 giorni"),
    ("it", -1, "da oggi", "in scadenza oggi", "scade tra 1 giorno"),
    ("en", 1, "for 1 day", "1 day late", "overdue by 1 day"),
    ("en", 3, "for 3 days", "3 days late", "overdue by 3 days"),
])
def test_a_queue_items_age_is_said_in_words_singular_or_plural(app, locale, ago, waiting, late, due):
    from flask_babel import force_locale

    from portal.core import queue

    with app.test_request_context(), force_locale(locale):
        day = queue.today() - timedelta(days=ago)
        assert (queue.waiting_since(day), queue.late_since(day), queue.due_in(day)) == (waiting, late, due)
