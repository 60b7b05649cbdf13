"""Letters from the node's editable templates: rendered as PDF, stored on the case as a document, pseudonym
unless a user who may see identity asks for the name (audited); templates checked on save."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.cases.models import CaseDocument, DocumentKind
from portal.crypto import unseal
from portal.documents.letters import Placeholders, TemplateError, check_text, fill
from portal.documents.models import LetterTemplate
from portal.extensions import db
from portal.tenancy import context

from .case_support import audit_actions
from .helpers import post_form
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "documenti"))
    return tmp_path / "documenti"


def _documents(network):
    with context.acting_as(network.tenants["n1"].id):
        return list(db.session.scalars(select(CaseDocument).order_by(CaseDocument.id)))


def _letter_text(storage, document) -> str:
    reader = PdfReader(io.BytesIO(unseal((storage / document.storage_key).read_bytes(), document.storage_key)))
    # A justified line reads back with its widened spaces ("Antenna  Alfa"): one space, as typed.
    return re.sub(r"[ \t]+", " ", "\n".join(page.extract_text() for page in reader.pages))


def _generate(client, network, **data):
    path = f"/casi/{network.case.id}/lettere/nuova"
    return post_form(client, path, {"language": "it", **data})


@pytest.mark.parametrize(("kind", "language", "extra", "expected"), [
    ("acceptance", "it", {}, ["Oggetto: Presa in carico della segnalazione", "Antenna Alfa"]),
    ("acceptance", "en", {}, ["Subject: Your referral has been accepted", "Signature"]),
    ("decline", "it", {"reason": "Fuori dall'ambito del nodo"}, ["Esito della segnalazione", "Fuori dall'ambito del nodo"]),
    ("decline", "en", {"reason": "Out of scope"}, ["Outcome of your referral", "Out of scope"]),
    ("summons", "it", {"appointment": "12/01/2027 ore 10:00, Novara"}, ["Convocazione a colloquio", "12/01/2027 ore 10:00"]),
    ("summons", "en", {"appointment": "12/01/2027 at 10:00, Novara"}, ["Invitation to an interview", "12/01/2027 at 10:00"]),
    ("closure", "it", {}, ["Chiusura del percorso", "si è concluso"]),
    ("closure", "en", {}, ["Closure of your pathway", "Kind regards."]),
])
def test_each_letter_is_rendered_and_stored_on_the_case(login, network, storage, kind, language, extra, expected):
    client = login("n1_case_worker")
    response = _generate(client, network, kind=kind, language=language, **extra)
    assert response.status_code == 302, response.get_data(as_text=True)
    [document] = _documents(network)
    assert document.kind == DocumentKind.CASE and document.content_type == "application/pdf"
    assert document.filename.endswith(f"-{network.case.pseudonym}.pdf")
    text = _letter_text(storage, document)
    assert text.startswith("Nodo Uno di prova\n")  # the node's own letterhead
    assert network.case.pseudonym in text
    for key in expected:
        assert key in text
    assert VICTIM_LAST_NAME not in text
    events = [e.action for e in audit_actions(network, object_type="case", object_id=network.case.id)]
    assert "case.letter_generated" in events


@pytest.mark.parametrize(("kind", "extra", "line"), [
    ("acceptance", {}, "Ente che la prende in carico: Provincia di Novara"),
    ("decline", {"reason": "Fuori ambito"}, "Ente che ha esaminato la segnalazione: Provincia di Novara"),
    ("summons", {"appointment": "12/01/2027 ore 10:00"}, "• Ente: Provincia di Novara"),
    ("closure", {}, "Ente che ha seguito il percorso: Provincia di Novara"),
])
def test_the_italian_letters_put_no_article_before_a_feminine_node_name(login, network, storage, kind, extra, line):
    """The default texts said "il {node}": "il Provincia di Novara". The name now follows a colon."""
    network.tenants["n1"].name = "Provincia di Novara"
    db.session.flush()
    assert _generate(login("n1_case_worker"), network, kind=kind, **extra).status_code == 302
    text = _letter_text(storage, _documents(network)[0])
    assert line in text
    assert not re.search(r"\b(il|lo|la|l'|del|dello|della|dell'|dal|dallo|dalla|dall'|al|nel)\s*Provincia", text, re.I)


def test_decline_needs_a_reason_and_summons_an_appointment(login, network, storage):
    client = login("n1_case_worker")
    response = _generate(client, network, kind="decline")
    assert response.status_code == 422 and "Indica il motivo del diniego" in response.get_data(as_text=True)
    response = _generate(client, network, kind="summons")
    assert response.status_code == 422 and "Indica data, ora e luogo del colloquio" in response.get_data(as_text=True)
    assert _documents(network) == []


def test_the_name_only_for_who_may_see_identity_and_audited(login, network, storage):
    client = login("n1_case_worker")  # the case worker assigned may see identity
    assert "by_name" in client.get(f"/casi/{network.case.id}/lettere/nuova").get_data(as_text=True)
    assert _generate(client, network, kind="acceptance", by_name="y").status_code == 302
    [document] = _documents(network)
    text = _letter_text(storage, document)
    assert f"{VICTIM_FIRST_NAME} {VICTIM_LAST_NAME}" in text
    reads = audit_actions(network, object_type="person", object_id=network.person.id)
    assert any(e.action == "person.identity_read" for e in reads)


def test_without_identity_rights_the_letter_stays_pseudonymous(login, network, storage, monkeypatch):
    monkeypatch.setattr("portal.documents.letters.can_see_identity", lambda person, membership=None: False)
    client = login("n1_case_worker")
    assert "by_name" not in client.get(f"/casi/{network.case.id}/lettere/nuova").get_data(as_text=True)
    assert _generate(client, network, kind="acceptance", by_name="y").status_code == 302
    text = _letter_text(storage, _documents(network)[0])
    assert VICTIM_LAST_NAME not in text and f"Gentile {network.case.pseudonym}" in text
    reads = audit_actions(network, object_type="person", object_id=network.person.id)
    assert not any(e.action == "person.identity_read" for e in reads)


def test_the_coordinators_template_is_used_and_checked(login, network, storage):
    coordinator = login("n1_coordinator")
    path = "/nodo/lettere/acceptance/it"
    assert "Testo predefinito" in coordinator.get("/nodo/lettere").get_data(as_text=True)
    bad = post_form(coordinator, path, {"version": "0", "subject": "Oggetto", "body": "Ciao {nome} {{x"})
    assert bad.status_code == 422 and "Segnaposto sconosciuti: {nome}" in bad.get_data(as_text=True)
    assert "Ciao {nome}" in bad.get_data(as_text=True)  # the input is kept
    ok = post_form(coordinator, path, {"version": "0", "subject": "Benvenuta", "body": "# Titolo\n\nCodice {pseudonym}, {{graffa}."})
    assert ok.status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        [row] = db.session.scalars(select(LetterTemplate)).all()
        assert row.version == 1
    stale = post_form(coordinator, path, {"version": "0", "subject": "Vecchia", "body": "Testo"})
    assert stale.status_code == 409
    assert _generate(coordinator, network, kind="acceptance").status_code == 302
    text = _letter_text(storage, _documents(network)[0])
    assert "Oggetto: Benvenuta" in text and f"Codice {network.case.pseudonym}, {{graffa}}." in text
    assert login("n1_case_worker").get(path).status_code == 403


def test_placeholders_reach_no_attribute_and_no_code():
    assert fill("{pseudonym} {pseudonym.__class__} {{", {"pseudonym": "AB12"}) == "AB12 {pseudonym.__class__} {"
    with pytest.raises(TemplateError):
        check_text("{pseudonym.__class__}", "body")
    with pytest.raises(TemplateError):
        check_text("{unknown}", "body")
    assert Placeholders("{date}").get_identifiers() == ["date"]


def test_opening_a_letter_by_name_is_a_read_of_identity_on_need_to_know(login, network, storage, monkeypatch):
    """The name is on the paper: every download of such a letter is an identity read (the person's access log,
    the unusual-access check), and only for who may see identity; a pseudonymous letter is a document read."""
    writer = login("n1_case_worker")
    assert _generate(writer, network, kind="acceptance", by_name="y").status_code == 302
    assert _generate(writer, network, kind="closure").status_code == 302
    by_name, pseudonymous = _documents(network)
    assert by_name.names_person and not pseudonymous.names_person
    coordinator = login("n1_coordinator")

    def identity_reads():
        return [e for e in audit_actions(network, object_type="person", object_id=network.person.id)
                if e.action == "person.identity_read" and e.actor_user_id == network.users["n1_coordinator"].id]

    linked = coordinator.get(f"/casi/documenti/{by_name.id}", headers={"Sec-Fetch-Site": "cross-site"})
    assert linked.status_code == 302 and identity_reads() == []  # from another site's link: the case, no read
    assert coordinator.get(f"/casi/documenti/{by_name.id}").status_code == 200
    assert len(identity_reads()) == 1
    assert coordinator.get(f"/casi/documenti/{pseudonymous.id}").status_code == 200
    assert len(identity_reads()) == 1
    log = login("n1_dpo").get(f"/persone/{network.person.id}/accessi").get_data(as_text=True)
    assert network.users["n1_coordinator"].full_name in log
    assert "ha scaricato un documento del caso" in log  # the case's documents are the person's objects too
    monkeypatch.setattr("portal.cases.documents.can_see_identity", lambda person, membership=None: False)
    assert coordinator.get(f"/casi/documenti/{by_name.id}").status_code == 403
    assert coordinator.get(f"/casi/documenti/{pseudonymous.id}").status_code == 200
