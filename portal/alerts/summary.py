"""Figures for the periodic report (portal/monitoring imports this): how alerts were handled in a period.

Counts the case alerts of the current tenant (the ORM scoping applies); security alerts are the DPO's and
stay out of the coordinator's report.
"""
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..i18n import day_start
from .models import Alert, AlertState


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return day_start(start), day_start(end + timedelta(days=1))  # the days are Rome's


def handled_in_period(start: date, end: date) -> dict[str, int]:
    """Alerts opened, acknowledged and resolved between ``start`` and ``end`` (both days included), and
    how many are open (or acknowledged, not yet resolved) now. One statement."""
    low, high = _bounds(start, end)

    def within(column):
        return func.coalesce(func.sum(case((and_(column >= low, column < high), 1), else_=0)), 0)

    row = db.session.execute(
        select(
            within(Alert.opened_at),
            within(Alert.acknowledged_at),
            within(Alert.resolved_at),
            func.coalesce(func.sum(case((Alert.state != AlertState.RESOLVED, 1), else_=0)), 0),
        )
    ).one()
    return {"opened": int(row[0]), "acknowledged": int(row[1]), "resolved": int(row[2]), "open_now": int(row[3])}
