"""Agreement documents and application attachments: stored through core.files like every other document."""
import os

from flask import current_app

from ..core import files
from ..extensions import db


def directory() -> str:
    return os.path.join(current_app.config["ATTACHMENT_DIR"], "network")


def store_upload(upload):
    """A StoredFile for a chosen upload, None when none was chosen; raises core.files.FileRejected."""
    if upload is None or not getattr(upload, "filename", None):
        return None
    stored = files.check_and_store(upload, directory=directory(), limit=current_app.config["ATTACHMENT_MAX_BYTES"])
    files.delete_after_rollback(db.session, os.path.join(directory(), stored.storage_key))
    return stored


def send(row):
    """Download of a row's stored file (agreement or application); 404 when it has none."""
    from flask import abort

    if not row.storage_key:
        abort(404)
    return files.send_stored(os.path.join(directory(), row.storage_key), row.content_type, row.filename)
