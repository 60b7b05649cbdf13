"""Files attached to forum posts: checked by content (portal/core/files.py), size-limited, kept by
portal/core/storage.py (area ``forum``: with ``FILE_STORAGE=local`` the folder ``FORUM_ATTACHMENT_DIR``, by
default ``ATTACHMENT_DIR/forum``) under a random key, and served only to logged-in members of the network
while their post is visible.

A file is stored when the form is sent and waits, unattached (``post_id`` NULL, only its uploader may claim
it), until the post is published: a form sent back for a personal-data confirmation keeps its files.
Unclaimed files older than a day are removed the next time their uploader uploads.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.services import record
from ..core import files, storage
from ..core.edge import DB_INT_MAX
from ..core.rows import by_id
from ..extensions import db
from ..models_base import utcnow
from . import privacy
from .models import ForumAttachment, ForumPost

MAX_FILES = 5


class AttachmentError(Exception):
    pass


AREA = "forum"


def max_bytes() -> int:
    config = current_app.config
    return int(config.get("FORUM_ATTACHMENT_MAX_BYTES") or config["ATTACHMENT_MAX_BYTES"])


def read(attachment: ForumAttachment) -> bytes | None:
    return storage.read(attachment, AREA)


def add_pending(upload) -> ForumAttachment:
    """Check one uploaded file (a werkzeug FileStorage) and store it, not yet attached to a post."""
    name = upload.filename or ""
    refused = _("Il file «%(name)s» non è di un tipo ammesso: %(types)s.", name=name,
                types=_("PDF, immagini (PNG, JPEG, GIF, WebP), documenti Office e OpenDocument"))
    try:
        stored = files.check_upload(upload, limit=max_bytes(), kind_of=files.sniff_document, refused=refused)
    except files.FileRejected as exc:
        reason = str(exc)
        raise AttachmentError(reason if reason == refused else _("«%(name)s»: %(reason)s", name=name, reason=reason)) from exc
    _purge_stale()
    row = ForumAttachment(
        post_id=None, filename=stored.filename, content_type=stored.content_type, size=stored.size,
        storage_key=stored.storage_key, sha256=stored.sha256, uploaded_by_id=current_user.id, created_at=utcnow(),
    )
    storage.save(row, stored, AREA)
    db.session.add(row)
    db.session.flush()
    return row


def pending(ids) -> list[ForumAttachment]:
    """The current user's files still waiting for their post, among ``ids`` (anything else is ignored)."""
    wanted = sorted({n for n in map(_id, ids) if n is not None})[: MAX_FILES * 2]
    if not wanted:
        return []
    return list(db.session.scalars(select(ForumAttachment).where(
        ForumAttachment.id.in_(wanted), ForumAttachment.post_id.is_(None),
        ForumAttachment.uploaded_by_id == current_user.id,
    ).order_by(ForumAttachment.id)))


def _id(text) -> int | None:
    """An id as the form's hidden field carries it, read as core/edge.py reads ``type=int``: None for what is no
    number (``isdigit`` takes "²", which ``int`` refuses) or one no database integer holds (an overflow)."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= DB_INT_MAX else None


def names_for_check(rows: list[ForumAttachment]) -> list[str]:
    """File names as the personal-data check reads them (underscores back to spaces)."""
    return [r.filename.replace("_", " ") for r in rows]


def discard_identifying(rows: list[ForumAttachment], findings) -> list[ForumAttachment]:
    """Forget the waiting files whose names hold a codice fiscale or a pseudonym: they can never be
    published, so the form must not carry them on. Returns the files kept."""
    named = {f.text for f in findings if f.identifying and f.field == "files"}
    kept = []
    for row, name in zip(rows, names_for_check(rows), strict=True):
        if privacy.normalise(name) in named:
            storage.forget(row, AREA)
            db.session.delete(row)
        else:
            kept.append(row)
    if len(kept) != len(rows):
        db.session.flush()
    return kept


def claim(rows: list[ForumAttachment], post: ForumPost) -> None:
    for row in rows:
        row.post_id = post.id
    if rows:
        post.has_attachments = True
        db.session.flush()
        for row in rows:
            record("forum.attachment.add", "forum_attachment", row.id, ["filename", "content_type", "size", "sha256"])


def for_posts(posts: list[ForumPost]) -> dict[int, list[ForumAttachment]]:
    """The attachments of a page of posts, in one query (none when no post of the page has files)."""
    out: dict[int, list[ForumAttachment]] = {}
    ids = [p.id for p in posts if p.has_attachments]
    if ids:
        for row in db.session.scalars(
            select(ForumAttachment).where(ForumAttachment.post_id.in_(ids)).order_by(ForumAttachment.id)
        ):
            out.setdefault(row.post_id, []).append(row)
    return out


def get(attachment_id) -> ForumAttachment | None:
    return by_id(ForumAttachment, attachment_id)


def _purge_stale() -> None:
    """Forget this user's files never claimed by a post (form abandoned) after a day."""
    stale = list(db.session.scalars(select(ForumAttachment).where(
        ForumAttachment.post_id.is_(None), ForumAttachment.uploaded_by_id == current_user.id,
        ForumAttachment.created_at < utcnow() - timedelta(days=1),
    )))
    for row in stale:
        storage.forget(row, AREA)
        db.session.delete(row)
