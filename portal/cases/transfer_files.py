"""The files that go with a transferred case: the case's documents and the referral's attachments the
proposing coordinator ticks (none by default, like the diary notes).

At proposal only their description (source, id, name, size) enters the transfer's encrypted snapshot, so the
receiving coordinator sees what comes along. The bytes are copied on acceptance, never before: acting as the
sender (as ``transfers._finish_at_sender`` does) each file is read from its row — audited on the sender's
chain as ``case_transfer.file_sent`` — then kept as a document of the receiver's new case by
``documents.copy_in`` (checked by content again, a storage key of its own, audited on the receiver's chain as
``case.document_copied_by_transfer``). A declined or withdrawn transfer copies nothing.

Delivery documents (attendance sheets, timesheets) stay with the sender's service orders, as the actions do.
"""
from flask_babel import gettext as _

from ..audit.services import record
from ..core import storage
from ..core.errors import ServiceError
from ..extensions import db
from ..referrals.models import Attachment, Referral
from ..referrals.services import can_read_texts
from ..tenancy.context import acting_as
from . import documents
from .models import Case, CaseDocument, DocumentKind

DOCUMENT, ATTACHMENT = "document", "attachment"
_KINDS = (DocumentKind.CASE, DocumentKind.PHASE_1_OUTCOME)
_ROWS = {DOCUMENT: CaseDocument, ATTACHMENT: Attachment}


def choices(case: Case) -> list[dict]:
    """What the case's coordinator may send along: its documents (not the deliveries'), then the referral's
    attachments, oldest first. Each is ``{"value", "source", "id", "filename", "size", "phase_1"}``."""
    out = [_describe(DOCUMENT, d, d.kind == DocumentKind.PHASE_1_OUTCOME)
           for d in documents.case_documents(case) if d.kind in _KINDS]
    referral = db.session.get(Referral, case.referral_id)
    if referral is not None and can_read_texts(referral):
        out += [_describe(ATTACHMENT, a, False) for a in referral.attachments]
    return out


def _describe(source: str, row, phase_1: bool) -> dict:
    return {"value": f"{source}-{row.id}", "source": source, "id": row.id, "filename": row.filename,
            "size": row.size, "phase_1": phase_1}


def chosen(case: Case, values, error) -> list[dict]:
    """The ticked files' descriptions; anything not among ``choices(case)`` is refused with ``error``."""
    values = {str(v) for v in values or ()}
    if not values:
        return []
    offered = {c["value"]: c for c in choices(case)}
    if not values <= offered.keys():
        raise error(_("Scegli solo documenti di questo caso."), "files")
    return [{k: v for k, v in offered[value].items() if k != "value"} for value in offered if value in values]


def copy(transfer, new_case: Case, files: list[dict], error) -> int:
    """On acceptance, as the receiver: each chosen file read at the sender and kept on ``new_case``. A file
    gone since the proposal (the person anonymised meanwhile) is skipped; one the checks now refuse stops
    the acceptance with ``error`` (the sender may propose again without it). Returns how many were copied."""
    copied = 0
    db.session.flush()  # the receiver's pending rows under the receiver's context
    db.session.expire(new_case, ["verifications"])  # its copied phase-1 outcome, for that outcome's document
    for entry in files:
        with acting_as(transfer.tenant_id):
            row = db.session.get(_ROWS[entry["source"]], entry["id"])
            content = storage.read(row, storage.ROOT) if row is not None else None
            if content is None:
                continue
            # A letter addressed to the person by name stays one: opening it at the receiver reads identity.
            names_person = bool(getattr(row, "names_person", False))
            record("case_transfer.file_sent", "attachment" if entry["source"] == ATTACHMENT else "case_document",
                   row.id, ["content"])
            db.session.flush()
        try:
            documents.copy_in(new_case, entry["filename"], content, phase_1=entry.get("phase_1", False),
                              names_person=names_person)
        except ServiceError as exc:
            raise error(_("«%(name)s» non può accompagnare il caso: %(reason)s", name=entry["filename"],
                          reason=str(exc))) from exc
        copied += 1
    return copied
