"""Unusual access: one user reading many people's identities in a short time.

Each identity reveal is an audit event (``person.identity_read``, see people.services.reveal_identity; and
``case_transfer.identity_read``, the identity a case transfer carries, see cases.transfer_reads.reveal_identity).
After each one, ``check_reader`` counts the distinct people (persons and transfers) the same user revealed in
the window (one count over ``ix_audit_events_actor_user_id``); at the threshold it raises a SecurityAlert for the data
protection officer of the reader's node, recorded with the time it was detected, and e-mails the node's
DPOs (no names: a link). The job (``scan``) finds the same bursts set-based, e.g. reveals made by a
path that does not call the hook.

While an alert is open (or acknowledged) for a user, further reveals update its count; once resolved,
only reveals after the resolution count toward a new one.
"""
from datetime import UTC, datetime, timedelta

from flask import has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.members import member_emails
from ..accounts.models import Role
from ..audit.models import AuditEvent
from ..audit.services import record
from ..core import links
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from ..tenancy.context import acting_as, current
from ..tenancy.models import Tenant
from .models import AlertState, Rule, SecurityAlert

REVEALS = ("person.identity_read", "case_transfer.identity_read")


def _revealed():
    """What one reveal is of: a person or a transfer (their ids may coincide, so the type counts too)."""
    return func.count(func.distinct(AuditEvent.object_type + ":" + AuditEvent.object_id))


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _key(user_id: int) -> str:
    return f"u{user_id}"


def check_reader(user_id: int | None = None, now: datetime | None = None) -> SecurityAlert | None:
    """After a reveal by ``user_id`` (default: the current user) in the current tenant."""
    ctx = current()
    if user_id is None:
        user_id = current_user.id if has_request_context() and current_user.is_authenticated else ctx.user_id
    if user_id is None or ctx.tenant_id is None:
        return None
    reader_tenant = db.session.get(Tenant, ctx.tenant_id)
    node_id = reader_tenant.network_node_id
    if node_id == ctx.tenant_id:
        return _check(node_id, user_id, reader_tenant.id, now or utcnow())
    # An antenna user's burst is the node DPO's business: count and write as the node, explicitly.
    with acting_as(node_id):
        return _check(node_id, user_id, reader_tenant.id, now or utcnow())


def latest_alert(*where) -> SecurityAlert | None:
    return db.session.scalars(
        select(SecurityAlert).where(*where).order_by(SecurityAlert.detected_at.desc(), SecurityAlert.id.desc()).limit(1)
    ).first()


def counting_since(latest: SecurityAlert | None, window_start: datetime) -> datetime:
    """Where the count starts: the window, or the latest alert's resolution if later (what came before it
    was handled)."""
    resolved_at = _aware(latest.resolved_at) if latest is not None else None
    if latest is not None and latest.state == AlertState.RESOLVED and resolved_at and resolved_at > window_start:
        return resolved_at
    return window_start


def updated_while_open(latest: SecurityAlert | None, count: int, now: datetime) -> bool:
    """An alert still open takes the new count instead of a second alert being raised: True when it did."""
    if latest is None or latest.state == AlertState.RESOLVED:
        return False
    if count > latest.identities_read:
        latest.identities_read, latest.last_seen_at = count, now
        db.session.flush()
    return True


def _check(node_id: int, user_id: int, reader_tenant_id: int, now: datetime) -> SecurityAlert | None:
    from .services import settings_for

    setting = settings_for(node_id)[Rule.UNUSUAL_ACCESS]
    if not setting["enabled"]:
        return None
    latest = latest_alert(SecurityAlert.tenant_id == node_id, SecurityAlert.subject_user_id == user_id)
    since = counting_since(latest, now - timedelta(minutes=setting["window_minutes"]))
    count = db.session.scalar(
        select(_revealed())
        .where(AuditEvent.actor_user_id == user_id, AuditEvent.action.in_(REVEALS), AuditEvent.at >= since)
    ) or 0
    if updated_while_open(latest, count, now):
        return latest
    if count < setting["threshold"]:
        return None
    alert = SecurityAlert(
        tenant_id=node_id, subject_user_id=user_id, subject_tenant_id=reader_tenant_id, open_key=_key(user_id),
        state=AlertState.OPEN, detected_at=now, window_minutes=setting["window_minutes"],
        threshold=setting["threshold"], identities_read=count, last_seen_at=now,
    )
    db.session.add(alert)
    db.session.flush()
    record("security_alert.raised", "security_alert", alert.id, ["subject_user_id", "identities_read"], tenant_id=node_id)
    _notify_dpos(alert)
    return alert


def scan(node_id: int, now: datetime | None = None) -> int:
    """The job's pass: users of the node's network over the threshold in the last window. Returns alerts raised."""
    from .services import settings_for

    now = now or utcnow()
    setting = settings_for(node_id)[Rule.UNUSUAL_ACCESS]
    if not setting["enabled"]:
        return 0
    since = now - timedelta(minutes=setting["window_minutes"])
    readers = db.session.execute(
        select(AuditEvent.actor_user_id, func.min(AuditEvent.tenant_id))
        .where(AuditEvent.node_id == node_id, AuditEvent.action.in_(REVEALS), AuditEvent.at >= since,
               AuditEvent.actor_user_id.is_not(None))
        .group_by(AuditEvent.actor_user_id)
        .having(_revealed() >= setting["threshold"])
    ).all()
    raised = 0
    for user_id, tenant_id in readers:
        before = db.session.scalar(select(func.count(SecurityAlert.id)).where(SecurityAlert.tenant_id == node_id))
        _check(node_id, user_id, tenant_id, now)
        raised += db.session.scalar(select(func.count(SecurityAlert.id)).where(SecurityAlert.tenant_id == node_id)) - before
    return raised


def dpo_emails(node_id: int) -> list[str]:
    return member_emails(node_id, Role.DATA_PROTECTION_OFFICER)


def security_link(alert: SecurityAlert) -> str:
    return links.absolute_url_for("alerts.security_detail", alert_id=alert.id)


def _notify_dpos(alert: SecurityAlert) -> None:
    """Who read is in the portal, not in the e-mail: a count, the time and a link."""
    from ..i18n import format_moment

    recipients = dpo_emails(alert.tenant_id)
    if not recipients:
        return
    send_mail(
        recipients,
        _l("Rete – allerta di sicurezza: accessi insoliti alle identità"),
        _l("Rilevata il %(when)s: un utente ha letto %(count)s identità diverse in %(minutes)s minuti "
           "(soglia %(threshold)s).\nPer i dettagli accedi a Rete: %(link)s\n",
           when=format_moment(alert.detected_at), count=alert.identities_read, minutes=alert.window_minutes,
           threshold=alert.threshold, link=security_link(alert)),
        kind="security_alert.opened", params={"count": alert.identities_read, "minutes": alert.window_minutes},
        link=security_link(alert), notify_tenant=alert.tenant_id,
    )


# --- the DPO's handling ---------------------------------------------------------------------------------

def may_see(membership=None) -> bool:
    from ..accounts.permissions import Capability, can_in_node

    return can_in_node(Capability.SEE_SECURITY_ALERTS, membership)


def acknowledge(alert: SecurityAlert, expected_version) -> None:
    from ..core.locking import check_version
    from .services import AlertError, Forbidden

    if not may_see() or alert.tenant_id != current().tenant_id:
        raise Forbidden()
    check_version(alert, expected_version)
    if alert.state != AlertState.OPEN:
        raise AlertError(_("Solo un'allerta aperta può essere presa in visione."))
    alert.state, alert.acknowledged_at, alert.acknowledged_by_id = AlertState.ACKNOWLEDGED, utcnow(), current_user.id
    db.session.flush()
    record("security_alert.acknowledged", "security_alert", alert.id, ["state", "acknowledged_at", "acknowledged_by_id"])


def resolve(alert: SecurityAlert, note: str | None, expected_version) -> None:
    from ..core.locking import check_version
    from .services import AlertError, Forbidden

    if not may_see() or alert.tenant_id != current().tenant_id:
        raise Forbidden()
    check_version(alert, expected_version)
    if alert.state == AlertState.RESOLVED:
        raise AlertError(_("L'allerta è già risolta."))
    if not (note or "").strip():
        raise AlertError(_("Scrivi come è stata risolta la situazione."), "note")
    alert.state, alert.open_key, alert.resolved_at = AlertState.RESOLVED, None, utcnow()
    alert.resolved_by_id, alert.resolution_note = current_user.id, note.strip()
    db.session.flush()
    record("security_alert.resolved", "security_alert", alert.id, ["state", "resolved_at", "resolved_by_id", "resolution_note"])
