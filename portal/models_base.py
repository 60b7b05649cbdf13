"""Column helpers shared by every domain's models."""
import enum
import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, event
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .crypto import FileNameField


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """A stored timestamp as UTC-aware (SQLite gives them back naive)."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def new_uid() -> str:
    return uuid.uuid4().hex


class LabelledEnum(enum.StrEnum):
    """A code list whose members carry their label: ``OPEN = "open", _l("Aperta")``. The code is what is
    stored; the label (a lazy msgid, English in the catalogue) is what pages show. Declared side by side, a
    code cannot be added without its label. Python's documented ``__new__`` pattern for members with extra
    attributes (what Django's ``TextChoices`` does), in a few lines rather than a dependency."""

    label: str

    def __new__(cls, code: str, label: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict:
        """Code -> label for every member, in declaration order (choices, label tables). Call it once, at
        module level: ``portal.i18n.translated`` keys its cache by the dict's identity."""
        return {member: member.label for member in cls}


class RowUid:
    """A random key of the row besides its id, set on insert: its encrypted fields are bound to it
    (portal/crypto.py), so a ciphertext copied to another row does not decrypt."""

    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)


class Created:
    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class Timestamped(Created):
    @declared_attr
    def updated_at(cls) -> Mapped[datetime]:
        return mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)


class CreatedBy(Timestamped):
    """Timestamped, and the user who created the row."""

    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class MarkdownBody:
    """A text written in Markdown and its HTML, rendered once on save with raw HTML off and cleaned by nh3
    (portal/forum/text.py): pages show ``body_html``, edit forms ``body``."""

    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)


class SentWithRetries(Created):
    """A row sent after its transaction commits and tried again until it goes or is given up (the e-mail
    outbox, webhook deliveries): how often, when next, the last failure (a class or code, never data)."""

    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FormKeyed:
    """A row a page's form creates, carrying the form's random key (``core.fields.SubmissionKeyField``): a second
    post of the same form (a double click, a page posted again) finds it (``core.rows.by_submission_key``)
    instead of adding another. Each table has a unique index ``uq_<table>_submission_key`` (migration 0050),
    which refuses the same key posted at the same instant (``core.rows.add_keyed``). NULL for older rows."""

    submission_key: Mapped[str | None] = mapped_column(String(64))


class Versioned:
    """Optimistic locking: an UPDATE whose version no longer matches raises StaleDataError.

    Forms carry the version they were rendered with; services compare it before changing anything
    (see ``portal.core.locking``), so a concurrent edit is shown as a conflict, never overwritten.
    """

    @declared_attr
    def version(cls) -> Mapped[int]:
        return mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


def file_content(key: str = "storage_key"):
    """The bytes of a stored file when FILE_STORAGE is ``database`` (portal/core/storage.py): in the row's own
    table, so they share its tenant rule (RLS), its transaction and its backups. Deferred: loaded only when
    the file is read, never by a list. Sealed (``crypto.seal``) under the row's ``key`` column, which the
    column's info names so that ``flask rete rotate-keys`` finds every file of every table."""
    return mapped_column(LargeBinary, deferred=True, nullable=True, info={"file_key": key})


def _file_columns(optional: bool):
    # One set of columns for every table that keeps a file (what portal.core.files.StoredFile carries and
    # portal.core.storage.save writes), so their sizes cannot drift apart; migration 0042 made them equal.
    class FileColumns:
        # The name is encrypted, bound to the storage key (set the key first): names name people.
        filename = FileNameField("filename_enc")
        filename_enc: Mapped[str | None] = mapped_column(Text, nullable=optional)
        content_type: Mapped[str | None] = mapped_column(String(120), nullable=optional)
        size: Mapped[int | None] = mapped_column(Integer, nullable=optional)
        storage_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=optional)
        sha256: Mapped[str | None] = mapped_column(String(64), nullable=optional)
        content: Mapped[bytes | None] = file_content()

    @event.listens_for(FileColumns, "init", propagate=True)
    def _key_before_name(target, args, kwargs):
        # The constructor sets keywords in their order; the name's encryption needs the key already set.
        if "filename" in kwargs:
            kwargs["filename"] = kwargs.pop("filename")

    return FileColumns


# A row that is a file (an attachment, a document).
StoredFileColumns = _file_columns(optional=False)
# A row that may carry a file, set later (an export once it is ready).
OptionalFileColumns = _file_columns(optional=True)
