"""The main menu's groups in a browser: at 1366 px the coordinator's menu is one line; a group opens
by pointer and by keyboard, says whether it is expanded, closes with Escape or when another opens; on a phone
it unfolds in the side panel; without JavaScript it still opens and leads to its pages, on a laptop and a phone.
"""
from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

COORDINATOR = "coordinatrice@nodo.novara.example"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# The first-level items' top edges: one line means one distinct top.
_ROWS = """
() => new Set(Array.from(document.querySelectorAll('#main-menu .navbar-nav > li'))
  .map(li => Math.round(li.getBoundingClientRect().top))).size
"""

# Where the main menu is drawn: under the brand (the centre of the header) and above the page's content.
_IN_PLACE = """
() => {
  const box = selector => document.querySelector(selector).getBoundingClientRect();
  const menu = box('#main-menu'), brand = box('.it-brand-wrapper'), main = box('#main-container');
  return {below_brand: menu.top >= brand.bottom - 1, above_page: menu.bottom <= main.top + 1};
}
"""


def _group(page, label: str):
    return page.locator("#main-menu details.rete-menu-group", has=page.locator("summary", has_text=label))


def _expanded(page, label: str) -> bool:
    """What the browser tells assistive technology about the group's <summary> (its accessibility node)."""
    session = page.context.new_cdp_session(page)
    try:
        summary = _group(page, label).locator("summary")
        summary.evaluate("el => el.setAttribute('data-probe', '1')")
        root = session.send("DOM.getDocument")["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": "[data-probe]"})["nodeId"]
        ax = session.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
        summary.evaluate("el => el.removeAttribute('data-probe')")
        states = {p["name"]: p["value"]["value"] for p in ax.get("properties", [])}
        return bool(states.get("expanded"))
    finally:
        session.detach()


def test_grouped_menu_on_a_laptop_by_pointer_and_keyboard(open_page):
    page = open_page(viewport=LAPTOP)
    login_as(page, COORDINATOR)
    assert page.evaluate(_ROWS) == 1
    work, network = _group(page, "Lavoro"), _group(page, "Rete e dati")
    cases = page.locator("#main-menu").get_by_role("link", name="Casi in carico")
    expect(cases).to_be_hidden()
    assert not _expanded(page, "Lavoro")
    work.locator("summary").click()
    expect(cases).to_be_visible()
    assert _expanded(page, "Lavoro")
    assert_accessible(page, "menu group open")
    network.locator("summary").click()  # one group open at a time
    expect(work).not_to_have_attribute("open", "")
    expect(page.locator("#main-menu").get_by_role("link", name="Monitoraggio")).to_be_visible()
    page.locator("h1").click()  # a click elsewhere closes it
    expect(network).not_to_have_attribute("open", "")
    # keyboard: Enter opens, Tab reaches the links, Escape closes and gives the focus back
    work.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(cases).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#main-menu").get_by_role("link", name="Segnalazioni", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(cases).to_be_hidden()
    expect(work.locator("summary")).to_be_focused()
    page.keyboard.press("Space")
    with page.expect_navigation():
        cases.click()
    expect(page.get_by_role("heading", level=1, name="Casi in carico")).to_be_visible()
    expect(work.locator("summary")).to_have_class("nav-link dropdown-toggle active")


def test_grouped_menu_on_a_phone(open_page):
    page = open_page(viewport=PHONE)
    login_as(page, COORDINATOR)
    page.get_by_role("button", name="Mostra o nascondi la navigazione").click()
    _group(page, "Amministrazione").locator("summary").click()
    users = page.locator("#main-menu").get_by_role("link", name="Utenti")
    expect(users).to_be_visible()
    assert_accessible(page, "phone menu with a group open")
    with page.expect_navigation():
        users.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Utenti")


def test_grouped_menu_without_javascript(open_page):
    for size in (LAPTOP, PHONE):
        page = open_page(viewport=size, java_script_enabled=False)
        login_as(page, COORDINATOR)
        menu = page.locator("#main-menu")
        expect(menu).to_be_visible()  # on a phone too: drawn in place, not in the script's side panel
        # ... between the header's brand and the page, covering neither (nor the messages and the heading)
        assert page.evaluate(_IN_PLACE) == {"below_brand": True, "above_page": True}, size
        link = menu.get_by_role("link", name="Monitoraggio")
        expect(link).to_be_hidden()
        _group(page, "Rete e dati").locator("summary").click()
        with page.expect_navigation():
            link.click()
        expect(page.get_by_role("heading", level=1, name="Monitoraggio della rete")).to_be_visible()
        # (axe needs JavaScript in the page: the groups' markup is checked open in the tests above)
    # On a laptop a group is drawn over the page: once the focus leaves it (Tab past its links), it is no longer
    # drawn there, over what now has the focus; back on its <summary> it shows again, still open.
    page = open_page(viewport=LAPTOP, java_script_enabled=False)
    login_as(page, COORDINATOR)
    work = _group(page, "Lavoro")
    cases = page.locator("#main-menu").get_by_role("link", name="Casi in carico")
    work.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(cases).to_be_visible()
    for _ in range(7):  # its six links, then the next group's <summary>
        page.keyboard.press("Tab")
    expect(_group(page, "Rete e dati").locator("summary")).to_be_focused()
    expect(cases).to_be_hidden()
    page.keyboard.press("Shift+Tab")
    expect(work.locator("summary")).to_be_focused()
    expect(cases).to_be_visible()


def test_user_menu_by_keyboard_with_and_without_javascript(open_page):
    # A <details> (it was Bootstrap's dropdown, dead without its script): Enter opens it, Tab reaches its links;
    # tabbing out of it closes it (the script) or stops drawing it over the page (without the script).
    for size, scripts in ((PHONE, True), (LAPTOP, True), (PHONE, False), (LAPTOP, False)):
        page = open_page(viewport=size, java_script_enabled=scripts)
        login_as(page, COORDINATOR)
        summary = page.locator("#user-menu-button")
        letters = page.locator("#user-menu").get_by_role("link", name="Modelli di lettera")
        expect(letters).to_be_hidden()
        summary.focus()
        page.keyboard.press("Enter")
        expect(letters).to_be_visible()
        if scripts:
            assert_accessible(page, f"user menu open at {size['width']} px")
        for _ in range(6):  # the coordinator's five links, then "Esci"
            page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Esci")).to_be_focused()
        expect(letters).to_be_hidden()
        page.keyboard.press("Shift+Tab")
        expect(summary).to_be_focused()
        if scripts:  # closed: open it again (without the script it is still open, drawn again with the focus)
            page.keyboard.press("Enter")
        expect(letters).to_be_visible()
        letters.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1, name="Modelli di lettera")).to_be_visible()
