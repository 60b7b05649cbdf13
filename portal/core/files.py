"""Uploaded files, shared by the domains: the type comes from the content (magic bytes and, for office
documents, the container's table of contents), never from the name or the browser; files are stored
outside static/ under a random name.

``sniff`` (PDF, PNG, JPEG) is what referral attachments accept; ``sniff_document`` adds GIF/WebP images and
office documents (OOXML, OpenDocument, legacy OLE2), refusing macro-enabled ones.
"""
import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field

from flask import send_file
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..i18n import format_quantity

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


# Not werkzeug's secure_filename, which folds a name to ASCII ("Relazione attività" → "Relazione_attivita"): this
# name never touches a file system (files are kept under their random key); it is shown (escaped) and sent as
# the download's name (RFC 6266 filename*), so letters of every script stay and only what could act as a path,
# a control character, a header's syntax or a direction override ("fdp.exe" shown backwards) goes.
_NOT_IN_A_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;\u200e\u200f\u202a-\u202e\u2066-\u2069]')


def display_name(filename: str | None, extension: str, default: str = "allegato") -> str:
    """The uploaded name's last part, its stem cleaned and cut to 150 characters, with the real type's extension."""
    base = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = "_".join(_NOT_IN_A_NAME.sub(" ", os.path.splitext(base)[0]).split()).strip("._")[:150]
    return (stem or default) + extension


def write(path: str, content: bytes) -> None:
    """Write a new file (its folder created 0700, the file 0600, never overwritten)."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)


def read_upload(upload, limit: int) -> bytes | None:
    """At most ``limit + 1`` bytes of a werkzeug FileStorage (so the caller can tell "too large")."""
    return upload.stream.read(limit + 1)


class FileRejected(ValueError):
    """An upload refused (empty, too large, a type not accepted), with a message fit for the user."""


@dataclass(frozen=True)
class StoredFile:
    """A checked upload with its random storage key, not yet kept: ``portal.core.storage.save`` keeps it
    for the row that references it."""

    filename: str
    content_type: str
    size: int
    storage_key: str
    sha256: str
    content: bytes = field(repr=False, default=b"")


def pdf_or_image(content: bytes) -> tuple[str, str] | None:
    """What referral attachments and case documents accept: PDF, PNG or JPEG, by content."""
    return sniff(content[:16])


def too_big(limit: int) -> str:
    """The refusal of a file past ``limit`` bytes ("5 MB", "2,5 MB": the locale's decimal symbol)."""
    return _("Il file supera la dimensione massima di %(mb)s MB.", mb=format_quantity(round(limit / 1048576, 1)))


def check_upload(upload, *, limit: int, kind_of=pdf_or_image, default_name: str = "allegato",
                 refused: str | None = None) -> StoredFile:
    """Read one upload (a werkzeug FileStorage) and check it by content and size; give it a random key.

    Raises FileRejected when it is empty, larger than ``limit`` or not of a kind ``kind_of`` recognises.
    The one path every domain's uploads take; nothing is written until ``storage.save``."""
    content = read_upload(upload, limit)
    if not content:
        raise FileRejected(_("Il file è vuoto."))
    if len(content) > limit:
        raise FileRejected(too_big(limit))
    kind = kind_of(content)
    if kind is None:
        raise FileRejected(refused or _("Sono ammessi solo file PDF, PNG o JPEG."))
    content_type, extension = kind
    return StoredFile(display_name(upload.filename, extension, default_name), content_type, len(content),
                      secrets.token_hex(24), hashlib.sha256(content).hexdigest(), content)


def generated(content: bytes, content_type: str, filename: str) -> StoredFile:
    """A file the portal produced itself (an export), to keep like an upload: no sniffing, a random key."""
    return StoredFile(filename, content_type, len(content), secrets.token_hex(24), hashlib.sha256(content).hexdigest(),
                      content)


def send_stored(content: bytes, content_type: str, filename: str):
    """A stored file as a download: always an attachment, never sniffed by the browser, never cached."""
    response = send_file(io.BytesIO(content), mimetype=content_type, as_attachment=True, download_name=filename,
                         conditional=False, etag=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Files to remove once the transaction that forgot them commits (a rollback keeps them), and files just
# stored that a rollback would leave pointed at by nothing (a commit keeps them).
_TO_DELETE = "rete_core_files_to_delete"
_NEW = "rete_core_files_new"


def delete_after_commit(session, path: str) -> None:
    session.info.setdefault(_TO_DELETE, []).append(path)


def delete_after_rollback(session, path: str) -> None:
    session.info.setdefault(_NEW, []).append(path)


def _remove(paths) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_commit")
def _remove_files(session) -> None:
    session.info.pop(_NEW, None)
    _remove(session.info.pop(_TO_DELETE, []))


@event.listens_for(Session, "after_rollback")
def _keep_files(session) -> None:
    session.info.pop(_TO_DELETE, None)
    _remove(session.info.pop(_NEW, []))
