"""The provider scorecard: punctuality, approved vs returned deliveries, outcomes of the
participants. Counts only, never an identity; every figure is one grouped SQL query.

Definitions (shown on the page):
- *on time*: a delivery logged (submitted) no later than ``SCORECARD_ON_TIME_DAYS`` (default 30) days
  after its action's planned date — the planned end, or the planned start when no end is set;
- *approved / to approve / returned*: the deliveries' current state; *returned at least once* counts those
  the node sent back one or more times (``Delivery.times_returned``), even if later corrected and approved;
- *outcomes of the participants*: the phase-1 (job insertion) outcome of the cases in which the provider
  has at least one approved delivery; "not yet verified" when the case has no phase-1 outcome yet.

Visible to the node's staff for every provider of the node, and to a provider for itself. The outcomes
come from the node's verifications. The provider knows who its participants are (its orders), and would see
the page change when the node records an outcome: comparing two views would tell it one person's outcome
however large the counts, so a provider sees the number of its participants (from its own deliveries), not
the split, and nothing of the node's is read for it; the node's staff see every figure.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, select

from ..accounts.permissions import Capability, can, current_membership
from ..cases.models import Action, Verification, VerificationPhase
from ..core.rows import by_id
from ..core.sql import days_from_timestamp_to_date
from ..extensions import db
from ..tenancy.context import current
from ..tenancy.models import Tenant, TenantKind
from .models import Delivery, DeliveryStatus, ServiceOrder
from .services import is_node_member, is_provider

DEFAULT_ON_TIME_DAYS = 30


@dataclass
class Scorecard:
    provider: Tenant
    on_time_days: int
    deliveries: int = 0
    on_time: int = 0
    approved: int = 0
    submitted: int = 0
    returned: int = 0
    returned_ever: int = 0
    participants: int = 0
    outcomes: dict = field(default_factory=dict)  # JobOutcome value or "" (not verified yet) -> count
    outcomes_hidden: bool = False  # the provider's own view: no split shown (module docstring)

    @property
    def on_time_percent(self):
        return round(100 * self.on_time / self.deliveries) if self.deliveries else None

    @property
    def reviewed(self) -> int:
        return self.approved + self.returned


def may_view_list(membership=None) -> bool:
    """Node staff: coordinator, case workers, budget officer."""
    membership = membership or current_membership()
    staff = can(Capability.APPROVE_MONEY, membership) or can(Capability.DECIDE_REFERRALS, membership)
    return is_node_member(membership) and staff


def may_view(provider: Tenant, membership=None) -> bool:
    membership = membership or current_membership()
    if membership is None or provider.kind != TenantKind.SERVICE_PROVIDER:
        return False
    if is_provider(membership):
        return provider.id == membership.tenant_id
    return may_view_list(membership) and provider.node_id == membership.tenant_id


def provider_of_network(provider_id) -> Tenant | None:
    """The provider if it is the current tenant or one of the current node's (else None: views 404);
    whether the user's role may see its scorecard is :func:`may_view` (views 403)."""
    provider = by_id(Tenant, provider_id)
    if provider is None or provider.kind != TenantKind.SERVICE_PROVIDER:
        return None
    tid = current().tenant_id
    return provider if provider.id == tid or provider.node_id == tid else None


def on_time_days() -> int:
    return int(current_app.config.get("SCORECARD_ON_TIME_DAYS", DEFAULT_ON_TIME_DAYS))


def scorecard(provider: Tenant) -> Scorecard:
    days = on_time_days()
    card = Scorecard(provider=provider, on_time_days=days)
    due = func.coalesce(Action.planned_end, Action.planned_start)
    row = db.session.execute(
        select(
            func.count(Delivery.id),
            func.coalesce(func.sum(case((-days_from_timestamp_to_date(due, Delivery.created_at) <= days, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Delivery.status == DeliveryStatus.APPROVED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Delivery.status == DeliveryStatus.SUBMITTED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Delivery.status == DeliveryStatus.RETURNED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Delivery.times_returned > 0, 1), else_=0)), 0),
        )
        .join(ServiceOrder, ServiceOrder.id == Delivery.order_id)
        .join(Action, Action.id == ServiceOrder.action_id)
        .where(Delivery.provider_id == provider.id, Delivery.tenant_id == provider.node_id)
    ).one()
    (card.deliveries, card.on_time, card.approved, card.submitted, card.returned, card.returned_ever) = (int(v or 0) for v in row)
    cases, card.participants = _participants(provider)
    if current().tenant_id == provider.node_id:
        card.outcomes = _outcomes(cases, card.participants)
    else:  # the provider: how many, never the split (module docstring), so nothing of the node's is read
        card.outcomes_hidden = True
    return card


def _participants(provider: Tenant):
    """The cases with an approved delivery of the provider (its own deliveries: the provider reads them too), as
    a subquery, and how many."""
    cases = (
        select(Action.case_id)
        .join(ServiceOrder, ServiceOrder.action_id == Action.id)
        .join(Delivery, Delivery.order_id == ServiceOrder.id)
        .where(Delivery.provider_id == provider.id, Delivery.status == DeliveryStatus.APPROVED)
        .distinct().subquery()
    )
    return cases, db.session.scalar(select(func.count()).select_from(cases)) or 0


def _outcomes(cases, participants: int) -> dict:
    """The phase-1 outcome of those cases (the node's verifications), "" for not verified yet."""
    outcomes = dict(db.session.execute(
        select(Verification.job_outcome, func.count(Verification.id))
        .where(Verification.case_id.in_(select(cases.c.case_id)), Verification.phase == VerificationPhase.JOB_INSERTION,
               Verification.job_outcome.is_not(None))
        .group_by(Verification.job_outcome)
    ).all())
    result = {str(k.value if hasattr(k, "value") else k): v for k, v in outcomes.items()}
    result[""] = max(0, participants - sum(outcomes.values()))
    return result


def node_scorecards() -> list[Tenant]:
    """The providers of the current node (for the node's list of scorecards)."""
    return list(db.session.scalars(
        select(Tenant).where(Tenant.node_id == current().tenant_id, Tenant.kind == TenantKind.SERVICE_PROVIDER)
        .order_by(Tenant.name)
    ))
