"""The periodic report for the node and the Regione: participant indicators, budget status, alerts handled.

One function gathers it for the printable page and the XLSX alike, so both carry the same numbers.
"""
import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import DBAPIError

from ..accounts.permissions import Capability, can
from ..extensions import db
from .filters import Filters
from .indicators import Indicators, indicators
from .queries import NodeDashboard, report_figures

log = logging.getLogger(__name__)


@dataclass
class Report:
    filters: Filters
    indicators: Indicators
    dashboard: NodeDashboard
    budgets: list = field(default_factory=list)  # budget figures.Overview, for roles that see money
    alerts: dict | None = None  # None: the alerts module is not available
    show_money: bool = False


def budget_overviews(today: date | None = None) -> list:
    """The budget's burn against plan, straight from portal/budget/figures.py (the current state)."""
    from ..budget import figures, services

    return [figures.overview(budget, today=today) for budget in services.budgets()]


def alerts_handled(start: date, end: date) -> dict | None:
    """Counts from portal/alerts (built alongside); None when that module or its table is missing."""
    try:
        from ..alerts.summary import handled_in_period
    except ImportError:
        return None
    try:
        with db.session.begin_nested():  # a missing table must not abort the page's transaction
            return handled_in_period(start, end)
    except DBAPIError:
        log.warning("alerts summary unavailable", exc_info=True)
        return None


def periodic_report(f: Filters, today: date | None = None) -> Report:
    show_money = can(Capability.APPROVE_MONEY)
    return Report(
        filters=f, indicators=indicators(f), dashboard=report_figures(f, today),
        budgets=budget_overviews(today) if show_money else [], alerts=alerts_handled(f.start, f.end),
        show_money=show_money,
    )
