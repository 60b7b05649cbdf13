"""Signals of the referral domain, for the layers above it (the pathway, the alerts, the API's webhooks) to
answer or subscribe to: the referral never imports them."""
from blinker import Namespace

_signals = Namespace()

# sent(referral, transition=name) inside the transition's transaction, after its rows are flushed
state_changed = _signals.signal("referral-state-changed")
# sent(referral) once a transition's rows are flushed, before its notices: the alerts re-evaluate it
referral_changed = _signals.signal("referral-changed")
# sent(referral, case_worker_id=…, urgent=…) by the ``accept`` transition: the pathway opens the person's case
# in the same transaction and answers it. Nobody answering is an error (the cases package is not loaded).
referral_accepted = _signals.signal("referral-accepted")
# sent(referral, membership=m) by ``services.can_read_texts`` for the node's case workers: a receiver answers
# True when its domain grants them the texts (the pathway: the referral's case is assigned to them). Nobody
# answering is a refusal.
texts_needed = _signals.signal("referral-texts-needed")
# sent(referral) by the referral page, for the node's staff once it is accepted: the case opened from it, as
# ``(case, url)`` (url None where the reader may not open the case page).
referral_case = _signals.signal("referral-case")
