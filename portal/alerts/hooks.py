"""The alerts follow the domains below them through their signals (none of them imports alerts).

``referral_changed``, ``case_changed`` (a Case, Action or Verification): re-evaluate the alerts of that
referral or case. Alerts are the node's: when the change comes from an antenna (a referral withdrawn,
resubmitted) the evaluation acts as the node for its few statements, explicitly, as background jobs do.
Deliveries logged by providers are picked up by the job. ``identity_read``: the unusual-access check.
``person_anonymising``: the resolution notes of the alerts about the person's referrals and cases.
"""
from ..cases.signals import case_changed
from ..people.signals import identity_read as person_identity_read
from ..people.signals import person_anonymising
from ..referrals.signals import referral_changed
from ..tenancy.context import acting_as, current


def _target(obj) -> tuple[int, dict] | None:
    from ..cases.models import Action, Case, Verification
    from ..referrals.models import Referral

    if isinstance(obj, Referral):
        return obj.node_id, {"referral_id": obj.id}
    if isinstance(obj, Case):
        return obj.tenant_id, {"case_id": obj.id}
    if isinstance(obj, Action | Verification):
        return obj.tenant_id, {"case_id": obj.case_id}
    return None


@referral_changed.connect
@case_changed.connect
def changed(obj) -> None:
    from .services import evaluate

    target = _target(obj)
    if target is None:
        return
    node_id, scope = target
    if current().tenant_id == node_id or current().system:
        evaluate(node_id, **scope)
        return
    with acting_as(node_id):
        evaluate(node_id, **scope)


@person_identity_read.connect
def identity_read(_person_id=None) -> None:
    """After each audited identity reveal: the cheap check for unusual access."""
    from .security import check_reader

    check_reader()


@person_anonymising.connect
def clear_notes(person) -> list[str]:
    from sqlalchemy import select

    from ..cases.models import Case
    from ..extensions import db
    from ..referrals.models import Referral
    from .services import clear_notes as clear_alert_notes

    case_ids = list(db.session.scalars(select(Case.id).where(Case.person_id == person.id)))
    referral_ids = list(db.session.scalars(select(Referral.id).where(Referral.person_id == person.id)))
    return ["alert.resolution_note"] if clear_alert_notes(case_ids, referral_ids) else []
