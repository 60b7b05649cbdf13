"""Unfinished import batches: a file uploaded and never imported (or imported without creating anything)
holds people's data nobody is using. Its uploader or the tenant's admins delete it from its page, and
``flask rete expire-imports`` deletes those left for ``IMPORT_UNFINISHED_KEEP_DAYS``.

The same command ends the two other ways a file's rows (the encrypted copy of people's identities) could stay
for good: an import whose worker died (``importing`` with no progress for ``STALLED_AFTER``) is closed as
imported, its remaining rows marked not imported; an import nobody confirms or undoes loses the file's rows
after ``IMPORT_UNFINISHED_KEEP_DAYS``. Both batches stay, as the record of what was imported, and can still be
undone or confirmed: undo and confirmation read the rows' results (``ImportRow``), never the file's rows."""
import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.permissions import Capability, can
from ..audit.services import record
from ..core.errors import Forbidden
from ..core.locking import check_version
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.context import acting_as, current
from ..tenancy.models import Tenant
from .models import BatchState, ImportBatch, ImportRow, RowStatus
from .services import ImportError_, _require

log = logging.getLogger(__name__)


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
    One audit event per batch. Returns how many were deleted."""
    days = days if days is not None else unfinished_keep_days()
    cutoff = (now or utcnow()) - timedelta(days=days)
    stale = select(ImportBatch).where(ImportBatch.updated_at < cutoff, or_(  # unfinished(), in SQL
        ImportBatch.state.in_([BatchState.DRAFT, BatchState.CHECKED]),
        and_(ImportBatch.state == BatchState.IMPORTED, ImportBatch.created_rows == 0)))

    def expire(found: list[ImportBatch], tenant_id: int) -> None:
        _delete(found)
        for batch in found:
            record("import.expired", "import_batch", batch.id, ["rows"], tenant_id=tenant_id)

    return _each_tenant(stale, expire)


# A chunk of rows takes minutes and each one moves ``updated_at``: a day without progress is a worker that
# died (or a queue that lost the job), not a slow import.
STALLED_AFTER = timedelta(days=1)
INTERRUPTED = "interrupted"  # the error code of a row the stopped import never reached


def close_stalled(now: datetime | None = None) -> int:
    """Close every tenant's import that made no progress for ``STALLED_AFTER``: what it created stays (real
    drafts or cases, undoable or confirmable as after any import), the rows it never reached are marked
    failed, and the file's rows are dropped, so the batch cannot resume: the file uploaded again imports the
    rest (the rows already created are skipped by their keys). Returns how many were closed."""
    stale = select(ImportBatch).where(ImportBatch.state == BatchState.IMPORTING,
                                      ImportBatch.updated_at < (now or utcnow()) - STALLED_AFTER)

    def close(found: list[ImportBatch], tenant_id: int) -> None:
        for batch in found:
            # The last progress, not now: undoing a node's cases refuses those changed after imported_at.
            batch.imported_at = batch.updated_at
            batch.state, batch.rows = BatchState.IMPORTED, None
        # The batch first, as a worker writes it before its rows: the version check (a worker that moved it
        # meanwhile fails this run, not its rows) and the row lock come before any row is touched, so the two
        # never wait on each other's rows.
        db.session.flush()
        for batch in found:
            batch.failed_rows += db.session.execute(update(ImportRow).where(
                ImportRow.batch_id == batch.id, ImportRow.status == RowStatus.VALID,
            ).values(status=RowStatus.FAILED, errors=[["row", INTERRUPTED]])).rowcount
        db.session.flush()
        for batch in found:
            record("import.interrupted", "import_batch", batch.id, ["failed_rows", "rows", "state"],
                   tenant_id=tenant_id)

    return _each_tenant(stale, close)


def expire_unconfirmed_rows(now: datetime | None = None, days: int | None = None) -> int:
    """Drop the file's rows of every tenant's import left neither confirmed nor undone for ``days``
    (``IMPORT_UNFINISHED_KEEP_DAYS``). Only the batch's encrypted copy of the file: the people, referrals and
    cases the import created are the tenant's data, and the rows' results keep undo possible. Returns how
    many batches lost their rows."""
    days = days if days is not None else unfinished_keep_days()
    stale = select(ImportBatch).where(
        ImportBatch.state == BatchState.IMPORTED, ImportBatch.created_rows > 0,  # with none: expire_unfinished
        ImportBatch.rows_enc.is_not(None), ImportBatch.updated_at < (now or utcnow()) - timedelta(days=days))

    def drop(found: list[ImportBatch], tenant_id: int) -> None:
        for batch in found:
            batch.rows = None
        db.session.flush()
        for batch in found:
            record("import.rows_expired", "import_batch", batch.id, ["rows"], tenant_id=tenant_id)

    return _each_tenant(stale, drop)


def expire_all(now: datetime | None = None) -> dict[str, int]:
    """``flask rete expire-imports``: stalled imports closed first (an import that created nothing then
    waits ``IMPORT_UNFINISHED_KEEP_DAYS`` as an unfinished batch, so its uploader sees why), then
    unfinished batches deleted and unconfirmed ones' rows dropped."""
    done = {}
    for name, step in (("stalled", close_stalled), ("deleted", expire_unfinished),
                       ("rows_dropped", expire_unconfirmed_rows)):
        # Each step on its own: a batch a user or a worker moved meanwhile makes that step wait for the next
        # night, never undoes the other steps' deletions.
        try:
            with db.session.begin_nested():
                done[name] = step(now)
        except (StaleDataError, OperationalError) as exc:
            log.warning("expire-imports: %s skipped until the next run (%s)", name, type(exc).__name__)
            done[name] = 0
    return done


def _each_tenant(stale, act) -> int:
    """``act(batches, tenant_id)`` on each tenant's batches that ``stale`` selects, acting as that tenant in
    turn (row-level security holds for the job too). Returns how many batches were acted on."""
    count = 0
    for tenant_id in db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all():
        with acting_as(tenant_id):
            found = list(db.session.scalars(stale.where(ImportBatch.tenant_id == tenant_id).order_by(ImportBatch.id)))
            if found:
                act(found, tenant_id)
                count += len(found)
    return count
