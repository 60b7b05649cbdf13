"""Documents on a case, on its phase-1 outcome and on a delivery: checked storage, need-to-know, the
delivery's provider, audit on upload and download, deletion on anonymisation."""
import io
import re

import pytest
from sqlalchemy import select

from portal.cases.models import CaseDocument, DocumentKind
from portal.crypto import unseal
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .case_support import audit_actions
from .helpers import csrf_from, log_in
from .referral_support import PDF
from .story_support import other_case_worker, phase_1_outcome, upload

EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "documenti"))
    return tmp_path / "documenti"


def _documents(network, tenant="n1"):
    with context.acting_as(network.tenants[tenant].id):
        return list(db.session.scalars(
            select(CaseDocument).order_by(CaseDocument.id).execution_options(populate_existing=True)
        ))


def _case_upload(client, network, content=PDF, filename="unilav.pdf", subject="case"):
    page = f"/casi/{network.case.id}"
    return upload(client, page, f"/casi/{network.case.id}/documenti", content, filename, subject=subject)


def test_case_document_is_checked_stored_downloaded_and_audited(login, network, storage):
    client = login("n1_case_worker")
    assert _case_upload(client, network, filename="verbale colloquio.pdf").status_code == 302
    [document] = _documents(network)
    assert document.kind == DocumentKind.CASE and document.filename == "verbale_colloquio.pdf"
    raw = (storage / document.storage_key).read_bytes()
    assert unseal(raw, document.storage_key) == PDF and PDF not in raw  # sealed at rest
    assert document.filename in client.get(f"/casi/{network.case.id}").get_data(as_text=True)
    response = client.get(f"/casi/documenti/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    events = audit_actions(network, "n1", "case_document", document.id)
    assert [e.action for e in events] == ["case.document_added", "case.document_read"]
    assert "verbale" not in str([e.fields for e in events])  # field names, never values


def test_a_file_that_is_not_a_document_is_refused(login, network, storage):
    response = _case_upload(login("n1_coordinator"), network, EXE, "unilav.pdf")
    assert response.status_code == 200 and "Sono ammessi solo file PDF, PNG o JPEG" in response.get_data(as_text=True)
    assert _documents(network) == [] and (not storage.exists() or list(storage.iterdir()) == [])


def test_phase_1_document_needs_the_outcome(login, network, storage):
    client = login("n1_case_worker")
    response = _case_upload(client, network, subject="phase_1")
    assert response.status_code == 200 and "Registra prima l&#39;esito della fase 1" in response.get_data(as_text=True)
    phase_1_outcome(network)
    assert _case_upload(client, network, subject="phase_1").status_code == 302
    [document] = _documents(network)
    assert document.kind == DocumentKind.PHASE_1_OUTCOME and document.verification_id is not None
    assert "Documenti a riprova" in client.get(f"/casi/{network.case.id}").get_data(as_text=True)


def test_unassigned_case_worker_and_other_roles_cannot_reach_documents(app, login, network, session, storage):
    assert _case_upload(login("n1_coordinator"), network).status_code == 302
    [document] = _documents(network)
    stranger = app.test_client()
    log_in(stranger, other_case_worker(network, session).email)
    assert stranger.get(f"/casi/documenti/{document.id}").status_code == 403
    assert document.filename not in stranger.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert upload(stranger, f"/casi/{network.case.id}", f"/casi/{network.case.id}/documenti").status_code == 403
    for who, status in (("n1_budget_officer", 403), ("p_user", 404), ("a_operator", 404), ("n2_coordinator", 404)):
        assert login(who).get(f"/casi/documenti/{document.id}").status_code == status, who


@pytest.fixture
def delivery(network):
    """A delivery of the victim's action, delivered by provider P."""
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    return make_delivery(make_order(contract, network.action))


def test_provider_uploads_and_reads_its_delivery_documents(login, network, storage, delivery):
    provider = login("p_user")
    url = f"/budget/prestazioni/{delivery.id}/documenti"
    assert provider.get(url).status_code == 200
    assert upload(provider, url, url, filename="foglio presenze.pdf").status_code == 302
    [document] = _documents(network, "p")
    assert document.kind == DocumentKind.DELIVERY and document.provider_id == network.tenants["p"].id
    assert document.case_id == network.case.id and document.tenant_id == network.tenants["n1"].id
    assert provider.get(f"/casi/documenti/{document.id}").data == PDF
    # The node's case worker sees it on the case page and downloads it.
    worker = login("n1_case_worker")
    assert document.filename in worker.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert worker.get(f"/casi/documenti/{document.id}").status_code == 200
    assert [e.action for e in audit_actions(network, "n1", "case_document", document.id)] == [
        "case.document_added", "case.document_read", "case.document_read"]
    # A document of the case itself stays out of the provider's reach.
    assert _case_upload(worker, network).status_code == 302
    own = [d for d in _documents(network) if d.kind == DocumentKind.CASE][0]
    assert provider.get(f"/casi/documenti/{own.id}").status_code == 404
    assert [d.id for d in _documents(network, "p")] == [document.id]


def test_the_old_address_of_a_deliverys_documents_follows_it(login, delivery):
    """The page moved from the cases' pages to the budget's: links and bookmarks to the old address follow,
    an upload stays a POST (308); the page itself still decides who sees it."""
    old = login("p_user").get(f"/casi/prestazioni/{delivery.id}/documenti")
    assert old.status_code == 308 and old.headers["Location"].endswith(f"/budget/prestazioni/{delivery.id}/documenti")


def test_another_provider_and_other_tenants_do_not_see_a_delivery(login, network, storage, delivery):
    url = f"/budget/prestazioni/{delivery.id}/documenti"
    for who in ("a_operator", "b_operator", "n2_coordinator"):
        assert login(who).get(url).status_code == 404, who
    assert login("n1_budget_officer").get(url).status_code == 403


def test_anonymisation_deletes_documents_after_commit(app, login, network, storage, delivery):
    from portal.people.gdpr import anonymise

    assert _case_upload(login("n1_case_worker"), network).status_code == 302
    assert upload(login("p_user"), f"/budget/prestazioni/{delivery.id}/documenti",
                  f"/budget/prestazioni/{delivery.id}/documenti").status_code == 302
    paths = [storage / d.storage_key for d in _documents(network)]
    assert len(paths) == 2 and all(p.exists() for p in paths)
    with context.acting_as(network.tenants["n1"].id):
        cleared = anonymise(network.person, reason="erasure")
        assert "case.documents" in cleared
        assert all(p.exists() for p in paths)  # not before the commit
        db.session.commit()
    assert _documents(network) == [] and not any(p.exists() for p in paths)


@pytest.mark.parametrize("backend", ["local", "database"])
def test_a_document_form_sent_twice_keeps_one_file(app, login, network, storage, monkeypatch, backend):
    """A double click (or the page sent again): the form's key is kept on the document, the second post stores
    nothing; sent at the same instant, the unique key refuses the second before its file is kept."""
    from portal.cases import documents

    monkeypatch.setitem(app.config, "FILE_STORAGE", backend)
    client = login("n1_case_worker")
    page = client.get(f"/casi/{network.case.id}").get_data(as_text=True)
    key = re.search(r'id="document-submission-key"[^>]*value="([^"]+)"', page).group(1)

    def send():
        return client.post(f"/casi/{network.case.id}/documenti", content_type="multipart/form-data", data={
            "csrf_token": csrf_from(page), "submission_key": key, "subject": "case", "file": (io.BytesIO(PDF), "verbale.pdf")})

    first, again = send(), send()
    assert first.status_code == again.status_code == 302 and again.location == first.location
    assert "Questo documento era già stato aggiunto." in client.get(again.location).get_data(as_text=True)
    monkeypatch.setattr(documents, "document_by_key", lambda case, key: None)  # the first not yet seen
    raced = send()
    assert raced.status_code == 200 and "Questo documento era già stato aggiunto." in raced.get_data(as_text=True)
    [document] = _documents(network)
    assert len(list(storage.iterdir()) if storage.exists() else []) == (1 if backend == "local" else 0)
    assert client.get(f"/casi/documenti/{document.id}").data == PDF
