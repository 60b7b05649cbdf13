"""The referrals' part of the data subject's rights (people sends, referrals answer; people never imports
referrals): anonymisation clears the referral's texts, messages and attachments; the art. 15 export gets
the ``referrals`` section and its labels; the access log, the referrals and their attachments; the
comparison of a duplicate pair, the referrals."""
from sqlalchemy import select

from ..extensions import db
from ..people.export import code, iso
from ..people.gdpr import clear_about, rows_about
from ..people.signals import export_labels, pair_summary, person_anonymising, person_exporting, person_objects
from .attachments import delete_attachments
from .models import Attachment, Referral, ReferralEvent

# Free texts that may identify the person, cleared on anonymisation.
REFERRAL_TEXTS = ("situation_enc", "needs_enc", "availability")


@person_anonymising.connect
def clear_texts(person) -> list[str]:
    referral_ids, cleared = clear_about(Referral, person, REFERRAL_TEXTS, "referral")
    if referral_ids:
        for event in db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id.in_(referral_ids), ReferralEvent.message.isnot(None))
        ):
            event.message = None
            cleared.append("referral_event.message")
        if delete_attachments(referral_ids):
            cleared.append("referral.attachments")
    return cleared


@person_exporting.connect
def export_section(person, *, tenants: dict) -> dict:
    """Attachments are listed (name, type, size, date), never their content."""
    referrals = rows_about(Referral, person)
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
    return {"referrals": [
        {
            "id": r.id, "antenna": tenants.get(r.tenant_id), "state": code(r.state), "grounds": list(r.grounds or []),
            "context": code(r.context), "urgency": code(r.urgency), "situation": r.situation, "needs": r.needs,
            "availability": r.availability, "consent_notice_version": r.consent_notice_version,
            "consent_date": iso(r.consent_date), "legal_basis_requested": bool(r.legal_basis_requested),
            "legal_basis": code(r.legal_basis),
            "submitted_at": iso(r.submitted_at), "decided_at": iso(r.decided_at),
            "decline_reason": code(r.decline_reason), "outcome_code": code(r.outcome_code),
            "events": [
                {"at": iso(e.at), "from_state": e.from_state, "to_state": e.to_state, "message": e.message}
                for e in events.get(r.id, [])
            ],
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size, "uploaded_at": iso(a.created_at)}
                for a in files.get(r.id, [])
            ],
        }
        for r in referrals
    ]}


@export_labels.connect
def labels(_sender) -> dict:
    from . import labels as referral_labels

    return {
        "REFERRAL_STATE_LABELS": referral_labels.STATE_LABELS, "GROUND_LABELS": referral_labels.GROUND_LABELS,
        "CONTEXT_LABELS": referral_labels.CONTEXT_LABELS, "URGENCY_LABELS": referral_labels.URGENCY_LABELS,
        "DECLINE_LABELS": referral_labels.DECLINE_LABELS, "OUTCOME_LABELS": referral_labels.OUTCOME_LABELS,
        "LEGAL_BASIS_LABELS": referral_labels.LEGAL_BASIS_LABELS,
    }


@person_objects.connect
def objects(person) -> list[tuple[str, str]]:
    referral_ids = [r.id for r in rows_about(Referral, person)]
    found = [("referral", str(i)) for i in referral_ids]
    if referral_ids:
        found += [("attachment", str(i)) for i in db.session.scalars(
            select(Attachment.id).where(Attachment.referral_id.in_(referral_ids)).order_by(Attachment.id))]
    return found


@pair_summary.connect
def summary(person) -> dict:
    return {"referrals": rows_about(Referral, person)}
