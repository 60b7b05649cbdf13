"""Removing a draft the antenna never sent (an undone bulk import): the referral and, when nothing else
refers to them, its person.

Only a draft never submitted qualifies: the node never saw it, no case, event or attachment hangs on it,
so removing it leaves no trace anywhere but the audit log (which records the removal).
"""
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..extensions import db
from .models import Attachment, Referral, ReferralEvent, ReferralState
from .services import ANTENNA, Forbidden, ReferralError, side_of_current_user


def discardable(referral: Referral) -> bool:
    """A draft never sent, without events or attachments."""
    if referral.state != ReferralState.DRAFT or referral.submitted_at is not None:
        return False
    for model in (ReferralEvent, Attachment):
        if db.session.scalar(select(func.count(model.id)).where(model.referral_id == referral.id)):
            return False
    return True


def discard_draft(referral: Referral) -> bool:
    """Delete the draft (and its person if no other referral has them); True if the person went too."""
    if side_of_current_user(referral) != ANTENNA:
        raise Forbidden()
    if not discardable(referral):
        raise ReferralError(_("La segnalazione è già stata inviata o ha allegati: non può essere eliminata."))
    person = referral.person
    referral_id = referral.id
    db.session.delete(referral)
    db.session.flush()
    record("referral.discarded", "referral", referral_id, [])
    others = db.session.scalar(select(func.count(Referral.id)).where(Referral.person_id == person.id))
    if others:
        return False
    person_id = person.id
    db.session.delete(person)
    db.session.flush()
    record("person.discarded", "person", person_id, [])
    return True
