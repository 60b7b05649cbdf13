"""Retention of public reports (``flask rete erase-public-reports``, daily from cron).

A report closed, converted, or waiting in vain for the reporter's answer (the node asked, no message
since) for longer than ``PUBLIC_REPORT_RETENTION_DAYS`` loses what identifies or tells anything: its texts, the reporter's name,
contact and notification address, every message and file; its receipt code's hash and lookup key are removed,
so the code opens nothing any more. What stays is codes and dates (state, reason, municipality, context,
grounds, the referral it became) for the node's counts. A converted report's referral and person are their
own rows, written at conversion with what the referral needs: they follow the people's retention instead.
A report erased while waiting for an answer is closed with the reason "no answer"; a report waiting for
the node (new, or answered) is never erased: it stays in the node's work queue until the node decides.

Node by node, acting as the node (so row-level security holds for the job too); one audit event per node
with the counts only.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select

from ..audit.services import record
from ..core import storage
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.context import acting_as
from ..tenancy.models import Tenant, TenantKind
from . import files as report_files
from .models import CloseReason, PublicReport, PublicReportFile, PublicReportKey, PublicReportMessage, ReportState

ENDED = (ReportState.CLOSED, ReportState.CONVERTED)


def expired(cutoff: datetime):
    """Reports not yet erased whose end (or last news, for one waiting for its reporter) is before ``cutoff``."""
    last_message = (select(func.max(PublicReportMessage.at)).where(PublicReportMessage.report_id == PublicReport.id)
                    .correlate(PublicReport).scalar_subquery())
    return select(PublicReport).where(PublicReport.erased_at.is_(None), or_(
        and_(PublicReport.state.in_(ENDED), PublicReport.closed_at < cutoff),
        and_(PublicReport.state == ReportState.INFO_REQUESTED, PublicReport.submitted_at < cutoff,
             func.coalesce(last_message, PublicReport.submitted_at) < cutoff),
    ))


def erase(report: PublicReport, now: datetime) -> tuple[int, int]:
    """Erase one report (acting as its node); returns (messages, files) removed. Files leave the disk when
    the transaction commits."""
    files = list(db.session.scalars(select(PublicReportFile).where(PublicReportFile.report_id == report.id)))
    for item in files:
        storage.forget(item, report_files.AREA)  # bytes go with the row, or leave the disk at commit
        db.session.delete(item)
    db.session.flush()
    messages = db.session.execute(
        delete(PublicReportMessage).where(PublicReportMessage.report_id == report.id)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    db.session.execute(delete(PublicReportKey).where(PublicReportKey.report_id == report.id)
                       .execution_options(synchronize_session=False))
    report.what = report.name = report.contact = report.notify_email = None
    report.code_hash = ""  # no hash verifies against it
    if report.state == ReportState.INFO_REQUESTED:
        report.state, report.close_reason, report.closed_at = ReportState.CLOSED, CloseReason.NO_ANSWER, now
    report.erased_at = now
    db.session.flush()
    db.session.expire(report, ["messages", "files"])
    return messages, len(files)


def erase_expired(now: datetime | None = None, days: int | None = None, batch_size: int = 200) -> dict:
    """Every node's expired reports; returns the totals {"reports", "messages", "files"}."""
    now = now or utcnow()
    days = days if days is not None else current_app.config["PUBLIC_REPORT_RETENTION_DAYS"]
    cutoff = now - timedelta(days=days)
    totals = {"reports": 0, "messages": 0, "files": 0}
    nodes = list(db.session.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.NODE).order_by(Tenant.id)))
    for node_id in nodes:
        with acting_as(node_id):
            counts = {"reports": 0, "messages": 0, "files": 0}
            while True:
                batch = list(db.session.scalars(
                    expired(cutoff).where(PublicReport.tenant_id == node_id).order_by(PublicReport.id).limit(batch_size)))
                if not batch:
                    break
                for report in batch:
                    messages, files = erase(report, now)
                    counts["reports"] += 1
                    counts["messages"] += messages
                    counts["files"] += files
            if counts["reports"]:
                record("public_report.erased_by_retention", "public_report", None,
                       [f"{name}={count}" for name, count in counts.items()], tenant_id=node_id)
            for name, count in counts.items():
                totals[name] += count
    return totals
