"""Uploaded files, shared by the domains: the type comes from the content (magic bytes and, for office
documents, the container's table of contents), never from the name or the browser; files are stored
outside static/ under a random name.

``sniff`` (PDF, PNG, JPEG) is what referral attachments accept; ``sniff_document`` adds GIF/WebP images and
office documents (OOXML, OpenDocument, legacy OLE2), refusing macro-enabled ones.
"""
import hashlib
import io
import os
import secrets
import zipfile

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

MAGIC = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
]
_IMAGES = [(b"GIF87a", "image/gif", ".gif"), (b"GIF89a", "image/gif", ".gif")]
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML = [
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
]
_ODF = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}
# Legacy Office files are OLE2 containers: the main stream's name (UTF-16LE) tells the kind.
_OLE2_STREAMS = [
    ("WordDocument", "application/msword", ".doc"),
    ("Workbook", "application/vnd.ms-excel", ".xls"),
    ("Book", "application/vnd.ms-excel", ".xls"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint", ".ppt"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG from its first bytes; None otherwise."""
    for magic, content_type, extension in MAGIC:
        if head.startswith(magic):
            return content_type, extension
    return None


def _zip_kind(content: bytes) -> tuple[str, str] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()  # the central directory only: nothing is decompressed
        if any("vbaproject" in n.lower() for n in names):
            return None  # macro-enabled
        if names and names[0] == "mimetype":
            info = archive.getinfo("mimetype")
            if info.compress_type == zipfile.ZIP_STORED and info.file_size < 100:
                extension = _ODF.get(archive.read("mimetype").strip())
                if extension:
                    return _ODF_TYPES[extension], extension
            return None
        if "[Content_Types].xml" in names:
            for prefix, content_type, extension in _OOXML:
                if any(n.startswith(prefix) for n in names):
                    return content_type, extension
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    return None


_ODF_TYPES = {ext: mime.decode() for mime, ext in _ODF.items()}


def sniff_document(content: bytes) -> tuple[str, str] | None:
    """Images, PDF and office documents, by content; None for anything else (executables, archives, HTML…)."""
    kind = sniff(content[:16])
    if kind:
        return kind
    for magic, content_type, extension in _IMAGES:
        if content.startswith(magic):
            return content_type, extension
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if content.startswith(_ZIP):
        return _zip_kind(content)
    if content.startswith(_OLE2):
        if b"\x00V\x00B\x00A\x00" in content[:65536] or "_VBA_PROJECT".encode("utf-16-le") in content:
            return None  # macros
        for stream, content_type, extension in _OLE2_STREAMS:
            if stream.encode("utf-16-le") in content:
                return content_type, extension
    return None


def display_name(filename: str | None, extension: str, default: str = "allegato") -> str:
    """A safe download name: the uploaded stem (secure_filename) with the extension of the real type."""
    stem = os.path.splitext(secure_filename(filename or "") or default)[0][:150] or default
    return stem + extension


def store(directory: str, content: bytes) -> tuple[str, str]:
    """Write ``content`` under a random name in ``directory`` (created 0700, file 0600, never overwritten).
    Returns (storage key, sha256)."""
    storage_key = secrets.token_hex(24)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, storage_key)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)
    return storage_key, hashlib.sha256(content).hexdigest()


def read_upload(upload, limit: int) -> bytes | None:
    """At most ``limit + 1`` bytes of a werkzeug FileStorage (so the caller can tell "too large")."""
    return upload.stream.read(limit + 1)


# Files to remove once the transaction that forgot them commits (a rollback keeps them).
_TO_DELETE = "rete_core_files_to_delete"


def delete_after_commit(session, path: str) -> None:
    session.info.setdefault(_TO_DELETE, []).append(path)


@event.listens_for(Session, "after_commit")
def _remove_files(session) -> None:
    for path in session.info.pop(_TO_DELETE, []):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_rollback")
def _keep_files(session) -> None:
    session.info.pop(_TO_DELETE, None)
