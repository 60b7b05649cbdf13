"""The regional network in a browser, checked with axe on every page, on the seeded demo (Regione Piemonte
above the eight nodes, Novara's full network):

- the regional coordinator sees the region's dashboard with every node's figures (charts and their table
  twins), the region's nodes with their coordinators, manages the region's users, and opens nothing
  individual (a person, a referral, a case: 403/404; the isolation matrix covers every route);
- an organisation applies to Novara's public call without an account, the coordinator accepts, records the
  contact person's completed training, activates the proposed information point, and the point appears in
  the public list of information points and in the network's directory.
"""
import re
import time
from datetime import date, timedelta

from playwright.sync_api import expect

from .conftest import assert_accessible, login_as

REGION = "coordinatrice@regione.piemonte.example"
COORDINATOR = "coordinatrice@nodo.novara.example"
NODES = ("Alessandria", "Asti", "Biella", "Cuneo", "Novara", "Torino", "Verbano-Cusio-Ossola", "Vercelli")


def _path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def _submit(page, name: str):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_regional_coordinator_sees_aggregates_and_nothing_individual(page, browser_log):
    login_as(page, REGION)
    page.get_by_role("link", name="Monitoraggio regionale").first.click()
    expect(page.get_by_role("heading", level=1, name="Monitoraggio regionale")).to_be_visible()
    # Every node is a column of the tables; each chart has its table twin with the same rows.
    first = page.locator("table.rete-monitoring-table").first
    headers = first.locator("thead th").all_inner_texts()
    for node in NODES:
        assert any(node in h for h in headers), (node, headers)
    expect(page.locator("canvas").first).to_be_visible()  # Chart.js drew it under the CSP
    assert page.locator("table.rete-monitoring-table").count() >= 5
    assert_accessible(page, "regional dashboard")

    page.get_by_role("link", name="Nodi della regione e recapiti").click()
    expect(page.get_by_role("heading", level=1, name="Nodi della regione")).to_be_visible()
    novara = page.get_by_role("row").filter(has_text="Provincia di Novara")
    expect(novara).to_contain_text("Giulia Ferri (demo)")
    expect(novara).to_contain_text(COORDINATOR)
    assert page.locator("tbody tr").count() == 8
    assert_accessible(page, "region's nodes")

    # The region's own users: invite a regional analyst through the accounts pages.
    page.goto("/regione/")
    page.get_by_role("link", name="Utenti dell'organizzazione").click()
    expect(page.get_by_role("heading", level=1, name="Utenti dell'organizzazione")).to_be_visible()
    expect(page.get_by_text("analista@regione.piemonte.example")).to_be_visible()
    assert_accessible(page, "region's users")
    page.get_by_role("link", name="Invita un utente").click()
    assert_accessible(page, "invite a regional user")
    page.get_by_label("Nome e cognome").fill("Analista Nuova (demo)")
    address = f"analista.{int(time.time())}@regione.piemonte.example"
    page.get_by_label("E-mail").fill(address)
    page.get_by_label("Ruolo").select_option("regional_analyst")
    _submit(page, "Invia l'invito")
    expect(page.get_by_text("Invito inviato a")).to_be_visible()
    # Waiting for its owner to accept: the address and the role, no name (accounts/invitations.py).
    row = page.get_by_role("row").filter(has_text=address)
    expect(row).to_contain_text("Analista del centro regionale")
    expect(row).to_contain_text("Invito in attesa")

    # Nothing individual: the demo's first person, referral and case exist, and stay closed to the region.
    browser_log.allow(r"status of 40[34]")
    for url in ("/persone/1", "/segnalazioni/1", "/casi/1", "/casi/", "/segnalazioni/", "/persone/trova"):
        response = page.goto(url)
        assert response.status in (403, 404), (url, response.status)


def _publish_call(page) -> str:
    page.goto("/")
    page.get_by_role("link", name="Punti informativi e formazione").click()
    page.get_by_role("link", name="Avvisi", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Avvisi pubblici")).to_be_visible()
    assert_accessible(page, "node's calls")
    title = f"Avviso per nuovi punti informativi {int(time.time())}"
    page.get_by_label("Titolo dell'avviso").fill(title)
    page.get_by_label("Aperto dal").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("Chiuso il").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_label("Requisiti").fill("Almeno un operatore formato (32 ore) e un accordo firmato con il nodo.")
    _submit(page, "Pubblica")
    expect(page.get_by_text("Avviso pubblicato.")).to_be_visible()
    return title


def test_an_organisation_joins_the_network(page, open_page, mail_server):
    stamp = int(time.time())
    organisation, point = f"Associazione Porte Aperte {stamp}", f"Sportello Porte Aperte {stamp}"
    contact = f"referente.{stamp}@porteaperte.example"
    login_as(page, COORDINATOR)
    title = _publish_call(page)

    # The organisation finds the call among the open calls, with no account.
    public = open_page()
    public.goto("/accesso")
    public.get_by_role("link", name="Avvisi per entrare nella rete").click()
    expect(public.get_by_role("heading", level=1, name="Avvisi per entrare nella rete")).to_be_visible()
    assert_accessible(public, "public calls")
    public.get_by_role("link", name=title).click()
    expect(public.get_by_role("heading", level=1, name=title)).to_be_visible()
    assert_accessible(public, "public application form")
    public.get_by_label("Nome dell'organizzazione").fill(organisation)
    public.get_by_label("Tipo di organizzazione").select_option("association")
    public.get_by_label("Codice fiscale o partita IVA").fill("00743110157")
    public.get_by_label(re.compile(r"^Persona di contatto")).fill("Ilaria Referente")
    public.get_by_label("E-mail della persona di contatto").fill(contact)
    public.get_by_label("Nome del punto informativo").first.fill(point)
    public.get_by_label("Comune del punto").first.fill("Oleggio")
    _submit(public, "Invia la candidatura")
    assert_accessible(public, "application sent")

    # The Novara coordinator accepts it.
    page.goto("/rete/candidature")
    assert_accessible(page, "applications")
    page.get_by_role("link", name=organisation).click()
    assert_accessible(page, "application")
    page.get_by_role("combobox", name="Decisione").select_option("accept")
    page.get_by_label("Accordo firmato il").fill(date.today().isoformat())
    page.get_by_label("Accordo scade il").fill((date.today() + timedelta(days=365)).isoformat())
    _submit(page, "Conferma la decisione")
    expect(page.get_by_text("Candidatura accettata")).to_be_visible()

    # The invitation reached the contact person, who accepts it, sets a password and enters as the admin
    # (until then the organisation has no member: the node could not record their training).
    def invitations():
        return [mail_server.body(m) for m in mail_server.messages
                if m["To"] == contact and "/invito/" in mail_server.body(m)]

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not invitations():
        time.sleep(0.05)
    [invitation] = invitations()
    link = re.search(r"https?://\S+/invito/\S+", invitation).group(0)
    newcomer = open_page()
    newcomer.goto(_path_of(link))
    assert_accessible(newcomer, "invitation: accept")
    _submit(newcomer, "Accetta l'invito")
    expect(newcomer.get_by_role("textbox", name="Nuova password", exact=True)).to_be_visible()
    assert_accessible(newcomer, "invitation: choose a password")
    password = "Porte-Aperte-2026!"
    newcomer.get_by_role("textbox", name="Nuova password", exact=True).fill(password)
    newcomer.get_by_label("Ripeti la nuova password").fill(password)
    _submit(newcomer, "Salva la password")
    login_as(newcomer, contact, password)
    expect(newcomer.locator("header")).to_contain_text(f"Stai lavorando per: {organisation}")
    expect(newcomer.get_by_role("link", name="Utenti").first).to_be_attached()  # the organisation's admin
    assert_accessible(newcomer, "the new organisation's home")

    # The contact person completes the training; the node records it.
    page.get_by_role("link", name="Formazione").click()
    assert_accessible(page, "courses")
    page.get_by_label("Titolo del corso").fill(f"Corso base antidiscriminazione {stamp}")
    page.get_by_label("Durata (ore)").fill("32")
    _submit(page, "Registra il corso")
    expect(page.get_by_text("Corso registrato.")).to_be_visible()
    page.get_by_label("E-mail dell'operatore").fill(contact)
    page.get_by_label("Organizzazione").select_option(label=organisation)
    page.get_by_label("Completato il").fill(date.today().isoformat())
    page.get_by_label("Ore frequentate").fill("32")
    _submit(page, "Registra")
    expect(page.get_by_text("Partecipazione registrata.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=organisation)).to_contain_text("Sì")
    assert_accessible(page, "course with its participant")

    # Trained operator and agreement: the point can be activated.
    page.get_by_role("link", name="Punti informativi").click()
    row = page.get_by_role("row").filter(has_text=point)
    expect(row).to_contain_text("Ilaria Referente")
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^Attiva")).click()
    expect(page.get_by_text("Punto informativo attivato.")).to_be_visible()
    assert_accessible(page, "information points")

    # It appears in the public list of information points and in the network's directory.
    public.get_by_role("link", name="Trova un punto informativo").click()
    expect(public.get_by_role("row").filter(has_text=point)).to_contain_text(organisation)
    assert_accessible(public, "public information points")
    member = open_page()  # another antenna of the network reads the directory: active points only
    login_as(member, "operatore@comune-novara.example")
    member.goto("/rete/")
    member.get_by_role("link", name=organisation).click()
    expect(member.get_by_role("listitem").filter(has_text=point)).to_be_visible()
    expect(member.get_by_text("Non attivo")).to_have_count(0)
    assert_accessible(member, "directory entry")


def _path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)
