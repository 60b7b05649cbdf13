"""A burst of public reports: more than ``PUBLIC_REPORT_BURST_THRESHOLD`` reports reached one node within
``PUBLIC_REPORT_BURST_MINUTES`` — people do not write that fast, so it may be abuse of the public door.

Listens to ``reports.signals.submitted`` (sent acting as the node) and raises a SecurityAlert of kind
``PUBLIC_REPORT_BURST`` for the node's data protection officers: in their work queue, on the security
alerts page, and by e-mail (a count and a link). One per node while it is open (``open_key``): further
reports update its count; once resolved, only reports after the resolution count toward a new one.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from ..notifications import labels as notice_labels
from ..reports.models import PublicReport
from ..reports.signals import submitted
from .models import AlertState, SecurityAlert, SecurityKind
from .security import counting_since, dpo_emails, latest_alert, security_link, updated_while_open


def _key(node_id: int) -> str:
    return f"r{node_id}"


def check(node_id: int, now=None) -> SecurityAlert | None:
    """The node's open burst alert after a new report (raised or updated), or None below the threshold."""
    now = now or utcnow()
    threshold = current_app.config.get("PUBLIC_REPORT_BURST_THRESHOLD", 20)
    minutes = current_app.config.get("PUBLIC_REPORT_BURST_MINUTES", 10)
    latest = latest_alert(SecurityAlert.tenant_id == node_id, SecurityAlert.kind == SecurityKind.PUBLIC_REPORT_BURST)
    since = counting_since(latest, now - timedelta(minutes=minutes))
    count = db.session.scalar(
        select(func.count(PublicReport.id)).where(PublicReport.tenant_id == node_id, PublicReport.submitted_at >= since)
    ) or 0
    if updated_while_open(latest, count, now):
        return latest
    if count <= threshold:
        return None
    alert = SecurityAlert(
        tenant_id=node_id, kind=SecurityKind.PUBLIC_REPORT_BURST, subject_user_id=None, subject_tenant_id=None,
        open_key=_key(node_id), state=AlertState.OPEN, detected_at=now, window_minutes=minutes, threshold=threshold,
        identities_read=count, last_seen_at=now,
    )
    db.session.add(alert)
    db.session.flush()
    record("security_alert.raised", "security_alert", alert.id, ["kind", "identities_read"], tenant_id=node_id,
           keep_ip=False)
    _notify_dpos(alert)
    return alert


def _notify_dpos(alert: SecurityAlert) -> None:
    recipients = dpo_emails(alert.tenant_id)
    if not recipients:
        return
    link = security_link(alert)
    # Raised by a reporter's request, which speaks the reporter's language: each DPO reads their own.
    send_mail(
        recipients,
        _l("Rete – allerta di sicurezza: molte segnalazioni pubbliche in poco tempo"),
        _l("Sono arrivate %(count)s segnalazioni pubbliche in %(minutes)s minuti (soglia %(threshold)s): può "
           "trattarsi di un abuso.\nPer i dettagli accedi a Rete: %(link)s\n",
           count=alert.identities_read, minutes=alert.window_minutes, threshold=alert.threshold, link=link),
        kind="security_alert.report_burst", params={"count": alert.identities_read, "minutes": alert.window_minutes},
        link=link, notify_tenant=alert.tenant_id, tenant_id=alert.tenant_id,
    )


notice_labels.register("security_alert.report_burst", lambda p: _(
    "Allerta di sicurezza: %(count)s segnalazioni pubbliche in %(minutes)s minuti", count=p["count"], minutes=p["minutes"]))


@submitted.connect
def _on_submitted(report, **_extra):
    check(report.tenant_id)
