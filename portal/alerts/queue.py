"""The alerts' part of the home page's work queue (portal/core/queue.py): a case worker's own open
alerts, all the node's for the coordinator (services.visible_alerts), the DPO's security alerts (unusual
access, bursts of public reports); the earliest due first. One statement each. (Replaces the separate
alerts panel of the home page.)
"""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Index, select, text

from ..accounts.models import User
from ..core import queue
from ..core.queue import Item
from ..i18n import lazy_gettext as _l
from . import security, services
from .labels import RULE_LABELS
from .models import Alert, AlertState, Rule, SecurityAlert, SecurityKind

# Migration 0023: alerts by owner or by node in due order, so the first page stops after a few rows (the
# resolved ones are skipped on the way) instead of sorting every open alert.
Index("ix_alerts_owner_due", Alert.owner_id, Alert.due_on, Alert.id)
Index("ix_alerts_tenant_due", Alert.tenant_id, Alert.due_on, Alert.id)
# Migration 0031: the same, holding only the alerts not resolved, so the capped count reads the index alone.
_UNRESOLVED = text("state <> 'resolved'")
Index("ix_alerts_queue_owner", Alert.owner_id, Alert.due_on, Alert.id, Alert.tenant_id,
      postgresql_where=_UNRESOLVED, sqlite_where=_UNRESOLVED)
Index("ix_alerts_queue_tenant", Alert.tenant_id, Alert.due_on, Alert.id, postgresql_where=_UNRESOLVED, sqlite_where=_UNRESOLVED)


@queue.source("alerts.open", _l("Allerte da gestire"), applies=services.is_node_staff, order=60)
def open_alerts(membership, limit, offset):
    statement = (
        services.visible_alerts(membership)
        .with_only_columns(Alert.id, Alert.rule, Alert.state, Alert.pseudonym, Alert.due_on)
        .where(Alert.state != queue.inline(AlertState.RESOLVED))
        .order_by(Alert.due_on, Alert.id)
    )
    today = queue.today()
    return queue.page_of(statement, limit, offset, lambda row: Item(
        f"{RULE_LABELS[Rule(row.rule)]} – {row.pseudonym or '–'}", url_for("alerts.detail", alert_id=row.id), row.due_on,
        note=_("presa in visione") if AlertState(row.state) == AlertState.ACKNOWLEDGED else None, late=row.due_on < today,
    ))


@queue.source("alerts.security", _l("Allerte di sicurezza da esaminare"), applies=security.may_see, order=41)
def security_alerts(membership, limit, offset):
    statement = (
        select(SecurityAlert.id, SecurityAlert.kind, SecurityAlert.detected_at, User.full_name)
        .outerjoin(User, User.id == SecurityAlert.subject_user_id)
        .where(SecurityAlert.tenant_id == membership.tenant_id, SecurityAlert.state != AlertState.RESOLVED)
        .order_by(SecurityAlert.detected_at, SecurityAlert.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _("Molte segnalazioni pubbliche in poco tempo") if SecurityKind(row.kind) == SecurityKind.PUBLIC_REPORT_BURST
        else _("Accessi insoliti alle identità – %(name)s", name=row.full_name),
        url_for("alerts.security_detail", alert_id=row.id), queue.as_day(row.detected_at), late=True,
    ))
