"""Referral attachments: checked by content, stored outside static/ under a random name, served only to
who may read the referral, deleted with the free texts when the person is anonymised."""
import hashlib
import os
import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from ..audit.services import record
from ..core.files import MAGIC, delete_after_commit, sniff  # noqa: F401  (MAGIC re-exported for existing importers)
from ..extensions import db
from .models import Attachment, Referral
from .models import ReferralState as S
from .services import ANTENNA, EDITABLE_STATES, NODE, Forbidden, ReferralError, side_of_current_user

# Attachments: the type comes from the content (magic bytes), never from the name or the browser; the
# sniffing (MAGIC, sniff) lives in portal/core/files.py, shared with the forum's attachments.


def may_attach(referral: Referral) -> bool:
    side = side_of_current_user(referral)
    if side == ANTENNA:
        return referral.state in EDITABLE_STATES
    return side == NODE and referral.state != S.WITHDRAWN


def attachment_path(attachment: Attachment) -> str:
    return os.path.join(current_app.config["ATTACHMENT_DIR"], attachment.storage_key)


def add_attachment(referral: Referral, upload) -> Attachment:
    """Check and store one uploaded file (a werkzeug FileStorage) outside static/, under a random name."""
    if not may_attach(referral):
        raise Forbidden()
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = upload.stream.read(limit + 1)
    if not content:
        raise ReferralError(_("Il file è vuoto."))
    if len(content) > limit:
        raise ReferralError(_("Il file supera la dimensione massima di %(mb)s MB.", mb=round(limit / 1048576, 1)))
    kind = sniff(content[:16])
    if kind is None:
        raise ReferralError(_("Sono ammessi solo file PDF, PNG o JPEG."))
    content_type, extension = kind
    stem = os.path.splitext(secure_filename(upload.filename or "") or "allegato")[0][:150] or "allegato"
    storage_key = secrets.token_hex(24)
    directory = current_app.config["ATTACHMENT_DIR"]
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, storage_key)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)
    attachment = Attachment(
        referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id,
        filename=stem + extension, content_type=content_type, size=len(content), storage_key=storage_key,
        sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=current_user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    record("referral.attachment_added", "attachment", attachment.id, ["filename", "content_type", "size", "sha256"])
    return attachment


def read_attachment(attachment: Attachment) -> str:
    """The file's path on disk for download, audited as a read."""
    record("referral.attachment_read", "attachment", attachment.id, ["content"])
    return attachment_path(attachment)


# Erasure: rows go with the transaction, files once it has committed (a rollback keeps both).
def delete_attachments(referral_ids) -> int:
    """Delete the attachments of these referrals (anonymisation, erasure): the rows now, the files from
    ATTACHMENT_DIR when the transaction commits. Returns how many were deleted."""
    ids = list(referral_ids)
    if not ids:
        return 0
    attachments = list(db.session.scalars(select(Attachment).where(Attachment.referral_id.in_(ids))))
    paths = [attachment_path(a) for a in attachments]
    for attachment in attachments:
        db.session.delete(attachment)
    if attachments:
        db.session.flush()
        for path in paths:  # removed from disk only once the deletion commits
            delete_after_commit(db.session, path)
    return len(attachments)
