"""The cases' part of the home page's work queue (portal/core/queue.py).

Case worker: new cases assigned to them (still open: the pathway not started), actions past their planned
end (or start, without an end), phase-2 follow-ups due within ``FOLLOW_UP_NOTICE_DAYS`` or overdue.
Coordinator: cases without a case worker, urgent first. One statement per queue.
"""
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, and_, func, or_, select

from ..accounts.models import Role
from ..core import queue
from ..core.queue import Item
from .labels import SERVICE_TYPE_LABELS
from .models import (
    ENDED_STATES,
    Action,
    ActionStatus,
    Case,
    CaseState,
    CaseTransfer,
    ServiceType,
    TransferState,
    Verification,
    VerificationPhase,
)

FOLLOW_UP_NOTICE_DAYS = 7
OPEN_ACTION = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)

# Migration 0023: a case worker's cases by state (and the unassigned ones, case_worker_id IS NULL); the
# actions still to do by status with their dates; the follow-ups not recorded by due date.
Index("ix_cases_worker_state_opened", Case.case_worker_id, Case.state, Case.opened_at)
Index("ix_actions_status_due", Action.status, Action.planned_end, Action.planned_start, Action.case_id)
Index("ix_verifications_pending_due", Verification.done_on, Verification.due_date, Verification.id)


def _case_worker(membership) -> bool:
    return membership.role == Role.CASE_WORKER and membership.tenant.is_node


def _coordinator(membership) -> bool:
    return membership.role == Role.COORDINATOR and membership.tenant.is_node


def _case_item(row, note_days: bool = True) -> Item:
    days = queue.days_since(row.opened_at)
    note = _("urgente") if row.urgent else None
    if note_days:
        age = _("da %(days)s giorni", days=days)
        note = f"{note}, {age}" if note else age
    return Item(row.pseudonym, url_for("cases.detail", case_id=row.id), queue.as_day(row.opened_at), note=note,
                late=bool(row.urgent))


def _cases(membership):
    return (
        select(Case.id, Case.pseudonym, Case.urgent, Case.opened_at)
        .where(Case.tenant_id == membership.tenant_id)
        .order_by(Case.urgent.desc(), Case.opened_at, Case.id)
    )


@queue.source("cases.new", _l("Nuovi casi assegnati a te"), applies=_case_worker, order=20,
              hint=_l("Casi aperti in cui il percorso non è ancora iniziato."))
def new_cases(membership, limit, offset):
    statement = _cases(membership).where(Case.case_worker_id == membership.user_id, Case.state == CaseState.OPEN)
    return queue.page_of(statement, limit, offset, _case_item)


@queue.source("cases.unassigned", _l("Casi senza case manager"), applies=_coordinator, order=20)
def unassigned(membership, limit, offset):
    statement = _cases(membership).where(Case.case_worker_id.is_(None), Case.state.not_in(ENDED_STATES))
    return queue.page_of(statement, limit, offset, _case_item)


@queue.source("cases.transfers_in", _l("Trasferimenti in arrivo"), applies=_coordinator, order=19,
              hint=_l("Casi che un altro nodo della regione propone al tuo: accogli o non accogli."))
def transfers_in(membership, limit, offset):
    # Served by ix_case_transfers_peer_state (migration 0033).
    statement = (
        select(CaseTransfer.id, CaseTransfer.pseudonym, CaseTransfer.proposed_at)
        .where(CaseTransfer.peer_id == membership.tenant_id, CaseTransfer.state == TransferState.PENDING)
        .order_by(CaseTransfer.proposed_at, CaseTransfer.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        row.pseudonym, url_for("cases.transfer_detail", transfer_id=row.id), queue.as_day(row.proposed_at),
        note=_("da %(days)s giorni", days=queue.days_since(row.proposed_at)),
    ))


@queue.source("cases.actions_overdue", _l("Azioni in ritardo"), applies=_case_worker, order=21,
              hint=_l("Azioni dei tuoi casi non concluse oltre la fine prevista."))
def actions_overdue(membership, limit, offset):
    today = queue.today()
    due = func.coalesce(Action.planned_end, Action.planned_start)
    statement = (
        select(Action.id, Action.service_type, Action.pseudonym, due.label("due"))
        .join(Case, Case.id == Action.case_id)
        .where(
            Action.tenant_id == membership.tenant_id, Action.status.in_(OPEN_ACTION),
            or_(Action.planned_end < today, and_(Action.planned_end.is_(None), Action.planned_start < today)),
            Case.case_worker_id == membership.user_id, Case.state.not_in(ENDED_STATES),
        )
        .order_by(due, Action.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        f"{row.pseudonym} – {SERVICE_TYPE_LABELS[ServiceType(row.service_type)]}",
        url_for("cases.edit_action", action_id=row.id), queue.as_day(row.due),
        note=_("in ritardo di %(days)s giorni", days=queue.days_since(row.due)), late=True,
    ))


@queue.source("cases.follow_ups", _l("Follow-up della fase 2 da registrare"), applies=_case_worker, order=22,
              hint=_l("In scadenza nei prossimi %(days)s giorni o già scaduti.", days=FOLLOW_UP_NOTICE_DAYS))
def follow_ups(membership, limit, offset):
    today = queue.today()
    statement = (
        select(Verification.case_id, Verification.months_after, Verification.due_date, Case.pseudonym)
        .join(Case, Case.id == Verification.case_id)
        .where(
            Verification.tenant_id == membership.tenant_id, Verification.phase == VerificationPhase.INCLUSION,
            Verification.done_on.is_(None), Verification.due_date <= today + timedelta(days=FOLLOW_UP_NOTICE_DAYS),
            Case.case_worker_id == membership.user_id, Case.state.not_in(ENDED_STATES),
        )
        .order_by(Verification.due_date, Verification.id)
    )

    def item(row):
        late = row.due_date < today
        return Item(
            _("%(pseudonym)s – follow-up a %(months)s mesi", pseudonym=row.pseudonym, months=row.months_after),
            url_for("cases.follow_up", case_id=row.case_id, months=row.months_after), row.due_date,
            note=_("scaduto") if late else _("in scadenza"), late=late,
        )

    return queue.page_of(statement, limit, offset, item)
