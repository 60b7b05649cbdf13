"""The case carries its story: need-to-know for case workers (one rule, referrals.services.can_read_texts),
the referral shown on the case page, and the case diary (dated entries, author-only corrections, history)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEvent
from portal.cases.models import DiaryEntry
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .case_support import add_diary_entry, audit_actions, post
from .factories import make_case, make_referral
from .helpers import csrf_from, log_in
from .referral_support import victim_attachment
from .story_support import other_case_worker

SITUATION = "Rifiutata a un colloquio di lavoro per il velo (prova)."  # tests/factories.py make_referral


@pytest.fixture
def stranger(app, network, session):
    """A case worker of node N1 to whom the victim's case is not assigned."""
    client = app.test_client()
    log_in(client, other_case_worker(network, session).email)
    return client


def _attachment_url(network):
    return f"/segnalazioni/{network.referral.id}/allegati/{victim_attachment(network).id}"


# --- need-to-know ------------------------------------------------------------------------------------

def test_unassigned_case_worker_sees_the_summary_only(stranger, network):
    page = stranger.get(f"/segnalazioni/{network.referral.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert network.referral.person.pseudonym in body and "Antenna Alfa" in body  # what the inbox shows
    assert SITUATION not in body and "Vedi il riepilogo della segnalazione" in body
    assert victim_attachment(network).filename not in body
    assert stranger.get(_attachment_url(network)).status_code == 403
    case_page = stranger.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert SITUATION not in case_page and "sono visibili al coordinamento" in case_page
    with context.acting_as(network.tenants["n1"].id):
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.read")).all()
    assert reads == []  # nothing read, nothing to audit


@pytest.mark.parametrize("who", ["n1_coordinator", "n1_case_worker", "a_operator"])
def test_coordinator_assigned_case_worker_and_antenna_read_the_story(login, network, who, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    (tmp_path / victim_attachment(network).storage_key).write_bytes(b"%PDF-1.4 prova")
    client = login(who)
    body = client.get(f"/segnalazioni/{network.referral.id}").get_data(as_text=True)
    assert SITUATION in body and victim_attachment(network).filename in body
    response = client.get(_attachment_url(network))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


def test_before_a_case_exists_only_the_coordinator_reads_at_the_node(login, network):
    referral = make_referral(network.tenants["a"], network.users["a_operator"], situation="TESTO-IN-ATTESA")
    url = f"/segnalazioni/{referral.id}"
    assert "TESTO-IN-ATTESA" not in login("n1_case_worker").get(url).get_data(as_text=True)
    assert "TESTO-IN-ATTESA" in login("n1_coordinator").get(url).get_data(as_text=True)
    # Once the case is assigned to them, the case worker reads it.
    make_case(referral, case_worker=network.users["n1_case_worker"])
    assert "TESTO-IN-ATTESA" in login("n1_case_worker").get(url).get_data(as_text=True)


def test_case_page_shows_the_referral_story_to_who_may_read_it(login, network):
    with context.acting_as(network.tenants["n1"].id):
        from portal.referrals.models import ReferralEvent

        db.session.add(ReferralEvent(
            referral_id=network.referral.id, tenant_id=network.referral.tenant_id, node_id=network.referral.node_id,
            actor_id=network.users["a_operator"].id, actor_tenant_id=network.tenants["a"].id,
            from_state="info_requested", to_state="submitted", message="MESSAGGIO-DELL-ANTENNA",
        ))
        db.session.flush()
    attachment = victim_attachment(network)
    body = login("n1_case_worker").get(f"/casi/{network.case.id}").get_data(as_text=True)
    for text in (SITUATION, "MESSAGGIO-DELL-ANTENNA", attachment.filename,
                 f"/segnalazioni/{network.referral.id}/allegati/{attachment.id}"):
        assert text in body, text
    assert any(e.action == "referral.read" for e in audit_actions(network, "n1", "referral", network.referral.id))


# --- the diary ---------------------------------------------------------------------------------------

def _entries(network):
    with context.acting_as(network.tenants["n1"].id):
        return list(db.session.scalars(
            select(DiaryEntry).where(DiaryEntry.case_id == network.case.id).order_by(DiaryEntry.id)
            .options(selectinload(DiaryEntry.revisions)).execution_options(populate_existing=True)
        ))


def test_diary_entries_are_dated_signed_and_audited_without_text(login, network):
    client = login("n1_case_worker")
    page = f"/casi/{network.case.id}"
    assert post(client, f"/casi/{network.case.id}/diario", {"text": "Primo colloquio svolto"}, page=page).status_code == 302
    assert post(client, f"/casi/{network.case.id}/diario", {"text": "Secondo colloquio"}, page=page).status_code == 302
    first, second = _entries(network)
    assert first.author_id == network.users["n1_case_worker"].id and first.written_at is not None
    body = client.get(page).get_data(as_text=True)
    assert body.index("Secondo colloquio") < body.index("Primo colloquio svolto")  # newest first
    assert "Persona N1 Case Worker" in body
    events = audit_actions(network, "n1", "case_diary_entry")
    assert [e.action for e in events] == ["case.diary_added", "case.diary_added"]
    assert all(e.fields == ["text"] for e in events)
    # An empty note is refused and the page answers 200 with the error.
    response = post(client, f"/casi/{network.case.id}/diario", {"text": "  "}, page=page)
    assert response.status_code == 200 and "Scrivi il testo della nota" in response.get_data(as_text=True)
    assert len(_entries(network)) == 2


def test_author_corrects_within_the_window_and_the_earlier_wording_stays(login, network):
    entry = add_diary_entry(network, "Testo con un refuso")
    client = login("n1_case_worker")
    url, stale = f"/casi/diario/{entry.id}", entry.version
    assert post(client, url, {"version": stale, "text": "Testo corretto"}).status_code == 302
    [fresh] = _entries(network)
    assert fresh.text == "Testo corretto" and fresh.edited_at is not None
    assert [r.text for r in fresh.revisions] == ["Testo con un refuso"]
    body = client.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert "Testo corretto" in body and "Testo con un refuso" in body and "Versioni precedenti (1)" in body
    # The same stale form again is a conflict, not an overwrite.
    response = post(client, url, {"version": stale, "text": "Sovrascrittura"})
    assert response.status_code == 409 and _entries(network)[0].text == "Testo corretto"
    assert [e.action for e in audit_actions(network, "n1", "case_diary_entry", entry.id)] == ["case.diary_corrected"]


def test_only_the_author_corrects(login, network):
    entry = add_diary_entry(network, "Nota dell'operatore", author_key="n1_case_worker")
    coordinator = login("n1_coordinator")
    assert post(coordinator, f"/casi/diario/{entry.id}", {"version": entry.version, "text": "Altro"},
                page=f"/casi/{network.case.id}").status_code == 403
    assert "Correggi" not in coordinator.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert _entries(network)[0].text == "Nota dell'operatore"


def test_the_correction_window_closes(app, login, network, monkeypatch):
    entry = add_diary_entry(network, "Nota di ieri")
    with context.acting_as(network.tenants["n1"].id):
        entry.written_at = utcnow() - timedelta(minutes=16)
        db.session.flush()
    client = login("n1_case_worker")
    assert "Correggi" not in client.get(f"/casi/{network.case.id}").get_data(as_text=True)
    response = post(client, f"/casi/diario/{entry.id}", {"version": entry.version, "text": "Riscritta"},
                    page=f"/casi/{network.case.id}")
    assert response.status_code == 200 and "entro 15 minuti" in response.get_data(as_text=True)
    assert _entries(network)[0].text == "Nota di ieri"
    monkeypatch.setitem(app.config, "CASE_DIARY_EDIT_MINUTES", 60)  # configurable
    assert post(client, f"/casi/diario/{entry.id}", {"version": entry.version, "text": "Riscritta"}).status_code == 302


def test_unassigned_case_worker_neither_reads_nor_writes_the_diary(stranger, network):
    add_diary_entry(network, "DIARIO-RISERVATO")
    assert "DIARIO-RISERVATO" not in stranger.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert post(stranger, f"/casi/{network.case.id}/diario", {"text": "x"}, page=f"/casi/{network.case.id}").status_code == 403


# --- the page's index of sections ---------------------------------------------------------------------

def _section_links(body: str) -> list[str]:
    nav = re.search(r'<nav[^>]*id="case-sections".*?</nav>', body, re.S)
    assert nav, "the case page has no index of its sections"
    return re.findall(r'href="#([\w-]+)"', nav.group(0))


def test_case_page_index_leads_to_its_sections(login, stranger, network):
    """A case page runs over four phone screens: its index lists the sections the reader has, each one there."""
    full = login("n1_case_worker").get(f"/casi/{network.case.id}").get_data(as_text=True)
    targets = _section_links(full)
    assert targets == ["azioni", "verifiche", "tutela", "scheda", "segnalazione", "documenti", "diario"]
    summary = stranger.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert _section_links(summary) == ["azioni", "verifiche", "tutela", "scheda", "segnalazione"]  # no story
    for body, ids in ((full, targets), (summary, _section_links(summary))):
        missing = [t for t in ids if f'id="{t}"' not in body]
        assert not missing, f"index links to missing sections: {missing}"


def test_a_diary_note_sent_twice_is_added_once(login, network, monkeypatch):
    """A double click (or the page sent again): the form's key is kept on the entry, the second post adds
    nothing; sent at the same instant, the unique key refuses the second on the form."""
    from portal.cases import diary

    client = login("n1_case_worker")
    page = client.get(f"/casi/{network.case.id}").get_data(as_text=True)
    key = re.search(r'id="diary-submission-key"[^>]*value="([^"]+)"', page).group(1)
    url, data = f"/casi/{network.case.id}/diario", {"text": "Colloquio svolto", "submission_key": key,
                                                    "csrf_token": csrf_from(page)}
    first, again = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == again.status_code == 302 and again.location == first.location
    assert "Questa nota era già stata aggiunta al diario." in client.get(again.location).get_data(as_text=True)
    monkeypatch.setattr(diary, "entry_by_key", lambda case, key: None)  # the first not yet seen
    raced = client.post(url, data=data)
    assert raced.status_code == 200 and "Questa nota era già stata aggiunta al diario." in raced.get_data(as_text=True)
    assert [entry.text for entry in _entries(network)] == ["Colloquio svolto"]
