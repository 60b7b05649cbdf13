"""Files of public reports: checked by content (PDF, PNG, JPEG, as referral attachments) and size by
core.files, kept by core.storage (area ``public-reports``) under a random key."""
from flask import current_app
from flask_babel import gettext as _

from ..core import files, storage
from ..core.errors import ServiceError
from ..extensions import db
from .models import PublicReport, PublicReportFile

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
        filename=checked.filename, content_type=checked.content_type, size=checked.size,
        storage_key=checked.storage_key, sha256=checked.sha256,
    )
    storage.save(item, checked, AREA)
    db.session.add(item)
    return item
