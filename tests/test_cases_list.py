"""the node's case list — search, filters, sorting, pagination, htmx fragment, bounded queries."""
import re

import pytest

from portal.cases.models import CaseState
from portal.core import cached_choices
from portal.extensions import db
from portal.referrals.models import Ground
from portal.tenancy import context

from .factories import MembershipFactory, make_action, make_case, make_person, make_referral
from .network import VICTIM_LAST_NAME


def _cases(network, count, *, antenna="a", worker="n1_case_worker", state="open", grounds=None):
    made = []
    for i in range(count):
        tenant = network.tenants[antenna]
        person = make_person(tenant, first_name=f"Nome{i}", last_name=f"Cognome{i}", birth_year=1970 + i % 30)
        referral = make_referral(tenant, network.users[f"{antenna}_operator"], person=person,
                                 grounds=grounds or [Ground.AGE.value])
        made.append(make_case(referral, case_worker=network.users[worker] if worker else None, state=state))
    return made


def _pseudonyms(body: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/casi/\d+"[^>]*>([^<]+)</a>', body)


def test_list_shows_pseudonyms_of_the_node_only(login, network):
    client = login("n1_case_worker")
    response = client.get("/casi/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _pseudonyms(body) == [network.case.pseudonym]
    assert VICTIM_LAST_NAME not in body
    assert "<form" in body and 'hx-get="/casi/"' in body and 'hx-push-url="true"' in body
    # The other node sees none of them.
    body = login("n2_coordinator").get("/casi/").get_data(as_text=True)
    assert network.case.pseudonym not in body and _pseudonyms(body) == []


def test_filters(login, network):
    aged_b = _cases(network, 2, antenna="b", worker="n1_coordinator", grounds=[Ground.AGE.value, Ground.GENDER.value])
    phase_1 = _cases(network, 1, state="phase_1", grounds=[Ground.RELIGION.value])
    unassigned = _cases(network, 1, worker=None, grounds=[Ground.DISABILITY.value])
    make_action(phase_1[0], phase="job_insertion")
    client = login("n1_case_worker")

    def listed(query):
        return set(_pseudonyms(client.get(f"/casi/?{query}").get_data(as_text=True)))

    everyone = {network.case.pseudonym} | {c.pseudonym for c in aged_b + phase_1 + unassigned}
    assert listed("") == everyone
    assert listed("stato=phase_1") == {phase_1[0].pseudonym}
    assert listed("motivo=gender") == {c.pseudonym for c in aged_b}
    assert listed("motivo=age") == {c.pseudonym for c in aged_b}  # "age" is a whole item, not a substring
    assert listed("motivo=ethnicity") == {network.case.pseudonym}
    assert listed(f"antenna={network.tenants['b'].id}") == {c.pseudonym for c in aged_b}
    assert listed(f"operatore={network.users['n1_coordinator'].id}") == {c.pseudonym for c in aged_b}
    assert listed("operatore=0") == {unassigned[0].pseudonym}
    assert listed("fase=job_insertion") == {phase_1[0].pseudonym}
    assert listed("fase=preparatory") == {network.case.pseudonym}  # net.action is preparatory
    # Search by (part of) the pseudonym, case-insensitive; LIKE wildcards are literal.
    code = aged_b[1].pseudonym
    assert listed(f"q={code[-6:].lower()}") == {code}
    assert listed("q=%25") == set()
    # Combined, and invalid values are ignored rather than failing.
    assert listed(f"stato=open&antenna={network.tenants['b'].id}") == {c.pseudonym for c in aged_b}
    assert listed("stato=boh&motivo=boh&operatore=x") == everyone


def test_sorting_is_whitelisted(login, network):
    made = _cases(network, 3)
    with context.acting_as(network.tenants["n1"].id):
        made[0].state = CaseState.CLOSED
        made[1].state = CaseState.PHASE_2
        db.session.flush()
    client = login("n1_coordinator")
    codes = sorted([network.case.pseudonym] + [c.pseudonym for c in made])
    assert _pseudonyms(client.get("/casi/?ordina=pseudonimo").get_data(as_text=True)) == codes
    assert _pseudonyms(client.get("/casi/?ordina=-pseudonimo").get_data(as_text=True)) == codes[::-1]
    by_state = _pseudonyms(client.get("/casi/?ordina=stato").get_data(as_text=True))
    assert by_state[-2:] == [made[1].pseudonym, made[0].pseudonym]
    # Newest first by default; an unknown key (or an injection attempt) falls back to it.
    default = _pseudonyms(client.get("/casi/").get_data(as_text=True))
    assert default[0] == made[-1].pseudonym
    assert _pseudonyms(client.get("/casi/?ordina=id;drop%20table%20cases").get_data(as_text=True)) == default
    body = client.get("/casi/?ordina=-pseudonimo").get_data(as_text=True)
    assert 'aria-sort="descending"' in body


def test_pagination(login, network):
    _cases(network, 26)  # 27 with the victim's case: two pages of 25
    client = login("n1_case_worker")
    first = client.get("/casi/?ordina=pseudonimo").get_data(as_text=True)
    second = client.get("/casi/?ordina=pseudonimo&pagina=2").get_data(as_text=True)
    assert len(_pseudonyms(first)) == 25 and len(_pseudonyms(second)) == 2
    assert not set(_pseudonyms(first)) & set(_pseudonyms(second))
    assert "27 casi trovati" in first and "Pagina 2 di 2" in second
    assert "pagina=2" in first and "ordina=pseudonimo" in first
    # Out of range pages clamp to the last one.
    assert _pseudonyms(client.get("/casi/?ordina=pseudonimo&pagina=99").get_data(as_text=True)) == _pseudonyms(second)


@pytest.mark.parametrize("sort", ["pseudonimo", "-pseudonimo"])
def test_pages_read_from_either_end_tile_the_whole_list(login, network, sort):
    """Pages past the middle are read backwards from the index: together they must still be the list."""
    _cases(network, 80)  # 81 rows: four pages, the last one partial
    client = login("n1_case_worker")
    seen = []
    for page in range(1, 5):
        seen += _pseudonyms(client.get(f"/casi/?ordina={sort}&pagina={page}").get_data(as_text=True))
    assert len(seen) == 81 and len(set(seen)) == 81
    assert seen == sorted(seen, reverse=sort.startswith("-"))


def test_htmx_gets_the_fragment_plain_get_the_page(login, network):
    client = login("n1_case_worker")
    full = client.get("/casi/?stato=open")
    fragment = client.get("/casi/?stato=open", headers={"HX-Request": "true"})
    restore = client.get("/casi/?stato=open", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.get_data(as_text=True) and "<html" in restore.get_data(as_text=True)
    assert "hx-swap-oob" not in full.get_data(as_text=True) and "hx-swap-oob" not in restore.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<form" not in body
    assert network.case.pseudonym in body and 'hx-swap-oob="innerHTML"' in body
    assert "HX-Request" in fragment.headers["Vary"]
    # The filters' summary (all a phone shows of them) counts those set, in the page and in each fragment.
    assert re.search(r'id="case-filters-summary"[^>]*>\s*Filtri \(1 attivo\)', body)
    assert "Filtri (2 attivi)" in client.get("/casi/?stato=open&fase=job_insertion").get_data(as_text=True)
    assert "Filtri (1 attivo)" in client.get("/casi/?stato=open&fase=phase_9").get_data(as_text=True)  # not a filter


def test_query_count_does_not_grow_with_rows(login, network, count_queries):
    client = login("n1_case_worker")
    _cases(network, 2)
    cached_choices.clear()  # both cold: the filter choices are read each time
    with count_queries() as few:
        assert client.get("/casi/").status_code == 200
    _cases(network, 20, antenna="b", worker="n1_coordinator")
    cached_choices.clear()
    with count_queries() as many:
        assert client.get("/casi/").status_code == 200
    assert many.count == few.count, many.statements


@pytest.mark.parametrize("who", ["a_operator", "a_admin", "p_user", "n1_budget_officer", "n1_dpo", "n1_sysadmin"])
def test_list_is_for_case_workers_and_coordinators_only(login, who):
    assert login(who).get("/casi/").status_code == 403


def test_home_links_to_the_case_list(login):
    assert 'href="/casi/"' in login("n1_case_worker").get("/").get_data(as_text=True)
    assert 'href="/casi/"' not in login("a_operator").get("/").get_data(as_text=True)


def test_other_case_worker_is_listed_in_filters(login, network, session):
    other = MembershipFactory(tenant=network.tenants["n1"], role="case_worker")
    body = login("n1_coordinator").get("/casi/").get_data(as_text=True)
    assert other.user.full_name in body
