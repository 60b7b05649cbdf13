"""The e-mail outbox: written with the change, sent after the commit, retried until given up.

- ``queue`` adds one row per recipient to the caller's session: a rolled-back change sends nothing.
- Once the session's transaction has committed and ended, the rows just written are sent: on the RQ
  queue when ``REDIS_URL`` is set, otherwise at once in a session of their own (so SMTP never holds the
  user's transaction, and its failure never fails the user's action).
- ``send_due`` (``flask rete send-outbox``, cron) sends what is due, with exponential backoff, and marks a
  row ``failed`` after ``OUTBOX_MAX_ATTEMPTS``.
- A row is claimed by moving ``next_attempt_at`` forward in a committed UPDATE before the SMTP dialogue,
  so two senders (the request's attempt and cron) never both send it.
"""
import contextlib
import logging
import smtplib
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update

from ..core.after_commit import by_tenant, in_own_session, include, register
from ..extensions import db
from ..jobs import in_app
from ..models_base import utcnow
from ..tenancy import context
from .models import PRIVATE_RECIPIENT, OutboxMail, OutboxStatus

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300  # a claimed row another sender may take again after this (a sender that died)


def queue(recipient: str, subject: str, body: str, kind: str | None = None, tenant_id: int | None = None) -> OutboxMail:
    """Add one outbox row to the caller's transaction (written with it, or not at all)."""
    row = OutboxMail(recipient=recipient, kind=kind, tenant_id=tenant_id, status=OutboxStatus.PENDING,
                     attempts=0, next_attempt_at=utcnow())
    row.subject = subject
    row.body = body
    current = context.current()
    if tenant_id == current.tenant_id:
        db.session.add(row)
        db.session.flush()  # now, under this context: callers acting as several tenants switch soon after
        return row
    # An anonymous action (a reset request) files the mail under the recipient's tenant: flush the
    # caller's own changes under its own context first, then this row acting as that tenant.
    db.session.flush()
    with context.acting_as(tenant_id):
        db.session.add(row)
        db.session.flush()
    return row


# --- after the commit ---------------------------------------------------------------------------------

def schedule(rows: list[tuple[int, int | None]], bind=None) -> None:
    """Send these committed rows: on the RQ queue when configured, else now, in a session of its own."""
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            from redis import Redis
            from rq import Queue

            Queue("rete", connection=Redis.from_url(url)).enqueue(run_job, rows)
        except Exception as exc:  # Redis down: the rows stay pending for send-outbox
            log.error("outbox: %d e-mails not queued (%s); send-outbox will send them", len(rows), type(exc).__name__)
        return
    in_own_session(bind, lambda session: send_rows(rows, session), "outbox")


@in_app
def run_job(rows: list) -> int:
    """RQ job: send the rows with the running app, or with the worker's own (portal.jobs.in_app)."""
    return send_rows(rows, db.session)


def send_rows(rows: list, session) -> int:
    """Attempt the given (id, tenant_id) rows now, each acting as its tenant. Returns how many were sent."""
    sent = 0
    for tenant_id, ids in by_tenant(rows).items():
        scope = context.acting_as(tenant_id) if tenant_id is not None else _tenantless()
        with scope:
            sent += _attempt(session, select(OutboxMail.id).where(OutboxMail.id.in_(ids)))
    return sent


@contextlib.contextmanager
def _tenantless():
    # Rows of anonymous actions: only a maintenance sender (owner, system context) may read them.
    if current_app.config.get("SQLALCHEMY_DATABASE_URI") == current_app.config.get("DATABASE_OWNER_URL"):
        with context.system("send-outbox"):
            yield
    else:
        with context.acting_as(None):
            yield


def send_due(limit: int = 500, keep_days: int | None = None) -> tuple[int, int, int]:
    """Send what is due (``flask rete send-outbox``), acting as each tenant in turn (so it works as the
    owner and under RLS alike; rows without a tenant only as the owner), and delete rows sent more than
    ``keep_days`` ago (and confidential ones given up on as long ago). Returns (sent, still pending, deleted)."""
    from ..tenancy.models import Tenant

    now = utcnow()
    due = (select(OutboxMail.id).where(OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= now)
           .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit))
    scopes = [(context.system("send-outbox"), OutboxMail.tenant_id.is_(None))]
    scopes += [(context.acting_as(tid), OutboxMail.tenant_id == tid)
               for tid in db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()]
    sent = left = purged = 0
    for scope, mine in scopes:
        with scope:
            sent += _attempt(db.session, due.where(mine))
            left += db.session.scalar(select(func.count(OutboxMail.id))
                                      .where(mine, OutboxMail.status == OutboxStatus.PENDING)) or 0
            if keep_days is not None:
                since = now - timedelta(days=keep_days)
                # A confidential address given up on goes too: the report keeps its own (encrypted) copy.
                given_up = and_(OutboxMail.kind == PRIVATE_RECIPIENT, OutboxMail.status == OutboxStatus.FAILED,
                                OutboxMail.next_attempt_at < since)
                result = db.session.execute(
                    delete(OutboxMail).where(mine, or_(and_(OutboxMail.status == OutboxStatus.SENT,
                                                            OutboxMail.sent_at < since), given_up))
                    .execution_options(synchronize_session=False)
                )
                purged += result.rowcount or 0
            db.session.commit()
    return sent, left, purged


def retry(row: OutboxMail) -> None:
    """Put a row back in the queue now (the admin's "retry"); sent after the commit like a new one."""
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, utcnow()
    db.session.flush()
    include(db.session, row)


# --- one attempt ----------------------------------------------------------------------------------------

def _attempt(session, candidates) -> int:
    now = utcnow()
    ids = list(session.scalars(candidates))
    claimed = []
    for row_id in ids:  # one conditional UPDATE each: whoever moves next_attempt_at first owns the row
        result = session.execute(
            update(OutboxMail).where(OutboxMail.id == row_id, OutboxMail.status == OutboxStatus.PENDING,
                                     OutboxMail.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutboxMail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(row_id)
    session.commit()
    if not claimed:
        return 0
    from ..mail import deliver, settings

    config = settings()
    sent, down = 0, None
    for row in list(session.scalars(select(OutboxMail).where(OutboxMail.id.in_(claimed)).order_by(OutboxMail.id))):
        if down is not None:  # the server is unreachable: the rest wait too, without a timeout each
            _failed(row, down)
            session.commit()
            continue
        try:
            deliver(config, [row.recipient], row.subject, row.body or "")
        except Exception as exc:  # SMTP down or refusing, or a row that cannot be read: retried later
            _failed(row, exc)
            down = exc if _unreachable(exc) else None
        else:
            row.status, row.sent_at, row.body_enc, row.last_error = OutboxStatus.SENT, utcnow(), None, None
            if row.kind == PRIVATE_RECIPIENT:  # kept no longer than needed to deliver it
                row.recipient = ""
            sent += 1
        session.commit()  # each outcome at once: a crash later never resends what left
    return sent


def _unreachable(exc: Exception) -> bool:
    """A connection-level failure (refused, timeout, dropped), not a server's answer about one message."""
    answered = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)
    return isinstance(exc, OSError) and not isinstance(exc, answered)


def _failed(row: OutboxMail, exc: Exception) -> None:
    code = getattr(exc, "smtp_code", None)
    # The class and the SMTP code only: server messages may quote the recipient's address.
    row.last_error = f"{type(exc).__name__}{f' {code}' if code else ''}"[:200]
    limit = current_app.config.get("OUTBOX_MAX_ATTEMPTS", 8)
    if row.attempts >= limit:
        row.status = OutboxStatus.FAILED
        log.error("outbox: e-mail %s given up after %s attempts (%s)", row.id, row.attempts, row.last_error)
        return
    base = current_app.config.get("OUTBOX_BACKOFF_SECONDS", 60)
    row.next_attempt_at = utcnow() + timedelta(seconds=min(base * 2 ** (row.attempts - 1), 6 * 3600))
    log.warning("outbox: e-mail %s not sent (%s), attempt %s; next at %s",
                row.id, row.last_error, row.attempts, row.next_attempt_at.isoformat())


def counts() -> dict[OutboxStatus, int]:
    """Rows per status in the current tenant (the system admin's page)."""
    rows = db.session.execute(select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status))
    found = {OutboxStatus(status): n for status, n in rows}
    return {status: found.get(status, 0) for status in OutboxStatus}


# The rows queue() writes leave once the user's transaction has committed and ended.
register(OutboxMail, schedule)
