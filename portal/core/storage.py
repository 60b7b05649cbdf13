"""Where the bytes of stored files live: one small interface, two backends chosen by ``FILE_STORAGE``.

- ``local`` (the embedded default): a file under a random name in a folder of the instance
  (``ATTACHMENT_DIR``, one sub-folder per area). Written when the row is saved, removed if that
  transaction rolls back; removed after the commit that deletes the row. Only one host sees it.
- ``database`` (production): the bytes in the row's own ``content`` column (``models_base.file_content``),
  so they follow the row's tenant rule (ORM scoping and PostgreSQL RLS), its transaction (a rollback
  leaves nothing, deleting the row deletes them) and every ``pg_dump``. Every worker and host sees them.

Either way the bytes are sealed (``crypto.seal``: AES-GCM with the data keys, bound to the storage key), so
a database dump, a backup or the folder holds no readable file; files stored before sealing are read as
they are and sealed by ``flask rete rotate-keys`` (``core/sealing.py``), and once it has sealed them all
``RETE_SEALED_FILES_ONLY`` refuses any file without the seal.

Domains call only :func:`save`, :func:`read`, :func:`forget` (and :func:`delete`) with the row that references the file; a
row's ``storage_key`` stays the file's name in ``local`` and its identity in both. Files written by the
local backend before a switch to ``database`` stay readable (and are removed) from their folder.
"""
import logging
import os

from flask import current_app

from .. import crypto
from ..extensions import db
from . import files

LOCAL = "local"
DATABASE = "database"
BACKENDS = (LOCAL, DATABASE)

log = logging.getLogger(__name__)

# Areas: the folder of each kind of file under the local backend (and its override setting, if any).
ROOT = ""
FOLDER_SETTINGS = {"forum": "FORUM_ATTACHMENT_DIR", "governance": "GOVERNANCE_ATTACHMENT_DIR"}


def backend() -> str:
    return current_app.config.get("FILE_STORAGE") or LOCAL


def directory(area: str) -> str:
    config = current_app.config
    setting = FOLDER_SETTINGS.get(area)
    if setting and config.get(setting):
        return config[setting]
    return os.path.join(config["ATTACHMENT_DIR"], area) if area else config["ATTACHMENT_DIR"]


def _path(area: str, key: str) -> str:
    if not key or os.sep in key or key.startswith("."):  # keys are random hex: anything else is not ours
        raise ValueError("bad storage key")
    return os.path.join(directory(area), key)


def save(row, stored: files.StoredFile, area: str, *, content: str = "content") -> None:
    """Keep ``stored``'s bytes for ``row`` (the caller sets the row's key and metadata columns)."""
    sealed = crypto.seal(stored.content, stored.storage_key)
    if backend() == DATABASE:
        setattr(row, content, sealed)
        return
    path = _path(area, stored.storage_key)
    files.write(path, sealed)
    # A file written by a transaction that then rolls back is removed with it (nothing points at it).
    files.delete_after_rollback(db.session(), path)


def read(row, area: str, *, key: str = "storage_key", content: str = "content") -> bytes | None:
    """The file's bytes, None when the row has no file, its bytes are gone or they cannot be decrypted (a key
    missing from RETE_DATA_KEYS, tampered bytes, no seal under RETE_SEALED_FILES_ONLY): the user gets a 404, the
    log the row, never the data."""
    storage_key = getattr(row, key)
    if not storage_key:
        return None
    data = getattr(row, content)  # deferred: loaded here only
    if data is None:
        try:
            with open(_path(area, storage_key), "rb") as stored:
                data = stored.read()
        except FileNotFoundError:
            return None
    if current_app.config.get("SEALED_FILES_ONLY") and not crypto.is_sealed(data):
        log.error("stored file not sealed, refused (RETE_SEALED_FILES_ONLY): %s %s", type(row).__name__,
                  getattr(row, "id", None))
        return None
    try:
        return crypto.unseal(data, storage_key)
    except crypto.DecryptionError:
        log.error("stored file not decryptable: %s %s (key %s)", type(row).__name__, getattr(row, "id", None),
                  crypto.sealed_key_id(data))
        return None


def forget(row, area: str, *, key: str = "storage_key") -> None:
    """The row is being deleted, or its file replaced: its bytes go with that change — in the database with
    the row itself, on disk once the change commits (a rollback keeps both)."""
    storage_key = getattr(row, key)
    if storage_key:
        files.delete_after_commit(db.session(), _path(area, storage_key))


def delete(rows, area: str) -> int:
    """Delete ``rows`` and their files (anonymisation, erasure, expiry): the rows flushed now, the bytes as
    :func:`forget` says. Returns how many were deleted."""
    rows = list(rows)
    for row in rows:
        forget(row, area)
        db.session.delete(row)
    if rows:
        db.session.flush()
    return len(rows)
