"""Files of public reports: checked by content (PDF, PNG, JPEG, as referral attachments), size-limited,
stored outside static/ under a random name in ``ATTACHMENT_DIR/public-reports``."""
import os

from flask import current_app
from flask_babel import gettext as _

from ..core.errors import ServiceError
from ..core.files import display_name, read_upload, sniff, store
from ..extensions import db
from .models import PublicReport, PublicReportFile

MAX_FILES = 3


class FileRefused(ServiceError):
    pass


def _directory() -> str:
    return os.path.join(current_app.config["ATTACHMENT_DIR"], "public-reports")


def path_of(item: PublicReportFile) -> str:
    return os.path.join(_directory(), item.storage_key)


def check(upload) -> tuple[bytes, str, str]:
    """(content, content type, download name) of an acceptable upload; FileRefused with a message otherwise."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = read_upload(upload, limit)
    if not content:
        raise FileRefused(_("Il file è vuoto."))
    if len(content) > limit:
        raise FileRefused(_("Il file supera la dimensione massima di %(mb)s MB.", mb=round(limit / 1048576, 1)))
    kind = sniff(content[:16])
    if kind is None:
        raise FileRefused(_("Sono ammessi solo file PDF, PNG o JPEG."))
    content_type, extension = kind
    return content, content_type, display_name(upload.filename, extension)


def uploads_of(field_data) -> list:
    """The uploads a file field actually carries (browsers send an empty part when nothing is chosen)."""
    items = field_data if isinstance(field_data, list) else [field_data]
    return [u for u in items if u is not None and getattr(u, "filename", "")]


def save(report: PublicReport, checked: tuple[bytes, str, str], author, message_id: int | None = None) -> PublicReportFile:
    content, content_type, filename = checked
    storage_key, sha256 = store(_directory(), content)
    item = PublicReportFile(
        report_id=report.id, tenant_id=report.tenant_id, message_id=message_id, author=author, filename=filename,
        content_type=content_type, size=len(content), storage_key=storage_key, sha256=sha256,
    )
    db.session.add(item)
    return item
