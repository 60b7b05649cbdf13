"""The public reports' part of the home page's work queue (portal/core/queue.py): reports waiting for the
node — new, or answered by the reporter — oldest first, for the coordinator and the case workers who triage
them. One indexed statement (ix_public_reports_tenant_state_submitted)."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import Role
from ..core import queue
from ..core.queue import Item
from ..i18n import lazy_gettext as _l
from .models import PublicReport, ReportState

WAITING = (ReportState.NEW, ReportState.ANSWERED)


def _triage(membership) -> bool:
    return membership.tenant.is_node and membership.role in (Role.COORDINATOR, Role.CASE_WORKER)


@queue.source("reports.waiting", _l("Segnalazioni pubbliche da esaminare"), applies=_triage, order=15,
              hint=_l("Nuove o con una risposta di chi ha segnalato."))
def waiting(membership, limit, offset):
    statement = (
        select(PublicReport.id, PublicReport.state, PublicReport.submitted_at)
        .where(PublicReport.tenant_id == membership.tenant_id, PublicReport.state.in_(WAITING))
        .order_by(PublicReport.submitted_at, PublicReport.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _("Segnalazione pubblica n. %(id)s", id=row.id), url_for("reports_node.detail", report_id=row.id),
        queue.as_day(row.submitted_at), note=queue.waiting_since(row.submitted_at),
    ))
