"""The alerts panel of the home page: a case worker's own, the coordinator's all, the DPO's security ones."""
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from . import security, services
from .models import Alert, AlertState, SecurityAlert

LATEST = 5


def home_summary(membership) -> dict | None:
    """None when the user has nothing to do with alerts (antennas, providers, budget officer…)."""
    if membership is None or not membership.tenant.is_node:
        return None
    if services.is_node_staff(membership):
        pending = services.visible_alerts(membership).where(Alert.state != AlertState.RESOLVED)
        counts = services.open_counts(membership)
        latest = db.session.scalars(pending.order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(LATEST)).all()
        return {"kind": "cases", "counts": counts, "latest": latest, "all": services.sees_all(membership)}
    if security.may_see(membership):
        pending = select(SecurityAlert).where(SecurityAlert.tenant_id == membership.tenant_id,
                                              SecurityAlert.state != AlertState.RESOLVED)
        total = db.session.scalar(pending.with_only_columns(func.count(SecurityAlert.id)))
        latest = db.session.scalars(
            pending.options(joinedload(SecurityAlert.subject)).order_by(SecurityAlert.detected_at.desc()).limit(LATEST)
        ).all()
        return {"kind": "security", "total": total, "latest": latest}
    return None
