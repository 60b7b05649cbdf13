"""The main menu's groups: a node's coordinator sees Home and three groups instead of a dozen links,
every role still reaches every entry of its menu, a group of one entry is a plain link, and the group of the
page one is on says so. The groups are <details>: they open without JavaScript (tests/browser/test_menu.py)."""
import re

from portal.core import navigation


def _nav(html: str) -> str:
    return html[html.index('id="main-menu"'):html.index("</nav>")]


def _top_level(nav: str) -> list[str]:
    """The first-level items: a plain link's text or a group's summary text."""
    items = re.findall(r'<li class="nav-item[^"]*">\s*(?:<a [^>]*><span>([^<]+)</span>|<details[^>]*>\s*<summary[^>]*>\s*'
                       r'<span>([^<]+)</span>)', nav)
    return [link or group for link, group in items]


def test_every_menu_entry_is_in_one_known_group(network):
    assert all(entry.group in navigation.GROUPS for entry in navigation.ENTRIES)
    for key, membership in network.memberships.items():
        grouped = [e.endpoint for _code, _label, entries in navigation.menu_groups(membership) for e in entries]
        assert sorted(grouped) == sorted(e.endpoint for e in navigation.menu_for(membership)), key
        assert all(entries for _code, _label, entries in navigation.menu_groups(membership)), key


def test_coordinator_menu_is_grouped_and_reaches_every_entry(login, network):
    html = login("n1_coordinator").get("/").get_data(as_text=True)
    nav = _nav(html)
    assert _top_level(nav) == ["Home", "Lavoro", "Rete e dati", "Amministrazione"]
    for code in ("work", "network", "admin"):
        assert f'<details class="rete-menu-group" id="menu-{code}">' in nav
    menu = navigation.menu_for(network.memberships["n1_coordinator"])
    assert len(menu) > 8  # the point of grouping: these did not fit one line at 1366 px
    hrefs = re.findall(r'<a [^>]*href="(/[^"]*)"', nav)
    assert len(hrefs) == len(set(hrefs)) == 1 + len(menu)
    for path in ("/segnalazioni/", "/monitoraggio/", "/forum/"):
        assert path in hrefs
    assert "aria-expanded" not in nav  # the <summary> states it natively; a hand-kept copy would go stale


def test_a_group_of_one_entry_is_a_plain_link(login):
    # The provider's only "work" entry is its service orders; the budget officer's only "admin" one is the budget.
    assert _top_level(_nav(login("p_user").get("/").get_data(as_text=True))) == ["Home", "Ordini di servizio", "Rete e dati"]
    officer = _nav(login("n1_budget_officer").get("/").get_data(as_text=True))
    assert _top_level(officer) == ["Home", "Rete e dati", "Budget"]
    assert 'id="menu-admin"' not in officer


def test_the_current_page_marks_its_group(login):
    nav = _nav(login("n1_coordinator").get("/monitoraggio/").get_data(as_text=True))
    network_group = nav[nav.index('id="menu-network"'):nav.index("</details>", nav.index('id="menu-network"'))]
    assert 'summary class="nav-link dropdown-toggle active"' in network_group
    assert "(sezione attuale)" in network_group
    assert re.search(r'href="/monitoraggio/"\s+aria-current="page"', network_group)
    work_group = nav[nav.index('id="menu-work"'):]
    assert 'dropdown-toggle active' not in work_group[:work_group.index("</summary>")]


def test_the_user_menu_opens_without_javascript(login):
    # It was Bootstrap's dropdown: without its script the button did nothing, and what only it links to (the
    # coordinator's letter templates) could not be reached. A <details>, like the main menu's groups.
    header = login("n1_coordinator").get("/").get_data(as_text=True)
    header = header[:header.index('id="main-navigation"')]
    assert "data-bs-toggle" not in header
    menu = re.search(r'<details class="[^"]*\brete-user-menu\b[^"]*"[^>]*>\s*<summary[^>]*>(.*?)</summary>(.*?)</details>',
                     header, re.S)
    assert menu and "Menu utente: " in menu.group(1)
    links = re.findall(r'<a [^>]*href="(/[^"]*)"', menu.group(2))
    assert links == ["/profilo/password", "/profilo/verifica-due-passaggi", "/nodo/lettere", "/profilo/sessioni",
                     "/accesso/organizzazione"]


def test_a_visitor_meets_the_public_pages_and_one_way_to_sign_in(client):
    """Without an account the menu leads to what is public (the reporting door, the information points, the
    calls to join the network); signing in is the header's button, not a second 'Accedi' in the menu."""
    html = client.get("/segnala/").get_data(as_text=True)
    assert _top_level(_nav(html)) == ["Segnala una discriminazione", "Punti informativi", "Entra nella rete"]
    assert html.count(">Accedi<") == 1
    login_page = client.get("/accesso").get_data(as_text=True)  # the header hides its button here
    assert "Segnala una discriminazione" in _nav(login_page)
