"""The guide (/guida): a page per role and per workflow, state diagrams, the "?" links in page headings."""
import re

import pytest
from flask import url_for
from markupsafe import escape

from portal.accounts.models import Role
from portal.cases.labels import CASE_STATE_LABELS
from portal.cases.models import CaseState
from portal.guide.content import PAGES, ROLE, WORKFLOW
from portal.guide.diagrams import DIAGRAMS
from portal.referrals.labels import STATE_LABELS
from portal.referrals.models import ReferralState

from .network import USERS

HELP_LINK = re.compile(r'<a [^>]*href="(/guida/[^"]+)"[^>]*>\s*<span aria-hidden="true">\? </span>Guida'
                       r'<span class="visually-hidden">: ([^<]+)</span></a>')
# One user per role, to read the page about it.
USER_OF_ROLE = {role: key for key, _tenant, role in reversed(USERS)}


def test_every_role_has_a_page():
    described = {role for page in PAGES for role in page.roles}
    assert described == set(Role)
    kinds = [page.kind for page in PAGES]
    assert kinds.count(ROLE) == 9 and kinds.count(WORKFLOW) == 5


@pytest.mark.parametrize("page", [p for p in PAGES if p.kind == ROLE], ids=lambda p: p.slug)
def test_role_page_renders_for_its_role(login, page):
    for role in page.roles:
        client = login(USER_OF_ROLE[role])
        response = client.get(f"/guida/{page.slug}")
        assert response.status_code == 200, (role, page.slug)
        body = response.get_data(as_text=True)
        assert f"<h1>{escape(page.title)}</h1>" in body
        assert all(str(escape(point)) in body for point in page.points)


@pytest.mark.parametrize("key, slug", [("e_operator", "ufficio"), ("e_admin", "ufficio"), ("a_operator", "antenna")])
def test_a_public_offices_users_are_sent_to_the_offices_page(login, key, slug):
    """They hold antenna roles, but receive the node's referrals too: the home page's and the index's link to
    their own page is the office's, which describes both."""
    client = login(key)
    home, index = client.get("/").get_data(as_text=True), client.get("/guida/").get_data(as_text=True)
    assert f'href="/guida/{slug}"' in home and f'<a href="/guida/{slug}">La guida del tuo ruolo' in index
    page = client.get("/guida/ufficio").get_data(as_text=True)
    assert "Persone inviate dal nodo" in page and "come fanno le antenne" in page


@pytest.mark.parametrize("key", ["a_operator", "n1_case_worker", "p_user", "n1_sysadmin"])
def test_index_and_workflow_pages_render_for_every_member(login, key):
    client = login(key)
    index = client.get("/guida/").get_data(as_text=True)
    for page in PAGES:
        assert f'href="/guida/{page.slug}"' in index
    for page in PAGES:
        if page.kind == WORKFLOW:
            assert client.get(f"/guida/{page.slug}").status_code == 200


def test_guide_is_for_members_only_and_unknown_pages_are_404(client, login):
    response = client.get("/guida/segnalazione")
    assert response.status_code == 302 and "/accesso" in response.headers["Location"]
    assert login("a_operator").get("/guida/non-esiste").status_code == 404


@pytest.mark.parametrize("slug, enum, labels", [
    ("segnalazione", ReferralState, STATE_LABELS),
    ("percorso", CaseState, CASE_STATE_LABELS),
])
def test_diagrams_show_every_state_in_boxes_and_in_words(login, slug, enum, labels):
    body = login("a_operator").get(f"/guida/{slug}").get_data(as_text=True)
    boxes, words = body.split("<figcaption>", 1)
    for state in enum:
        label = str(escape(labels[state]))
        assert f">{label}</div>" in boxes, label  # drawn
        assert f"«{label}»" in words, label  # and in the text equivalent for screen readers
    assert 'aria-hidden="true"' in boxes.split('class="rete-flow"')[1][:40]


def test_referral_diagram_follows_the_state_machine():
    from portal.referrals.services import TRANSITIONS

    diagram = DIAGRAMS["segnalazione"]()
    drawn = {(step.source, step.target) for step in diagram.steps}
    assert drawn == {(source, t.target) for t in TRANSITIONS.values() for source in t.sources}
    assert {s for column in diagram.columns for s in column} == set(ReferralState)
    assert diagram.final_labels().count("«") == 3  # accepted, declined, withdrawn


def _pages_with_help(app, network):
    with app.test_request_context():
        return [
            ("a_operator", url_for("core.home"), "antenna"),
            ("n1_dpo", url_for("core.home"), "rpd"),
            ("a_operator", url_for("referrals.index"), "segnalazione"),
            ("n1_case_worker", url_for("referrals.index"), "segnalazione"),
            ("a_operator", url_for("referrals.detail", referral_id=network.referral.id), "segnalazione"),
            ("n1_case_worker", url_for("cases.index"), "percorso"),
            ("n1_case_worker", url_for("cases.detail", case_id=network.case.id), "percorso"),
            ("n1_budget_officer", url_for("budget.index"), "ordini"),
            ("p_user", url_for("budget.orders"), "ordini"),
            ("n1_dpo", url_for("people.requests", person_id=network.person.id), "richieste"),
            ("a_operator", url_for("forum.index"), "forum"),
        ]


def test_help_links_in_headings_resolve(app, login, network):
    titles = {page.slug: page.title for page in PAGES}
    for key, path, slug in _pages_with_help(app, network):
        client = login(key)
        response = client.get(path)
        assert response.status_code == 200, path
        links = HELP_LINK.findall(response.get_data(as_text=True))
        assert links == [(f"/guida/{slug}", str(escape(titles[slug])))], (path, links)
        assert client.get(links[0][0]).status_code == 200


def test_guide_in_english_through_the_catalogue(login):
    from .helpers import csrf_token

    client = login("a_operator")
    client.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client, "/guida/")})
    body = client.get("/guida/segnalazione").get_data(as_text=True)
    assert "<h1>The referral</h1>" in body and "The states of a referral" in body
    assert "From «Draft» to «" in body and "Final states:" in body
    assert "l'antenna invia" not in body and "Gli stati di una segnalazione" not in body
