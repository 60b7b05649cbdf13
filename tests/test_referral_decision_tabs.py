"""The node's decisions on a referral page, one tab each: without JavaScript a list of links to the
forms, all on the page; a refused form comes back on its own tab (the server marks it), with what was typed
and its errors, its error summary focused (autofocus) so that a browser without JavaScript shows it. The forms
post to an address without a #fragment: a browser gives no autofocus on a page opened at a fragment."""
import re

from .factories import make_referral
from .referral_support import post_on_page


def _tab_links(html: str) -> list[str]:
    tabs = html[html.index('class="nav nav-tabs rete-tab-list"'):]
    return re.findall(r'href="#(azione-[a-z_]+)"', tabs[:tabs.index("</ul>")])


def test_each_decision_has_its_tab_and_anchored_panel(login, network):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    html = login("n1_coordinator").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    assert _tab_links(html) == ["azione-accept", "azione-request_info", "azione-decline"]
    assert 'aria-label="Azioni sulla segnalazione"' in html and "data-rete-tab-selected" not in html
    for name in ("accept", "request_info", "decline"):
        assert f'<section class="rete-tab-panel" id="azione-{name}" aria-labelledby="{name}-title">' in html
        assert f'action="/segnalazioni/{referral.id}/stato/{name}"' in html
    assert 'role="tab' not in html  # the roles are JavaScript's to give: without it these are plain links


def test_a_refused_decision_reopens_on_its_tab_with_input_and_error(login, network):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    coordinator = login("n1_coordinator")
    page = f"/segnalazioni/{referral.id}"
    response = post_on_page(coordinator, page, f"{page}/stato/decline",
                            {"version": referral.version, "message": "Testo scritto prima dell'errore."})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-rete-tab-selected="azione-decline"' in html
    panel = html[html.index('id="azione-decline"'):]
    panel = panel[:panel.index("</section>")]
    assert "data-error-summary" in panel and "Scegli il motivo." in panel
    assert re.search(r"<div[^>]*\bautofocus\b[^>]*data-error-summary", panel)
    assert "Testo scritto prima dell&#39;errore." in panel
    other = html[html.index('id="azione-accept"'):]
    assert "data-error-summary" not in other[:other.index("</section>")]


def test_a_single_action_has_no_tab_list(login, network):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    html = login("a_operator").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    assert 'id="azione-withdraw"' in html and "rete-tab-list" not in html
