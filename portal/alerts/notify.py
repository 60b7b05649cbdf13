"""E-mails: new alerts to their owner (after each evaluation job) and the daily digest.

Bodies carry the rule, the pseudonym and a link to the portal, nothing else: no names, no notes, no
case details (the resolution note may hold personal data, so it never leaves the portal).
"""
from collections import defaultdict

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select, update

from ..accounts.members import members_of
from ..accounts.models import User
from ..accounts.permissions import PERMISSIONS, Capability
from ..core import links
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from .labels import RULE_LABELS
from .models import Alert, AlertState, Rule, SecurityAlert
from .security import dpo_emails
from .services import coordinators

MAX_LINES = 30


def alert_link(alert_id: int) -> str:
    return links.absolute_url_for("alerts.detail", alert_id=alert_id)


def _list_link() -> str:
    return links.absolute_url_for("alerts.index")


def _lines(rows) -> list[str]:
    lines = [f"- {RULE_LABELS[Rule(rule)]}: {pseudonym or '–'} – {alert_link(alert_id)}"
             for alert_id, rule, pseudonym in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        lines.append(_("… e altre %(count)s: l'elenco completo è in Rete.", count=len(rows) - MAX_LINES))
    return lines


def _daily_subject(total: int) -> str:
    return ngettext("Rete – riepilogo quotidiano: %(num)d allerta aperta",
                    "Rete – riepilogo quotidiano: %(num)d allerte aperte", total)


def _handlers(tenant_id: int) -> dict[int, User]:
    """The node's users who may handle alerts today: an active account with an active case worker's or
    coordinator's membership of the node. An owner not among them (a case worker who left the node, whose
    cases were not reassigned yet) counts as no owner: the coordination gets their alerts."""
    return {user.id: user for user in members_of(tenant_id, *PERMISSIONS[Capability.HANDLE_ALERTS])}


def _recipients(tenant_id: int, owner: User | None) -> list[str]:
    if owner is not None:
        return [owner.email]
    return [u.email for u in coordinators(tenant_id)]


def notify_new(tenant_id: int) -> int:
    """One e-mail per owner listing the alerts opened since the last notification. Returns e-mails sent."""
    rows = db.session.execute(
        select(Alert.id, Alert.rule, Alert.pseudonym, Alert.owner_id)
        .where(Alert.tenant_id == tenant_id, Alert.state == AlertState.OPEN, Alert.notified_at.is_(None))
        .order_by(Alert.owner_id, Alert.id)
    ).all()
    if not rows:
        return 0
    handlers = _handlers(tenant_id)
    by_owner = defaultdict(list)
    for alert_id, rule, pseudonym, owner_id in rows:
        by_owner[handlers.get(owner_id)].append((alert_id, rule, pseudonym))
    sent = 0
    for owner, items in by_owner.items():
        recipients = _recipients(tenant_id, owner)
        if recipients and send_mail(
            recipients,  # composed in each recipient's language
            lambda count=len(items): ngettext("Rete – %(num)d nuova allerta", "Rete – %(num)d nuove allerte", count),
            lambda items=items: _("Nuove situazioni di criticità da seguire:") + "\n" + "\n".join(_lines(items)) + "\n",
            kind="alerts.new", params={"count": len(items)}, notify_tenant=tenant_id,
            link=alert_link(items[0][0]) if len(items) == 1 else _list_link(),
        ):
            sent += 1
    _mark_all(tenant_id, max(r[0] for r in rows))
    return sent


def _mark_all(tenant_id: int, max_id: int) -> None:
    db.session.execute(
        update(Alert).where(Alert.tenant_id == tenant_id, Alert.notified_at.is_(None), Alert.id <= max_id)
        .values(notified_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def send_digest(tenant_id: int) -> int:
    """The daily summary: to each case worker their open alerts, to the coordinators the node's counts per
    rule and the alerts nobody owns, to the DPOs the open security alerts. Returns e-mails sent."""
    open_alerts = select(Alert.id, Alert.rule, Alert.pseudonym).where(
        Alert.tenant_id == tenant_id, Alert.state != AlertState.RESOLVED
    ).order_by(Alert.due_on, Alert.id)
    sent = 0
    handlers = _handlers(tenant_id)
    owners = db.session.scalars(
        select(Alert.owner_id).where(Alert.tenant_id == tenant_id, Alert.state != AlertState.RESOLVED,
                                     Alert.owner_id.in_(list(handlers))).distinct()
    ).all()
    for owner_id in owners:
        rows = db.session.execute(open_alerts.where(Alert.owner_id == owner_id).limit(MAX_LINES + 1)).all()
        total = db.session.scalar(select(func.count(Alert.id)).where(
            Alert.tenant_id == tenant_id, Alert.state != AlertState.RESOLVED, Alert.owner_id == owner_id))
        if send_mail(
            handlers[owner_id].email, lambda total=total: _daily_subject(total),
            lambda rows=rows: _("Le tue allerte ancora aperte:") + "\n" + "\n".join(_lines(rows[:MAX_LINES])) + "\n",
        ):
            sent += 1
    per_rule = db.session.execute(
        select(Alert.rule, func.count(Alert.id)).where(Alert.tenant_id == tenant_id, Alert.state != AlertState.RESOLVED)
        .group_by(Alert.rule).order_by(Alert.rule)
    ).all()
    unowned = db.session.execute(open_alerts.where(or_(Alert.owner_id.is_(None), Alert.owner_id.not_in(list(handlers))))
                                 .limit(MAX_LINES + 1)).all()
    emails = [u.email for u in coordinators(tenant_id)]
    if per_rule and emails:
        def body():  # in each coordinator's language
            counts = [f"- {RULE_LABELS[Rule(rule)]}: {count}" for rule, count in per_rule]
            text = _("Allerte aperte nel nodo, per regola:") + "\n" + "\n".join(counts) + "\n"
            if unowned:
                text += ("\n" + _("Senza case manager (di competenza del coordinamento):") + "\n"
                         + "\n".join(_lines(unowned)) + "\n")
            return text

        total = sum(count for _rule, count in per_rule)
        if send_mail(emails, lambda: _daily_subject(total), body):
            sent += 1
    security_open = db.session.scalar(
        select(func.count(SecurityAlert.id)).where(SecurityAlert.tenant_id == tenant_id,
                                                   SecurityAlert.state != AlertState.RESOLVED)
    )
    recipients = dpo_emails(tenant_id)
    if security_open and recipients:
        path = links.path_for("alerts.security_list")
        link = links.absolute(path)
        if send_mail(recipients, _l("Rete – riepilogo quotidiano: allerte di sicurezza aperte"),
                     _l("Allerte di sicurezza aperte: %(count)s.\nPer i dettagli accedi a Rete: %(link)s\n",
                        count=security_open, link=link)):
            sent += 1
    return sent
