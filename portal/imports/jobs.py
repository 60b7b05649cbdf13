"""The import job: the batch's rows in chunks, each chunk committed, so the progress bar moves and a job
stopped half-way resumes where it was (the rows' keys make a repeated row a no-op).

Run on the RQ queue when REDIS_URL is set, at once otherwise (``portal.jobs.enqueue``). On a worker it
acts as the user who started the import, in their tenant, as a request of theirs would: the services check
that user's permissions and the audit names them.
"""
import contextlib

from flask import current_app, g, has_request_context

from ..extensions import db
from ..jobs import in_app
from ..tenancy import context


@in_app
def run_import(batch_id: int, tenant_id: int, membership_id: int, ip: str | None = None) -> int:
    """Import every remaining row of the batch; return how many rows were processed."""
    return _run_as(batch_id, tenant_id, membership_id, ip)


def _run_as(batch_id, tenant_id, membership_id, ip) -> int:
    current = g.get("membership") if has_request_context() else None
    if current is not None and current.id == membership_id:  # inline, inside the user's own request
        return _run(batch_id)
    with _acting(tenant_id, membership_id, ip):
        return _run(batch_id)


@contextlib.contextmanager
def _acting(tenant_id, membership_id, ip):
    from ..accounts.models import Membership

    with current_app.test_request_context("/", environ_base={"REMOTE_ADDR": ip or ""}), context.acting_as(tenant_id):
        membership = db.session.get(Membership, membership_id)
        if membership is None or membership.tenant_id != tenant_id or not membership.active or not membership.user.active:
            raise PermissionError("import job: the membership that started it is gone")
        context.activate(tenant_id, membership.user_id)
        g.membership = membership
        g._login_user = membership.user  # Flask-Login's current_user: services and the audit see the user
        yield


def _run(batch_id: int) -> int:
    from . import services

    done = 0
    while True:
        batch = services.get_batch(batch_id)
        if batch is None:
            return done
        try:
            count = services.import_chunk(batch)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if not count:
            return done
        done += count
