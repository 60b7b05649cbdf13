"""Referral attachments: checked by content, stored outside static/ under a random name, served only to
who may read the referral, deleted with the free texts when the person is anonymised."""
import io

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..audit.services import record
from ..core import files, storage
from ..core.files import MAGIC, sniff  # noqa: F401  (re-exported for existing importers)
from ..extensions import db
from .models import Attachment, Referral
from .models import ReferralState as S
from .services import ANTENNA, NODE, Forbidden, ReferralError, can_read_texts, side_of_current_user

# Attachments: the type comes from the content (magic bytes), never from the name or the browser; checking
# is portal/core/files.py's ``check_upload``, keeping the bytes portal/core/storage.py's ``save``.

# The antenna adds documents until the node decides (a draft, a referral waiting for the node, or one the
# node asked more information about); the node adds its own while the referral is live.
ANTENNA_ATTACH_STATES = (S.DRAFT, S.SUBMITTED, S.INFO_REQUESTED)


MAX_FILES = 5


class AttachmentError(ReferralError):
    """A refused file, shown on the file field of the form."""


def may_attach(referral: Referral) -> bool:
    side = side_of_current_user(referral)
    if side == ANTENNA:
        return referral.state in ANTENNA_ATTACH_STATES
    return side == NODE and referral.state != S.WITHDRAWN and can_read_texts(referral)


def add_attachment(referral: Referral, upload) -> Attachment:
    """Check and store one uploaded file (a werkzeug FileStorage) outside static/, under a random name."""
    if not may_attach(referral):
        raise Forbidden()
    return _keep(referral, _check(upload))


def copy_in(referral: Referral, filename: str, content: bytes) -> Attachment:
    """A file the node already holds (a public report's, on conversion) copied onto ``referral``: checked by
    content again and kept under a key of its own, so each copy is read, retained and erased with its row."""
    return _keep(referral, _check(FileStorage(io.BytesIO(content), filename=filename)))


def _check(upload) -> files.StoredFile:
    try:
        return files.check_upload(upload, limit=current_app.config["ATTACHMENT_MAX_BYTES"])
    except files.FileRejected as exc:
        raise AttachmentError(_("«%(name)s»: %(reason)s", name=upload.filename or "", reason=exc), "files") from exc


def _keep(referral: Referral, stored: files.StoredFile) -> Attachment:
    attachment = Attachment(
        referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id,
        filename=stored.filename, content_type=stored.content_type, size=stored.size,
        storage_key=stored.storage_key, sha256=stored.sha256, uploaded_by_id=current_user.id,
    )
    storage.save(attachment, stored, storage.ROOT)
    db.session.add(attachment)
    db.session.flush()
    record("referral.attachment_added", "attachment", attachment.id, ["filename", "content_type", "size", "sha256"])
    return attachment


def add_attachments(referral: Referral, uploads) -> list[Attachment]:
    """Several files at once (the referral form, an answer to the node); the first refused one stops."""
    uploads = [upload for upload in uploads or () if upload and upload.filename]
    if len(uploads) > MAX_FILES:
        raise AttachmentError(_("Al massimo %(n)d allegati alla volta.", n=MAX_FILES), "files")
    return [add_attachment(referral, upload) for upload in uploads]


def read_attachment(attachment: Attachment) -> bytes | None:
    """The file's bytes for download (None when gone), audited as a read; only for who may read the
    referral's story."""
    if not can_read_texts(attachment.referral):
        raise Forbidden()
    record("referral.attachment_read", "attachment", attachment.id, ["content"])
    return storage.read(attachment, storage.ROOT)


def delete_attachments(referral_ids) -> int:
    """Delete the attachments of these referrals (anonymisation, erasure): the rows now, their bytes with
    them (portal/core/storage.py: in the database at once, on disk once the transaction commits). Returns
    how many were deleted."""
    ids = list(referral_ids)
    if not ids:
        return 0
    return storage.delete(db.session.scalars(select(Attachment).where(Attachment.referral_id.in_(ids))), storage.ROOT)
