"""Column helpers shared by every domain's models."""
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, LargeBinary
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """A stored timestamp as UTC-aware (SQLite gives them back naive)."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


class Timestamped:
    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    @declared_attr
    def updated_at(cls) -> Mapped[datetime]:
        return mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)


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


def file_content():
    """The bytes of a stored file when FILE_STORAGE is ``database`` (portal/core/storage.py): in the row's own
    table, so they share its tenant rule (RLS), its transaction and its backups. Deferred: loaded only when
    the file is read, never by a list."""
    return mapped_column(LargeBinary, deferred=True, nullable=True)
