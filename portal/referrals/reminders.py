"""Reminders to the node about referrals waiting for a decision: `flask rete remind-stale`."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..accounts.models import Role
from ..audit.services import record
from ..extensions import db
from ..mail import send_mail
from ..models_base import utcnow
from ..notifications.services import notify_roles
from ..tenancy import context as tenant_context
from ..tenancy.models import Tenant, TenantKind
from .listing import WAITING_SINCE
from .models import Referral
from .models import ReferralState as S
from .services import referral_link


def remind_stale(days: int | None = None) -> int:
    """E-mail each node once per period about each referral waiting longer than ``days``.

    Works node by node, acting as that node (so PostgreSQL row-level security applies as for a user).
    Returns the number of reminders sent.
    """
    from flask_babel import force_locale

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # no request: no user's language
        return _remind_stale(days)


def _remind_stale(days: int | None) -> int:
    from ..i18n import format_day

    days = days if days is not None else current_app.config["REFERRAL_STALE_DAYS"]
    limit = utcnow() - timedelta(days=days)
    nodes = list(db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.NODE, Tenant.active.is_(True)).order_by(Tenant.id)))
    sent = 0
    for node in nodes:
        with tenant_context.acting_as(node.id):
            referrals = db.session.scalars(
                select(Referral)
                .where(Referral.node_id == node.id, Referral.state == S.SUBMITTED, WAITING_SINCE <= limit)
                .where(or_(Referral.reminded_at.is_(None), Referral.reminded_at <= limit))
                .order_by(WAITING_SINCE)
            ).all()
            for referral in referrals:
                referral.reminded_at = utcnow()
                db.session.flush()
                record("referral.reminded", "referral", referral.id, ["reminded_at"], tenant_id=node.id)
                if node.email:
                    send_mail(
                        node.email,
                        _("Rete – segnalazione %(code)s in attesa da più di %(days)s giorni",
                          code=referral.person.pseudonym, days=days),
                        _("La segnalazione %(code)s è stata inviata al nodo il %(date)s ed è ancora in attesa di una "
                          "decisione.\nPer i dettagli accedi a Rete: %(link)s\n",
                          code=referral.person.pseudonym, date=format_day(referral.waiting_since),
                          link=referral_link(referral)),
                    )
                    sent += 1
                notify_roles(node.id, (Role.COORDINATOR, Role.CASE_WORKER), "referral.stale",
                             {"code": referral.person.pseudonym, "days": days}, referral_link(referral))
    return sent
