"""Signals of the public-report domain, for the layers above it (the API's webhooks) to subscribe to."""
from blinker import Namespace

_signals = Namespace()

# sent(report) inside the submission's transaction, acting as the competent node, after the rows are flushed
report_received = _signals.signal("public-report-received")
