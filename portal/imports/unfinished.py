"""Unfinished import batches: a file uploaded and never imported (or imported without creating anything)
holds people's data nobody is using. Its uploader or the tenant's admins delete it from its page, and
``flask rete expire-imports`` deletes those left for ``IMPORT_UNFINISHED_KEEP_DAYS``."""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select

from ..accounts.permissions import Capability, can
from ..audit.services import record
from ..core.errors import Forbidden
from ..core.locking import check_version
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.context import acting_as, current
from ..tenancy.models import Tenant
from .models import BatchState, ImportBatch, ImportRow
from .services import ImportError_, _require


def unfinished(batch: ImportBatch) -> bool:
    """Nothing of the batch to undo: never imported, or imported without creating a row (each one refused
    or already there). Such a batch holds the file and nothing else."""
    return batch.state in (BatchState.DRAFT, BatchState.CHECKED) or (
        batch.state == BatchState.IMPORTED and not batch.created_rows)


def _uploader_or_admin(batch: ImportBatch) -> bool:
    return batch.created_by_id == current().user_id or can(Capability.MANAGE_USERS)


def may_discard(batch: ImportBatch) -> bool:
    """The user who uploaded it, or the tenant's administrators, may throw the batch away."""
    return unfinished(batch) and _uploader_or_admin(batch)


def discard(batch: ImportBatch, expected_version) -> None:
    """Delete a batch that created nothing: the file's content, the rows' results, the batch itself."""
    _require(batch)
    if not _uploader_or_admin(batch):
        raise Forbidden()
    check_version(batch, expected_version)
    if not unfinished(batch):
        raise ImportError_(_("Si può eliminare solo un'importazione non eseguita o che non ha creato nulla."))
    batch_id = batch.id
    _delete([batch])
    record("import.discarded", "import_batch", batch_id, ["rows"])


def _delete(found: list[ImportBatch]) -> None:
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id.in_([b.id for b in found])))
    for batch in found:
        db.session.delete(batch)
    db.session.flush()


def unfinished_keep_days() -> int:
    return current_app.config["IMPORT_UNFINISHED_KEEP_DAYS"]


def expire_unfinished(now: datetime | None = None, days: int | None = None) -> int:
    """Delete every tenant's batches that created nothing and nobody touched for ``days``
    (``IMPORT_UNFINISHED_KEEP_DAYS``): a file uploaded and left must not stay in the database for good.
    Acting as each tenant in turn (row-level security holds for the job too), one audit event per batch.
    Returns how many were deleted."""
    days = days if days is not None else unfinished_keep_days()
    cutoff = (now or utcnow()) - timedelta(days=days)
    stale = select(ImportBatch).where(ImportBatch.updated_at < cutoff, or_(  # unfinished(), in SQL
        ImportBatch.state.in_([BatchState.DRAFT, BatchState.CHECKED]),
        and_(ImportBatch.state == BatchState.IMPORTED, ImportBatch.created_rows == 0))).order_by(ImportBatch.id)
    deleted = 0
    for tenant_id in db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all():
        with acting_as(tenant_id):
            found = list(db.session.scalars(stale.where(ImportBatch.tenant_id == tenant_id)))
            if not found:
                continue
            _delete(found)
            for batch in found:
                record("import.expired", "import_batch", batch.id, ["rows"], tenant_id=tenant_id)
            deleted += len(found)
    return deleted
