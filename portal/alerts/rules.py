"""The alert rules: one small function each, returning a set-based SELECT of the situations it finds.

Every function returns the same columns (``COLUMNS``) for one node: the object the alert points at, the
case/referral to link to, the pseudonym, the owner (the case worker; NULL means the coordination) and
``due_on``, the reference day of this occurrence (submitted, opened, planned end, follow-up due day, last
missed session). ``services.evaluate`` feeds them to one INSERT … SELECT per rule, so 100,000 cases cost a
few statements, not 100,000 round trips.

The queries run on a Core connection (the ORM's bulk-insert guard does not apply to INSERT … SELECT), so
each one filters on the node itself, with the ownership mixin's own ``visible_to`` (``_visible``): the same
spelling of the isolation rule as the ORM scoping, not a second one.

``Scope`` narrows a rule to one case or referral (the on-change hook).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, DateTime, Integer, and_, bindparam, case, cast, exists, func, literal, null, select

from ..budget.models import Delivery, DeliveryStatus, ServiceOrder
from ..cases.legal import LegalDeadline
from ..cases.models import ENDED_STATES, Action, ActionStatus, Case, Verification, VerificationPhase
from ..core.sql import local_date
from ..i18n import day_start
from ..people.models import Person
from ..referrals.models import Referral, ReferralState
from .models import Rule

C, A, V, R, P = Case.__table__, Action.__table__, Verification.__table__, Referral.__table__, Person.__table__
SO, D = ServiceOrder.__table__, Delivery.__table__
LD = LegalDeadline.__table__

# Default threshold per rule: days (days ahead for follow-ups), sessions (drop-out), identities (unusual access).
DEFAULTS: dict[Rule, int] = {
    Rule.REFERRAL_UNDECIDED: 7,
    Rule.CASE_WITHOUT_ACTION: 14,
    Rule.ACTION_OVERDUE: 7,
    Rule.DELIVERY_MISSING: 14,
    Rule.FOLLOW_UP_DUE: 7,
    Rule.URGENT_UNASSIGNED: 0,
    Rule.DROP_OUT: 3,
    Rule.LEGAL_DEADLINE_DUE: 14,
    Rule.UNUSUAL_ACCESS: 20,
}
DEFAULT_WINDOW_MINUTES = 10
OBJECT_TYPES: dict[Rule, str] = {
    Rule.REFERRAL_UNDECIDED: "referral",
    Rule.CASE_WITHOUT_ACTION: "case",
    Rule.ACTION_OVERDUE: "action",
    Rule.DELIVERY_MISSING: "action",
    Rule.FOLLOW_UP_DUE: "verification",
    Rule.URGENT_UNASSIGNED: "case",
    Rule.DROP_OUT: "case",
    Rule.LEGAL_DEADLINE_DUE: "legal_deadline",
}
COLUMNS = ("object_id", "case_id", "referral_id", "pseudonym", "owner_id", "due_on")
OPEN_CASE = C.c.state.not_in([s.value for s in ENDED_STATES])


@dataclass(frozen=True)
class Scope:
    tenant_id: int
    threshold: int
    today: date
    case_id: int | None = None
    referral_id: int | None = None

    @property
    def cutoff(self) -> datetime:
        """Midnight in Rome ``threshold`` days before today: timestamps before it are older than N days."""
        return day_start(self.day_before)

    @property
    def day_before(self) -> date:
        return self.today - timedelta(days=self.threshold)

    @property
    def day_ahead(self) -> date:
        return self.today + timedelta(days=self.threshold)

    @property
    def waits(self) -> bool:
        """Whether the threshold delays the rule at all (0 days: at once)."""
        return bool(self.threshold)

    @property
    def shape(self) -> tuple[bool, bool, bool]:
        """What decides a rule's statement's form; the values go in as parameters (``BoundScope``)."""
        return self.case_id is not None, self.referral_id is not None, self.waits

    def params(self) -> dict:
        return {"p_tenant_id": self.tenant_id, "p_threshold": self.threshold, "p_cutoff": self.cutoff, "p_day_before": self.day_before, "p_day_ahead": self.day_ahead,
                "p_case_id": self.case_id, "p_referral_id": self.referral_id}


class BoundScope:
    """A Scope of one shape whose values are bind parameters, named as in ``Scope.params`` (prefixed: an
    INSERT or UPDATE reserves its columns' names). A rule built from it once per process serves every
    evaluation of that shape: building the statements was most of the Python work of an evaluation, which
    every change of a case or referral runs. ``today`` reaches the rules only through the days it gives."""

    def __init__(self, shape: tuple[bool, bool, bool]):
        has_case, has_referral, self.waits = shape
        self.tenant_id = bindparam("p_tenant_id", type_=Integer)
        self.threshold = bindparam("p_threshold", type_=Integer)
        self.cutoff = bindparam("p_cutoff", type_=DateTime(timezone=True))
        self.day_before = bindparam("p_day_before", type_=Date)
        self.day_ahead = bindparam("p_day_ahead", type_=Date)
        self.case_id = bindparam("p_case_id", type_=Integer) if has_case else None
        self.referral_id = bindparam("p_referral_id", type_=Integer) if has_referral else None


def _visible(model, scope: Scope):
    """What the node sees of ``model``'s table: the ownership mixin's rule (portal/tenancy/mixins.py)."""
    return model.visible_to(scope.tenant_id)


def _narrow(query, scope: Scope, case_column=None, referral_column=None):
    if scope.case_id is not None:
        query = query.where(case_column == scope.case_id if case_column is not None else literal(False))
    if scope.referral_id is not None:
        query = query.where(referral_column == scope.referral_id if referral_column is not None else literal(False))
    return query


def referral_undecided(scope: Scope):
    """Submitted to the node and still undecided after N days (waiting for the antenna does not count: the
    wait runs from the latest sending, ``resubmitted_at`` after an answer, else the first ``submitted_at``)."""
    waiting_since = func.coalesce(R.c.resubmitted_at, R.c.submitted_at)
    query = (
        select(
            R.c.id.label("object_id"), cast(null(), Integer).label("case_id"), R.c.id.label("referral_id"),
            P.c.pseudonym.label("pseudonym"), cast(null(), Integer).label("owner_id"), local_date(waiting_since).label("due_on"),
        )
        .select_from(R.join(P, P.c.id == R.c.person_id))
        .where(_visible(Referral, scope), R.c.state == ReferralState.SUBMITTED.value,
               waiting_since < scope.cutoff)
    )
    return _narrow(query, scope, referral_column=R.c.id)


def _case_columns(object_column, due):
    return (
        object_column.label("object_id"), C.c.id.label("case_id"), C.c.referral_id.label("referral_id"),
        C.c.pseudonym.label("pseudonym"), C.c.case_worker_id.label("owner_id"), due.label("due_on"),
    )


def case_without_action(scope: Scope):
    """A case open for N days without any action planned (cancelled ones do not count)."""
    has_action = exists().where(_visible(Action, scope), A.c.case_id == C.c.id, A.c.status != ActionStatus.CANCELLED.value)
    query = select(*_case_columns(C.c.id, local_date(C.c.opened_at))).where(
        _visible(Case, scope), OPEN_CASE, C.c.opened_at < scope.cutoff, ~has_action
    )
    return _narrow(query, scope, C.c.id, C.c.referral_id)


def action_overdue(scope: Scope):
    """Planned or in progress, and its planned end (its start, without an end) passed more than N days ago."""
    end = func.coalesce(A.c.planned_end, A.c.planned_start)
    query = (
        select(*_case_columns(A.c.id, end))
        .select_from(A.join(C, C.c.id == A.c.case_id))
        .where(_visible(Action, scope), _visible(Case, scope), OPEN_CASE,
               A.c.status.in_([ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value]),
               end < scope.day_before)
    )
    return _narrow(query, scope, C.c.id, C.c.referral_id)


def delivery_missing(scope: Scope):
    """An action of a provider, in progress or done, with no delivery logged N days after it started
    (in progress) or was delivered (done)."""
    since = case(
        (A.c.status == ActionStatus.DONE.value, func.coalesce(A.c.delivered_on, A.c.planned_end, A.c.planned_start)),
        else_=A.c.planned_start,
    )
    logged = exists().where(_visible(ServiceOrder, scope), _visible(Delivery, scope), SO.c.action_id == A.c.id,
                            D.c.order_id == SO.c.id)
    query = (
        select(*_case_columns(A.c.id, since))
        .select_from(A.join(C, C.c.id == A.c.case_id))
        .where(_visible(Action, scope), _visible(Case, scope), OPEN_CASE,
               A.c.provider_id.is_not(None),
               A.c.status.in_([ActionStatus.IN_PROGRESS.value, ActionStatus.DONE.value]),
               since < scope.day_before, ~logged)
    )
    return _narrow(query, scope, C.c.id, C.c.referral_id)


def follow_up_due(scope: Scope):
    """A phase-2 follow-up (3, 6, 12 months) not yet recorded, due within N days or already past."""
    query = (
        select(*_case_columns(V.c.id, V.c.due_date))
        .select_from(V.join(C, C.c.id == V.c.case_id))
        .where(_visible(Verification, scope), _visible(Case, scope), OPEN_CASE,
               V.c.phase == VerificationPhase.INCLUSION.value, V.c.done_on.is_(None),
               V.c.due_date <= scope.day_ahead)
    )
    return _narrow(query, scope, C.c.id, C.c.referral_id)


def urgent_unassigned(scope: Scope):
    """A case marked urgent with no case worker, for more than N days (0: at once)."""
    query = select(*_case_columns(C.c.id, local_date(C.c.opened_at))).where(
        _visible(Case, scope), OPEN_CASE, C.c.urgent.is_(True), C.c.case_worker_id.is_(None),
    )
    if scope.waits:
        query = query.where(C.c.opened_at < scope.cutoff)
    return _narrow(query, scope, C.c.id, C.c.referral_id)


def drop_out(scope: Scope):
    """The person missed the last N sessions in a row.

    Attendance is what providers log on each delivery (``Delivery.attended``, "la persona era presente");
    returned deliveries are ignored. A case fires when its N most recent deliveries are all "absent".
    ``due_on`` is the last missed session, so a new absence after a manual resolution raises a new alert.
    """
    sessions = (
        select(
            A.c.case_id.label("case_id"), D.c.delivered_on.label("day"), D.c.attended.label("attended"),
            func.row_number().over(partition_by=A.c.case_id, order_by=(D.c.delivered_on.desc(), D.c.id.desc())).label("n"),
        )
        .select_from(D.join(SO, SO.c.id == D.c.order_id).join(A, A.c.id == SO.c.action_id))
        .where(_visible(Delivery, scope), _visible(ServiceOrder, scope), _visible(Action, scope),
               D.c.status != DeliveryStatus.RETURNED.value)
    )
    if scope.case_id is not None:
        sessions = sessions.where(A.c.case_id == scope.case_id)
    recent = sessions.subquery("recent")
    missed = (
        select(recent.c.case_id, func.max(recent.c.day).label("last_missed"))
        .where(recent.c.n <= scope.threshold)
        .group_by(recent.c.case_id)
        .having(and_(func.count() == scope.threshold,
                     func.sum(case((recent.c.attended.is_(True), 1), else_=0)) == 0))
        .subquery("missed")
    )
    query = (
        select(*_case_columns(C.c.id, missed.c.last_missed))
        .select_from(C.join(missed, missed.c.case_id == C.c.id))
        .where(_visible(Case, scope), OPEN_CASE)
    )
    if scope.referral_id is not None:
        query = query.where(C.c.referral_id == scope.referral_id)
    return query


def legal_deadline_due(scope: Scope):
    """A hearing or deadline of the legal path not yet marked held, due within N days or already past."""
    query = (
        select(*_case_columns(LD.c.id, LD.c.due_on))
        .select_from(LD.join(C, C.c.id == LD.c.case_id))
        .where(_visible(LegalDeadline, scope), _visible(Case, scope), OPEN_CASE, LD.c.done_on.is_(None),
               LD.c.due_on <= scope.day_ahead)
    )
    return _narrow(query, scope, C.c.id, C.c.referral_id)


RULES = {
    Rule.REFERRAL_UNDECIDED: referral_undecided,
    Rule.CASE_WITHOUT_ACTION: case_without_action,
    Rule.ACTION_OVERDUE: action_overdue,
    Rule.DELIVERY_MISSING: delivery_missing,
    Rule.FOLLOW_UP_DUE: follow_up_due,
    Rule.URGENT_UNASSIGNED: urgent_unassigned,
    Rule.DROP_OUT: drop_out,
    Rule.LEGAL_DEADLINE_DUE: legal_deadline_due,
}

