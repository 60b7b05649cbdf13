"""Exports that run on the queue: a domain registers a kind (who may ask, how to build the file); asking
writes an ``ExportJob`` row, the RQ worker (or, without ``REDIS_URL``, the request itself right after its
commit: ``portal.jobs.enqueue``) builds the file acting as the requester, reporting its progress, and keeps it
through portal/core/storage.py until it expires. The requester and users of the same role in the tenant
download it, audited.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Membership
from ..accounts.permissions import current_membership
from ..audit.services import record
from ..core import files, storage
from ..core.errors import Forbidden, NotFound, ServiceError
from ..extensions import db
from ..jobs import enqueue, in_app
from ..models_base import aware, utcnow
from ..tenancy import context
from .models import ExportJob, ExportState

log = logging.getLogger(__name__)
AREA = "exports"


@dataclass(frozen=True)
class Kind:
    key: str
    title: object  # a lazy string
    allowed: Callable  # membership -> bool, checked when asking, when building and when downloading
    params: Callable  # request.form -> dict of codes / ISO dates (ValueError when unusable)
    build: Callable  # (params, progress) -> (bytes, content type, file name); runs acting as the requester


KINDS: dict[str, Kind] = {}


class InputRefused(ServiceError):
    """Input an export cannot use, raised by its ``params``; ``page``: where the form that asked shows it again,
    with the input and its error on the field (else a 400 with the message)."""

    def __init__(self, message: str, page: str | None = None, field: str | None = None):
        super().__init__(message, field)
        self.page = page


def kind(key: str, title, *, allowed: Callable, params: Callable):
    """Register ``build`` as the export ``key`` (domains call it from their own module)."""
    def decorator(build):
        KINDS[key] = Kind(key, title, allowed, params, build)
        return build

    return decorator


def keep_hours() -> int:
    return int(current_app.config["EXPORT_KEEP_HOURS"])


def request_export(key: str, form) -> ExportJob:
    """The current user asks for an export: a queued job in the caller's transaction (the view commits,
    then calls :func:`start`). NotFound for a kind there is not, Forbidden for one they may not export;
    ValueError for unusable input."""
    export = KINDS.get(key)
    if export is None:
        raise NotFound()
    membership = current_membership()
    if membership is None or not export.allowed(membership):
        raise Forbidden()
    params = export.params(form)
    purge_expired()
    job = ExportJob(tenant_id=membership.tenant_id, kind=key, params=params, requested_by_id=current_user.id,
                    membership_id=membership.id, role=str(membership.role), state=ExportState.QUEUED, progress=0)
    db.session.add(job)
    db.session.flush()
    record("export.requested", "export_job", job.id, ["kind", "params"])
    return job


def start(job: ExportJob) -> None:
    """After the commit that wrote ``job``: on the RQ queue when configured, else now (the embedded default)."""
    enqueue(run, job.id, job.tenant_id)


@in_app
def run(job_id: int, tenant_id: int) -> str | None:
    """RQ job: build one export with the running app, or with the worker's own (portal.jobs.in_app)."""
    return _run(job_id, tenant_id)


def _run(job_id: int, tenant_id: int) -> str | None:
    with context.acting_as(tenant_id):
        job = db.session.get(ExportJob, job_id)
        if job is None or job.state != ExportState.QUEUED:
            return None
        membership = db.session.get(Membership, job.membership_id)
    export = KINDS.get(job.kind)
    previous = g.get("membership")
    with context.acting_as(tenant_id, user_id=job.requested_by_id):
        # The requester's rights now, not when asking: a membership ended meanwhile builds nothing.
        if export is None or membership is None or not membership.active or not export.allowed(membership):
            return _fail(job, "forbidden")
        g.membership = membership
        try:
            _progress(job, 5, ExportState.RUNNING)
            content, content_type, filename = export.build(dict(job.params), lambda percent: _progress(job, percent))
            stored = files.generated(content, content_type, filename)
            job.storage_key, job.sha256 = stored.storage_key, stored.sha256  # the key first: it binds the name
            job.filename, job.content_type, job.size = stored.filename, stored.content_type, stored.size
            storage.save(job, stored, AREA)
            job.state, job.progress, job.finished_at = ExportState.DONE, 100, utcnow()
            job.expires_at = job.finished_at + timedelta(hours=keep_hours())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("export %s (%s) failed", job_id, job.kind)
            return _fail(job, "failed")
        finally:
            g.membership = previous
    return job.state.value


def _progress(job: ExportJob, percent: int, state: ExportState | None = None) -> None:
    """Committed at once, so the progress page (another request, another host) sees it."""
    job.progress = max(0, min(99, int(percent)))
    if state is not None:
        job.state = state
    db.session.commit()


def _fail(job: ExportJob, code: str) -> str:
    job.state, job.error, job.finished_at = ExportState.FAILED, code, utcnow()
    db.session.commit()
    return job.state.value


def may_read(job: ExportJob) -> bool:
    """The requester, or a user of the same role in the tenant who may ask for this kind too."""
    membership = current_membership()
    export = KINDS.get(job.kind)
    if membership is None or export is None or job.tenant_id != membership.tenant_id:
        return False
    same = job.requested_by_id == current_user.id or str(membership.role) == job.role
    return same and export.allowed(membership)


def get(job_id: int) -> ExportJob | None:
    """A job the current user may follow (None for anything else: wrong id, other tenant, other role)."""
    job = db.session.get(ExportJob, job_id)
    return job if job is not None and may_read(job) else None


def expired(job: ExportJob) -> bool:
    return job.expires_at is not None and aware(job.expires_at) <= utcnow()


def read(job: ExportJob) -> bytes | None:
    """The file's bytes (None when not ready, expired or gone), audited as a read."""
    if job.state != ExportState.DONE or expired(job):
        return None
    record("export.downloaded", "export_job", job.id, ["content"])
    return storage.read(job, AREA)


def purge_expired() -> int:
    """Forget the current tenant's expired exports (rows and files); run whenever someone asks for one."""
    return storage.delete(db.session.scalars(select(ExportJob).where(ExportJob.expires_at <= utcnow())), AREA)

