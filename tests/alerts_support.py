"""Alert rows for tests (the isolation matrix aims at the victim node N1's alert and security alert)."""
from portal.alerts.models import Alert, AlertState, Rule, SecurityAlert
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context


def victim_alert(net) -> Alert:
    if getattr(net, "_alert", None) is None:
        with context.acting_as(net.tenants["n1"].id):
            net._alert = Alert(
                tenant_id=net.tenants["n1"].id, rule=Rule.CASE_WITHOUT_ACTION, state=AlertState.OPEN,
                object_type="case", object_id=net.case.id, open_key=f"case_without_action:case:{net.case.id}",
                case_id=net.case.id, referral_id=net.referral.id, pseudonym=net.case.pseudonym,
                owner_id=net.users["n1_case_worker"].id, due_on=utcnow().date(), opened_at=utcnow(),
            )
            db.session.add(net._alert)
            db.session.flush()
    return net._alert


def victim_security_alert(net) -> SecurityAlert:
    if getattr(net, "_security_alert", None) is None:
        with context.acting_as(net.tenants["n1"].id):
            now = utcnow()
            net._security_alert = SecurityAlert(
                tenant_id=net.tenants["n1"].id, subject_user_id=net.users["n1_case_worker"].id,
                subject_tenant_id=net.tenants["n1"].id, open_key=f"u{net.users['n1_case_worker'].id}",
                state=AlertState.OPEN, detected_at=now, window_minutes=10, threshold=20, identities_read=25,
                last_seen_at=now,
            )
            db.session.add(net._security_alert)
            db.session.flush()
    return net._security_alert


def alert_args(net) -> dict:
    return {"alert_id": victim_alert(net).id}


def security_args(net) -> dict:
    return {"alert_id": victim_security_alert(net).id}
