"""The right of access (GDPR art. 15): everything held about a person, for the DPO under an open access
request — as JSON, and as a readable printable page (``templates/people/export.html``)."""
import enum

from sqlalchemy import select

from ..accounts.permissions import current_membership
from ..audit.services import record
from ..extensions import db
from ..tenancy.models import Tenant
from .access_log import access_events, readable
from .models import Person
from .services import Forbidden, is_node_dpo, monitoring_of, open_request_for, reveal_identity


def _iso(value):
    return value.isoformat() if value is not None else None


def _value(value):
    return value.value if isinstance(value, enum.Enum) else value


def export_person(person: Person, fmt: str = "json") -> dict:
    """Everything held about the person, for the DPO under an open access request; ``fmt`` (json, html)
    only names the audit event. Attachments are listed (name, type, size, date), never their content."""
    from ..cases import diary as case_diary
    from ..cases.models import Case
    from ..models_base import utcnow
    from ..referrals.models import Attachment, Referral, ReferralEvent
    from .models import RequestKind

    membership = current_membership()
    request = open_request_for(person, kinds=[RequestKind.ACCESS], tenant_id=membership.tenant_id if membership else None)
    if not is_node_dpo(person) or request is None:
        raise Forbidden()
    identity = reveal_identity(person)
    referrals = list(db.session.scalars(select(Referral).where(Referral.person_id == person.id).order_by(Referral.id)))
    tenants = {t.id: t.name for t in db.session.scalars(select(Tenant))}
    events: dict[int, list] = {}
    files: dict[int, list] = {}
    if referrals:
        for event in db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id.in_([r.id for r in referrals])).order_by(ReferralEvent.at)
        ):
            events.setdefault(event.referral_id, []).append(event)
        for attachment in db.session.scalars(
            select(Attachment).where(Attachment.referral_id.in_([r.id for r in referrals])).order_by(Attachment.id)
        ):
            files.setdefault(attachment.referral_id, []).append(attachment)
    cases = list(db.session.scalars(select(Case).where(Case.person_id == person.id).order_by(Case.id)))
    linked = db.session.get(Person, person.linked_person_id) if person.linked_person_id else None
    data = {
        "generated_at": _iso(utcnow()),
        "data_subject_request": {"id": request.id, "kind": request.kind.value, "reference": request.reference},
        "person": {
            "pseudonym": person.pseudonym,
            "created_at": _iso(person.created_at),
            "identity": identity,
            "monitoring": {field: _value(value) for field, value in monitoring_of(person).items()},
            "linked_to": linked.pseudonym if linked is not None else None,
            "legal_hold": bool(person.legal_hold),
            "retain_until": _iso(person.retain_until),
            "anonymised_at": _iso(person.anonymised_at),
        },
        "referrals": [
            {
                "id": r.id, "antenna": tenants.get(r.tenant_id), "state": _value(r.state), "grounds": list(r.grounds or []),
                "context": _value(r.context), "urgency": _value(r.urgency), "situation": r.situation, "needs": r.needs,
                "availability": r.availability, "consent_notice_version": r.consent_notice_version,
                "consent_date": _iso(r.consent_date), "legal_basis_requested": bool(r.legal_basis_requested),
                "legal_basis": _value(r.legal_basis),
                "submitted_at": _iso(r.submitted_at), "decided_at": _iso(r.decided_at),
                "decline_reason": _value(r.decline_reason), "outcome_code": _value(r.outcome_code),
                "events": [
                    {"at": _iso(e.at), "from_state": e.from_state, "to_state": e.to_state, "message": e.message}
                    for e in events.get(r.id, [])
                ],
                "attachments": [
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size, "uploaded_at": _iso(a.created_at)}
                    for a in files.get(r.id, [])
                ],
            }
            for r in referrals
        ],
        "cases": [
            {
                "id": c.id, "state": _value(c.state), "opened_at": _iso(c.opened_at), "closed_at": _iso(c.closed_at),
                "closure_outcome": _value(c.closure_outcome), "closure_reason": c.closure_reason,
                "diary": case_diary.export(c), "grounds": c.grounds,
                "actions": [
                    {
                        "service_type": _value(a.service_type), "phase": _value(a.phase), "status": _value(a.status),
                        "provider": tenants.get(a.provider_id), "planned_start": _iso(a.planned_start),
                        "planned_end": _iso(a.planned_end), "planned_hours": str(a.planned_hours),
                        "delivered_hours": str(a.delivered_hours), "delivered_on": _iso(a.delivered_on),
                        "outcome": a.outcome, "notes": a.notes,
                    }
                    for a in c.actions
                ],
                "verifications": [
                    {
                        "phase": _value(v.phase), "months_after": v.months_after, "due_date": _iso(v.due_date),
                        "done_on": _iso(v.done_on), "job_outcome": _value(v.job_outcome),
                        "contract_type": _value(v.contract_type),
                        "hours_per_week": None if v.hours_per_week is None else str(v.hours_per_week),
                        "sector": v.sector, "start_date": _iso(v.start_date), "still_in_work": v.still_in_work,
                        "difficulties": v.difficulties, "support_needed": v.support_needed,
                    }
                    for v in c.verifications
                ],
            }
            for c in cases
        ],
        "accesses": [
            {
                "at": _iso(line.at), "first_at": _iso(line.first_at), "count": line.count,
                "user": line.user.full_name if line.user else None,
                "organisation": line.tenant.name if line.tenant else None,
                "action": line.action, "description": line.description, "object_type": line.object_type,
                "object_id": line.object_id, "object": line.object_description, "fields": line.field_codes,
                "field_labels": line.fields,
            }
            for line in readable(access_events(person))
        ],
    }
    action = {"json": "person.exported", "html": "person.exported_html", "pdf": "person.exported_pdf"}[fmt]
    record(action, "person", person.id, ["identity", "monitoring", "referrals", "attachments", "cases", "accesses"])
    return data


def labels() -> dict:
    """Label tables the printable export reads its codes through (referral and case labels belong to
    those packages; imported here, at the edge, like the models above)."""
    from flask import current_app

    from ..cases import labels as case_labels
    from ..referrals import labels as referral_labels
    from . import labels as people_labels

    return {
        "REFERRAL_STATE_LABELS": referral_labels.STATE_LABELS, "GROUND_LABELS": referral_labels.GROUND_LABELS,
        "CONTEXT_LABELS": referral_labels.CONTEXT_LABELS, "URGENCY_LABELS": referral_labels.URGENCY_LABELS,
        "DECLINE_LABELS": referral_labels.DECLINE_LABELS, "OUTCOME_LABELS": referral_labels.OUTCOME_LABELS, "LEGAL_BASIS_LABELS": referral_labels.LEGAL_BASIS_LABELS,
        "CASE_STATE_LABELS": case_labels.CASE_STATE_LABELS, "CLOSURE_OUTCOME_LABELS": case_labels.CLOSURE_OUTCOME_LABELS,
        "SERVICE_TYPE_LABELS": case_labels.SERVICE_TYPE_LABELS, "ACTION_PHASE_LABELS": case_labels.ACTION_PHASE_LABELS,
        "ACTION_STATUS_LABELS": case_labels.ACTION_STATUS_LABELS,
        "VERIFICATION_PHASE_LABELS": case_labels.VERIFICATION_PHASE_LABELS,
        "JOB_OUTCOME_LABELS": case_labels.JOB_OUTCOME_LABELS, "CONTRACT_TYPE_LABELS": case_labels.CONTRACT_TYPE_LABELS,
        "MONITORING_LABELS": {
            "gender": people_labels.GENDER_LABELS, "age_band": people_labels.AGE_BAND_LABELS,
            "citizenship_group": people_labels.CITIZENSHIP_LABELS, "labour_status": people_labels.LABOUR_LABELS,
            "education_level": people_labels.EDUCATION_LABELS, "disability": people_labels.YES_NO_CODES,
        },
        "FIELD_NAMES": people_labels.MONITORING_FIELD_LABELS, "IDENTITY_LABELS": people_labels.IDENTITY_LABELS,
        "retention_years": current_app.config["RETENTION_YEARS"], "when": when, "kilobytes": kilobytes, "hours": hours,
    }


def when(value: str | None, time: bool = True) -> str:
    """An ISO date or timestamp of the export, as dd/mm/yyyy [hh:mm]."""
    from datetime import date, datetime

    from ..i18n import format_day, format_moment

    if not value:
        return ""
    if len(value) == 10:
        return format_day(date.fromisoformat(value))
    moment = datetime.fromisoformat(value)
    return format_moment(moment) if time else format_day(moment)


def kilobytes(size: int | None) -> str:
    from ..i18n import format_number

    return f"{format_number((size or 0) / 1024, 1)} kB"


def hours(value: str | None) -> str:
    from decimal import Decimal

    from ..i18n import format_number

    return format_number(Decimal(value), 2) if value not in (None, "None") else ""
