"""Files of public reports: checked by content (PDF, PNG, JPEG, as referral attachments) and size by
core.files, kept by core.storage (area ``public-reports``) under a random key."""
import os

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core import files, storage
from ..core.errors import ServiceError
from ..extensions import db
from .models import MessageAuthor, PublicReport, PublicReportFile

MAX_FILES = 3
AREA = "public-reports"


class FileRefused(ServiceError):
    pass


def check(upload, field: str, named: bool = False) -> files.StoredFile:
    """An acceptable upload, checked (nothing kept yet); FileRefused otherwise, with a message for the form's
    ``field`` (starting with the file's name when ``named``: a field of several files)."""
    try:
        return files.check_upload(upload, limit=current_app.config["ATTACHMENT_MAX_BYTES"])
    except files.FileRejected as exc:
        reason = _("«%(name)s»: %(reason)s", name=upload.filename or "", reason=exc) if named else str(exc)
        raise FileRefused(reason, field) from exc


def read(item: PublicReportFile) -> bytes | None:
    return storage.read(item, AREA)


def uploads_of(field_data) -> list:
    """The uploads a file field actually carries (browsers send an empty part when nothing is chosen)."""
    items = field_data if isinstance(field_data, list) else [field_data]
    return [u for u in items if u is not None and getattr(u, "filename", "")]


def save(report: PublicReport, checked: files.StoredFile, author, message_id: int | None = None) -> PublicReportFile:
    item = PublicReportFile(
        report_id=report.id, tenant_id=report.tenant_id, message_id=message_id, author=author,
        filename=_neutral_name(report, checked) if author == MessageAuthor.REPORTER else checked.filename,
        content_type=checked.content_type, size=checked.size,
        storage_key=checked.storage_key, sha256=checked.sha256,
    )
    storage.save(item, checked, AREA)
    db.session.add(item)
    return item


def _neutral_name(report: PublicReport, checked: files.StoredFile) -> str:
    """"allegato-2.pdf" for a reporter's file: its name can name them or the person (Mario_Rossi_certificato.pdf)
    to every member of staff who opens the report, and then the referral it becomes; the type's extension is
    all it keeps (names are also encrypted at rest, like every stored file's). The node's staff name their own
    files."""
    db.session.flush()
    n = db.session.scalar(select(func.count()).select_from(PublicReportFile)
                          .where(PublicReportFile.report_id == report.id)) + 1
    return f"allegato-{n}{os.path.splitext(checked.filename)[1]}"
