"""Signals of the referral domain, for the layers above it (the API's webhooks) to subscribe to."""
from blinker import Namespace

_signals = Namespace()

# sent(referral, transition=name) inside the transition's transaction, after its rows are flushed
state_changed = _signals.signal("referral-state-changed")
# sent(referral) once a transition's rows are flushed, before its notices: the alerts re-evaluate it
referral_changed = _signals.signal("referral-changed")
