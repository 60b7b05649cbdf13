"""Case rules: opening, who may see and change a case, the two verification phases and the state machine.

The pathway of actions lives in ``pathway.py``, the analytical record in ``record.py``, the case list in
``listing.py``.

Plain functions: they check permissions and versions *before* changing anything, flush, audit with
``record()`` and never commit (the request does). Views only translate their exceptions:
``Forbidden`` -> 403, ``CaseError`` -> a form error (200), ``ConflictError`` -> the global 409 page.

State machine (DESIGN.md "Case, pathway, phases")::

    open --start_phase_1--> phase_1 --start_phase_2 (needs the phase-1 outcome)--> phase_2
    open|phase_1|phase_2 --close (outcome + reason)--> closed

Closing is allowed from every open state because a pathway can end early (drop-out, moving away,
referral elsewhere: the ClosureOutcome values say so). Each change of state rewrites the referral's
``outcome_code``, the only thing the antenna learns about the case.
"""
import calendar
from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.members import members_of
from ..accounts.models import Membership, Role, User
from ..accounts.permissions import Capability, can, current_membership
from ..audit.services import record
from ..core import bulk, cached_choices
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import ConflictError, check_version
from ..extensions import db
from ..i18n import format_day, local_day, local_today
from ..models_base import utcnow
from ..referrals.models import OutcomeCode, Referral
from ..tenancy.context import current
from ..tenancy.models import PUBLIC_OFFICE_KINDS, Tenant, TenantKind
from . import offices
from .models import (
    ENDED_STATES,
    ActionStatus,
    Case,
    CaseState,
    CaseTransfer,
    ClosureOutcome,
    TransferState,
    Verification,
    VerificationPhase,
)
from .signals import case_changed, case_closed

FOLLOW_UP_MONTHS = (3, 6, 12)
CASE_WORKER_ROLES = (Role.CASE_WORKER, Role.COORDINATOR)


class CaseError(ServiceError):
    """A refused change, with a message fit for the user (views show it on the form)."""


# --- opening -----------------------------------------------------------------------------------------

def open_case(referral, *, case_worker_id: int | None = None, urgent: bool = False) -> Case:
    """Called by the referral's ``accept`` transition (acting as the node)."""
    existing = db.session.scalar(select(Case).where(Case.referral_id == referral.id))
    if existing is not None:
        return existing
    case = Case(
        tenant_id=referral.node_id, referral_id=referral.id, person_id=referral.person_id,
        pseudonym=referral.person.pseudonym, antenna_id=referral.tenant_id,
        grounds=",".join(sorted(referral.grounds or [])), case_worker_id=case_worker_id,
        state=CaseState.OPEN, urgent=urgent, opened_at=utcnow(),
    )
    db.session.add(case)
    bulk.assign_id(case)  # a flush, except in an import's batch (core/bulk.py)
    return case


# --- who may do what ---------------------------------------------------------------------------------

def _membership(membership=None):
    return membership or current_membership()


def can_view(case: Case, membership=None) -> bool:
    """Node case workers (every case of their node, read-only unless assigned) and the coordinator."""
    membership = _membership(membership)
    return (
        membership is not None and can(Capability.DECIDE_REFERRALS, membership)
        and case.tenant_id == membership.tenant_id
    )


def can_edit(case: Case, membership=None) -> bool:
    """The coordinator changes every case of the node; a case worker only the cases assigned to them.
    Nobody changes a case transferred to another node, nor one waiting for the other node's answer."""
    return is_responsible(case, membership) and not is_read_only(case)


def is_responsible(case: Case, membership=None) -> bool:
    """The coordinator, or the case worker assigned: who changes the case, and reads its internal notes
    (also once the case is read-only, as history)."""
    membership = _membership(membership)
    if not can_view(case, membership):
        return False
    if membership.role == Role.COORDINATOR:
        return True
    return membership.role == Role.CASE_WORKER and case.case_worker_id == membership.user_id


def can_assign(case: Case, membership=None) -> bool:
    membership = _membership(membership)
    return can_view(case, membership) and membership.role == Role.COORDINATOR and not is_read_only(case)


def is_read_only(case: Case) -> bool:
    """Transferred (history only), or proposed to another node and not yet answered (the snapshot sent
    must stay what the case is; a decline gives it back exactly as it was)."""
    if case.state == CaseState.TRANSFERRED:
        return True
    return db.session.scalar(select(CaseTransfer.id).where(
        CaseTransfer.case_id == case.id, CaseTransfer.tenant_id == case.tenant_id,
        CaseTransfer.state == TransferState.PENDING,
    ).limit(1)) is not None


def ensure_can_view(case: Case) -> None:
    if not can_view(case):
        raise Forbidden()


def ensure_can_edit(case: Case) -> None:
    if not can_edit(case):
        raise Forbidden()


def ensure_can_still_edit(case: Case, rendered_version) -> None:
    """:func:`ensure_can_edit` for a form posted from a page rendered with the case at ``rendered_version`` (what
    the form carries; None when nothing). A right lost since then is a conflict, whose page keeps what was
    typed: the case changed (reassigned, transferred) or, for who is still responsible for it, a transfer was
    proposed (a proposal leaves the case's row as it is). Who had no right then either gets the 403."""
    if can_edit(case):
        return
    try:
        rendered = int(rendered_version)
    except (TypeError, ValueError):
        raise Forbidden() from None
    if rendered < case.version or is_responsible(case):
        raise ConflictError(case, rendered)
    raise Forbidden()


def ensure_open(case: Case) -> None:
    if case.state in ENDED_STATES:
        raise CaseError(_("Il percorso è concluso: non si può più modificare."))


# --- choices -----------------------------------------------------------------------------------------

def node_providers() -> list[Tenant]:
    """Service providers attached to the current node (an action's provider; NULL = the node itself)."""
    return list(
        db.session.scalars(
            select(Tenant)
            .where(Tenant.node_id == current().tenant_id, Tenant.kind == TenantKind.SERVICE_PROVIDER, Tenant.active)
            .order_by(Tenant.name)
        )
    )


def node_offices() -> list[Tenant]:
    """The node's public offices an action can be addressed to (employment centres, education and
    orientation, labour, equality adviser)."""
    return list(
        db.session.scalars(
            select(Tenant)
            .where(Tenant.node_id == current().tenant_id, Tenant.kind.in_(PUBLIC_OFFICE_KINDS), Tenant.active)
            .order_by(Tenant.name)
        )
    )


def node_antennas() -> list:
    """(id, name) of the node's antennas, for filters: plain rows, not ORM objects (hundreds at scale)."""
    return list(
        db.session.execute(
            select(Tenant.id, Tenant.name)
            .where(Tenant.node_id == current().tenant_id, Tenant.kind != TenantKind.SERVICE_PROVIDER)
            .order_by(Tenant.name)
        )
    )


def node_case_workers() -> list[User]:
    """Users who may be assigned a case: the node's active case workers and coordinators."""
    return members_of(current().tenant_id, *CASE_WORKER_ROLES)


# Filter choices (id, name) for the list pages, cached per node for a minute (portal/core/cached_choices.py).
cached_choices.watch(Tenant, Membership, User)


def antenna_choices() -> tuple:
    return cached_choices.cached("node_antennas", current().tenant_id, node_antennas)


def case_worker_choices() -> tuple:
    return cached_choices.cached("node_case_workers", current().tenant_id,
                          lambda: [(u.id, u.full_name) for u in node_case_workers()])


def provider_choices() -> tuple:
    return cached_choices.cached("node_providers", current().tenant_id,
                          lambda: [(p.id, p.name) for p in node_providers()])


# --- the referral's outcome summary (all the antenna learns) -----------------------------------------

# The outcome the antenna reads, by case state: a code, shown in the reader's language (referrals/labels.py).
# Only state words: never internal notes or outcome details.
OUTCOME_FOR = {
    CaseState.OPEN: OutcomeCode.TAKEN_IN_CHARGE,
    CaseState.PHASE_1: OutcomeCode.PHASE_1,
    CaseState.PHASE_2: OutcomeCode.PHASE_2,
    CaseState.CLOSED: OutcomeCode.COMPLETED,
    CaseState.TRANSFERRED: OutcomeCode.TRANSFERRED,
}


def _update_referral_summary(case: Case) -> None:
    referral = db.session.get(Referral, case.referral_id)
    if referral is None:  # not visible: never expected for the node that owns the case
        return
    outcome = OUTCOME_FOR[case.state]
    if referral.outcome_code != outcome:
        referral.outcome_code = outcome
        db.session.flush()
        record("referral.outcome", "referral", referral.id, ["outcome_code"])


# --- case page ---------------------------------------------------------------------------------------

def read_case(case: Case) -> None:
    """Every read of a case page is an event in the audit log."""
    ensure_can_view(case)
    record("case.read", "case", case.id)


def assign_case_worker(case: Case, user_id, expected_version) -> None:
    if not can_assign(case):
        raise Forbidden()
    check_version(case, expected_version)
    try:
        user_id = int(user_id) if user_id not in (None, "") else None
    except (TypeError, ValueError):
        user_id = -1
    if user_id is not None and user_id not in {u.id for u in node_case_workers()}:
        raise CaseError(_("Scegli un operatore o un'operatrice del nodo."), "case_worker")
    if user_id != case.case_worker_id:
        case.case_worker_id = user_id
        db.session.flush()
        record("case.assigned", "case", case.id, ["case_worker_id"])
        case_changed.send(case)


# --- state machine -----------------------------------------------------------------------------------

def phase_1_verification(case: Case) -> Verification | None:
    return next((v for v in case.verifications if v.phase == VerificationPhase.JOB_INSERTION), None)


def follow_ups(case: Case) -> list[Verification]:
    return [v for v in case.verifications if v.phase == VerificationPhase.INCLUSION]


def has_phase_1_outcome(case: Case) -> bool:
    verification = phase_1_verification(case)
    return verification is not None and verification.job_outcome is not None and verification.done_on is not None


def allowed_transitions(case: Case) -> list[str]:
    """The state changes the current user may make now (names used by the views and templates)."""
    if not can_edit(case):
        return []
    names = []
    if case.state == CaseState.OPEN:
        names.append("start_phase_1")
    if case.state == CaseState.PHASE_1 and has_phase_1_outcome(case):
        names.append("start_phase_2")
    if case.state not in ENDED_STATES:
        names.append("close")
    return names


def _set_state(case: Case, state: CaseState, fields=()) -> None:
    case.state = state
    db.session.flush()
    record(f"case.{state.value}", "case", case.id, ["state", *fields])
    _update_referral_summary(case)
    case_changed.send(case)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_phase_1(case: Case, expected_version) -> None:
    ensure_can_edit(case)
    check_version(case, expected_version)
    if case.state != CaseState.OPEN:
        raise CaseError(_("La fase 1 si avvia solo da un caso aperto."))
    _set_state(case, CaseState.PHASE_1)


def start_phase_2(case: Case, expected_version, today: date | None = None) -> list[Verification]:
    """Phase 2 needs the phase-1 outcome; it plans the follow-ups at 3, 6 and 12 months."""
    ensure_can_edit(case)
    check_version(case, expected_version)
    if case.state != CaseState.PHASE_1:
        raise CaseError(_("La fase 2 si avvia solo dalla fase 1."))
    if not has_phase_1_outcome(case):
        raise CaseError(_("Prima di passare alla fase 2 registra l'esito della fase 1."))
    start = today or local_today()
    planned = []
    for months in FOLLOW_UP_MONTHS:
        verification = Verification(
            case_id=case.id, tenant_id=case.tenant_id, phase=VerificationPhase.INCLUSION, months_after=months,
            due_date=add_months(start, months),
        )
        db.session.add(verification)
        planned.append(verification)
    db.session.flush()
    for verification in planned:
        record("verification.planned", "verification", verification.id, ["due_date", "months_after", "phase"])
    _set_state(case, CaseState.PHASE_2)
    db.session.expire(case, ["verifications"])
    return planned


def check_closing_day(day: date | None) -> None:
    """A pathway closes on a day that came (the form runs it too, core.fields.ServiceRule)."""
    if day is not None and day > local_today():
        raise CaseError(_("La data di chiusura non può essere nel futuro."), "closed_on")


def unfinished_actions(case: Case) -> int:
    """The case's actions neither done nor cancelled: the close page says they stay as they are."""
    return sum(1 for a in case.actions if a.status not in (ActionStatus.DONE, ActionStatus.CANCELLED))


def close_case(case: Case, *, outcome, reason: str | None, expected_version, closed_on: date | None = None) -> None:
    """Close the pathway on ``closed_on`` (today by default): never in the future, never before the last
    delivery of its actions (a provider action's last approved delivery, see pathway.py)."""
    ensure_can_edit(case)
    check_version(case, expected_version)
    ensure_open(case)
    reason = (reason or "").strip()
    if not outcome:
        raise CaseError(_("Indica l'esito del percorso."), "outcome")
    if not reason:
        raise CaseError(_("Indica il motivo della chiusura."), "reason")
    today = local_today()
    closed_on = closed_on or today
    check_closing_day(closed_on)
    # Retention runs from the closing day: a year mistyped (2015 for 2025) would have the person anonymised
    # at the next retention job. A pathway cannot close before it opened.
    opened = local_day(case.opened_at)
    if closed_on < opened:
        raise CaseError(_("Il percorso non può chiudersi prima della sua apertura (%(day)s).",
                          day=format_day(opened)), "closed_on")
    last = max((a.delivered_on for a in case.actions if a.delivered_on), default=None)
    if last is not None and closed_on < last:
        raise CaseError(_("Il percorso non può chiudersi prima dell'ultima erogazione (%(day)s).",
                          day=last.strftime("%d/%m/%Y")), "closed_on")
    case.closure_outcome = ClosureOutcome(outcome)
    case.closure_reason = reason
    case.closed_at = utcnow() if closed_on == today else datetime.combine(closed_on, time(12), UTC)
    _set_state(case, CaseState.CLOSED, ["closed_at", "closure_outcome", "closure_reason"])
    offices.withdraw_waiting(case)
    case_closed.send(case)


