"""Nothing identifying leaves a case through the forum: codici fiscali and pseudonym codes are refused in every
field whatever the form says; each phone number or e-mail address needs its own confirmation, which the node's
moderators see with who gave it. Search snippets are plain text."""
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.forum import privacy
from portal.forum.models import ForumAttachment, ForumPost, ForumThread, PersonalDataConfirmation

from .case_support import audit_actions
from .forum_support import category, confirm_keys, make_thread, publish, reply
from .helpers import csrf_token

CF = "RSSMRA85T10A562S"
PSEUDONYM = "NP-2026-000123"  # the test nodes' code is NP
PRACTICE = {"problem": "Un problema", "target_group": "Giovani", "intervention": "Colloqui", "contacts": ""}


def _kinds(text, prefixes=("NO",)):
    return privacy.kinds(privacy.scan({"body": text}, prefixes=prefixes))


@pytest.mark.parametrize("sample, kind", [
    (f"La signora {CF} è venuta allo sportello", "tax_code"),
    ("codice rssmra85t10a562s in minuscolo", "tax_code"),
    ("omocodia: RSSMRA85T10A56NH", "tax_code"),
    ("con gli spazi RSS MRA 85T10 A562S", "tax_code"),
    ("spezzato dal Markdown RSS**MRA**85T10A562S", "tax_code"),
    ("con uno spazio invisibile RSSMRA85\u200bT10A562S", "tax_code"),
    ("attaccato a una parola verbale" + CF, "tax_code"),
    ("Il caso NO-2026-000123 è difficile", "pseudonym"),
    ("il caso no-2026-000123 in minuscolo", "pseudonym"),
    ("il caso NO 2026 000123 con gli spazi", "pseudonym"),
    ("senza prefisso di nodo: RT-2025-1234567", "pseudonym"),
    # A word processor's autocorrect: en and em dashes, spaces around them, the minus sign.
    ("incollato da Word: NO–2026–000123", "pseudonym"),
    ("con i trattini lunghi NO — 2026 — 000123", "pseudonym"),
    ("con il segno meno NO\u22122026\u2212000123", "pseudonym"),
    ("codice RSS–MRA–85T10–A562S con i trattini", "tax_code"),
    ("Chiamatela al 333 123 4567", "phone"),
    ("Scrivete a mario.rossi@example.org", "email"),
])
def test_personal_data_detected(sample, kind):
    assert kind in _kinds(sample)


@pytest.mark.parametrize("sample", [
    "Nel 2025 abbiamo seguito 120 persone; riunione il 12/03 alle 10.",
    "PROGETTOCOMUNE16 non è un codice fiscale",
    "RSSMRA85T10A562X ha il carattere di controllo sbagliato",
    "Il protocollo PROT-2026-000123 non è un codice pseudonimo (nessun nodo ha quel codice)",
])
def test_plain_text_is_not_flagged(sample):
    assert _kinds(sample) == []


def test_a_text_stuffed_with_look_alikes_is_refused_not_slow():
    """Codes with a right check character but no real birthplace are not codici fiscali, until there are so
    many that decoding them all would be slow: then the post counts as holding one (fail closed)."""
    from codicefiscale import codicefiscale

    look_alikes = []
    for day in [*range(1, 32), *range(41, 72)]:
        stem = f"RSSMRA85T{day:02d}Z999"
        look_alikes.append(stem + codicefiscale.encode_cin(stem))
    assert _kinds(" ".join(look_alikes[:10])) == []
    assert _kinds(" ".join(look_alikes)) == ["tax_code"]


def test_a_code_is_decoded_once_a_post_and_not_remembered_after_it(monkeypatch):
    from codicefiscale import codicefiscale

    decoded, real = [], codicefiscale.is_valid
    monkeypatch.setattr(codicefiscale, "is_valid", lambda code: decoded.append(code) or real(code))
    assert _kinds(f"{CF}, ancora *{CF}*") == ["tax_code"]  # the body read as written and as shown
    assert decoded == [CF]
    assert _kinds(CF) == ["tax_code"] and decoded == [CF, CF]  # the next post decodes it again


def test_a_contact_is_the_same_item_however_written_but_not_in_another_field():
    one = privacy.scan({"body": "0321 123456"})[0]
    assert one.key == privacy.scan({"body": "tel. 0321-123456"})[0].key == privacy.scan({"body": "+39 0321 123456"})[0].key
    assert one.key != privacy.scan({"title": "0321 123456"})[0].key
    assert one.key != privacy.scan({"body": "0321 123457"})[0].key


def test_the_highlight_marks_the_match_and_escapes_the_rest():
    [finding] = privacy.scan({"title": f"<b>caso</b> {CF}"})
    html = str(finding.highlighted())
    assert f"<mark>{CF}</mark>" in html and "&lt;b&gt;caso&lt;/b&gt;" in html and "<b>" not in html


def _every_tick(client, url, data, response):
    """The form sent again with every confirmation the page offers, the keys of the identifying findings too
    (computable by anyone: no key may unlock them) and the old generic tick."""
    every = set(confirm_keys(response)) | set(re.findall(r'id="finding-([0-9a-f]+)"', response.get_data(as_text=True)))
    assert every
    return client.post(url, data={**data, "confirm": sorted(every), "confirm_personal_data": "y"})


@pytest.mark.parametrize("field, where", [
    ("title", "nel titolo"), ("body", "nel testo"), ("problem", "nel campo «Problema affrontato»"),
    ("contacts", "nel campo «Contatti»"),
])
@pytest.mark.parametrize("code, what", [(CF, "C'è un codice fiscale"), (PSEUDONYM, "C'è il codice pseudonimo di una persona")])
def test_identifying_data_is_refused_in_every_field_whatever_is_ticked(login, network, field, where, code, what):
    client = login("a_operator")
    url = "/forum/nuova?tipo=prassi"
    data = {"category": str(category().id), "title": "Scheda", "body": "Descrizione 0321 123456", **PRACTICE,
            "csrf_token": csrf_token(client, url)}
    data[field] = f"{data[field]} con {code.lower() if field == 'body' else code} dentro"
    first = client.post(url, data=data)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert f"{what} {where}" in unescape(page)  # the field is named
    assert f"<mark>{code.lower() if field == 'body' else code}</mark>" in page  # the match is shown marked
    assert 'aria-invalid="true"' in page
    second = _every_tick(client, url, data, first)
    assert second.status_code == 200 and f"{what} {where}" in unescape(second.get_data(as_text=True))
    assert db.session.scalar(select(ForumThread).where(ForumThread.title == data["title"])) is None


def test_identifying_data_is_refused_in_replies_and_edits(login, network):
    client = login("a_operator")
    thread_id = int(publish(client, "Discussione", "Testo").headers["Location"].rsplit("/", 1)[1])
    first = reply(client, thread_id, f"Il codice è {PSEUDONYM}")
    assert first.status_code == 200 and f"<mark>{PSEUDONYM}</mark>" in first.get_data(as_text=True)
    again = reply(client, thread_id, f"Il codice è {PSEUDONYM}", confirm=True)
    assert again.status_code == 200
    assert db.session.get(ForumThread, thread_id).post_count == 1

    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread_id))
    url = f"/forum/p/{post.id}/modifica"
    data = {"body": f"Testo corretto {CF}", "version": post.version, "csrf_token": csrf_token(client, url)}
    first = client.post(url, data=data)
    assert first.status_code == 200 and f"<mark>{CF}</mark>" in first.get_data(as_text=True)
    assert _every_tick(client, url, data, first).status_code == 200
    db.session.refresh(post)
    assert post.body == "Testo"


def test_a_file_name_with_a_tax_code_is_refused_and_dropped(login, network, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FORUM_ATTACHMENT_DIR", str(tmp_path))
    client = login("a_operator")
    token = csrf_token(client, "/forum/nuova")
    data = {"category": str(category().id), "title": "Verbale", "body": "Allego il verbale.", "csrf_token": token,
            "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), f"verbale_{CF}.pdf")]}
    response = client.post("/forum/nuova", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "nel nome di un allegato" in page and f"<mark>{CF}</mark>" in page
    assert db.session.scalars(select(ForumAttachment)).all() == []  # not carried on to the next try
    assert _every_tick(client, "/forum/nuova", {k: v for k, v in data.items() if k != "files"}, response).status_code == 302


def test_each_contact_needs_its_own_confirmation(login, network):
    client = login("a_operator")
    body = "Sportello: 0321 123456, scrivete a sportello@comune.example"
    first = publish(client, "Orari dello sportello", body)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Confermo che il numero 0321 123456 nel testo è un recapito pubblico" in page
    assert "Confermo che l'indirizzo sportello@comune.example nel testo è un recapito pubblico" in unescape(page)
    keys = confirm_keys(first)
    assert len(keys) == 2
    url = "/forum/nuova"
    data = {"category": str(category().id), "title": "Orari dello sportello", "body": body,
            "csrf_token": csrf_token(client, url)}
    assert client.post(url, data={**data, "confirm_personal_data": "y"}).status_code == 200  # generic tick: no
    one = client.post(url, data={**data, "confirm": keys[:1]})
    assert one.status_code == 200 and 'checked' in one.get_data(as_text=True)  # one of two: still no
    changed = client.post(url, data={**data, "body": body.replace("123456", "654321"), "confirm": keys})
    assert changed.status_code == 200  # a confirmation is for that number, not for any
    assert db.session.scalar(select(ForumThread).where(ForumThread.title == "Orari dello sportello")) is None
    assert client.post(url, data={**data, "confirm": keys}).status_code == 302

    thread = db.session.scalar(select(ForumThread).where(ForumThread.title == "Orari dello sportello"))
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread.id))
    rows = db.session.scalars(select(PersonalDataConfirmation).where(PersonalDataConfirmation.post_id == post.id)
                              .order_by(PersonalDataConfirmation.kind)).all()
    assert [(r.kind, r.field, r.value, r.confirmed_by_id) for r in rows] == [
        ("email", "body", "sportello@comune.example", network.users["a_operator"].id),
        ("phone", "body", "0321 123456", network.users["a_operator"].id),
    ]
    assert post.personal_data_flags == ["email", "phone"]
    [event] = [e for e in audit_actions(network, tenant="a") if e.action == "forum.post.personal_data_confirmed"]
    assert event.fields == ["email:body", "phone:body"]  # names, never the values


def test_moderators_list_every_confirmation_with_who_confirmed(login, network):
    publish(login("a_operator"), "Contatti utili", "Ufficio: 0321 123456", confirm=True)
    reply_to = db.session.scalar(select(ForumThread).where(ForumThread.title == "Contatti utili"))
    reply(login("b_operator"), reply_to.id, "Anche noi: info@antenna-beta.example", confirm=True)
    page = login("n1_coordinator").get("/forum/segnalazioni").get_data(as_text=True)
    assert "0321 123456" in page and "info@antenna-beta.example" in page
    assert network.users["a_operator"].full_name in page and network.users["b_operator"].full_name in page
    assert "nel testo" in page
    other = login("n2_coordinator").get("/forum/segnalazioni").get_data(as_text=True)
    assert "0321 123456" not in other  # another network's moderators do not see them
    assert login("b_operator").get("/forum/segnalazioni").status_code == 403


def test_the_moderators_list_goes_by_pages(login, network, monkeypatch):
    from portal.forum import moderation

    monkeypatch.setattr(moderation, "CONFIRMATIONS_PER_PAGE", 1)
    publish(login("a_operator"), "Primo", "Ufficio: 0321 111111", confirm=True)
    publish(login("a_operator"), "Secondo", "Ufficio: 0321 222222", confirm=True)
    coordinator = login("n1_coordinator")
    first, second = (coordinator.get(f"/forum/segnalazioni?pagina={n}").get_data(as_text=True) for n in (1, 2))
    assert "0321 222222" in first and "0321 111111" not in first and "pagina=2" in first
    assert "0321 111111" in second and "0321 222222" not in second


def test_an_edit_keeps_confirmed_contacts_and_asks_for_new_ones(login, network):
    client = login("a_operator")
    publish(client, "Da aggiornare", "Ufficio: 0321 123456", confirm=True)
    thread = db.session.scalar(select(ForumThread).where(ForumThread.title == "Da aggiornare"))
    post = db.session.scalar(select(ForumPost).where(ForumPost.thread_id == thread.id))
    url = f"/forum/p/{post.id}/modifica"
    token = csrf_token(client, url)
    assert client.post(url, data={"body": "Ufficio: 0321 123456 (mattina)", "version": post.version,
                                  "csrf_token": token}).status_code == 302
    db.session.refresh(post)  # the edit page opened again shows the post's new version
    added = client.post(url, data={"body": "Ufficio: 0321 123456, cellulare 333 1234567", "version": post.version,
                                   "csrf_token": token})
    assert added.status_code == 200 and "Confermo che il numero 333 1234567 nel testo" in added.get_data(as_text=True)
    assert "Confermo che il numero 0321 123456" not in added.get_data(as_text=True)


def test_search_snippets_are_plain_text(login, network):
    make_thread(network.users["a_operator"], network.tenants["a"], title="Mediazione",
                body="**Grassetto** e [un link](https://example.org) sulla mediazione <script>alert(1)</script>")
    page = login("b_operator").get("/forum/cerca?q=mediazione").get_data(as_text=True)
    assert "Grassetto e un link sulla mediazione" in page
    assert "**Grassetto**" not in page and "](https://example.org)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
