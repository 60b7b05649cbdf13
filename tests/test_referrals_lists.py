"""Referral lists: the antenna's own, the node's inbox; pseudonyms only; isolation; bounded queries."""
from datetime import timedelta

from portal.models_base import utcnow
from portal.tenancy import context

from .factories import make_person, make_referral
from .network import VICTIM_LAST_NAME


def _pseudonym(network):
    return network.person.pseudonym


def test_antenna_sees_its_own_with_status_and_no_names(login, network):
    html = login("a_operator").get("/segnalazioni/").get_data(as_text=True)
    assert _pseudonym(network) in html
    assert VICTIM_LAST_NAME not in html and "Zelinda" not in html
    assert "Nuova segnalazione" in html and "<caption" in html and 'scope="col"' in html


def test_antenna_b_sees_nothing_of_antenna_a(login, network):
    client = login("b_operator")
    html = client.get("/segnalazioni/").get_data(as_text=True)
    assert _pseudonym(network) not in html
    assert client.get(f"/segnalazioni/{network.referral.id}").status_code == 404
    assert client.get(f"/segnalazioni/{network.referral.id}/modifica").status_code == 404
    assert client.get("/segnalazioni/999999").status_code == 404


def test_other_node_sees_nothing(login, network):
    for key in ("n2_coordinator", "n2_case_worker"):
        client = login(key)
        html = client.get("/segnalazioni/?stato=submitted").get_data(as_text=True)
        assert _pseudonym(network) not in html and "Nessuna segnalazione" in html
        assert client.get(f"/segnalazioni/{network.referral.id}").status_code == 404


def test_roles_without_referrals_are_refused(login):
    for key in ("n1_budget_officer", "n1_dpo", "p_user", "a_dpo"):
        assert login(key).get("/segnalazioni/").status_code == 403
    assert login("n1_coordinator").get("/segnalazioni/nuova").status_code == 403


def test_node_inbox_filters_and_flags_stale(login, network, session):
    a, b = network.tenants["a"], network.tenants["b"]
    old_person = make_person(b, last_name="Vecchi")
    old = make_referral(b, network.users["b_operator"], person=old_person)
    with context.acting_as(b.id):
        old.submitted_at = utcnow() - timedelta(days=30)
        session.flush()
    draft_person = make_person(a, last_name="Bozzi")
    make_referral(a, network.users["a_operator"], person=draft_person, state="draft")
    old_code, draft_code = old_person.pseudonym, draft_person.pseudonym
    client = login("n1_case_worker")
    html = client.get("/segnalazioni/").get_data(as_text=True)
    assert old_code in html and "Antenna Beta" in html
    assert "In attesa da più di 7 giorni" in html
    assert draft_code not in html  # drafts are not in the inbox
    html = client.get("/segnalazioni/?stato=accepted").get_data(as_text=True)
    assert old_code not in html and _pseudonym(network) in html  # the network's referral is accepted
    assert "Vecchi" not in html and "Bozzi" not in html


def _fill(network, count):
    a = network.tenants["a"]
    for i in range(count):
        make_referral(a, network.users["a_operator"], person=make_person(a, last_name=f"Lista{i}"))


def test_lists_paginate_and_queries_do_not_grow(login, network, count_queries):
    antenna, node = login("a_operator"), login("n1_coordinator")
    _fill(network, 2)
    antenna.get("/segnalazioni/"), node.get("/segnalazioni/")  # warm up
    with count_queries() as few_antenna:
        assert antenna.get("/segnalazioni/").status_code == 200
    with count_queries() as few_node:
        assert node.get("/segnalazioni/").status_code == 200
    _fill(network, 30)
    with count_queries() as many_antenna:
        html = antenna.get("/segnalazioni/").get_data(as_text=True)
    with count_queries() as many_node:
        node.get("/segnalazioni/")
    assert many_antenna.count == few_antenna.count, many_antenna.statements
    # The inbox reads waiting and decided referrals separately: at most one more query, never per row.
    assert many_node.count <= few_node.count, many_node.statements
    assert html.count("/segnalazioni/") >= 25 and "Pagina successiva" in html
    page2 = antenna.get("/segnalazioni/?pagina=2").get_data(as_text=True)
    assert "Pagina precedente" in page2 and "Pagina successiva" not in page2
