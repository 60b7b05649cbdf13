"""Forum attachments: type by content, size limit, stored outside static/, downloaded by the network only,
file names checked for personal data, files kept across a confirmation round trip, audited."""
import io
import zipfile

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.core import files
from portal.crypto import unseal
from portal.extensions import db
from portal.forum.models import ForumAttachment, ForumPost, ForumThread
from portal.tenancy import context

from .forum_support import category, confirm_keys, make_thread
from .helpers import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
HTML = b"<html><script>alert(1)</script></html>"


def _zip(entries: dict, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
DOCM = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>", "word/vbaProject.bin": "x"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": "<office/>"}, first="mimetype")
ZIP = _zip({"a.txt": "ciao"})
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "WordDocument".encode("utf-16-le") + b"\x00" * 64


@pytest.mark.parametrize("content, expected", [
    (PDF, ".pdf"), (PNG, ".png"), (b"\xff\xd8\xff\xe0" + b"\x00" * 20, ".jpg"), (b"GIF89a" + b"\x00" * 20, ".gif"),
    (DOCX, ".docx"), (XLSX, ".xlsx"), (ODT, ".odt"), (OLE_DOC, ".doc"),
    (DOCM, None), (EXE, None), (HTML, None), (ZIP, None), (b"PK\x03\x04broken", None), (b"", None),
])
def test_type_comes_from_the_content(content, expected):
    kind = files.sniff_document(content)
    assert (kind[1] if kind else None) == expected


def test_referrals_keep_their_narrower_sniffing():
    from portal.referrals import attachments as referral_attachments

    assert referral_attachments.sniff(PDF[:16]) == ("application/pdf", ".pdf")
    assert referral_attachments.sniff(DOCX[:16]) is None


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati" / "forum"


def _publish(client, title, body, uploads, **extra):
    token = csrf_token(client, "/forum/nuova")
    data = {"category": str(category().id), "title": title, "body": body, "csrf_token": token, **extra}
    data["files"] = [(io.BytesIO(content), name) for content, name in uploads]
    return client.post("/forum/nuova", data=data, content_type="multipart/form-data")


def _attachments_of(thread_id):
    return list(db.session.scalars(
        select(ForumAttachment).join(ForumPost, ForumPost.id == ForumAttachment.post_id)
        .where(ForumPost.thread_id == thread_id).order_by(ForumAttachment.id).execution_options(populate_existing=True)
    ))


def _thread(title):
    return db.session.scalar(select(ForumThread).where(ForumThread.title == title))


def test_files_are_stored_outside_static_and_served_to_the_network(app, login, network, storage):
    client = login("a_operator")
    response = _publish(client, "Modulistica condivisa", "Ecco i modelli.", [(PDF, "modello.pdf"), (DOCX, "scheda.docx")])
    assert response.status_code == 302
    thread = _thread("Modulistica condivisa")
    pdf, docx = _attachments_of(thread.id)
    assert (pdf.content_type, pdf.size, pdf.filename) == ("application/pdf", len(PDF), "modello.pdf")
    assert docx.filename == "scheda.docx" and docx.content_type.endswith("wordprocessingml.document")
    path = storage / pdf.storage_key
    assert unseal(path.read_bytes(), pdf.storage_key) == PDF and PDF not in path.read_bytes() and "static" not in str(path) and pdf.storage_key not in pdf.filename
    page = client.get(f"/forum/t/{thread.id}").get_data(as_text=True)
    assert f"/forum/allegati/{pdf.id}" in page and "modello.pdf" in page
    for key in ("b_operator", "p_user", "n2_dpo"):  # the forum is the network's: any member reads its files
        download = login(key).get(f"/forum/allegati/{pdf.id}")
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in download.headers["Content-Disposition"]
    anonymous = app.test_client().get(f"/forum/allegati/{pdf.id}")
    assert anonymous.status_code == 302 and "/accesso" in anonymous.headers["Location"]
    assert login("b_operator").get("/forum/allegati/999999").status_code == 404
    with context.acting_as(network.tenants["a"].id):
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "forum_attachment")))
    assert actions.count("forum.attachment.add") == 2


def test_a_refused_file_keeps_the_rest_of_the_form(login, network, storage):
    client = login("a_operator")
    response = _publish(client, "Titolo che resta", "Testo che resta", [(EXE, "programma.pdf")])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "non è di un tipo ammesso" in page and "Titolo che resta" in page and "Testo che resta" in page
    assert 'aria-invalid="true"' in page
    assert _thread("Titolo che resta") is None


def test_size_limit(login, network, storage, app, monkeypatch):
    monkeypatch.setitem(app.config, "FORUM_ATTACHMENT_MAX_BYTES", 50)
    response = _publish(login("a_operator"), "Troppo grande", "Testo", [(PDF + b"x" * 100, "grande.pdf")])
    assert response.status_code == 200 and "supera la dimensione massima" in response.get_data(as_text=True)
    assert _thread("Troppo grande") is None


def test_file_names_are_checked_for_personal_data_and_files_survive_the_confirmation(login, network, storage):
    client = login("a_operator")
    response = _publish(client, "Verbale di un incontro", "Allego il documento.", [(PDF, "ufficio 0321 123456.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "nel nome di un allegato" in page and "ufficio_0321_123456.pdf" in page
    pending = db.session.scalars(select(ForumAttachment).where(ForumAttachment.post_id.is_(None))).all()
    assert len(pending) == 1
    # Sent again with the file's confirmation and no new file: the pending one is published with the post.
    response = _publish(client, "Verbale di un incontro", "Allego il documento.", [], confirm=confirm_keys(response),
                        pending=str(pending[0].id))
    assert response.status_code == 302
    [attachment] = _attachments_of(_thread("Verbale di un incontro").id)
    assert attachment.id == pending[0].id
    post = db.session.scalar(select(ForumPost).where(ForumPost.id == attachment.post_id))
    assert post.personal_data_flags == ["phone"]


def test_nobody_claims_someone_elses_pending_file(login, network, storage):
    _publish(login("b_operator"), "Bozza di B", "Testo con 0321 123456", [(PDF, "b.pdf")])
    [pending] = db.session.scalars(select(ForumAttachment).where(ForumAttachment.post_id.is_(None))).all()
    response = _publish(login("a_operator"), "Furto di allegato", "Testo", [], pending=str(pending.id))
    assert response.status_code == 302
    assert _attachments_of(_thread("Furto di allegato").id) == []
    assert login("a_operator").get(f"/forum/allegati/{pending.id}").status_code == 404  # not yet published


def test_files_of_hidden_posts_are_not_served(login, network, storage):
    client = login("a_operator")
    _publish(client, "Da nascondere", "Testo", [(PNG, "foto.png")])
    thread = _thread("Da nascondere")
    [attachment] = _attachments_of(thread.id)
    assert login("b_operator").get(f"/forum/allegati/{attachment.id}").status_code == 200
    coordinator = login("n1_coordinator")
    token = csrf_token(coordinator, f"/forum/t/{thread.id}")
    assert coordinator.post(f"/forum/t/{thread.id}/modera", data={"action": "hide", "csrf_token": token}).status_code == 302
    assert login("b_operator").get(f"/forum/allegati/{attachment.id}").status_code == 404
    assert coordinator.get(f"/forum/allegati/{attachment.id}").status_code == 200


def test_reply_with_a_file(login, network, storage):
    thread = make_thread(network.users["a_operator"], network.tenants["a"], title="Risposte con file")
    client = login("b_operator")
    token = csrf_token(client, f"/forum/t/{thread.id}")
    response = client.post(f"/forum/t/{thread.id}/rispondi", content_type="multipart/form-data",
                           data={"body": "Ecco la nostra scheda", "csrf_token": token, "files": [(io.BytesIO(ODT), "scheda.odt")]})
    assert response.status_code == 302
    [attachment] = _attachments_of(thread.id)
    assert attachment.filename == "scheda.odt" and attachment.content_type == "application/vnd.oasis.opendocument.text"
