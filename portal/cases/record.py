"""The analytical record (scheda analitica): a view over the case's rows in time order, not a copy."""
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import User
from ..audit.services import record
from ..extensions import db
from ..tenancy.models import Tenant
from . import offices
from .legal_services import legal_events
from .models import Action, ActionStatus, Case
from .services import ensure_can_view


@dataclass
class AnalyticalRecord:
    case: Case
    antenna: Tenant | None
    case_worker: User | None
    actions: list
    verifications: list
    providers: dict
    legal_events: list  # (day, what, detail, amount): the legal path, its hearings and fund requests
    planned_total: Decimal = Decimal("0")
    delivered_total: Decimal = Decimal("0")
    # action id -> its current referral to a public office (whether the office took the person in charge)
    office_referrals: dict = field(default_factory=dict)


def actions_in_time_order(case: Case) -> list[Action]:
    def key(a: Action):
        return (a.planned_start, a.delivered_on or a.planned_start, a.id)

    return sorted(case.actions, key=key)


def analytical_record(case: Case, event: str | None = None) -> AnalyticalRecord:
    """The scheda analitica: every action in time order, hours, providers, verifications, the legal path.

    ``event`` audits the read (the record page and each export are reads of the case).
    """
    ensure_can_view(case)
    if event:
        record(event, "case", case.id)
    actions = actions_in_time_order(case)
    # The providers and public offices the actions name (one lookup for both).
    provider_ids = {t for a in actions for t in (a.provider_id, a.office_id) if t}
    providers = {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(provider_ids)))} if provider_ids else {}
    return AnalyticalRecord(
        case=case,
        antenna=db.session.get(Tenant, case.antenna_id),
        case_worker=db.session.get(User, case.case_worker_id) if case.case_worker_id else None,
        actions=actions,
        verifications=sorted(case.verifications, key=lambda v: (v.due_date, v.months_after or 0, v.id)),
        providers=providers,
        legal_events=legal_events(case),
        planned_total=sum((a.planned_hours or Decimal("0") for a in actions if a.status != ActionStatus.CANCELLED), Decimal("0")),
        delivered_total=sum((a.delivered_hours or Decimal("0") for a in actions), Decimal("0")),
        office_referrals=offices.for_actions([a.id for a in actions if a.office_id]),
    )
