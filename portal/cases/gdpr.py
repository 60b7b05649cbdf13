"""The cases' part of the data subject's rights (people sends, cases answer; people never imports cases):
anonymisation clears the case's texts and documents and its transfers' copies (identity, snapshot), the art. 15
export gets the ``cases`` section and its labels, retention learns from the pathway (referral decided, withdrawn,
case closed or transferred, draft never sent) when the period may start, the access log gets the cases, actions,
verifications and transfers, and the assigned case worker may see the identity (``identity_needed``)."""
from sqlalchemy import select

from ..extensions import db
from ..people.export import code, iso
from ..people.gdpr import UnsentDraft, clear_about, clear_columns, day_of, rows_about
from ..people.signals import (
    export_labels,
    identity_needed,
    person_anonymising,
    person_exporting,
    person_objects,
    retention_starts,
)
from .models import Action, Case, CaseDocument, CaseTransfer, OfficeReferral, Verification

# Free texts that may identify the person, cleared on anonymisation: columns per row of theirs.
CASE_TEXTS = ("closure_reason",)  # the internal notes are the case diary's (diary.clear_texts)
ACTION_TEXTS = ("notes", "outcome")
VERIFICATION_TEXTS = ("difficulties", "support_needed", "evidence")


@person_anonymising.connect
def clear_texts(person) -> list[str]:
    from . import diary, legal, transfer_reads
    from .documents import delete_documents

    case_ids, cleared = clear_about(Case, person, CASE_TEXTS, "case")
    if case_ids:
        cleared += diary.clear_texts(case_ids)
        cleared += legal.clear_texts(case_ids)
        cleared += transfer_reads.clear_texts(case_ids)
        if delete_documents(case_ids):
            cleared.append("case.documents")
        cleared += clear_columns(db.session.scalars(select(Action).where(Action.case_id.in_(case_ids))),
                                 ACTION_TEXTS, "action")
        cleared += clear_columns(db.session.scalars(select(OfficeReferral).join(Action, Action.id == OfficeReferral.action_id)
                                                    .where(Action.case_id.in_(case_ids))),
                                 ("outcome_note_enc",), "office_referral")
        cleared += clear_columns(db.session.scalars(select(Verification).where(Verification.case_id.in_(case_ids))),
                                 VERIFICATION_TEXTS, "verification")
    return cleared


@person_exporting.connect
def export_section(person, *, tenants: dict) -> dict:
    from . import diary

    return {"cases": [
        {
            "id": c.id, "state": code(c.state), "opened_at": iso(c.opened_at), "closed_at": iso(c.closed_at),
            "closure_outcome": code(c.closure_outcome), "closure_reason": c.closure_reason,
            "diary": diary.export(c), "grounds": c.grounds,
            "actions": [
                {
                    "service_type": code(a.service_type), "phase": code(a.phase), "status": code(a.status),
                    "provider": tenants.get(a.provider_id), "planned_start": iso(a.planned_start),
                    "planned_end": iso(a.planned_end), "planned_hours": str(a.planned_hours),
                    "delivered_hours": str(a.delivered_hours), "delivered_on": iso(a.delivered_on),
                    "outcome": a.outcome, "notes": a.notes,
                }
                for a in c.actions
            ],
            "verifications": [
                {
                    "phase": code(v.phase), "months_after": v.months_after, "due_date": iso(v.due_date),
                    "done_on": iso(v.done_on), "job_outcome": code(v.job_outcome),
                    "contract_type": code(v.contract_type),
                    "hours_per_week": None if v.hours_per_week is None else str(v.hours_per_week),
                    "sector": v.sector, "start_date": iso(v.start_date), "still_in_work": v.still_in_work,
                    "difficulties": v.difficulties, "support_needed": v.support_needed,
                }
                for v in c.verifications
            ],
        }
        for c in rows_about(Case, person)
    ]}


@export_labels.connect
def labels(_sender) -> dict:
    from . import labels as case_labels

    return {
        "CASE_STATE_LABELS": case_labels.CASE_STATE_LABELS, "CLOSURE_OUTCOME_LABELS": case_labels.CLOSURE_OUTCOME_LABELS,
        "SERVICE_TYPE_LABELS": case_labels.SERVICE_TYPE_LABELS, "ACTION_PHASE_LABELS": case_labels.ACTION_PHASE_LABELS,
        "ACTION_STATUS_LABELS": case_labels.ACTION_STATUS_LABELS,
        "VERIFICATION_PHASE_LABELS": case_labels.VERIFICATION_PHASE_LABELS,
        "JOB_OUTCOME_LABELS": case_labels.JOB_OUTCOME_LABELS, "CONTRACT_TYPE_LABELS": case_labels.CONTRACT_TYPE_LABELS,
    }


@retention_starts.connect
def retention(persons) -> tuple[dict[int, list], set[int], dict[int, list]]:
    """Per person, the days a retention period may run from — a referral declined or withdrawn, a case
    closed or transferred — the persons with a referral or case still in progress, and the referrals never
    sent: a draft (the day it was last worked on) or one withdrawn before sending (the day it was withdrawn).
    Only their author's tenant sees those, so they count when retention acts as it (the antennas' pass)."""
    from sqlalchemy import func

    from ..referrals.models import Attachment, Referral, ReferralEvent, ReferralState
    from .models import CaseState

    ids = [p.id for p in persons]
    referrals = list(db.session.scalars(select(Referral).where(Referral.person_id.in_(ids))))
    cases = {c.referral_id: c for c in db.session.scalars(select(Case).where(Case.person_id.in_(ids)))}
    withdrawn: dict[int, object] = {}
    uploaded: dict[int, object] = {}
    if referrals:
        for event in db.session.scalars(
            select(ReferralEvent).where(
                ReferralEvent.referral_id.in_([r.id for r in referrals]), ReferralEvent.to_state == ReferralState.WITHDRAWN.value
            )
        ):
            withdrawn[event.referral_id] = max(event.at, withdrawn.get(event.referral_id, event.at))
        drafts = [r.id for r in referrals if r.state == ReferralState.DRAFT]
        if drafts:  # a file added to a draft is work on it too
            uploaded = dict(db.session.execute(
                select(Attachment.referral_id, func.max(Attachment.created_at))
                .where(Attachment.referral_id.in_(drafts)).group_by(Attachment.referral_id)).all())
    starts: dict[int, list] = {}
    active: set[int] = set()
    unsent: dict[int, list] = {}
    for r in referrals:
        days = starts.setdefault(r.person_id, [])
        if r.state == ReferralState.DRAFT:
            touched = [day_of(t) for t in (r.updated_at, r.person.updated_at, uploaded.get(r.id)) if t is not None]
            unsent.setdefault(r.person_id, []).append(UnsentDraft(max(touched), withdrawn=False))
        elif r.state == ReferralState.WITHDRAWN and r.submitted_at is None:
            unsent.setdefault(r.person_id, []).append(
                UnsentDraft(day_of(withdrawn.get(r.id) or r.updated_at), withdrawn=True))
        elif r.state == ReferralState.DECLINED:
            days.append(day_of(r.decided_at or r.updated_at))
        elif r.state == ReferralState.WITHDRAWN:
            days.append(day_of(withdrawn.get(r.id) or r.decided_at or r.updated_at))
        elif r.state == ReferralState.ACCEPTED:
            case = cases.get(r.id)
            if case is not None and case.state == CaseState.CLOSED and case.closed_at is not None:
                days.append(day_of(case.closed_at))
            elif case is not None and case.state == CaseState.TRANSFERRED:
                # Moved to another node: read-only since, so its last change is the transfer itself.
                days.append(day_of(case.updated_at))
            else:
                active.add(r.person_id)
        else:
            active.add(r.person_id)
    return starts, active, unsent


@person_objects.connect
def objects(person) -> list[tuple[str, str]]:
    from .transfer_reads import of_cases

    case_ids = [c.id for c in rows_about(Case, person)]
    found = [("case", str(i)) for i in case_ids]
    if case_ids:
        for model, object_type in ((Action, "action"), (Verification, "verification"), (CaseDocument, "case_document")):
            found += [(object_type, str(i)) for i in db.session.scalars(
                select(model.id).where(model.case_id.in_(case_ids)).order_by(model.id))]
        # A transfer carries the person's identity and story: its reads are reads of the person.
        found += [("case_transfer", str(t.id)) for t in db.session.scalars(of_cases(case_ids).order_by(CaseTransfer.id))]
    return found


@identity_needed.connect
def assigned_case_worker(person, *, membership) -> bool:
    from ..accounts.models import Role

    return membership.role == Role.CASE_WORKER and db.session.scalar(
        select(Case.id).where(Case.person_id == person.id, Case.case_worker_id == membership.user_id)
    ) is not None
