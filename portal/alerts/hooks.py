"""The one hook other domains call after a change: re-evaluate the alerts of that referral or case.

``changed(obj)`` takes a Referral, Case, Action or Verification. Alerts are the node's: when the change
comes from an antenna (a referral withdrawn, resubmitted) the evaluation acts as the node for its few
statements, explicitly, as background jobs do. Deliveries logged by providers are picked up by the job.
"""
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


def identity_read() -> None:
    """Called after each audited identity reveal: the cheap check for unusual access."""
    from .security import check_reader

    check_reader()
