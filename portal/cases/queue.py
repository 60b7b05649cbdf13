"""The cases' part of the home page's work queue (portal/core/queue.py).

Case worker: new cases assigned to them (still open: the pathway not started), actions past their planned
end (or start, without an end), phase-2 follow-ups due within ``FOLLOW_UP_NOTICE_DAYS`` or overdue.
Coordinator: cases without a case worker, urgent first. A public office's users: the pathway actions a node
referred to them, not yet taken in charge, oldest first (offices.py). One statement per queue.
"""
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Index, func, select, text

from ..accounts.models import Role
from ..accounts.permissions import is_office_member
from ..core import queue
from ..core.queue import Item
from ..i18n import lazy_gettext as _l
from .labels import SERVICE_TYPE_LABELS
from .models import (
    ENDED_STATES,
    Action,
    ActionStatus,
    Case,
    CaseState,
    CaseTransfer,
    OfficeReferral,
    OfficeReferralState,
    ServiceType,
    TransferState,
    Verification,
    VerificationPhase,
)

FOLLOW_UP_NOTICE_DAYS = 7
OPEN_ACTION = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
# Closed or transferred away: written into the SQL (queue.inline) so `state <> 'closed'` partial indexes apply.
_NOT_ENDED = tuple(Case.state != queue.inline(state) for state in ENDED_STATES)

# Migration 0023: a case worker's cases by state (and the unassigned ones, case_worker_id IS NULL); the
# actions still to do by status with their dates; the follow-ups not recorded by due date.
Index("ix_cases_worker_state_opened", Case.case_worker_id, Case.state, Case.opened_at)
Index("ix_actions_status_due", Action.status, Action.planned_end, Action.planned_start, Action.case_id)
Index("ix_verifications_pending_due", Verification.done_on, Verification.due_date, Verification.id)

# Migration 0031: partial indexes holding exactly each queue's rows in the queue's order, so the first page
# stops after a few entries and the capped count reads at most COUNT_CAP of them from the index alone
# (the 0023 ones left a sort of every open case, or a heap visit per pending row, on 100,000 cases).
OVERDUE_DUE = func.coalesce(Action.planned_end, Action.planned_start)
_OPEN_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in OPEN_ACTION) + ")"
Index("ix_cases_queue_new", Case.case_worker_id, Case.tenant_id, Case.urgent.desc(), Case.opened_at, Case.id,
      postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'"))
Index("ix_cases_queue_unassigned", Case.tenant_id, Case.urgent.desc(), Case.opened_at, Case.id,
      postgresql_where=text("case_worker_id IS NULL AND state <> 'closed'"),
      sqlite_where=text("case_worker_id IS NULL AND state <> 'closed'"))
# The other queues' rows are checked against their case (assigned to this case worker, not closed): this
# index answers that check without reading the case.
Index("ix_cases_queue_check", Case.id, Case.case_worker_id, Case.state, Case.tenant_id)
Index("ix_actions_queue_open_due", Action.tenant_id, OVERDUE_DUE, Action.id, Action.case_id,
      postgresql_include=["provider_id"], postgresql_where=text(_OPEN_SQL), sqlite_where=text(_OPEN_SQL))
# Migration 0039: the overdue actions of a case worker's cases without reading the cases: the case worker
# is copied onto the action by triggers (action_worker.py), NULL once the case has ended. provider_id is
# included for the row-level security filter (tenant OR provider), so the capped count reads the index only.
Index("ix_actions_queue_worker_due", Action.active_case_worker_id, Action.tenant_id, OVERDUE_DUE, Action.id,
      postgresql_include=["provider_id"], postgresql_where=text(_OPEN_SQL), sqlite_where=text(_OPEN_SQL))
Index("ix_verifications_queue_pending", Verification.tenant_id, Verification.due_date, Verification.id, Verification.case_id,
      postgresql_where=text("done_on IS NULL AND phase = 'inclusion'"),
      sqlite_where=text("done_on IS NULL AND phase = 'inclusion'"))
# Migration 0041: an office's referrals still waiting, in the queue's order; tenant_id (the node, the row's
# owner) included for the row-level security filter (owner OR peer), so the capped count reads the index alone.
Index("ix_office_referrals_queue_waiting", OfficeReferral.peer_id, OfficeReferral.referred_at, OfficeReferral.id,
      postgresql_include=["tenant_id"], postgresql_where=text("state = 'referred'"),
      sqlite_where=text("state = 'referred'"))


def _case_worker(membership) -> bool:
    return membership.role == Role.CASE_WORKER and membership.tenant.is_node


def _coordinator(membership) -> bool:
    return membership.role == Role.COORDINATOR and membership.tenant.is_node


def _case_item(row, note_days: bool = True) -> Item:
    note = _("urgente") if row.urgent else None
    if note_days:
        age = queue.waiting_since(row.opened_at)
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
    statement = _cases(membership).where(Case.case_worker_id == membership.user_id, Case.state == queue.inline(CaseState.OPEN))
    return queue.page_of(statement, limit, offset, _case_item)


@queue.source("cases.unassigned", _l("Casi senza case manager"), applies=_coordinator, order=20)
def unassigned(membership, limit, offset):
    statement = _cases(membership).where(Case.case_worker_id.is_(None), *_NOT_ENDED)
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
        note=queue.waiting_since(row.proposed_at),
    ))


@queue.source("cases.actions_overdue", _l("Azioni in ritardo"), applies=_case_worker, order=21,
              hint=_l("Azioni dei tuoi casi non concluse oltre la fine prevista."))
def actions_overdue(membership, limit, offset):
    # Past the planned end, or the start when no end is planned: one expression, the index's. The action's
    # copy of its case's case worker is NULL once the case has ended (closed or transferred away).
    statement = (
        select(Action.id, Action.service_type, Action.pseudonym, OVERDUE_DUE.label("due"))
        .where(
            Action.active_case_worker_id == membership.user_id, Action.tenant_id == membership.tenant_id,
            Action.status.in_([queue.inline(s) for s in OPEN_ACTION]), OVERDUE_DUE < queue.today(),
        )
        .order_by(OVERDUE_DUE, Action.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        f"{row.pseudonym} – {SERVICE_TYPE_LABELS[ServiceType(row.service_type)]}",
        url_for("cases.edit_action", action_id=row.id), queue.as_day(row.due),
        note=queue.late_since(row.due), late=True,
    ))


@queue.source("cases.follow_ups", _l("Follow-up della fase 2 da registrare"), applies=_case_worker, order=22,
              hint=_l("In scadenza nei prossimi %(days)s giorni o già scaduti.", days=FOLLOW_UP_NOTICE_DAYS))
def follow_ups(membership, limit, offset):
    today = queue.today()
    statement = (
        select(Verification.case_id, Verification.months_after, Verification.due_date, Case.pseudonym)
        .join(Case, Case.id == Verification.case_id)
        .where(
            Verification.tenant_id == membership.tenant_id, Verification.phase == queue.inline(VerificationPhase.INCLUSION),
            Verification.done_on.is_(None), Verification.due_date <= today + timedelta(days=FOLLOW_UP_NOTICE_DAYS),
            Case.case_worker_id == membership.user_id, *_NOT_ENDED,
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


@queue.source("cases.office_waiting", _l("Persone da prendere in carico"), applies=is_office_member,
              order=5,
              hint=_l("Inviate dal nodo al vostro ufficio per un'azione del percorso, le più vecchie per prime."))
def office_waiting(membership, limit, offset):
    statement = (
        select(OfficeReferral.id, OfficeReferral.pseudonym, OfficeReferral.service_type, OfficeReferral.referred_at)
        .where(OfficeReferral.peer_id == membership.tenant_id,
               OfficeReferral.state == queue.inline(OfficeReferralState.REFERRED))
        .order_by(OfficeReferral.referred_at, OfficeReferral.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        f"{row.pseudonym} – {SERVICE_TYPE_LABELS[ServiceType(row.service_type)]}",
        url_for("cases.office_referral", referral_id=row.id), queue.as_day(row.referred_at),
        note=queue.waiting_since(row.referred_at),
    ))
