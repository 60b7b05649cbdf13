"""Agreement documents and application attachments: checked by core.files and kept by core.storage like
every other document."""
from flask import current_app

from ..core import files, storage
from ..core.errors import ServiceError
from ..core.rows import or_404

AREA = "network"


class FileRefused(ServiceError):
    """An upload refused (empty, too large, not a PDF or image), said under the form's file field."""


def store_upload(upload, field: str):
    """A checked StoredFile for a chosen upload (kept by :func:`keep` with its row), None when none was
    chosen; :class:`FileRefused` naming the form's ``field`` otherwise."""
    if upload is None or not getattr(upload, "filename", None):
        return None
    try:
        return files.check_upload(upload, limit=current_app.config["ATTACHMENT_MAX_BYTES"])
    except files.FileRejected as exc:
        raise FileRefused(str(exc), field) from exc


def keep(row, stored) -> None:
    """Give ``row`` (agreement or application) the file ``stored``; a file it had goes with this change."""
    if row.storage_key:
        storage.forget(row, AREA)
    row.filename, row.content_type, row.size = stored.filename, stored.content_type, stored.size
    row.storage_key = stored.storage_key
    if hasattr(row, "sha256"):
        row.sha256 = stored.sha256
    storage.save(row, stored, AREA)


def send(row):
    """Download of a row's stored file (agreement or application); 404 when it has none."""
    content = or_404(storage.read(row, AREA))
    return files.send_stored(content, row.content_type, row.filename)
