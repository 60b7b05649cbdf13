"""Signals the cases layer sends to the layers above it (cases never imports budget; budget listens).

``action_planned`` — an action with a provider needs its service order: sent when the action is
planned, and again when someone orders an action left "to order". The sender is the ``Action``; the
keyword ``override_reason`` carries the audited reason for ordering beyond a contract line's quantity.
Receivers run in the same transaction (they flush, never commit) and return an :class:`OrderResult`:
the budget's receiver (``portal/budget/ordering.py``, connected when the budget package is imported)
creates the order on a contract line that covers the service and the period, or says what is missing.

:func:`request_order` sends it and reads the answers. With no receiver, or none that ordered, the
action is "to order": saved, visible to nobody outside the node, and orderable later.
"""
from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()
action_planned = _signals.signal("action-planned")
# sent(obj) when a case, or one of its actions or verifications, changed (flushed): the alerts listen
case_changed = _signals.signal("case-changed")
# sent(action) when an action with a provider was cancelled (flushed): the budget ends its order
action_cancelled = _signals.signal("action-cancelled")
# sent(case) acting as the sending node, once its case moved to another node (flushed): the person is no
# longer its to follow, so the budget revokes the providers' identity grants for the case
case_transferred = _signals.signal("case-transferred")
# sent(case) once its pathway was closed (flushed): nobody follows the person any more, so the budget revokes
# the providers' identity grants for the case (they already stopped counting: budget/grants.live)
case_closed = _signals.signal("case-closed")


@dataclass(frozen=True)
class OrderResult:
    """A receiver's answer: ``ordered`` (an order now exists for the action), or why not."""

    ordered: bool
    message: str | None = None
    field_name: str | None = None
    order_id: int | None = None


def request_order(action, override_reason: str | None = None) -> OrderResult:
    """Ask the layers above to order ``action``; the first answer that ordered wins, else the first refusal."""
    answers = [result for _, result in action_planned.send(action, override_reason=override_reason)
               if isinstance(result, OrderResult)]
    for answer in answers:
        if answer.ordered:
            return answer
    return answers[0] if answers else OrderResult(False)
