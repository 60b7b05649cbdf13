"""Demo alerts: each node's default rules, then one evaluation, so the demo shows at least one
overdue referral (the cases seeder submits some referrals 12 days ago; the default threshold is 7 days).
Idempotent: the settings are created once and evaluation never duplicates an open alert."""
from datetime import timedelta

from sqlalchemy import select

from ..alerts.models import Alert, AlertState, Rule
from ..alerts.rules import DEFAULTS
from ..alerts.services import ensure_settings, evaluate
from ..extensions import db
from ..models_base import utcnow
from ..referrals.models import Referral, ReferralState
from ..tenancy.context import acting_as
from ..tenancy.models import Tenant, TenantKind


def seed() -> list[str]:
    report = []
    for node in db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.NODE).order_by(Tenant.id)):
        with acting_as(node.id):  # as the node: PostgreSQL row-level security applies to the app role too
            ensure_settings(node.id)
            counts = evaluate(node.id)
            if _overdue(node.id) is None and _make_one_overdue(node.id):
                counts = {"opened": counts["opened"] + evaluate(node.id)["opened"]}
            overdue = _overdue(node.id)
        report.append(f"allerte {node.name}: {counts['opened']} nuove"
                      + ("" if overdue else " (nessuna segnalazione in ritardo)"))
    return report


def _overdue(node_id):
    return db.session.scalar(
        select(Alert.id).where(Alert.tenant_id == node_id, Alert.rule == Rule.REFERRAL_UNDECIDED,
                               Alert.state != AlertState.RESOLVED).limit(1)
    )


def _make_one_overdue(node_id) -> bool:
    """The demo must show an overdue referral whatever day it is seeded: age the oldest submitted one."""
    referral = db.session.scalar(
        select(Referral).where(Referral.node_id == node_id, Referral.state == ReferralState.SUBMITTED)
        .order_by(Referral.submitted_at).limit(1)
    )
    if referral is None:
        return False
    referral.submitted_at = utcnow() - timedelta(days=DEFAULTS[Rule.REFERRAL_UNDECIDED] + 5)
    referral.created_at = min(referral.created_at, referral.submitted_at)  # written before it was sent
    db.session.flush()
    return True
