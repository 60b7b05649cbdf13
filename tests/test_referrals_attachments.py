"""Attachments: type by content, size limit, stored outside static/, served only to who sees the referral."""
import hashlib
import io
import os
import re

import pytest

from portal.core.files import display_name
from portal.crypto import unseal
from portal.models_base import utcnow
from portal.referrals.models import Attachment, ReferralState
from portal.tenancy import context

from .factories import make_referral
from .helpers import csrf_from
from .referral_support import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati"


@pytest.fixture
def draft(network):
    return make_referral(network.tenants["a"], network.users["a_operator"], state="draft")


def _upload(client, referral, content, filename):
    token = csrf_from(client.get(f"/segnalazioni/{referral.id}").get_data(as_text=True))
    return client.post(
        f"/segnalazioni/{referral.id}/allegati", data={"csrf_token": token, "files": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _attachments(session, network, referral):
    with context.acting_as(network.tenants["a"].id):
        return session.query(Attachment).filter_by(referral_id=referral.id).populate_existing().all()


def test_pdf_is_stored_and_downloaded(login, network, session, storage, draft):
    client = login("a_operator")
    response = _upload(client, draft, PDF, "referto medico.pdf")
    assert response.status_code == 302
    [attachment] = _attachments(session, network, draft)
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    path = storage / attachment.storage_key
    assert unseal(path.read_bytes(), attachment.storage_key) == PDF and PDF not in path.read_bytes() and "static" not in str(path)
    assert attachment.storage_key not in attachment.filename and "referto" in attachment.filename
    url = f"/segnalazioni/{draft.id}/allegati/{attachment.id}"
    assert login("n1_coordinator").get(url).status_code == 404  # a draft is not yet addressed to the node
    with context.acting_as(network.tenants["a"].id):
        draft.state = ReferralState.SUBMITTED
        draft.submitted_at = utcnow()
        session.flush()
    for key in ("a_operator", "n1_coordinator"):
        response = login(key).get(url)
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert login("a_operator").get(f"/segnalazioni/{draft.id}").get_data(as_text=True).count(url) == 1


def test_an_italian_name_keeps_its_letters_and_loses_what_could_act_as_a_path(login, network, session, storage,
                                                                              draft):
    """"Relazione attività" stays as typed (secure_filename made it "attivita"); a path, control characters and a
    direction override (which shows "gnp.exe" backwards) go; the download names it in UTF-8 (RFC 6266)."""
    client = login("a_operator")
    for name in ("Relazione attività città.pdf", "foto\u202egnp.exe.pdf", "../../a\x01b;c.pdf"):
        assert _upload(client, draft, PDF, name).status_code == 302
    names = sorted(a.filename for a in _attachments(session, network, draft))
    assert names == ["Relazione_attività_città.pdf", "a_b_c.pdf", "foto_gnp.exe.pdf"]
    [attachment] = [a for a in _attachments(session, network, draft) if a.filename.startswith("Relazione")]
    response = client.get(f"/segnalazioni/{draft.id}/allegati/{attachment.id}")
    assert "filename*=UTF-8''Relazione_attivit%C3%A0_citt%C3%A0.pdf" in response.headers["Content-Disposition"]
    assert "Relazione_attività_città.pdf" in client.get(f"/segnalazioni/{draft.id}").get_data(as_text=True)


@pytest.mark.parametrize("uploaded, kept", [
    ("C:\\Documenti\\verbale.pdf", "verbale.pdf"), ('nome"; filename="altro.pdf', "nome_filename=_altro.pdf"),
    ("प्रिया शर्मा.pdf", "प्रिया_शर्मा.pdf"), ("", "allegato.pdf"), ("x" * 300 + ".pdf", "x" * 150 + ".pdf")])
def test_the_names_kept(uploaded, kept):
    """What browsers may send that the test client cannot (Windows paths, quotes), and names of other scripts."""
    assert display_name(uploaded, ".pdf") == kept


def test_png_accepted_even_with_a_wrong_extension(login, network, session, storage, draft):
    assert _upload(login("a_operator"), draft, PNG, "foto.pdf").status_code == 302
    [attachment] = _attachments(session, network, draft)
    assert attachment.content_type == "image/png" and attachment.filename == "foto.png"


def test_executable_renamed_pdf_is_refused(login, network, session, storage, draft):
    response = _upload(login("a_operator"), draft, EXE, "documento.pdf")
    assert response.status_code == 200
    # On the upload control itself, not only in the summary at the top of the form.
    assert re.search(r'id="attachment-files-error">[^<]*Sono ammessi solo file PDF, PNG o JPEG',
                     response.get_data(as_text=True))
    assert _attachments(session, network, draft) == []
    assert not storage.exists() or os.listdir(storage) == []


def test_oversize_is_refused(app, login, network, session, storage, draft, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 50)
    response = _upload(login("a_operator"), draft, PDF, "grande.pdf")
    assert response.status_code == 200 and "dimensione massima" in response.get_data(as_text=True)
    assert _attachments(session, network, draft) == []


def test_other_tenants_cannot_download_or_upload(login, network, session, storage, draft):
    assert _upload(login("a_operator"), draft, PDF, "a.pdf").status_code == 302
    [attachment] = _attachments(session, network, draft)
    url = f"/segnalazioni/{draft.id}/allegati/{attachment.id}"
    for key in ("b_operator", "n2_coordinator", "p_user"):
        assert login(key).get(url).status_code == 404
    # The right attachment id under another (visible) referral is not found either.
    assert login("a_operator").get(f"/segnalazioni/{network.referral.id}/allegati/{attachment.id}").status_code == 404
    # The node (whatever the role) does not see a draft at all; once sent, roles without referrals get 403.
    assert login("n1_coordinator").get(url).status_code == 404
    assert login("n1_budget_officer").get(url).status_code == 404
    with context.acting_as(network.tenants["a"].id):
        draft.state = ReferralState.SUBMITTED
        draft.submitted_at = utcnow()
        session.flush()
    assert login("n1_budget_officer").get(url).status_code == 403


def test_antenna_attaches_until_the_node_decides_and_so_does_the_node(login, network, session, storage):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])  # submitted
    assert _upload(login("a_operator"), referral, PDF, "x.pdf").status_code == 302
    assert _upload(login("n1_coordinator"), referral, PDF, "nota.pdf").status_code == 302
    assert len(_attachments(session, network, referral)) == 2
    with context.acting_as(network.tenants["a"].id):
        referral.state = ReferralState.DECLINED
        session.flush()
    client = login("a_operator")
    response = client.post(f"/segnalazioni/{referral.id}/allegati",
                           data={"csrf_token": csrf_from(client.get(f"/segnalazioni/{referral.id}").get_data(as_text=True)),
                                 "files": (io.BytesIO(PDF), "y.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 403 and len(_attachments(session, network, referral)) == 2


def test_a_form_sent_back_with_errors_says_which_files_to_choose_again(login, network):
    """A browser never sends a chosen file back: the summary says so, on the files' field, so the referral is
    not sent without its documents (the field's help said it, below the fold)."""
    from .referral_support import post_new

    response, _key = post_new(login("a_operator"), first_name="", files=(io.BytesIO(PDF), "certificato.pdf"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Il modulo contiene errori" in body
    assert "i file scelti non restano nel modulo rimandato" in body
