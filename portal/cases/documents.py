"""Documents on a case, on its phase-1 outcome (the UNILAV notice as evidence of the hiring) and on a
delivery (attendance sheet, timesheet).

Stored like referral attachments (``portal.core.files.check_upload``: type by content, size limit, a
random key; the bytes kept by ``portal.core.storage``). Read by who may read the case's story — the coordinator and the case worker
assigned (``referrals.services.can_read_texts``, the one need-to-know rule) — and, for a delivery's
documents, by the provider of that delivery, who may upload them too. Every upload and download is
audited; anonymisation deletes them with their rows.
"""
import io

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..accounts.permissions import Capability, can, current_membership
from ..audit.services import record
from ..core import files, storage
from ..core.rows import add_form_row, by_submission_key
from ..extensions import db
from ..people.models import Person
from ..people.services import can_see_identity, record_identity_read
from ..referrals.models import Referral
from ..referrals.services import can_read_texts
from ..tenancy.context import current
from .models import Case, CaseDocument, DocumentKind
from .services import CaseError, Forbidden, can_edit, phase_1_verification


def may_read_case_documents(case: Case) -> bool:
    """The case's story is need-to-know: the same rule as the referral's texts and attachments."""
    if case.tenant_id != current().tenant_id:
        return False
    referral = db.session.get(Referral, case.referral_id)
    return referral is not None and can_read_texts(referral)


def may_upload(case: Case) -> bool:
    return can_edit(case) and may_read_case_documents(case)


def _delivery_case_id(delivery) -> int:
    """The case a delivery serves (delivery → service order → action)."""
    from .models import Action

    return db.session.scalar(select(Action.case_id).where(Action.id == delivery.order.action_id))


def is_delivery_provider(delivery) -> bool:
    membership = current_membership()
    return (
        membership is not None and delivery.provider_id is not None
        and delivery.provider_id == current().tenant_id and can(Capability.LOG_DELIVERY, membership)
    )


def may_read_delivery_documents(delivery) -> bool:
    if is_delivery_provider(delivery):
        return True
    case = db.session.get(Case, _delivery_case_id(delivery))
    return case is not None and may_read_case_documents(case)


def may_upload_delivery_documents(delivery) -> bool:
    if is_delivery_provider(delivery):
        return True
    case = db.session.get(Case, _delivery_case_id(delivery))
    return case is not None and may_upload(case)


def _store(upload, action: str = "case.document_added", submission_key: str | None = None, **columns) -> CaseDocument:
    try:
        stored = files.check_upload(upload, limit=current_app.config["ATTACHMENT_MAX_BYTES"], default_name="documento")
    except files.FileRejected as exc:
        raise CaseError(str(exc), "file") from exc
    document = CaseDocument(
        filename=stored.filename, content_type=stored.content_type, size=stored.size,
        storage_key=stored.storage_key, sha256=stored.sha256, uploaded_by_id=current_user.id,
        submission_key=submission_key or None, **columns,
    )
    # The row before the bytes: the same form sent at the same instant keeps no second file.
    add_form_row(document, CaseError(_("Questo documento era già stato aggiunto."), "file"))
    storage.save(document, stored, storage.ROOT)
    db.session.flush()
    record(action, "case_document", document.id, ["filename", "content_type", "size", "sha256", "kind"])
    return document


def document_by_key(case: Case, submission_key: str | None) -> CaseDocument | None:
    """The document a form with this key already added to the case (the same form posted again)."""
    return by_submission_key(CaseDocument, submission_key, case_id=case.id)


def add_case_document(case: Case, upload, *, phase_1: bool = False, submission_key: str | None = None) -> CaseDocument:
    """A document on the case itself or, with ``phase_1``, on its phase-1 outcome (which must exist). A
    ``submission_key`` already used (the same form posted twice at once) is refused: one document per form."""
    if not may_upload(case):
        raise Forbidden()
    verification_id = None
    if phase_1:
        verification = phase_1_verification(case)
        if verification is None:
            raise CaseError(_("Registra prima l'esito della fase 1, poi allega il documento che lo prova."), "file")
        verification_id = verification.id
    return _store(upload, case_id=case.id, tenant_id=case.tenant_id, provider_id=None, verification_id=verification_id,
                  kind=DocumentKind.PHASE_1_OUTCOME if phase_1 else DocumentKind.CASE, submission_key=submission_key)


def copy_in(case: Case, filename: str, content: bytes, *, phase_1: bool = False,
            names_person: bool = False) -> CaseDocument:
    """A file that came with a transferred case (transfer_files.py) kept as this case's document: checked by
    content again like an upload and stored under a key of its own, so the copy is read, retained and erased
    with its row (as ``referrals.attachments.copy_in``). The caller decides who may: no upload check here."""
    verification = phase_1_verification(case) if phase_1 else None
    return _store(FileStorage(io.BytesIO(content), filename=filename), "case.document_copied_by_transfer",
                  case_id=case.id, tenant_id=case.tenant_id, provider_id=None,
                  verification_id=verification.id if verification else None,
                  kind=DocumentKind.PHASE_1_OUTCOME if verification else DocumentKind.CASE,
                  names_person=names_person)


def add_delivery_document(delivery, upload) -> CaseDocument:
    if not may_upload_delivery_documents(delivery):
        raise Forbidden()
    return _store(upload, case_id=_delivery_case_id(delivery), tenant_id=delivery.tenant_id,
                  provider_id=delivery.provider_id, delivery_id=delivery.id, kind=DocumentKind.DELIVERY)


def case_documents(case: Case) -> list[CaseDocument]:
    """Every document of the case (its own, its phase-1 outcome's, its deliveries'), oldest first."""
    if not may_read_case_documents(case):
        return []
    return list(db.session.scalars(
        select(CaseDocument).where(CaseDocument.case_id == case.id).order_by(CaseDocument.created_at, CaseDocument.id)
    ))


def delivery_documents(delivery) -> list[CaseDocument]:
    if not may_read_delivery_documents(delivery):
        raise Forbidden()
    return list(db.session.scalars(
        select(CaseDocument).where(CaseDocument.delivery_id == delivery.id).order_by(CaseDocument.created_at, CaseDocument.id)
    ))


def may_read(document: CaseDocument) -> bool:
    if document.kind == DocumentKind.DELIVERY and document.provider_id == current().tenant_id:
        membership = current_membership()
        return membership is not None and can(Capability.LOG_DELIVERY, membership)
    case = db.session.get(Case, document.case_id)
    return case is not None and may_read_case_documents(case)


def read(document: CaseDocument) -> bytes | None:
    """The file's bytes for a download (None when gone), audited as a read; a letter addressed to the person by
    name is a read of their identity too, for whoever may see it only."""
    if not may_read(document):
        raise Forbidden()
    if document.names_person:
        person = db.session.get(Person, db.session.get(Case, document.case_id).person_id)
        if person is None or not can_see_identity(person):
            raise Forbidden()
        record_identity_read(person.id, ["first_name", "last_name"])
    record("case.document_read", "case_document", document.id, ["content"])
    return storage.read(document, storage.ROOT)


def delete_documents(case_ids) -> int:
    """Anonymisation: the documents of these cases go, their bytes with them (portal/core/storage.py)."""
    ids = list(case_ids)
    if not ids:
        return 0
    return storage.delete(db.session.scalars(select(CaseDocument).where(CaseDocument.case_id.in_(ids))), storage.ROOT)
