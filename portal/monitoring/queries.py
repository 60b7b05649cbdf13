"""The dashboards' aggregates: a fixed number of grouped SQL queries per panel, whatever the data size.

Periods (``Filters.start``–``end``, inclusive) select, per panel:

- referrals: submitted in the period (drafts never count: the node does not see them);
- times to decision and to first action: referrals submitted in the period (a cohort);
- cases by state: cases opened in the period, in their current state;
- actions: actions whose planned start falls in the period; "delivered" actions = status done, delivered hours
  = every hour delivered (approved deliveries for a provider's action), whatever the status;
- phase-1 outcomes: job-insertion verifications recorded (``done_on``) in the period;
- phase-2 follow-ups: follow-ups due in the period — done, still to do, overdue (due before today, not done).

The antenna, ground and provider filters apply to every panel through the case or the referral
(provider: cases with at least one action of that provider; for actions, the action's provider).
"""
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, and_, cast, func, or_, select, text
from sqlalchemy import case as sql_case

from ..cases.models import (
    Action,
    ActionStatus,
    Case,
    CaseState,
    JobOutcome,
    ServiceType,
    Verification,
    VerificationPhase,
)
from ..core.sql import days_from_timestamp_to_date, dialect, local_month
from ..extensions import db
from ..i18n import local_today
from ..referrals.models import Ground, OutcomeCode, Referral, ReferralState
from ..tenancy.models import Tenant
from . import referral_summary
from .filters import (
    Filters,
    case_conditions,
    days_between,
    month_label,
    referral_conditions,
    referral_has_ground,
)
from .legal import legal_panel
from .models import ActionDay, CaseFacts


@dataclass
class Timing:
    median: float | None = None
    p90: float | None = None
    n: int = 0


@dataclass
class ActionRow:
    planned: int = 0  # actions not cancelled
    delivered: int = 0  # actions done
    planned_hours: float = 0.0
    delivered_hours: float = 0.0


@dataclass
class FollowUps:
    due: int = 0
    done: int = 0
    to_do: int = 0
    overdue: int = 0


@dataclass
class NodeDashboard:
    referrals_total: int = 0
    intersectional: int = 0
    by_antenna: list = field(default_factory=list)  # (name, count)
    by_ground: list = field(default_factory=list)  # (Ground, count)
    by_month: list = field(default_factory=list)  # ('YYYY-MM', count)
    by_referral_state: list = field(default_factory=list)  # (ReferralState, count)
    to_decision: Timing = field(default_factory=Timing)
    to_first_action: Timing = field(default_factory=Timing)
    cases_by_state: list = field(default_factory=list)  # (CaseState, count)
    actions_by_service: list = field(default_factory=list)  # (ServiceType, ActionRow)
    actions_by_provider: list = field(default_factory=list)  # (name or None = the node, ActionRow)
    phase_1: list = field(default_factory=list)  # (JobOutcome, count)
    follow_ups: FollowUps = field(default_factory=FollowUps)
    legal: object = None  # legal.LegalPanel: legal paths and fund requests, small cells suppressed


# --- referrals: one statement for every referral panel ------------------------------------------------

def _received(f: Filters) -> list:
    return [Referral.state != ReferralState.DRAFT, *referral_conditions(f)]


# The referral panels group the same rows by one key each: PostgreSQL does it in one scan (GROUPING
# SETS); SQLite, which has none, runs one GROUP BY per key over the same subquery.
KEYS = ("grounds", "month", "state", "tenant", "decision_hours", "first_action_days")


def _facts(where: list, keys=KEYS) -> dict:
    """{key: [(value, count)]} for the referrals matching ``where``."""
    columns = {
        "grounds": cast(Referral.grounds, String),
        "month": local_month(Referral.submitted_at),  # month_label makes it 'YYYY-MM'
        "state": Referral.state,
        "tenant": Referral.tenant_id,
        "decision_hours": func.round(days_between(Referral.decided_at, Referral.submitted_at) * 24),
        "first_action_days": days_from_timestamp_to_date(CaseFacts.first_action_on, Referral.submitted_at),
    }
    statement = select(*[columns[k].label(k) for k in keys]).select_from(Referral)
    if "first_action_days" in keys:
        statement = statement.outerjoin(CaseFacts, CaseFacts.referral_id == Referral.id)
    rows = statement.where(*where).subquery()
    out: dict = {k: [] for k in keys}
    if dialect() == "postgresql":
        # Room for one hash table per key (the default 4 MB sorts a key on disk at 100,000 referrals).
        db.session.execute(text("SET LOCAL work_mem = '32MB'"))
        cols = [rows.c[k] for k in keys]
        for *values, mask, n in db.session.execute(
            select(*cols, func.grouping(*cols), func.count()).group_by(func.grouping_sets(*cols))
        ):
            # grouping(): one bit per key, 0 for the key this row is grouped by.
            k = next(i for i in range(len(keys)) if not mask & (1 << (len(keys) - 1 - i)))
            out[keys[k]].append((values[k], n))
        return out
    for k in keys:
        out[k] = [tuple(r) for r in db.session.execute(select(rows.c[k], func.count()).group_by(rows.c[k]))]
    return out


def node_facts(f: Filters, keys=KEYS) -> dict:
    """``_facts`` of the node's received referrals: whole months from the trigger-kept summary
    (referral_summary.py), the days of a partial month at either end from the referrals themselves; with an
    antenna, ground or provider filter, all from the referrals (the summary has none of them)."""
    months = None if (f.antenna_id or f.ground or f.provider_id) else referral_summary.whole_months(f.since, f.until)
    if months is None:
        return _facts(_received(f), keys)
    first, end = months
    counted = referral_summary.counts(first, end, keys)
    for since, until in ((f.since, referral_summary.month_start(first)), (referral_summary.month_start(end), f.until)):
        if since < until:
            edge = [Referral.state != ReferralState.DRAFT, Referral.submitted_at >= since, Referral.submitted_at < until]
            for key, pairs in _facts(edge, keys).items():
                for value, n in pairs:
                    counted[key][referral_summary.normalise(key, value)] += n
    return {key: list(c.items()) for key, c in counted.items()}


def _timing(histogram: list, scale: float = 1.0) -> Timing:
    """Nearest-rank median and 90th percentile (rank ceil(p·n)) from (value, count) pairs."""
    pairs = sorted((float(v), n) for v, n in histogram if v is not None)
    n = sum(c for _, c in pairs)
    if not n:
        return Timing()

    def at_rank(rank):
        seen = 0
        for value, count in pairs:
            seen += count
            if seen >= rank:
                return value / scale
        return None

    return Timing(median=at_rank((5 * n + 9) // 10), p90=at_rank((9 * n + 9) // 10), n=n)


def _apply_referral_facts(facts: dict, result, f: Filters) -> None:
    by_ground = dict.fromkeys(Ground, 0)
    total = intersectional = 0
    for listed, n in facts["grounds"]:
        grounds = json.loads(listed) if listed else []
        total += n
        intersectional += n if len(grounds) > 1 else 0
        for g in grounds:
            if g in by_ground:
                by_ground[Ground(g)] += n
    result.referrals_total, result.intersectional = total, intersectional
    result.by_ground = list(by_ground.items())
    months: dict = {}
    for m, n in facts["month"]:
        if m is not None:
            months[month_label(m)] = months.get(month_label(m), 0) + n
    result.by_month = sorted({**dict.fromkeys(f.months(), 0), **months}.items())
    order = {s: i for i, s in enumerate(ReferralState)}
    result.by_referral_state = sorted(((ReferralState(s), n) for s, n in facts["state"] if s), key=lambda x: order[x[0]])
    result.to_decision = _timing(facts["decision_hours"], scale=24.0)


def referral_panels(f: Filters, result) -> None:
    """Totals, grounds (intersectional: more than one ground), months, states, antennas, response times."""
    facts = node_facts(f)
    _apply_referral_facts(facts, result, f)
    result.to_first_action = _timing(facts["first_action_days"])
    counts = {t: n for t, n in facts["tenant"] if t is not None}
    names = dict(db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(list(counts)))).all()) if counts else {}
    result.by_antenna = sorted(((names.get(t, str(t)), n) for t, n in counts.items()), key=lambda x: (-x[1], x[0]))


# --- cases, actions, verifications --------------------------------------------------------------------

def cases_by_state(f: Filters) -> list:
    rows = dict(db.session.execute(
        select(Case.state, func.count())
        .where(Case.opened_at >= f.since, Case.opened_at < f.until, *case_conditions(f)).group_by(Case.state)
    ).all())
    return [(state, rows.get(state.value, rows.get(state, 0))) for state in CaseState]


def _action_where(f: Filters) -> list:
    where = [Action.planned_start >= f.start, Action.planned_start <= f.end]
    if f.provider_id:
        where.append(Action.provider_id == f.provider_id)
    if f.antenna_id or f.ground:
        # The case's own filters, without the provider one (already on the action itself).
        where.append(Action.case_id.in_(
            select(Case.id).where(*case_conditions(Filters(f.start, f.end, f.antenna_id, f.ground)))
        ))
    return where


def _action_rows(f: Filters):
    """(service, provider or None, status, actions, planned hours, delivered hours) grouped rows.

    Without an antenna or ground filter the trigger-kept day summary answers (a few thousand rows);
    otherwise the actions themselves, through their cases.
    """
    if not (f.antenna_id or f.ground):
        where = [ActionDay.planned_start >= f.start, ActionDay.planned_start <= f.end]
        if f.provider_id:
            where.append(ActionDay.provider_key == f.provider_id)
        return [
            (service, key or None, status, n, planned, delivered)
            for service, key, status, n, planned, delivered in db.session.execute(
                select(ActionDay.service_type, ActionDay.provider_key, ActionDay.status, func.sum(ActionDay.actions),
                       func.sum(ActionDay.planned_hours), func.sum(ActionDay.delivered_hours))
                .where(*where).group_by(ActionDay.service_type, ActionDay.provider_key, ActionDay.status)
            )
        ]
    return db.session.execute(
        select(Action.service_type, Action.provider_id, Action.status, func.count(),
               func.sum(Action.planned_hours), func.sum(Action.delivered_hours))
        .where(*_action_where(f)).group_by(Action.service_type, Action.provider_id, Action.status)
    ).all()


def action_panels(f: Filters, result) -> None:
    """Planned (not cancelled) vs done actions, and planned vs delivered hours, by service type and by provider."""
    services: dict = {}
    providers: dict = {}
    for service, provider, status, n, planned_h, delivered_h in _action_rows(f):
        status = ActionStatus(status)
        for bucket, key in ((services, ServiceType(service)), (providers, provider)):
            item = bucket.setdefault(key, ActionRow())
            if status != ActionStatus.CANCELLED:
                item.planned += n or 0
                item.planned_hours += float(planned_h or 0)
            if status == ActionStatus.DONE:
                item.delivered += n or 0
            # Hours count whenever they were delivered: a provider action's are its approved deliveries,
            # also while the action is still running (or was cancelled after some sessions).
            item.delivered_hours += float(delivered_h or 0)
    result.actions_by_service = sorted(services.items(), key=lambda kv: (-kv[1].planned, kv[0]))
    ids = [p for p in providers if p is not None]
    names = dict(db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids))).all()) if ids else {}
    result.actions_by_provider = sorted(
        ((names.get(p) if p is not None else None, row) for p, row in providers.items()), key=lambda kv: -kv[1].planned
    )


def _case_filter(f: Filters, column) -> list:
    conditions = case_conditions(f)
    return [column.in_(select(Case.id).where(*conditions))] if conditions else []


def verification_panels(f: Filters, result, today: date | None = None) -> None:
    """Phase-1 outcomes recorded in the period and phase-2 follow-ups due in it, in one scan."""
    today = today or local_today()
    phase_1 = and_(Verification.phase == VerificationPhase.JOB_INSERTION, Verification.job_outcome.is_not(None),
                   Verification.done_on >= f.start, Verification.done_on <= f.end)
    follow_up = and_(Verification.phase == VerificationPhase.INCLUSION, Verification.due_date >= f.start,
                     Verification.due_date <= f.end)
    undone = Verification.done_on.is_(None)
    rows = db.session.execute(
        select(Verification.phase, Verification.job_outcome, func.count(),
               func.sum(sql_case((undone, 0), else_=1)), func.sum(sql_case((and_(undone, Verification.due_date < today), 1), else_=0)))
        .where(or_(phase_1, follow_up), *_case_filter(f, Verification.case_id))
        .group_by(Verification.phase, Verification.job_outcome)
    ).all()
    outcomes = dict.fromkeys(JobOutcome, 0)
    fu = FollowUps()
    for phase, outcome, n, done, overdue in rows:
        if VerificationPhase(phase) == VerificationPhase.JOB_INSERTION:
            outcomes[JobOutcome(outcome)] += n
        else:
            fu.due += n
            fu.done += done or 0
            fu.overdue += overdue or 0
    fu.to_do = fu.due - fu.done
    result.phase_1 = list(outcomes.items())
    result.follow_ups = fu


def report_figures(f: Filters, today: date | None = None) -> NodeDashboard:
    """The part of the dashboard the periodic report prints: referral totals, outcomes, follow-ups."""
    result = NodeDashboard()
    _apply_referral_facts(node_facts(f, keys=("grounds", "month", "state", "decision_hours")), result, f)
    verification_panels(f, result, today)
    return result


def node_dashboard(f: Filters, today: date | None = None) -> NodeDashboard:
    result = NodeDashboard()
    referral_panels(f, result)
    result.cases_by_state = cases_by_state(f)
    action_panels(f, result)
    verification_panels(f, result, today)
    result.legal = legal_panel(f)
    return result


# --- the antenna's own dashboard ----------------------------------------------------------------------

@dataclass
class AntennaDashboard:
    referrals_total: int = 0
    intersectional: int = 0
    by_ground: list = field(default_factory=list)
    by_month: list = field(default_factory=list)
    by_referral_state: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)  # (referrals.models.OutcomeCode, count); labels when shown
    to_decision: Timing = field(default_factory=Timing)


def antenna_dashboard(f: Filters) -> AntennaDashboard:
    """The antenna's referrals (the scoping layer shows it only its own): states, outcomes, grounds.

    Its drafts count in the states, by creation date (they have no submission date); the node's outcome
    reaches the antenna only as the referral's outcome code, never from the case.
    """
    own = Filters(f.start, f.end, ground=f.ground)
    result = AntennaDashboard()
    _apply_referral_facts(_facts(_received(own), keys=("grounds", "month", "state", "decision_hours")), result, own)
    moment = func.coalesce(Referral.submitted_at, Referral.created_at)
    where = [moment >= own.since, moment < own.until]
    if own.ground:
        where.append(referral_has_ground(own.ground))
    order = {s: i for i, s in enumerate(ReferralState)}
    states, outcomes = {}, {}
    for state, outcome, n in db.session.execute(
        select(Referral.state, Referral.outcome_code, func.count()).where(*where)
        .group_by(Referral.state, Referral.outcome_code)
    ):
        states[ReferralState(state)] = states.get(ReferralState(state), 0) + n
        if outcome:
            outcomes[OutcomeCode(outcome)] = outcomes.get(OutcomeCode(outcome), 0) + n
    result.by_referral_state = sorted(states.items(), key=lambda x: order[x[0]])
    codes = list(OutcomeCode)
    result.outcomes = sorted(outcomes.items(), key=lambda x: (-x[1], codes.index(x[0])))
    return result


def referrals_by_information_point(f: Filters) -> list[tuple[str, str | None, int]]:
    """(antenna, information point or None for the antenna's own desk, referrals received) in the period."""
    from ..directory.models import InformationPoint

    return [tuple(row) for row in db.session.execute(
        select(Tenant.name, InformationPoint.name, func.count(Referral.id))
        .join(Tenant, Tenant.id == Referral.tenant_id)
        .outerjoin(InformationPoint, InformationPoint.id == Referral.information_point_id)
        .where(*_received(f))
        .group_by(Tenant.name, InformationPoint.name)
        .order_by(Tenant.name, InformationPoint.name)
    )]
