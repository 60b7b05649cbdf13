"""Case rules: opening a case when a referral is accepted; the rest of the pathway lives here too."""
from sqlalchemy import select

from ..extensions import db
from ..models_base import utcnow
from .models import Case, CaseState


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
    db.session.flush()
    return case
