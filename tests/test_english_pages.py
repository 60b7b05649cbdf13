"""The English interface shows no Italian interface text.

tests/test_catalogue.py checks that every text handed to gettext has its English; a text the code or a template
writes without gettext (a heading, a button, an aria-label, a flash) shows Italian in the English interface and
only a page can tell. Each role of the test network switches to English, as the header's language switch does,
and GETs the pages of the isolation matrix (tests/isolation.py: every route with its arguments); a page that
answers 200 with HTML must show none of the frequent Italian interface words below, neither in its visible text
nor in the attributes people meet (aria-label, title, placeholder, alt, a button's value, the texts rete.js and
monitoring.js show from data-* attributes).

What is not interface text is left out before looking: scripts and styles, text areas and the values of text
fields (what people typed), and the few data strings of the test network and of the page furniture kept in
Italian on purpose (``DATA``).
"""
import csv
import io
import re
from html import escape

import openpyxl
from flask import url_for

from .helpers import csrf_token, page_texts
from .isolation import MATRIX

# Owners of the matrix's victim rows (antenna A, node N1) and one user of every other kind of tenant.
ROLES = ["n1_coordinator", "n1_case_worker", "n1_budget_officer", "n1_dpo", "n1_sysadmin", "a_operator", "a_admin",
         "a_dpo", "p_user", "e_operator", "r_coordinator", "r_analyst", "r_dpo"]

# Frequent Italian interface words that are not English words too (whole words, case-sensitive where a capital
# marks a label). Articles and prepositions catch sentences; the nouns and verbs catch headings and buttons.
ITALIAN = re.compile(r"\b(?:" + "|".join([
    "della", "delle", "degli", "dello", "nella", "nelle", "negli", "sulla", "alla", "alle", "agli", "dal", "dalla",
    "dei", "del", "di", "il", "gli", "una", "uno", "non(?!-)", "con", "che", "è", "sono", "oppure", "anche",
    "questo", "questa", "tutti", "tutte", "già", "ancora", "nessun[oa]?", "Salva", "Annulla", "Nessun[oa]?",
    "Indietro", "Pagina", "Segnalazion[ei]", "Azion[ei]", "Stato", "Esporta", "Cerca", "Filtra", "Modifica",
    "Elimina", "Aggiungi", "Invia", "Conferma", "Chiudi", "Apri", "Scarica", "Carica", "Torna", "Vedi", "Mostra",
    "Tutti", "Tutte", "Totale", "Nome", "Cognome", "Ruolo", "Utent[ei]", "Caso", "Casi", "Persone", "Descrizione",
    "Titolo", "Tipo", "Inizio", "Ore", "Importo", "Periodo", "Anno", "Mese", "Giorni", "Scadenza", "Esito",
    "Motivo", "Contratt[oi]", "Fornitor[ei]", "Ordin[ei]", "Prestazion[ei]", "Verifica", "Richiest[ae]",
    "Document[oi]", "Allegat[oi]", "Messaggi?o?", "Risposta", "Rispondi", "Accedi", "Esci", "Lingua", "Aiuto",
    "Guida", "Impostazioni", "Nuov[oa]", "Elenco", "Dettagli?o?", "Indirizzo", "Telefono", "Organizzazion[ei]",
    "Servizi", "Operat(?:ore|rice)", "Giorno", "Sì", "Ricerca", "Risultati", "Precedente", "Successiva", "Chius[oa]",
    "Apert[oa]", "Attiv[oa]", "Scegli", "Seleziona", "facoltativo", "obbligatorio", "Gestisci", "Rimuovi", "Approva",
    "Rifiuta", "Accetta", "Registra", "Crea", "Stampa", "Ultim[oa]", "Prossim[oa]", "Fase", "Percorso", "Antenne",
    "Nodo", "Rete territoriale", "Bilancio", "Scheda", "Diario", "Udienz[ae]", "Trasferiment[oi]", "Allert[ae]",
]) + r")\b")

# Data, not interface, removed before looking: the test users' names ("Persona N1 Case Worker", tests/network.py),
# the providers of tests/budget_support.py, municipalities ("Cellio con Breia (VC)", "… (ISTAT 002171)"); and the
# free text of the test supports, which they mark with "prova" or "vittima" ("Corso di prova", "Udienza della
# vittima"). The tenants' own names (tests/network.py) are data too: "Nodo Uno di prova" is caught by the mark.
# Institutions keep their Italian names in English; three rows of tests/forum_support.py carry no mark.
DATA = re.compile(r"\bPersona(?: [A-Z][\w]*){2,3}|\bFornitore (?:Pi|Qu)\b|[^()]*\((?:ISTAT \d+|[A-Z]{2})\)|"
                  r"Provincia di Novara|Garante per la protezione dei dati personali|"
                  r"Scheda dell'antenna A|Sala del nodo|Sportello di ascolto")
MARKED = re.compile(r"\bprova\b|\bvittima", re.I)  # whole words: "approvato" is interface text
# Data a page shows by design, per endpoint: the column-matching page shows the headings of the uploaded file; the
# API reference, the open-data endpoint's query parameters (``dal``/``al``: names in the API's contract).
SHOWN = {"imports.columns": ["Cognome", "Nome"], "api_admin.docs": ["dal"]}


def italian_in(html: str, endpoint: str = "") -> list[str]:
    shown = [text for prefix, texts in SHOWN.items() if endpoint.startswith(prefix) for text in texts]
    found = []
    for part in page_texts(html):
        if MARKED.search(part):
            continue
        text = DATA.sub("", part)
        for data in shown:
            text = text.replace(data, "")
        match = ITALIAN.search(text)
        if match:
            found.append(f"{match.group(0)!r} in {part[:100]!r}")
    return found


def _headings(rows, endpoint: str) -> list[str]:
    """The Italian among a file's headings: its first rows (a title, the column headings)."""
    return italian_in("".join(f"<p>{escape(str(cell))}</p>" for row in rows for cell in row if cell is not None), endpoint)


def _csv(response, endpoint):
    return _headings(list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[:1], endpoint)


def _xlsx(response, endpoint):
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return _headings([row for sheet in book.worksheets for row in sheet.iter_rows(max_row=3, values_only=True)],
                     endpoint)


# What is looked at, by the response's type: pages, and the headings of the CSV and XLSX files people download.
READERS = {"text/html": lambda response, endpoint: italian_in(response.get_data(as_text=True), endpoint),
           "text/csv": _csv, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _xlsx}


def english_client(client, form_page="/profilo/password"):
    """The client with English chosen in the header's language switch (any page's form carries the token)."""
    token = csrf_token(client, form_page)
    client.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": token})
    return client


def _get_routes(app, network):
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        spec = MATRIX[rule.endpoint]
        if spec.api or "GET" not in rule.methods or rule.endpoint in {"static", "accounts.logout"}:
            continue
        with app.test_request_context():
            routes.append((rule.endpoint, url_for(rule.endpoint, **(spec.args(network) if spec.args else {}))))
    return routes


def test_the_english_interface_speaks_english(app, login, network):
    routes = _get_routes(app, network)
    findings: dict[str, set] = {}
    checked = set()
    for role in [None, *ROLES]:  # None: the public pages, signed out
        client = english_client(app.test_client(), "/accesso") if role is None else english_client(login(role))
        for endpoint, url in routes:
            response = client.get(url)
            if response.status_code != 200 or response.mimetype not in READERS:
                continue
            checked.add(endpoint)
            for found in READERS[response.mimetype](response, endpoint):
                findings.setdefault(found, set()).add(endpoint)
    assert len(checked) > 100  # the roles reached the pages (a login gone wrong would check only the public ones)
    assert not findings, f"{len(findings)} Italian texts:\n" + "\n".join(
        f"{found} on {', '.join(sorted(where)[:3])}" for found, where in sorted(findings.items()))


def test_the_check_sees_attributes_and_leaves_data():
    page = ('<button aria-label="Chiudi il menu">x</button><input type="submit" value="Salva">'
            '<input type="text" value="Stato della pratica"><textarea>Nota della persona</textarea>'
            '<script>var t = "Annulla";</script><td>Persona N1 Case Worker</td><td>Corso di prova</td>')
    assert [found.split(" in ")[1] for found in italian_in(page)] == ["'[aria-label] Chiudi il menu'", "'[value] Salva'"]
