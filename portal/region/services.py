"""Keeping the per-node summaries current: ``flask rete region-refresh`` (cron, e.g. nightly).

Each node's rows are recomputed **as that node** (``acting_as``): the job reads only what the node
itself may read, through the same scoping and PostgreSQL policies, and writes rows the node owns and
shares with its region. A node's summary is replaced whole (delete + insert) in one transaction, so a
moved or withdrawn referral never lingers; a node without a region keeps no summary.

Measures (``RegionSummary.measure`` / ``value``), each counted in the month named:

==================  ===========================================  =========================================
measure             value                                        month of
==================  ===========================================  =========================================
referrals           ``total``                                    submission
ground              the one ground, ``intersectional`` (two or   submission (each referral in one row)
                    more) or ``unspecified``
context             a context code                               submission
decision            ``accepted`` / ``declined``                  decision
decision_days       whole days from submission to decision       decision (a histogram, for the median)
cases_closed        a closure outcome code                       closure
esf_<dimension>     the indicators' value codes (participants)   case opening (monitoring/indicators.py)
esf_result          employed / education_training / not_employed closure (leavers)
esf_training        ``completed``                                closure
esf_six_months      employed / not_employed / unknown            6-month follow-up due date
==================  ===========================================  =========================================
"""
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import delete, select

from ..audit.services import record
from ..cases.models import Case, Verification, VerificationPhase
from ..extensions import db
from ..i18n import local_day
from ..monitoring.filters import Filters
from ..monitoring.indicators import DIMENSIONS, indicators
from ..monitoring.opendata import ground_row
from ..referrals.models import Referral, ReferralState
from ..tenancy.context import acting_as
from ..tenancy.models import Tenant, TenantKind
from .models import RegionSummary

DECISIONS = (ReferralState.ACCEPTED.value, ReferralState.DECLINED.value)


def month_start(moment) -> date:
    """The first of the month ``moment`` falls in, in Rome (as the node's own dashboard counts it)."""
    if isinstance(moment, datetime):
        moment = local_day(moment)
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_end(month: date) -> date:
    return date.fromordinal(next_month(month).toordinal() - 1)


def _value(raw) -> str:
    return getattr(raw, "value", raw)


def _referral_counts(node_id: int, counts: Counter) -> None:
    rows = db.session.execute(
        select(Referral.grounds, Referral.context, Referral.state, Referral.submitted_at, Referral.decided_at)
        .where(Referral.node_id == node_id, Referral.submitted_at.is_not(None))
    )
    for grounds, context, state, submitted, decided in rows:
        month = month_start(submitted)
        counts[(month, "referrals", "total")] += 1
        counts[(month, "ground", ground_row(grounds))] += 1  # each referral once: see ground_row
        counts[(month, "context", _value(context))] += 1
        state = _value(state)
        if decided is not None and state in DECISIONS:
            decided_month = month_start(decided)
            counts[(decided_month, "decision", state)] += 1
            days = max(0, (_aware(decided) - _aware(submitted)).days)
            counts[(decided_month, "decision_days", str(days))] += 1


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _case_counts(counts: Counter) -> list[date]:
    rows = db.session.execute(select(Case.opened_at, Case.closed_at, Case.closure_outcome))
    months = set()
    for opened, closed, outcome in rows:
        months.add(month_start(opened))
        if closed is not None:
            months.add(month_start(closed))
            counts[(month_start(closed), "cases_closed", _value(outcome) or "other")] += 1
    return sorted(months)


def _esf_counts(months: list[date], counts: Counter) -> None:
    """The ESF-shaped indicators month by month, with the node dashboard's own code (one source)."""
    due = db.session.scalars(
        select(Verification.due_date).where(
            Verification.phase == VerificationPhase.INCLUSION, Verification.months_after == 6
        ).distinct()
    )
    months = sorted(set(months) | {month_start(d) for d in due if d is not None})
    for month in months:
        ind = indicators(Filters(month, _month_end(month)))
        for dimension in DIMENSIONS:
            for value, n in ind.by.get(dimension, {}).items():
                if n:
                    counts[(month, f"esf_{dimension}", value)] += n
        for value, n in ind.results.items():
            if n:
                counts[(month, "esf_result", value)] += n
        if ind.training_completed:
            counts[(month, "esf_training", "completed")] += ind.training_completed
        for value, n in ind.six_months.items():
            if n:
                counts[(month, "esf_six_months", value)] += n


def node_counts(node: Tenant) -> Counter:
    """Every measure of one node, computed as the node (call inside ``acting_as(node.id)``)."""
    counts: Counter = Counter()
    _referral_counts(node.id, counts)
    _esf_counts(_case_counts(counts), counts)
    return counts


def refresh_node(node: Tenant) -> int:
    """Replace one node's summary rows; returns how many rows it now has."""
    with acting_as(node.id):
        db.session.execute(delete(RegionSummary).where(RegionSummary.tenant_id == node.id))
        if node.region_id is None:
            return 0
        counts = node_counts(node)
        db.session.add_all(
            RegionSummary(tenant_id=node.id, region_id=node.region_id, month=month, measure=measure, value=value,
                          count=n)
            for (month, measure, value), n in sorted(counts.items()) if n
        )
        db.session.flush()
        record("region.summary_refreshed", "tenant", node.id, ["region_summaries"])
    return len(counts)


def refresh_all() -> list[str]:
    """Every node's summary; a line per node for the command's output (names and row counts only)."""
    nodes = db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.NODE).order_by(Tenant.name)).all()
    return [f"{node.name}: {refresh_node(node)}" for node in nodes]
