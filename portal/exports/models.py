"""An export prepared in the background: who asked, what, how far it got, and the file when ready."""
import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import OptionalFileColumns, Timestamped
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column


class ExportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(TenantOwned, OptionalFileColumns, Timestamped, db.Model):
    """The tenant's: read by the user who asked and by users of the same role in the tenant (who could
    have asked for the same file). The file is kept by portal/core/storage.py (area ``exports``) until
    ``expires_at``."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))  # a key of portal.exports.services.KINDS
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # codes and ISO dates only
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    role: Mapped[str] = mapped_column(String(40))  # the requester's role when asking (a Role value)
    state: Mapped[ExportState] = mapped_column(enum_column(ExportState), default=ExportState.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    error: Mapped[str | None] = mapped_column(String(40))  # a code, never a message with data in it
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    @property
    def finished(self) -> bool:
        return self.state in (ExportState.DONE, ExportState.FAILED)
