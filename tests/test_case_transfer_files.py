"""A transferred case's documents and its referral's attachments: the proposing coordinator ticks which go
along (none by default); on acceptance they are copied into the receiving node's case documents (checked
again, keys of their own, audited on both chains); a declined or withdrawn transfer copies nothing."""
import pytest
from sqlalchemy import select

from portal.cases.models import Case, CaseDocument, DocumentKind, Verification, VerificationPhase
from portal.extensions import db
from portal.referrals.models import Attachment
from portal.tenancy import context

from .case_support import audit_actions, post
from .fixtures import fresh
from .referral_support import PDF
from .story_support import case_document, phase_1_outcome, upload
from .test_case_transfer import _propose, _transfer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(params=["local", "database"])
def storage(request, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "documenti"))
    monkeypatch.setitem(app.config, "FILE_STORAGE", request.param)
    return request.param


def _documents(net, tenant):
    with context.acting_as(net.tenants[tenant].id):
        return list(db.session.scalars(
            select(CaseDocument).order_by(CaseDocument.id).execution_options(populate_existing=True)))


def _files(login, net):
    """On the victim's case: a phase-1 outcome with its document, a case document, a second one kept back,
    and an attachment the node adds to the referral."""
    coordinator = login("n1_coordinator")
    case_page = f"/casi/{net.case.id}"
    phase_1_outcome(net)
    for filename, subject in (("unilav.pdf", "phase_1"), ("verbale.pdf", "case"), ("riservato.pdf", "case")):
        response = upload(coordinator, case_page, f"{case_page}/documenti", PDF, filename, subject=subject)
        assert response.status_code == 302, filename
    referral_page = f"/segnalazioni/{net.referral.id}"
    assert upload(coordinator, referral_page, f"{referral_page}/allegati", PNG, "ricevuta.png",
                  field="files").status_code == 302
    unilav, verbale, riservato = _documents(net, "n1")
    with context.acting_as(net.tenants["n1"].id):
        [attachment] = db.session.scalars(select(Attachment).where(Attachment.referral_id == net.referral.id))
    return {"unilav": unilav, "verbale": verbale, "riservato": riservato, "ricevuta": attachment}


def _chosen(files):
    return [f"document-{files['unilav'].id}", f"document-{files['verbale'].id}", f"attachment-{files['ricevuta'].id}"]


def _propose_files(login, net, values):
    client = login("n1_coordinator")
    path = f"/casi/{net.case.id}/trasferimento"
    data = {"version": fresh(Case, net.case.id, net.tenants["n1"].id).version, "target": net.tenants["n2"].id,
            "reason": "La persona si è trasferita.", "files": values}
    return client, post(client, path, data)


def test_chosen_files_go_along_on_acceptance(login, network, mailbox, storage):
    net = network
    files = _files(login, net)
    with context.acting_as(net.tenants["n1"].id):  # a letter addressed to the person by name
        fresh(CaseDocument, files["verbale"].id, net.tenants["n1"].id).names_person = True
        db.session.flush()
    form = login("n1_coordinator").get(f"/casi/{net.case.id}/trasferimento").get_data(as_text=True)
    for name in ("unilav.pdf", "verbale.pdf", "riservato.pdf", "ricevuta.png"):
        assert name in form, name
    _, response = _propose_files(login, net, _chosen(files))
    assert response.status_code == 302, response.get_data(as_text=True)
    transfer = _transfer(net)
    assert "files" in next(e for e in audit_actions(net, "n1") if e.action == "case_transfer.proposed").fields
    receiver = login("n2_coordinator")
    page = receiver.get(f"/casi/trasferimenti/{transfer.id}").get_data(as_text=True)
    assert "verbale.pdf" in page and "ricevuta.png" in page and "riservato.pdf" not in page
    assert _documents(net, "n2") == []  # nothing copied before the answer

    response = post(receiver, f"/casi/trasferimenti/{transfer.id}/accetta",
                    {"version": transfer.version, "case_worker": net.users["n2_case_worker"].id},
                    page=f"/casi/trasferimenti/{transfer.id}")
    assert response.status_code == 302
    new_case = fresh(Case, _transfer(net).new_case_id, net.tenants["n2"].id)
    copies = _documents(net, "n2")
    assert [(d.case_id, d.filename) for d in copies] == [
        (new_case.id, "unilav.pdf"), (new_case.id, "verbale.pdf"), (new_case.id, "ricevuta.png")]
    originals = {files[k].storage_key for k in files}
    assert not originals & {d.storage_key for d in copies}  # keys of their own
    with context.acting_as(net.tenants["n2"].id):
        phase_1 = db.session.scalar(select(Verification).where(
            Verification.case_id == new_case.id, Verification.phase == VerificationPhase.JOB_INSERTION))
    assert (copies[0].kind, copies[0].verification_id) == (DocumentKind.PHASE_1_OUTCOME, phase_1.id)
    assert {d.kind for d in copies[1:]} == {DocumentKind.CASE}
    # The letter by name stays one at the receiver: opening it there reads identity (audited, need-to-know).
    assert [d.names_person for d in copies] == [False, True, False]
    # The receiving case worker reads them; the sender keeps its own, untouched.
    worker = login("n2_case_worker")
    assert worker.get(f"/casi/documenti/{copies[1].id}").data == PDF
    assert worker.get(f"/casi/documenti/{copies[2].id}").data == PNG
    assert [d.id for d in _documents(net, "n1")] == [files[k].id for k in ("unilav", "verbale", "riservato")]
    assert login("n1_coordinator").get(f"/casi/documenti/{files['verbale'].id}").data == PDF
    # Both chains: the sender sent three files, the receiver received three.
    sent = [(e.object_type, int(e.object_id)) for e in audit_actions(net, "n1") if e.action == "case_transfer.file_sent"]
    assert sorted(sent) == sorted([("case_document", files["unilav"].id), ("case_document", files["verbale"].id),
                                   ("attachment", files["ricevuta"].id)])
    received = [int(e.object_id) for e in audit_actions(net, "n2") if e.action == "case.document_copied_by_transfer"]
    assert received == [d.id for d in copies]


def test_none_go_by_default_and_declined_or_withdrawn_copies_nothing(login, network, storage):
    net = network
    files = _files(login, net)
    _, response = _propose(login, net)  # nothing ticked
    assert response.status_code == 302
    assert _transfer(net).snapshot_json and "verbale" not in _transfer(net).snapshot_json
    receiver = login("n2_coordinator")
    transfer = _transfer(net)
    page = f"/casi/trasferimenti/{transfer.id}"
    assert post(receiver, f"{page}/rifiuta", {"version": transfer.version, "reason": "No."}, page=page).status_code == 302

    _, response = _propose_files(login, net, _chosen(files))
    assert response.status_code == 302
    pending = _latest(net)
    page = f"/casi/trasferimenti/{pending.id}"
    assert post(receiver, f"{page}/rifiuta", {"version": pending.version, "reason": "No."}, page=page).status_code == 302
    client, response = _propose_files(login, net, _chosen(files))
    withdrawn = _latest(net)
    page = f"/casi/trasferimenti/{withdrawn.id}"
    assert post(client, f"{page}/ritira", {"version": withdrawn.version}, page=page).status_code == 302
    assert _documents(net, "n2") == []
    assert not [e for e in audit_actions(net, "n1") if e.action == "case_transfer.file_sent"]
    assert len(_documents(net, "n1")) == 3


def _latest(net):
    from portal.cases.models import CaseTransfer

    with context.acting_as(net.tenants["n1"].id):
        return db.session.scalars(select(CaseTransfer).order_by(CaseTransfer.id.desc())
                                  .execution_options(populate_existing=True)).first()


def test_only_this_cases_own_files_may_be_chosen(login, network, storage):
    net = network
    _files(login, net)
    delivery_document = case_document(net)  # the sender's budget keeps these
    for values in (["document-999999"], [f"document-{delivery_document.id}"], ["attachment-999999"], ["nota"]):
        _, response = _propose_files(login, net, values)
        assert response.status_code == 200, values
        assert "Scegli solo documenti di questo caso." in response.get_data(as_text=True), values
        assert _latest(net) is None
    assert f"document-{delivery_document.id}" not in login("n1_coordinator").get(
        f"/casi/{net.case.id}/trasferimento").get_data(as_text=True)


def test_a_file_the_checks_now_refuse_stops_the_acceptance(app, login, network, storage, monkeypatch):
    net = network
    files = _files(login, net)
    _propose_files(login, net, _chosen(files))
    transfer = _transfer(net)
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 10)
    receiver = login("n2_coordinator")
    response = post(receiver, f"/casi/trasferimenti/{transfer.id}/accetta", {"version": transfer.version},
                    page=f"/casi/trasferimenti/{transfer.id}")
    assert response.status_code == 200 and "non può accompagnare il caso" in response.get_data(as_text=True)
    assert _transfer(net).state.value == "pending" and _documents(net, "n2") == []
    with context.acting_as(net.tenants["n2"].id):
        assert db.session.scalar(select(Case.id).where(Case.tenant_id == net.tenants["n2"].id)) is None
